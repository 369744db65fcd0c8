using System.Diagnostics;
using DuckDB.NET.Data;

namespace Tranche.Ingest;

/// <summary>Where a scan is: rows read so far out of the estimate, and bytes.</summary>
public readonly record struct ScanProgress(long RowsRead, long RowsTotal, long BytesRead, long BytesTotal, TimeSpan Elapsed);

/// <summary>
/// One pass of DuckDB over a source: every row is checked, normalized and aggregated into all the fact groupings at
/// once (GROUPING SETS share the scan), and the small result is kept in a DuckDB temp table for the loader to read.
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
