using System.Data.Common;
using DuckDB.NET.Data;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Billing;

namespace Tranche.Ingest;

/// <summary>Per-period totals read off a scan, before anything is written.</summary>
internal sealed class PeriodTotals
{
    public DateTime PeriodEnd { get; set; }

    public string? AccountName { get; set; }

    public HashSet<string> Currencies { get; } = new(StringComparer.Ordinal);

    public long Rows { get; set; }

    public decimal Billed { get; set; }

    public decimal Effective { get; set; }

    public decimal List { get; set; }

    public decimal Contracted { get; set; }

    public int Source { get; set; }
}

/// <summary>
/// Moves a finished scan into the database inside the caller's transaction: replaces the periods it covers, adds the
/// pools, commitments and resources it names for the first time, and streams the facts in with the bulk writer.
/// </summary>
internal sealed class FactLoader(TrancheDbContext db, DuckDBConnection duck, Guid orgId, IReadOnlyList<string> tables, Action<string>? checkpoint)
{
    private readonly BulkWriter _writer = BulkWriter.For(db);
    private readonly Dictionary<PeriodKey, Guid> _periodIds = [];
    private readonly Dictionary<string, Guid> _pools = new(StringComparer.Ordinal);
    private readonly HashSet<Guid> _poolsTouched = [];
    private DateTime _now;

    public int Commitments { get; private set; }

    public int Resources { get; private set; }

    public int Pools => _poolsTouched.Count;

    public async Task<List<LoadedPeriod>> LoadAsync(
        IReadOnlyDictionary<PeriodKey, PeriodTotals> periods, string sourceFormats, string sourceFiles, Guid? uploadId, DateTime now, CancellationToken cancellationToken)
    {
        _now = now;
        var loaded = await ReplacePeriodsAsync(periods, sourceFormats, sourceFiles, uploadId, now, cancellationToken);
        checkpoint?.Invoke("periods-replaced");
        await WriteChargesAsync(cancellationToken);
        checkpoint?.Invoke("charges-written");
        await WriteUsageAsync(cancellationToken);
        checkpoint?.Invoke("usage-written");
        await WriteCommitmentsAsync(cancellationToken);
        checkpoint?.Invoke("commitments-written");
        await WriteResourcesAsync(cancellationToken);
        checkpoint?.Invoke("resources-written");
        return loaded;
    }

    private async Task<List<LoadedPeriod>> ReplacePeriodsAsync(
        IReadOnlyDictionary<PeriodKey, PeriodTotals> periods, string sourceFormats, string sourceFiles, Guid? uploadId, DateTime now, CancellationToken cancellationToken)
    {
        var existing = await db.BillingPeriods.AsNoTracking()
            .Select(p => new { p.Id, p.Provider, p.BillingAccountId, p.PeriodStart })
            .ToListAsync(cancellationToken);
        var loaded = new List<LoadedPeriod>();
        var rows = new List<object?[]>();
        foreach (var (key, totals) in periods.OrderBy(p => p.Key.PeriodStart).ThenBy(p => p.Key.BillingAccountId, StringComparer.Ordinal))
        {
            var earlier = existing.FirstOrDefault(p => p.Provider == key.Provider && p.BillingAccountId == key.BillingAccountId && p.PeriodStart == key.PeriodStart);
            if (earlier is not null)
            {
                // Children first: the same on both stores, whatever their cascade settings.
                foreach (var table in (string[])["resource_periods", "commitment_coverage", "commitment_days", "usage_days", "charge_days", "billing_periods"])
                {
                    var column = table == "billing_periods" ? "id" : "billing_period_id";
                    await BulkWriter.ExecuteAsync(db, $"DELETE FROM {table} WHERE {column} = @p0", cancellationToken, BulkWriter.KeyParameter(db, earlier.Id));
                }
            }

            var id = Guid.CreateVersion7(now);
            _periodIds[key] = id;
            var currency = totals.Currencies.Single();
            rows.Add([
                id, orgId, key.Provider, key.BillingAccountId, totals.AccountName, key.PeriodStart, totals.PeriodEnd, currency, sourceFormats,
                sourceFiles, uploadId, now, totals.Rows, Money.ToNanoUnits(totals.Billed), Money.ToNanoUnits(totals.Effective),
                Money.ToNanoUnits(totals.List), Money.ToNanoUnits(totals.Contracted),
            ]);
            loaded.Add(new LoadedPeriod(key.Provider, key.BillingAccountId, key.PeriodStart, totals.PeriodEnd, currency, totals.Rows, totals.Billed, totals.Effective, earlier is not null));
        }

        await _writer.WriteAsync("billing_periods",
            ["id", "org_id", "provider", "billing_account_id", "billing_account_name", "period_start", "period_end", "currency", "source_format",
             "source_files", "upload_id", "loaded_at", "row_count", "billed_cost", "effective_cost", "list_cost", "contracted_cost"],
            rows, cancellationToken);
        return loaded;
    }

    private Task WriteChargesAsync(CancellationToken cancellationToken) =>
        _writer.WriteAsync("charge_days",
            ["org_id", "billing_period_id", "day", "sub_account_id", "service_name", "service_category", "region_id", "charge_category",
             "charge_class", "pricing_category", "row_count", "billed_cost", "effective_cost", "list_cost", "contracted_cost"],
            Query($"""
                SELECT provider_name, billing_account_id, billing_period_start, CAST(charge_period_start AS DATE) AS day, sub_account_id, service_name,
                       service_category, region_id, charge_category, charge_class, pricing_category, CAST(sum(n) AS BIGINT) AS rows,
                       sum(billed_cost) AS billed_cost, sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, sum(contracted_cost) AS contracted_cost
                FROM ({Fine("NOT bad")}) GROUP BY ALL
                """, r => new object?[]
            {
                orgId, _periodIds[r.Period()], r.Day("day"), r.Text("sub_account_id"), r.Text("service_name"), r.Text("service_category"),
                r.Text("region_id"), r.Text("charge_category"), r.Text("charge_class"), r.Text("pricing_category"), r.Count("rows"),
                Money.ToNanoUnits(r.Money("billed_cost")), Money.ToNanoUnits(r.Money("effective_cost")), Money.ToNanoUnits(r.Money("list_cost")),
                Money.ToNanoUnits(r.Money("contracted_cost")),
            }),
            cancellationToken);

    /// <summary>Hourly usage per pool: rows covering more than an hour are spread evenly over their hours.</summary>
    private async Task WriteUsageAsync(CancellationToken cancellationToken)
    {
        foreach (var pool in await db.UsagePools.AsNoTracking().Select(p => new { p.KeyHash, p.Id }).ToListAsync(cancellationToken))
        {
            _pools[pool.KeyHash] = pool.Id;
        }

        var days = new Dictionary<(Guid Period, Guid Pool, DateOnly Day), UsageAccumulator>();
        var newPools = new List<object?[]>();
        foreach (var (period, pool, start, end, quantity, covered, list, effective, billed) in Query(
            $"""
            SELECT {PoolColumns}, charge_period_start, charge_period_end, sum(quantity) AS quantity, sum(quantity) FILTER (WHERE is_covered) AS covered_quantity,
                   sum(list_cost) AS list_cost, sum(effective_cost) AS effective_cost, sum(billed_cost) AS billed_cost
            FROM ({Fine("is_demand")}) GROUP BY ALL
            """,
            r => (r.Period(), r.Pool(), r.Time("charge_period_start"), r.Time("charge_period_end"), r.Number("quantity"), r.Number("covered_quantity"),
                  r.Money("list_cost"), r.Money("effective_cost"), r.Money("billed_cost"))))
        {
            var poolId = PoolId(pool, newPools);
            var periodId = _periodIds[period];
            var hours = ChargeSpreading.Hours(start, end).ToList();
            var granularity = (int)ChargeSpreading.GranularityOf((end - start).TotalHours);
            foreach (var (hour, share) in hours)
            {
                var key = (periodId, poolId, DateOnly.FromDateTime(hour));
                if (!days.TryGetValue(key, out var day))
                {
                    days[key] = day = new UsageAccumulator();
                }

                day.Add(hour.Hour, share, quantity, covered, (double)list, list, effective, billed, granularity);
            }
        }

        await WritePoolsAsync(newPools, cancellationToken);
        await _writer.WriteAsync("usage_days",
            ["org_id", "billing_period_id", "pool_id", "day", "hourly_quantity", "hourly_on_demand_cost", "hourly_covered_quantity",
             "source_granularity_hours", "quantity", "list_cost", "effective_cost", "billed_cost"],
            days.Select(d => new object?[]
            {
                orgId, d.Key.Period, d.Key.Pool, d.Key.Day, d.Value.Quantity.Encode(), d.Value.OnDemandCost.Encode(), d.Value.Covered.Encode(),
                d.Value.Granularity, d.Value.Quantity.Total, Money.ToNanoUnits(d.Value.List), Money.ToNanoUnits(d.Value.Effective), Money.ToNanoUnits(d.Value.Billed),
            }),
            cancellationToken);
    }

    private async Task WriteCommitmentsAsync(CancellationToken cancellationToken)
    {
        var known = (await db.BilledCommitments.AsNoTracking().Select(c => new { c.Provider, c.ProviderCommitmentId, c.Id }).ToListAsync(cancellationToken))
            .ToDictionary(c => (c.Provider, c.ProviderCommitmentId), c => c.Id);
        // What a commitment did each day: covered rows are its used part, unused rows (or CUR fee rows) its unused
        // part, purchase rows its fees.
        var facts = Query($"""
            SELECT provider_name, billing_account_id, billing_period_start, commitment_id, CAST(charge_period_start AS DATE) AS day,
                   any_value(commitment_name) AS commitment_name, any_value(commitment_category) AS commitment_category,
                   any_value(commitment_type) AS commitment_type, any_value(commitment_unit) AS commitment_unit,
                   any_value(region_id) FILTER (WHERE region_id IS NOT NULL) AS region_id,
                   sum(commitment_quantity) FILTER (WHERE is_covered) AS used_quantity,
                   sum(commitment_quantity) FILTER (WHERE is_unused_commitment) AS unused_quantity,
                   sum(list_cost) FILTER (WHERE is_covered) AS covered_list_cost,
                   sum(effective_cost) FILTER (WHERE is_covered) AS used_cost,
                   sum(effective_cost) FILTER (WHERE is_unused_commitment) AS unused_cost,
                   sum(billed_cost) FILTER (WHERE charge_category = 'Purchase' AND charge_frequency = 'One-Time') AS upfront_fee,
                   sum(billed_cost) FILTER (WHERE charge_category = 'Purchase' AND coalesce(charge_frequency, 'Recurring') <> 'One-Time') AS recurring_fee
            FROM ({Fine("NOT bad AND commitment_id IS NOT NULL")})
            GROUP BY provider_name, billing_account_id, billing_period_start, commitment_id, CAST(charge_period_start AS DATE)
            """, r => new CommitmentFact(
                r.Period(),
                CloudProviders.FromName(r.Text("provider_name")),
                r.Text("commitment_id")!,
                r.Day("day"),
                r.Text("commitment_name"),
                r.Text("commitment_category"),
                r.Text("commitment_type"),
                r.Text("commitment_unit"),
                r.Text("billing_account_id"),
                r.Text("region_id"),
                r.Number("used_quantity"),
                r.Number("unused_quantity"),
                r.Money("covered_list_cost"),
                r.Money("used_cost"),
                r.Money("unused_cost"),
                r.Money("upfront_fee"),
                r.Money("recurring_fee")))
            .GroupBy(f => (f.Period, f.Provider, f.Id, f.Day))
            .Select(g => g.Aggregate((a, b) => a.Plus(b)))
            .ToList();

        var newCommitments = new List<object?[]>();
        foreach (var fact in facts.DistinctBy(f => (f.Provider, f.Id)))
        {
            if (!known.ContainsKey((fact.Provider, fact.Id)))
            {
                var id = Guid.NewGuid();
                known[(fact.Provider, fact.Id)] = id;
                newCommitments.Add([id, orgId, fact.Provider, fact.Id, fact.Name, fact.Category, fact.Type, fact.Unit, fact.Account, null, fact.Region]);
            }
        }

        Commitments = facts.Select(f => (f.Provider, f.Id)).Distinct().Count();
        await _writer.WriteAsync("billed_commitments",
            ["id", "org_id", "provider", "provider_commitment_id", "name", "category", "type", "unit", "billing_account_id", "sub_account_id", "region_id"],
            newCommitments, cancellationToken);
        await _writer.WriteAsync("commitment_days",
            ["org_id", "billing_period_id", "commitment_id", "day", "used_quantity", "unused_quantity", "covered_list_cost", "used_effective_cost",
             "unused_effective_cost", "upfront_fee", "recurring_fee"],
            facts.Select(f => new object?[]
            {
                orgId, _periodIds[f.Period], known[(f.Provider, f.Id)], f.Day, f.Used, f.Unused, Money.ToNanoUnits(f.CoveredList),
                Money.ToNanoUnits(f.UsedCost), Money.ToNanoUnits(f.UnusedCost), Money.ToNanoUnits(f.Upfront), Money.ToNanoUnits(f.Recurring),
            }),
            cancellationToken);

        var newPools = new List<object?[]>();
        var coverage = Query($"""
            SELECT {PoolColumns}, commitment_id, CAST(charge_period_start AS DATE) AS day, sum(quantity) AS covered_quantity,
                   sum(list_cost) AS covered_list_cost, sum(effective_cost) AS effective_cost
            FROM ({Fine("is_demand AND is_covered AND commitment_id IS NOT NULL")}) GROUP BY ALL
            """, r => new object?[]
        {
            orgId, _periodIds[r.Period()], known[(CloudProviders.FromName(r.Text("provider_name")), r.Text("commitment_id")!)],
            PoolId(r.Pool(), newPools), r.Day("day"), r.Number("covered_quantity"), Money.ToNanoUnits(r.Money("covered_list_cost")),
            Money.ToNanoUnits(r.Money("effective_cost")),
        }).ToList();
        await WritePoolsAsync(newPools, cancellationToken);
        await _writer.WriteAsync("commitment_coverage",
            ["org_id", "billing_period_id", "commitment_id", "pool_id", "day", "covered_quantity", "covered_list_cost", "effective_cost"],
            coverage, cancellationToken);
    }

    private async Task WriteResourcesAsync(CancellationToken cancellationToken)
    {
        var known = (await db.BilledResources.AsNoTracking().Select(r => new { r.Provider, r.ProviderResourceId, r.Id }).ToListAsync(cancellationToken))
            .ToDictionary(r => (r.Provider, r.ProviderResourceId), r => r.Id);

        // Attributes first (one row per resource), so the daily facts can stream straight from the scan.
        var newResources = new List<object?[]>();
        var seen = 0;
        // Attributes are the keys of their own grouping, so a resource comes once per variant (an instance's hours name
        // its type, its volume rows do not): each attribute is taken from the most frequent variant that has it.
        var attributes = Read("k_resource AND resource_id IS NOT NULL", r => new
            {
                Provider = CloudProviders.FromName(r.Text("provider_name")),
                Id = r.Text("resource_id")!,
                Rows = r.Count("n"),
                Spot = r.GetBoolean(r.GetOrdinal("is_spot")),
                Values = new object?[]
                {
                    r.Text("resource_name"), r.Text("resource_type"), r.Text("service_name"), r.Text("service_category"), r.Text("region_id"),
                    r.Text("availability_zone"), r.Text("billing_account_id"), r.Text("sub_account_id"), r.Text("sku_id"), r.Text("instance_type"),
                    r.Text("platform"), r.Text("consumed_unit"),
                },
                Tags = r.Text("tags"),
            })
            .GroupBy(r => (r.Provider, r.Id))
            .Select(g =>
            {
                var variants = g.OrderByDescending(r => r.Rows).ToList();
                var values = variants[0].Values.Select((_, i) => variants.Select(v => v.Values[i]).FirstOrDefault(v => v is not null)).ToArray();
                return (g.Key, Values: values, Tags: variants.Select(v => v.Tags).FirstOrDefault(t => t is not null), Spot: variants.Any(v => v.Spot));
            });
        foreach (var (key, values, tags, spot) in attributes)
        {
            seen++;
            if (!known.ContainsKey(key))
            {
                var id = Guid.NewGuid();
                known[key] = id;
                newResources.Add([id, orgId, key.Provider, key.Id, .. values, spot, tags, _now, _now]);
            }
        }

        Resources = seen;
        // In the order of their stored ids, so they go into the primary key's index as appends.
        newResources = [.. newResources.OrderBy(r => ((Guid)r[0]!).ToString(), StringComparer.Ordinal)];
        // Half a million rows for a large month. The resources of each period are numbered first (a few tens of
        // thousands), so the days are grouped, sorted and read on that number instead of four strings, and the
        // period and resource ids come from an array. They are numbered in the order of the ids they are stored under,
        // so that their months go into the store's (period, resource) indexes as appends instead of at random places
        // (a Guid's text orders the same in lower and upper case, where SQLite keeps EF Core's upper-case text, and as
        // PostgreSQL orders uuids). Nano-units are made here, not in DuckDB, where scaling a 128-bit decimal sum costs
        // more than the whole grouping. Sums come as 64-bit decimals, which the reader turns into .NET decimals several
        // times faster than 128-bit ones; a day too large for that (a billion or more, never seen in a real bill) comes
        // in a second, 128-bit column instead.
        Execute($"""
            CREATE OR REPLACE TEMP TABLE resource_found AS
            SELECT CAST(row_number() OVER () AS INTEGER) AS found, *
            FROM (SELECT DISTINCT provider_name, billing_account_id, billing_period_start, resource_id
                  FROM ({Union("k_resource_day AND resource_id IS NOT NULL AND NOT bad")}))
            """);
        // Only resources with a good row on some day are numbered, so every one has its period and its attributes.
        var targets = Query("SELECT found, provider_name, billing_account_id, billing_period_start, resource_id FROM resource_found", r =>
            {
                var period = r.Period();
                return (Found: r.GetInt32(0), Period: _periodIds[period], Resource: known[(period.Provider, r.Text("resource_id")!)]);
            })
            .OrderBy(t => t.Period.ToString(), StringComparer.Ordinal)
            .ThenBy(t => t.Resource.ToString(), StringComparer.Ordinal)
            .ToList();
        Execute("CREATE OR REPLACE TABLE resource_order (found INTEGER, rid INTEGER)");
        using (var order = duck.CreateAppender("resource_order"))
        {
            for (var i = 0; i < targets.Count; i++)
            {
                order.CreateRow().AppendValue(targets[i].Found).AppendValue(i).EndRow();
            }
        }

        Execute("""
            CREATE OR REPLACE TEMP TABLE resource_keys AS
            SELECT o.rid, f.* EXCLUDE (found) FROM resource_found f JOIN resource_order o USING (found);
            DROP TABLE resource_found; DROP TABLE resource_order;
            """);
        string Narrow(string sum, string name) => $"TRY_CAST({sum} AS {CanonicalQuery.MoneyType}) AS {name}";
        string Wide(string name) => $"CASE WHEN {name} IS NULL THEN {name}_sum END AS {name}_wide";
        string[] moneys = ["list_cost", "billed_cost", "effective_cost", "covered_list_cost", "covered_effective_cost", "spot_cost"];
        string Same(string column) => $"d.{column} IS NOT DISTINCT FROM k.{column}";
        var days = Stream<ResourceDayFact>($"""
            SELECT rid, CAST(day - DATE '0001-01-01' AS INTEGER) AS day_number, quantity, covered_quantity, hour_quantity, demand_rows,
                   {string.Join(", ", moneys.Select(m => Narrow(m + "_sum", m)))},
                   {string.Join(", ", moneys.Select(Wide))}
            FROM (
              SELECT rid, day,
                     coalesce(sum(quantity) FILTER (WHERE is_demand), 0) AS quantity,
                     coalesce(sum(quantity) FILTER (WHERE is_demand AND is_covered), 0) AS covered_quantity,
                     coalesce(sum(quantity) FILTER (WHERE is_demand AND consumed_unit = 'Hours'), 0) AS hour_quantity,
                     CAST(coalesce(sum(n) FILTER (WHERE is_demand), 0) AS BIGINT) AS demand_rows,
                     coalesce(sum(list_cost) FILTER (WHERE NOT bad), 0) AS list_cost_sum,
                     coalesce(sum(billed_cost) FILTER (WHERE NOT bad), 0) AS billed_cost_sum,
                     coalesce(sum(effective_cost) FILTER (WHERE NOT bad), 0) AS effective_cost_sum,
                     coalesce(sum(list_cost) FILTER (WHERE is_demand AND is_covered), 0) AS covered_list_cost_sum,
                     coalesce(sum(effective_cost) FILTER (WHERE is_demand AND is_covered), 0) AS covered_effective_cost_sum,
                     coalesce(sum(list_cost) FILTER (WHERE is_demand AND is_spot), 0) AS spot_cost_sum
              FROM ({Union("k_resource_day AND resource_id IS NOT NULL")}) d
              JOIN resource_keys k ON {Same("provider_name")} AND {Same("billing_account_id")} AND {Same("billing_period_start")} AND d.resource_id = k.resource_id
              GROUP BY rid, day
              HAVING sum(n) FILTER (WHERE NOT bad) > 0)
            ORDER BY rid, day
            """, reader =>
        {
            long Nano(int ordinal) => NanoUnits(reader.GetDecimal(reader.IsDBNull(ordinal) ? ordinal + moneys.Length : ordinal));
            return () =>
            {
                var (_, period, resource) = targets[reader.GetInt32(0)];
                return new ResourceDayFact(
                    period, resource, DateOnly.FromDayNumber(reader.GetInt32(1)), reader.GetDouble(2), reader.GetDouble(3),
                    UsageHours(reader.GetDouble(4), reader.GetInt64(5)), Nano(6), Nano(7), Nano(8), Nano(9), Nano(10), Nano(11));
            };
        });

        // The rows come ordered, so each resource's month is folded into one row as it streams past. DuckDB groups and
        // sorts them (on both cores) while the new resources are inserted, and folds them while their months are.
        using (var periods = new ReadAhead(ResourcePeriods(days), cancellationToken))
        {
            await _writer.WriteAsync("billed_resources",
                ["id", "org_id", "provider", "provider_resource_id", "name", "resource_type", "service_name", "service_category", "region_id",
                 "availability_zone", "billing_account_id", "sub_account_id", "sku_id", "instance_type", "platform", "unit", "is_spot", "tags",
                 "created_at", "updated_at"],
                newResources, cancellationToken);
            await _writer.WriteAsync("resource_periods",
                ["org_id", "billing_period_id", "resource_id", "first_day", "days", "first_usage_day", "last_usage_day", "daily_presence", "daily_quantity",
                 "daily_covered_quantity", "daily_usage_hours", "daily_list_cost", "daily_billed_cost", "daily_effective_cost", "daily_covered_list_cost",
                 "daily_covered_effective_cost", "daily_spot_cost"],
                periods.Rows(),
                cancellationToken);
        }

        Execute("DROP TABLE resource_keys");

        // Resources seen before: this load is the latest news of them.
        var periodIds = _periodIds.Values.ToList();
        foreach (var periodId in periodIds)
        {
            await BulkWriter.ExecuteAsync(db,
                "UPDATE billed_resources SET updated_at = @p0 WHERE id IN (SELECT resource_id FROM resource_periods WHERE billing_period_id = @p1)",
                cancellationToken, Stored(_now), BulkWriter.KeyParameter(db, periodId));
        }
    }

    /// <summary>
    /// How long a resource ran on a day: its hours of use where it is billed in hours (an instance: one per hour it
    /// ran), otherwise the number of usage rows it had; never more than 24.
    /// </summary>
    private static double UsageHours(double hourQuantity, long usageRows) => Math.Min(24d, hourQuantity > 0 ? hourQuantity : usageRows);

    private const string PoolColumns =
        "provider_name, billing_account_id, billing_period_start, sub_account_id, region_id, service_name, service_category, sku_id, instance_type, platform, consumed_unit";

    /// <summary>Fine groups of every scan table that meet <paramref name="where"/>.</summary>
    private string Fine(string where) => Union($"k_fine AND {where}");

    private string Union(string where) => string.Join(" UNION ALL ", tables.Select(t => $"SELECT * FROM {t} WHERE {where}"));

    private Guid PoolId(PoolKey pool, List<object?[]> newPools)
    {
        var hash = pool.Hash();
        if (!_pools.TryGetValue(hash, out var id))
        {
            _pools[hash] = id = Guid.NewGuid();
            newPools.Add([id, orgId, pool.Provider, pool.BillingAccountId, pool.SubAccountId, pool.RegionId, pool.ServiceName, pool.ServiceCategory,
                          pool.SkuId, pool.InstanceType, pool.Platform, pool.Unit, hash]);
        }

        _poolsTouched.Add(id);
        return id;
    }

    private Task WritePoolsAsync(List<object?[]> newPools, CancellationToken cancellationToken) =>
        _writer.WriteAsync("usage_pools",
            ["id", "org_id", "provider", "billing_account_id", "sub_account_id", "region_id", "service_name", "service_category", "sku_id",
             "instance_type", "platform", "unit", "key_hash"],
            newPools, cancellationToken);

    /// <summary>Rows of one grouping of every scan table.</summary>
    private IEnumerable<T> Read<T>(string where, Func<DbDataReader, T> map) => Query(Union(where), map);

    /// <summary>As <see cref="Query{T}"/>, for a reader that keeps state between rows: <paramref name="start"/> makes the per-row reader.</summary>
    private IEnumerable<T> Stream<T>(string sql, Func<DbDataReader, Func<T>> start)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var next = start(reader);
        while (reader.Read())
        {
            yield return next();
        }
    }

    /// <summary>
    /// Rows made on a worker thread from the moment this is created, a bounded number ahead of the caller: DuckDB
    /// works on a query and the rows are read and folded while the caller writes to the store. Disposing stops the
    /// worker and waits for it, so the DuckDB reader it holds is never left in use, whether the caller finished or failed.
    /// </summary>
    private sealed class ReadAhead : IDisposable
    {
        private readonly CancellationTokenSource _stop;
        private readonly System.Collections.Concurrent.BlockingCollection<object?[]> _queue = new(boundedCapacity: 1024);
        private readonly Task _worker;

        public ReadAhead(IEnumerable<object?[]> rows, CancellationToken cancellationToken)
        {
            _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            _worker = Task.Run(() =>
            {
                try
                {
                    foreach (var row in rows)
                    {
                        _queue.Add(row, _stop.Token);
                    }
                }
                finally
                {
                    _queue.CompleteAdding();
                }
            }, CancellationToken.None);
        }

        /// <summary>The rows in order; ends with the worker's exception if it failed.</summary>
        public IEnumerable<object?[]> Rows()
        {
            foreach (var row in _queue.GetConsumingEnumerable(_stop.Token))
            {
                yield return row;
            }

            _worker.GetAwaiter().GetResult();
        }

        public void Dispose()
        {
            _stop.Cancel();
            try
            {
                _worker.Wait(CancellationToken.None);
            }
            catch (AggregateException)
            {
                // Surfaced by Rows() when the caller read to the end; otherwise the caller is already failing or stopped early.
            }

            _queue.Dispose();
            _stop.Dispose();
        }
    }

    private void Execute(string sql)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>
    /// As <see cref="Money.ToNanoUnits"/>: a sum read at DuckDB's scale of nine already holds its nano-units as the
    /// decimal's integer part, which is taken as is instead of multiplied and rounded (half a million rows, six sums each).
    /// </summary>
    private static long NanoUnits(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        if (value.Scale != 9 || bits[2] != 0 || bits[1] < 0)
        {
            return Money.ToNanoUnits(value);
        }

        var units = ((long)bits[1] << 32) | (uint)bits[0];
        return value < 0 ? -units : units;
    }

    private IEnumerable<T> Query<T>(string sql, Func<DbDataReader, T> map)
    {
        using var command = duck.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return map(reader);
        }
    }

    /// <summary>Times as the store keeps them (SQLite: EF Core's text form).</summary>
    private object Stored(DateTime time) => db.Database.IsNpgsql() ? time : time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);

    private readonly record struct ResourceDayFact(
        Guid Period, Guid Resource, DateOnly Day, double Quantity, double Covered, double Hours, long List, long Billed, long Effective,
        long CoveredList, long CoveredEffective, long Spot);

    private IEnumerable<object?[]> ResourcePeriods(IEnumerable<ResourceDayFact> days)
    {
        var batch = new List<ResourceDayFact>();
        foreach (var day in days)
        {
            if (batch.Count > 0 && (batch[0].Period != day.Period || batch[0].Resource != day.Resource))
            {
                yield return Fold(batch);
                batch.Clear();
            }

            batch.Add(day);
        }

        if (batch.Count > 0)
        {
            yield return Fold(batch);
        }

        object?[] Fold(List<ResourceDayFact> facts)
        {
            var first = facts[0].Day;
            var length = facts[^1].Day.DayNumber - first.DayNumber + 1;
            double[] presence = new double[length], quantity = new double[length], covered = new double[length], hours = new double[length];
            long[] list = new long[length], billed = new long[length], effective = new long[length], coveredList = new long[length],
                coveredEffective = new long[length], spot = new long[length];
            foreach (var f in facts)
            {
                var i = f.Day.DayNumber - first.DayNumber;
                presence[i] = 1;
                quantity[i] = f.Quantity;
                covered[i] = f.Covered;
                hours[i] = f.Hours;
                list[i] = f.List;
                billed[i] = f.Billed;
                effective[i] = f.Effective;
                coveredList[i] = f.CoveredList;
                coveredEffective[i] = f.CoveredEffective;
                spot[i] = f.Spot;
            }

            return
            [
                orgId, facts[0].Period, facts[0].Resource, first, length, first, facts[^1].Day, DailyValues.Encode(presence), DailyValues.Encode(quantity),
                DailyValues.Encode(covered), DailyValues.Encode(hours), DailyValues.Encode(list), DailyValues.Encode(billed), DailyValues.Encode(effective),
                DailyValues.Encode(coveredList), DailyValues.Encode(coveredEffective), DailyValues.Encode(spot),
            ];
        }
    }

    private sealed record CommitmentFact(
        PeriodKey Period, string Provider, string Id, DateOnly Day, string? Name, string? Category, string? Type, string? Unit, string? Account, string? Region,
        double Used, double Unused, decimal CoveredList, decimal UsedCost, decimal UnusedCost, decimal Upfront, decimal Recurring)
    {
        public CommitmentFact Plus(CommitmentFact other) => this with
        {
            Name = Name ?? other.Name,
            Category = Category ?? other.Category,
            Type = Type ?? other.Type,
            Unit = Unit ?? other.Unit,
            Region = Region ?? other.Region,
            Used = Used + other.Used,
            Unused = Unused + other.Unused,
            CoveredList = CoveredList + other.CoveredList,
            UsedCost = UsedCost + other.UsedCost,
            UnusedCost = UnusedCost + other.UnusedCost,
            Upfront = Upfront + other.Upfront,
            Recurring = Recurring + other.Recurring,
        };
    }

    private sealed class UsageAccumulator
    {
        public HourlyValues Quantity { get; } = new();

        public HourlyValues OnDemandCost { get; } = new();

        public HourlyValues Covered { get; } = new();

        public decimal List { get; private set; }

        public decimal Effective { get; private set; }

        public decimal Billed { get; private set; }

        public int Granularity { get; private set; } = 1;

        public void Add(int hour, double share, double quantity, double covered, double listAsDouble, decimal list, decimal effective, decimal billed, int granularity)
        {
            Quantity.Add(hour, quantity * share);
            OnDemandCost.Add(hour, listAsDouble * share);
            Covered.Add(hour, covered * share);
            var part = (decimal)share;
            List += list * part;
            Effective += effective * part;
            Billed += billed * part;
            Granularity = Math.Max(Granularity, granularity);
        }
    }
}
