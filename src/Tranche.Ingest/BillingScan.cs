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
    private static readonly string[] s_chargeKey =
        ["provider_name", "billing_account_id", "billing_period_start", "billing_period_end", "currency", "day", "sub_account_id", "service_name", "service_category", "region_id", "charge_category", "charge_class", "pricing_category"];

    private static readonly string[] s_poolKey =
        ["provider_name", "billing_account_id", "billing_period_start", "sub_account_id", "region_id", "service_name", "service_category", "sku_id", "instance_type", "platform", "consumed_unit"];

    public static string BuildSql(CanonicalQuery canonical, BillingSource source, string table)
    {
        var rows = canonical.Select(source.ReadFunction(), withChecks: false);
        string Set(string flag, IEnumerable<string> key) => "(" + string.Join(", ", new[] { flag }.Concat(key)) + ")";
        var grouped = s_chargeKey.Concat(s_poolKey).Concat(["charge_period_start", "charge_period_end", "commitment_id", "resource_id"]).Distinct().ToList();

        return $"""
            CREATE OR REPLACE TEMP TABLE {table} AS
            WITH canonical AS (
            {rows}
            ), typed AS (
              SELECT *,
                CAST(charge_period_start AS DATE) AS day,
                (charge_category = 'Usage' AND charge_class IS NULL AND coalesce(pricing_category, 'Standard') IN ('Standard', 'Committed')
                  AND NOT is_unused_commitment AND consumed_quantity IS NOT NULL) AS is_demand,
                coalesce(pricing_category = 'Dynamic', false) AS is_spot,
                true AS k_charge, true AS k_usage, true AS k_commitment, true AS k_coverage, true AS k_resource
              FROM canonical
            )
            SELECT
              k_charge, k_usage, k_commitment, k_coverage, k_resource,
              {string.Join(", ", grouped)},
              count(*) FILTER (WHERE bad) AS bad_rows,
              count(*) FILTER (WHERE NOT bad) AS good_rows,
              sum(billed_cost) FILTER (WHERE NOT bad) AS billed_cost,
              sum(effective_cost) FILTER (WHERE NOT bad) AS effective_cost,
              sum(coalesce(list_cost, 0)) FILTER (WHERE NOT bad) AS list_cost,
              sum(coalesce(contracted_cost, 0)) FILTER (WHERE NOT bad) AS contracted_cost,
              count(*) FILTER (WHERE NOT bad AND is_demand) AS demand_rows,
              sum(consumed_quantity) FILTER (WHERE NOT bad AND is_demand) AS quantity,
              sum(consumed_quantity) FILTER (WHERE NOT bad AND is_demand AND is_covered) AS covered_quantity,
              sum(coalesce(list_cost, 0)) FILTER (WHERE NOT bad AND is_demand) AS demand_list_cost,
              sum(coalesce(list_cost, 0)) FILTER (WHERE NOT bad AND is_demand AND is_covered) AS covered_list_cost,
              sum(effective_cost) FILTER (WHERE NOT bad AND is_demand) AS demand_effective_cost,
              sum(effective_cost) FILTER (WHERE NOT bad AND is_demand AND is_covered) AS covered_effective_cost,
              sum(billed_cost) FILTER (WHERE NOT bad AND is_demand) AS demand_billed_cost,
              sum(coalesce(list_cost, 0)) FILTER (WHERE NOT bad AND is_demand AND is_spot) AS spot_cost,
              sum(consumed_quantity) FILTER (WHERE NOT bad AND is_demand AND consumed_unit = 'Hours') AS hour_quantity,
              count(*) FILTER (WHERE NOT bad AND is_demand AND consumed_quantity > 0) AS active_rows,
              count(*) FILTER (WHERE NOT bad AND commitment_id IS NOT NULL) AS commitment_rows,
              sum(commitment_used_quantity) FILTER (WHERE NOT bad) AS commitment_used_quantity,
              sum(commitment_unused_quantity) FILTER (WHERE NOT bad) AS commitment_unused_quantity,
              sum(commitment_used_cost) FILTER (WHERE NOT bad) AS commitment_used_cost,
              sum(commitment_unused_cost) FILTER (WHERE NOT bad) AS commitment_unused_cost,
              sum(commitment_covered_list_cost) FILTER (WHERE NOT bad) AS commitment_covered_list_cost,
              sum(commitment_upfront_fee) FILTER (WHERE NOT bad) AS commitment_upfront_fee,
              sum(commitment_recurring_fee) FILTER (WHERE NOT bad) AS commitment_recurring_fee,
              any_value(billing_account_name) AS billing_account_name,
              any_value(sub_account_name) AS sub_account_name,
              any_value(commitment_name) AS commitment_name,
              any_value(commitment_category) AS commitment_category,
              any_value(commitment_type) AS commitment_type,
              any_value(commitment_unit) AS commitment_unit,
              any_value(resource_name) AS resource_name,
              any_value(resource_type) AS resource_type,
              any_value(availability_zone) AS availability_zone,
              any_value(tags) AS tags,
              any_value(service_name) AS any_service_name,
              any_value(service_category) AS any_service_category,
              any_value(region_id) AS any_region_id,
              any_value(sub_account_id) AS any_sub_account_id,
              any_value(sku_id) AS any_sku_id,
              any_value(instance_type) AS any_instance_type,
              any_value(platform) AS any_platform,
              any_value(consumed_unit) AS any_consumed_unit,
              bool_or(is_spot) AS any_spot
            FROM typed
            GROUP BY GROUPING SETS (
              {Set("k_charge", s_chargeKey)},
              {Set("k_usage", s_poolKey.Concat(["charge_period_start", "charge_period_end"]))},
              {Set("k_commitment", ["provider_name", "billing_account_id", "billing_period_start", "commitment_id", "day"])},
              {Set("k_coverage", s_poolKey.Concat(["commitment_id", "day"]))},
              {Set("k_resource", ["provider_name", "billing_account_id", "billing_period_start", "resource_id", "day"])}
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
            var rows = canonical.Select(from, withChecks: true, extraColumns: $"{rowNumber} AS rn");
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
