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
                foreach (var table in (string[])["resource_days", "commitment_coverage", "commitment_days", "usage_days", "charge_days", "billing_periods"])
                {
                    var column = table == "billing_periods" ? "id" : "billing_period_id";
                    await BulkWriter.ExecuteAsync(db, $"DELETE FROM {table} WHERE {column} = @p0", cancellationToken, Key(earlier.Id));
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
            Read("k_charge AND good_rows > 0", r => new object?[]
            {
                orgId, _periodIds[r.Period()], r.Day("day"), r.Text("sub_account_id"), r.Text("service_name"), r.Text("service_category"),
                r.Text("region_id"), r.Text("charge_category"), r.Text("charge_class"), r.Text("pricing_category"), r.Count("good_rows"),
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
        foreach (var (period, pool, start, end, quantity, covered, list, effective, billed) in Read(
            "k_usage AND demand_rows > 0",
            r => (r.Period(), r.Pool(), r.Time("charge_period_start"), r.Time("charge_period_end"), r.Number("quantity"), r.Number("covered_quantity"),
                  r.Money("demand_list_cost"), r.Money("demand_effective_cost"), r.Money("demand_billed_cost"))))
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
        var facts = Read("k_commitment AND commitment_id IS NOT NULL AND commitment_rows > 0", r => new
        {
            Period = r.Period(),
            Provider = CloudProviders.FromName(r.Text("provider_name")),
            Id = r.Text("commitment_id")!,
            Day = r.Day("day"),
            Name = r.Text("commitment_name"),
            Category = r.Text("commitment_category"),
            Type = r.Text("commitment_type"),
            Unit = r.Text("commitment_unit"),
            Account = r.Text("billing_account_id"),
            SubAccount = r.Text("any_sub_account_id"),
            Region = r.Text("any_region_id"),
            Used = r.Number("commitment_used_quantity"),
            Unused = r.Number("commitment_unused_quantity"),
            CoveredList = r.Money("commitment_covered_list_cost"),
            UsedCost = r.Money("commitment_used_cost"),
            UnusedCost = r.Money("commitment_unused_cost"),
            Upfront = r.Money("commitment_upfront_fee"),
            Recurring = r.Money("commitment_recurring_fee"),
        }).ToList();

        var newCommitments = new List<object?[]>();
        foreach (var fact in facts.DistinctBy(f => (f.Provider, f.Id)))
        {
            if (!known.ContainsKey((fact.Provider, fact.Id)))
            {
                var id = Guid.NewGuid();
                known[(fact.Provider, fact.Id)] = id;
                newCommitments.Add([id, orgId, fact.Provider, fact.Id, fact.Name, fact.Category, fact.Type, fact.Unit, fact.Account, fact.SubAccount, fact.Region]);
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
        var coverage = Read("k_coverage AND commitment_id IS NOT NULL AND covered_quantity > 0", r => new object?[]
        {
            orgId, _periodIds[r.Period()], known[(CloudProviders.FromName(r.Text("provider_name")), r.Text("commitment_id")!)],
            PoolId(r.Pool(), newPools), r.Day("day"), r.Number("covered_quantity"), Money.ToNanoUnits(r.Money("covered_list_cost")),
            Money.ToNanoUnits(r.Money("demand_effective_cost")),
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
        var attributes = string.Join(" UNION ALL ", tables.Select(t => $"""
            SELECT provider_name, resource_id, any_value(resource_name) AS resource_name, any_value(resource_type) AS resource_type,
                   any_value(any_service_name) AS service_name, any_value(any_service_category) AS service_category, any_value(any_region_id) AS region_id,
                   any_value(availability_zone) AS availability_zone, any_value(billing_account_id) AS billing_account_id,
                   any_value(any_sub_account_id) AS sub_account_id, any_value(any_sku_id) AS sku_id, any_value(any_instance_type) AS instance_type,
                   any_value(any_platform) AS platform, any_value(any_consumed_unit) AS consumed_unit, bool_or(any_spot) AS is_spot, any_value(tags) AS tags
            FROM {t} WHERE k_resource AND resource_id IS NOT NULL AND good_rows > 0 GROUP BY provider_name, resource_id
            """));
        foreach (var r in Query(attributes, r => new
        {
            Provider = CloudProviders.FromName(r.Text("provider_name")),
            Id = r.Text("resource_id")!,
            Values = new object?[]
            {
                r.Text("resource_name"), r.Text("resource_type"), r.Text("service_name"), r.Text("service_category"), r.Text("region_id"),
                r.Text("availability_zone"), r.Text("billing_account_id"), r.Text("sub_account_id"), r.Text("sku_id"), r.Text("instance_type"),
                r.Text("platform"), r.Text("consumed_unit"), !r.IsDBNull(r.GetOrdinal("is_spot")) && r.GetBoolean(r.GetOrdinal("is_spot")), r.Text("tags"),
            },
        }))
        {
            seen++;
            if (!known.ContainsKey((r.Provider, r.Id)))
            {
                var id = Guid.NewGuid();
                known[(r.Provider, r.Id)] = id;
                newResources.Add([id, orgId, r.Provider, r.Id, .. r.Values, _now, _now]);
            }
        }

        Resources = seen;
        await _writer.WriteAsync("billed_resources",
            ["id", "org_id", "provider", "provider_resource_id", "name", "resource_type", "service_name", "service_category", "region_id",
             "availability_zone", "billing_account_id", "sub_account_id", "sku_id", "instance_type", "platform", "unit", "is_spot", "tags",
             "created_at", "updated_at"],
            newResources, cancellationToken);
        await _writer.WriteAsync("resource_days",
            ["org_id", "billing_period_id", "resource_id", "day", "quantity", "covered_quantity", "usage_hours", "list_cost", "billed_cost",
             "effective_cost", "covered_list_cost", "covered_effective_cost", "spot_cost"],
            Read("k_resource AND resource_id IS NOT NULL AND good_rows > 0", r => new object?[]
            {
                orgId, _periodIds[r.Period()], known[(CloudProviders.FromName(r.Text("provider_name")), r.Text("resource_id")!)], r.Day("day"),
                r.Number("quantity"), r.Number("covered_quantity"),
                UsageHours(r.Number("hour_quantity"), r.Count("active_rows")),
                Money.ToNanoUnits(r.Money("list_cost")), Money.ToNanoUnits(r.Money("billed_cost")), Money.ToNanoUnits(r.Money("effective_cost")),
                Money.ToNanoUnits(r.Money("covered_list_cost")), Money.ToNanoUnits(r.Money("covered_effective_cost")), Money.ToNanoUnits(r.Money("spot_cost")),
            }),
            cancellationToken);

        // Resources seen before: this load is the latest news of them.
        var periodIds = _periodIds.Values.ToList();
        foreach (var periodId in periodIds)
        {
            await BulkWriter.ExecuteAsync(db,
                "UPDATE billed_resources SET updated_at = @p0 WHERE id IN (SELECT resource_id FROM resource_days WHERE billing_period_id = @p1)",
                cancellationToken, Stored(_now), Key(periodId));
        }
    }

    /// <summary>
    /// How long a resource ran on a day: its hours of use where it is billed in hours (an instance: one per hour it
    /// ran), otherwise the number of usage rows it had; never more than 24.
    /// </summary>
    private static double UsageHours(double hourQuantity, long activeRows) => Math.Min(24d, hourQuantity > 0 ? hourQuantity : activeRows);

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
    private IEnumerable<T> Read<T>(string where, Func<DbDataReader, T> map) =>
        Query(string.Join(" UNION ALL ", tables.Select(t => $"SELECT * FROM {t} WHERE {where}")), map);

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

    /// <summary>Ids as the store keeps them (SQLite: upper-case text, as EF Core writes them).</summary>
    private object Key(Guid id) => db.Database.IsNpgsql() ? id : id.ToString().ToUpperInvariant();

    /// <summary>Times as the store keeps them (SQLite: EF Core's text form).</summary>
    private object Stored(DateTime time) => db.Database.IsNpgsql() ? time : time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture);

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
