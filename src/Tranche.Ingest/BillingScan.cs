using System.Diagnostics;
using DuckDB.NET.Data;

namespace Tranche.Ingest;

/// <summary>Where a scan is: rows read so far out of the estimate, and bytes.</summary>
public readonly record struct ScanProgress(long RowsRead, long RowsTotal, long BytesRead, long BytesTotal, TimeSpan Elapsed);

/// <summary>The statements of a scan that groups on source cells; see <see cref="BillingScan.Plan"/>.</summary>
/// <param name="Statements">The grouping passes (and their splitting), in order.</param>
/// <param name="Reads">How many of the first statements read the files (for progress).</param>
/// <param name="FineReady">After how many statements the fine groups exist, so <paramref name="KeyFailures"/> can be asked.</param>
/// <param name="KeyFailures">Counts the rows failing a check on key cells.</param>
/// <param name="Assemble">Builds the scan table from the groups, in the layout <see cref="BillingScan.BuildSql"/> writes.</param>
/// <param name="Drop">Drops the intermediate tables.</param>
internal sealed record ScanPlan(IReadOnlyList<string> Statements, int Reads, int FineReady, string KeyFailures, string Assemble, string Drop);

/// <summary>
/// DuckDB over a source: every row is checked, normalized and aggregated into all the fact groupings, and the small
/// result is kept in a DuckDB temp table for the loader to read. Normally by grouping on source cells
/// (<see cref="Plan"/>); row by row in one pass (<see cref="BuildSql"/>) when key cells fail their checks.
/// Memory is bounded by the number of groups, not by the size of the files.
/// </summary>
internal sealed class BillingScan
{
    /// <summary>
    /// The fine grouping: everything charges, usage pools, commitments and coverage are keyed by, at the charge period,
    /// plus the row flags (bad, demand, covered, unused) so that every aggregate is a plain sum and the facts are
    /// derived from the groups afterwards (tens of thousands of them, not millions of rows).
    /// </summary>
    internal static readonly string[] FineKey =
    [
        "provider_name", "billing_account_id", "billing_account_name", "billing_period_start", "billing_period_end", "currency", "sub_account_id",
        "region_id", "service_name", "service_category", "sku_id", "instance_type", "platform", "consumed_unit", "charge_category", "charge_class",
        "charge_frequency", "pricing_category", "commitment_id", "commitment_name", "commitment_category", "commitment_type", "commitment_unit",
        "charge_period_start", "charge_period_end", "bad", "is_demand", "is_covered", "is_unused_commitment",
    ];

    /// <summary>Resource days, with the flags that split their sums.</summary>
    internal static readonly string[] ResourceDayKey =
        ["provider_name", "billing_account_id", "billing_period_start", "resource_id", "day", "bad", "is_demand", "is_covered", "is_spot", "consumed_unit"];

    /// <summary>Resource attributes as keys of their own grouping: one group per resource (and per variant of its attributes).</summary>
    internal static readonly string[] ResourceKey =
    [
        "provider_name", "billing_account_id", "resource_id", "resource_name", "resource_type", "availability_zone", "tags", "service_name",
        "service_category", "region_id", "sub_account_id", "sku_id", "instance_type", "platform", "consumed_unit", "is_spot",
    ];

    /// <summary>The canonical columns each grouping is made of (its key, less the flags derived from them).</summary>
    private static readonly string[] FineColumns = [.. FineKey.Except(["bad", "is_demand"])];

    private static readonly string[] ResourceDayColumns =
    [
        "provider_name", "billing_account_id", "billing_period_start", "resource_id", "consumed_unit", "charge_category", "charge_class",
        "pricing_category", "is_unused_commitment", "is_covered",
    ];

    private static readonly string[] ResourceColumns = [.. ResourceKey.Except(["is_spot"]).Append("pricing_category")];

    /// <summary>Demand: usage at standard or committed prices with a quantity, the rows hourly usage pools are made of.</summary>
    private const string IsDemand =
        "(NOT bad AND charge_category = 'Usage' AND charge_class IS NULL AND coalesce(pricing_category, 'Standard') IN ('Standard', 'Committed') " +
        "AND NOT is_unused_commitment AND has_quantity)";

    private const string IsSpot = "coalesce(pricing_category = 'Dynamic', false)";

    /// <summary>
    /// The scan as a few statements that group rows on their source cells (see <see cref="CanonicalQuery.RowSelect"/>)
    /// into <c>{table}_fine</c>, <c>{table}_day</c> and <c>{table}_resource</c>. Parquet is read once per grouping: its
    /// cells come dictionary-encoded and reading is cheap, while one hash table per pass beats three fed together.
    /// CSV is read once, all groupings sharing the pass (GROUPING SETS), because parsing it is most of the cost.
    /// </summary>
    public static ScanPlan Plan(CanonicalQuery canonical, BillingSource source, string table)
    {
        var from = source.ReadFunction();
        var rowBad = ("row_bad", CanonicalQuery.AnyFails(canonical.ValueChecks));
        var hasQuantity = ("has_quantity", $"({canonical.ColumnSql("consumed_quantity")}) IS NOT NULL");
        var day = ("day", $"CAST(({canonical.ColumnSql("charge_period_start")}) AS DATE)");
        (string, string) Value(string name) => (name, canonical.ColumnSql(name));
        var fineCells = canonical.SourceColumns(FineColumns).Union(canonical.CellsOf(canonical.KeyChecks)).ToList();
        var passes = new (string Name, IReadOnlyList<string> Cells, (string Name, string Sql)[] Computed, string Sums)[]
        {
            ("fine", fineCells, [rowBad, hasQuantity, Value("billed_cost"), Value("effective_cost"), Value("list_cost"), Value("contracted_cost"), Value("consumed_quantity"), Value("commitment_quantity")],
             "sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, sum(contracted_cost) AS contracted_cost, " +
             "sum(consumed_quantity) AS quantity, sum(commitment_quantity) AS commitment_quantity"),
            ("day", canonical.SourceColumns(ResourceDayColumns), [rowBad, hasQuantity, day, Value("billed_cost"), Value("effective_cost"), Value("list_cost"), Value("consumed_quantity")],
             "sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, sum(consumed_quantity) AS quantity"),
            ("resource", canonical.SourceColumns(ResourceColumns), [], ""),
        };

        string Keys((string Name, IReadOnlyList<string> Cells, (string Name, string Sql)[] Computed, string Sums) pass) =>
            string.Join(", ", pass.Cells.Select(Sql.Identifier).Concat(pass.Computed.Where(c => !CanonicalQuery.Values.Contains(c.Name)).Select(c => c.Name)));

        List<string> statements;
        if (source.Kind == FileKind.Parquet)
        {
            statements = [.. passes.Select(pass => $"""
                CREATE OR REPLACE TEMP TABLE {table}_{pass.Name} AS
                SELECT {Keys(pass)}, count(*) AS n{(pass.Sums.Length > 0 ? ", " + pass.Sums : "")}
                FROM ({canonical.RowSelect(from, pass.Cells, pass.Computed)})
                GROUP BY ALL
                """)];
        }
        else
        {
            var cells = passes.SelectMany(p => p.Cells).Distinct().ToList();
            var computed = passes.SelectMany(p => p.Computed).Concat(passes.Select(p => ($"g_{p.Name}", "true"))).DistinctBy(c => c.Item1).ToList();
            var keys = cells.Select(Sql.Identifier).Concat(computed.Select(c => c.Item1).Where(c => !CanonicalQuery.Values.Contains(c)));
            statements =
            [
                $"""
                CREATE OR REPLACE TEMP TABLE {table}_rows AS
                SELECT {string.Join(", ", keys)}, count(*) AS n, {passes[0].Sums}
                FROM ({canonical.RowSelect(from, cells, computed)})
                GROUP BY GROUPING SETS ({string.Join(", ", passes.Select(p => $"(g_{p.Name}, {Keys(p)})"))})
                """,
                .. passes.Select(p => $"CREATE OR REPLACE TEMP TABLE {table}_{p.Name} AS SELECT * FROM {table}_rows WHERE g_{p.Name}"),
                $"DROP TABLE {table}_rows",
            ];
        }

        var keyBad = ("key_bad", CanonicalQuery.AnyFails(canonical.KeyChecks));
        var fine = canonical.GroupSelect($"{table}_fine",
            ["row_bad", "has_quantity", "n", "billed_cost", "effective_cost", "list_cost", "contracted_cost", "quantity", "commitment_quantity"], FineColumns, [keyBad]);
        var days = canonical.GroupSelect($"{table}_day",
            ["row_bad", "has_quantity", "day", "n", "billed_cost", "effective_cost", "list_cost", "quantity"], ResourceDayColumns, []);
        var resources = canonical.GroupSelect($"{table}_resource", ["n"], ResourceColumns, []);
        var sums = "CAST(sum(n) AS BIGINT) AS n, sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost";
        var parquet = source.Kind == FileKind.Parquet;
        return new ScanPlan(
            statements,
            Reads: parquet ? statements.Count : 1,
            FineReady: parquet ? 1 : 2,
            // Checks on key cells are answered per fine group; when one fails, the resource groupings (which do not
            // carry those cells) cannot set the failing rows aside, so the plan gives way to the row-by-row scan.
            KeyFailures: $"SELECT CAST(coalesce(sum(n), 0) AS BIGINT) FROM ({canonical.GroupSelect($"{table}_fine", ["n"], [], [keyBad])}) WHERE key_bad",
            // Resource days are not grouped again on their canonical key: half a million day groups shrink by a few
            // dozen, and the loader sums them per resource and day anyway.
            Assemble: $"""
                CREATE OR REPLACE TEMP TABLE {table} AS
                SELECT true AS k_fine, {string.Join(", ", FineKey)}, {sums}, sum(contracted_cost) AS contracted_cost,
                       sum(quantity) AS quantity, sum(commitment_quantity) AS commitment_quantity
                FROM (SELECT *, {IsDemand} AS is_demand FROM (SELECT *, (row_bad OR key_bad) AS bad FROM ({fine})))
                GROUP BY ALL
                UNION ALL BY NAME
                SELECT true AS k_resource_day, {string.Join(", ", ResourceDayKey)}, n, billed_cost, effective_cost, list_cost, quantity
                FROM (SELECT *, {IsDemand} AS is_demand, {IsSpot} AS is_spot FROM (SELECT *, row_bad AS bad FROM ({days})))
                UNION ALL BY NAME
                SELECT true AS k_resource, {string.Join(", ", ResourceKey)}, CAST(sum(n) AS BIGINT) AS n
                FROM (SELECT *, {IsSpot} AS is_spot FROM ({resources}))
                GROUP BY ALL
                """,
            Drop: string.Join(" ", passes.Select(p => p.Name).Append("rows").Select(name => $"DROP TABLE IF EXISTS {table}_{name};")));
    }

    /// <summary>
    /// One pass, three groupings sharing it (GROUPING SETS). Aggregates are few plain sums: conditions live in the keys
    /// as flags, because FILTERed aggregates over millions of rows cost far more than a few more groups. Exact
    /// decimals for the four cost columns, doubles for quantities.
    /// </summary>
    public static string BuildSql(CanonicalQuery canonical, BillingSource source, string table)
    {
        var rows = canonical.Select(source.ReadFunction(), withChecks: false);
        var grouped = FineKey.Concat(ResourceDayKey).Concat(ResourceKey).Distinct().ToList();
        string Set(string flag, IEnumerable<string> key) => "(" + string.Join(", ", new[] { flag }.Concat(key)) + ")";

        return $"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            WITH canonical AS (
            {rows}
            ), typed AS (
              SELECT *,
                CAST(charge_period_start AS DATE) AS day,
                (NOT bad AND charge_category = 'Usage' AND charge_class IS NULL AND coalesce(pricing_category, 'Standard') IN ('Standard', 'Committed')
                  AND NOT is_unused_commitment AND consumed_quantity IS NOT NULL) AS is_demand,
                coalesce(pricing_category = 'Dynamic', false) AS is_spot,
                true AS k_fine, true AS k_resource_day, true AS k_resource
              FROM canonical
            )
            SELECT
              k_fine, k_resource_day, k_resource,
              {string.Join(", ", grouped)},
              count(*) AS n,
              sum(billed_cost) AS billed_cost,
              sum(effective_cost) AS effective_cost,
              sum(list_cost) AS list_cost,
              sum(contracted_cost) AS contracted_cost,
              sum(consumed_quantity) AS quantity,
              sum(commitment_quantity) AS commitment_quantity
            FROM typed
            GROUP BY GROUPING SETS (
              {Set("k_fine", FineKey)},
              {Set("k_resource_day", ResourceDayKey)},
              {Set("k_resource", ResourceKey)}
            )
            """;
    }

    /// <summary>
    /// Runs a plan into its scan table; if a row fails a check on its key cells, runs
    /// <paramref name="rowByRow"/> (the scan that checks every row) instead.
    /// </summary>
    public static async Task RunAsync(
        DuckDBConnection duck, ScanPlan plan, string rowByRow, long bytesTotal, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            for (var i = 0; i < plan.Statements.Count; i++)
            {
                var pass = i;
                var passProgress = progress is null || i >= plan.Reads ? null : new Progress<ScanProgress>(p => progress.Report(p with
                {
                    BytesRead = (pass * bytesTotal + p.BytesRead) / plan.Reads,
                }));
                await RunAsync(duck, plan.Statements[i], bytesTotal, passProgress, cancellationToken);
                if (i + 1 == plan.FineReady && Scalar(duck, plan.KeyFailures) > 0)
                {
                    await RunAsync(duck, rowByRow, bytesTotal, progress, cancellationToken);
                    return;
                }
            }

            await RunAsync(duck, plan.Assemble, bytesTotal, null, cancellationToken);
        }
        finally
        {
            await RunAsync(duck, plan.Drop, bytesTotal, null, CancellationToken.None);
        }
    }

    private static long Scalar(DuckDBConnection duck, string sql)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Runs the scan, reporting progress from DuckDB's own counters while it works.</summary>
    public static async Task RunAsync(DuckDBConnection duck, string sql, long bytesTotal, IProgress<ScanProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        var work = Task.Run(() => command.ExecuteNonQuery(), CancellationToken.None);
        using var registration = cancellationToken.Register(command.Cancel);
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, Task.Delay(100, CancellationToken.None));
            if (progress is not null && !work.IsCompleted)
            {
                var state = duck.GetQueryProgress();
                var fraction = state.Percentage is > 0 and <= 100 ? state.Percentage / 100 : 0;
                progress.Report(new ScanProgress(
                    (long)state.RowsProcessed, (long)state.TotalRowsToProcess, (long)(bytesTotal * fraction), bytesTotal, clock.Elapsed));
            }
        }

        try
        {
            await work;
        }
        catch (DuckDBException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
    }

    /// <summary>
    /// The first <paramref name="limit"/> bad rows with their row numbers, file by file. Run only when the scan
    /// counted bad rows, so the cost of numbering rows is paid only on the error path.
    /// </summary>
    public static List<RowError> ReadErrors(DuckDBConnection duck, CanonicalQuery canonical, BillingSource source, int limit)
    {
        var errors = new List<RowError>();
        foreach (var file in source.Files)
        {
            if (errors.Count >= limit)
            {
                break;
            }

            var rowNumber = file.Kind == FileKind.Parquet ? "file_row_number + 1" : "row_number() OVER ()";
            var from = BillingSource.ReadFunction([file], file.Kind, withRowNumbers: true);
            var rows = canonical.Select(from, withChecks: true, rowNumber: rowNumber);
            using var command = duck.CreateCommand();
            command.CommandText = $"SELECT * FROM ({rows}) WHERE bad ORDER BY rn LIMIT {limit - errors.Count}";
            using var reader = command.ExecuteReader();
            var rn = reader.GetOrdinal("rn");
            while (reader.Read())
            {
                for (var i = 0; i < canonical.Checks.Count; i++)
                {
                    if (reader.GetBoolean(reader.GetOrdinal($"check_{i}")))
                    {
                        var raw = reader.GetOrdinal($"raw_{i}");
                        var check = canonical.Checks[i];
                        errors.Add(new RowError(file.Path, Convert.ToInt64(reader.GetValue(rn), System.Globalization.CultureInfo.InvariantCulture), check.Column,
                            reader.IsDBNull(raw) ? null : reader.GetString(raw), check.Reason));
                    }
                }
            }
        }

        return errors;
    }
}
