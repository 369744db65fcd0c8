using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Commitments;

namespace Tranche.Server.V1.Commitments;

/// <summary>
/// One commitment of the inventory: its terms (from a provider sync or a purchase, when known), what billing data
/// named it, and its days. A commitment several sources report is one item, keyed by provider and provider id.
/// </summary>
internal sealed class InventoryItem
{
    public required Guid Id { get; init; }

    public required string Provider { get; init; }

    public required string ProviderCommitmentId { get; init; }

    public required string Type { get; init; }

    public string? Category { get; init; }

    public string? Name { get; init; }

    public required string DisplayName { get; init; }

    public string? AccountId { get; init; }

    public string? BillingAccountId { get; init; }

    public string? RegionId { get; init; }

    public string? AvailabilityZone { get; init; }

    public string? InstanceType { get; init; }

    public string? InstanceFamily { get; init; }

    public string? ProductDescription { get; init; }

    public string? Tenancy { get; init; }

    public bool? IsMultiAz { get; init; }

    public string? PlanType { get; init; }

    public string? Scope { get; init; }

    public string? OrderId { get; init; }

    public string? ResourceGroup { get; init; }

    public string? OfferingClass { get; init; }

    public string? OfferingId { get; init; }

    public string? PaymentOption { get; init; }

    public int? InstanceCount { get; init; }

    public bool? IsFlexible { get; init; }

    /// <summary>Start of the term: from the terms, or the first billed day when billing data saw it begin.</summary>
    public DateTime? Start { get; init; }

    /// <summary>End of the term: from the terms, or the day after the last billed day once billing data stopped naming it.</summary>
    public DateTime? End { get; init; }

    /// <summary>Whether <see cref="Start"/> and <see cref="End"/> are the provider's (true) or read off billing data.</summary>
    public bool HasTerms { get; init; }

    public decimal UpfrontCost { get; init; }

    /// <summary>Recurring price per hour; from the terms, or billed recurring fees spread over the billed hours.</summary>
    public decimal RecurringHourlyCost { get; init; }

    /// <summary>Amortized price per hour from the terms (recurring plus upfront over the term); null without terms.</summary>
    public long? ScheduledHourlyCost { get; init; }

    public string? ProviderState { get; init; }

    /// <summary>Bought by Tranche (a plan's purchase), rather than found at the provider or in billing data.</summary>
    public bool FromPurchase { get; init; }

    public bool SeenInBilling => Days.Count > 0;

    public required CommitmentDays Days { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime UpdatedAt { get; init; }

    /// <summary>Lower-cased text <c>search</c> matches: names, ids, accounts, type, region, instance type and description.</summary>
    public required string SearchText { get; init; }

    public string StatusAt(DateTime now) => CommitmentLifecycle.StatusAt(now, Start, End, ProviderState, SeenInBilling);

    public long? DurationSeconds => Start is { } start && End is { } end ? (long)(end - start).TotalSeconds : null;

    /// <summary>Hours of <paramref name="day"/> within the term (24 when the term is not known).</summary>
    public double HoursInForce(DateOnly day)
    {
        var dayStart = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var from = Start is { } start && start > dayStart ? start : dayStart;
        var to = End is { } end && end < dayStart.AddDays(1) ? end : dayStart.AddDays(1);
        return Math.Max(0, (to - from).TotalHours);
    }

    /// <summary>Hours in force summed over the days with data in the window.</summary>
    public double RunningHours(DateOnly from, DateOnly to, int daysWithData)
    {
        var hours = daysWithData * 24.0;
        // Only the first and last day of a term can be partial; correct for them when they are in the window.
        foreach (var edge in (DateTime?[])[Start, End])
        {
            if (edge is { } time && DateOnly.FromDateTime(time) is var day && day >= from && day <= to &&
                Days.IndexOf(day) is var i && i >= 0 && i < Days.Count && Days.Present[i])
            {
                hours -= 24 - HoursInForce(day);
            }
        }

        return hours;
    }
}

/// <summary>
/// An org's whole commitment inventory in memory, as of one version of its data. Requests read it instead of the
/// database: sorting 10,000 commitments by their utilization over a window needs every one of their days, and the
/// window sums and sorted orders asked for again (the pages of one listing) are kept.
/// </summary>
internal sealed class InventorySnapshot(string version, IReadOnlyList<InventoryItem> items)
{
    private const int MaxCachedWindows = 16;
    private const int MaxCachedListings = 64;

    private readonly ConcurrentDictionary<(DateOnly, DateOnly), WindowFigures[]> _windows = new();
    private readonly ConcurrentDictionary<string, InventoryListing> _listings = new(StringComparer.Ordinal);

    public string Version { get; } = version;

    public IReadOnlyList<InventoryItem> Items { get; } = items;

    /// <summary>Every item's sums over the window, by item index.</summary>
    public WindowFigures[] Window(DateOnly from, DateOnly to) =>
        Bounded(_windows, MaxCachedWindows).GetOrAdd((from, to), static (key, items) =>
        {
            var sums = new WindowFigures[items.Count];
            for (var i = 0; i < sums.Length; i++)
            {
                sums[i] = items[i].Days.Sum(key.Item1, key.Item2);
            }

            return sums;
        }, Items);

    public InventoryListing Listing(string key, Func<InventoryListing> build) =>
        Bounded(_listings, MaxCachedListings).GetOrAdd(key, _ => build());

    private static ConcurrentDictionary<TKey, TValue> Bounded<TKey, TValue>(ConcurrentDictionary<TKey, TValue> cache, int limit)
        where TKey : notnull
    {
        // A crude bound: enough for the pages and windows a dashboard asks for, and never a leak.
        if (cache.Count >= limit)
        {
            cache.Clear();
        }

        return cache;
    }
}

/// <summary>The commitments a query selected, in the order asked for, with their status and figures over its window.</summary>
internal sealed record InventoryListing(CommitmentView[] Views);

/// <summary>
/// Keeps each org's <see cref="InventorySnapshot"/> and rebuilds it when the org's data changes. The version is read
/// from the database on every request (a cheap indexed query), so every replica sees a new load or purchase at once.
/// </summary>
internal sealed class InventoryStore
{
    private readonly ConcurrentDictionary<Guid, InventorySnapshot> _snapshots = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _builds = new();

    // Loads and syncs always move one of these two forward (a replaced billing period is a new row, a removed
    // commitment is marked, not deleted), so together they name the data an answer was computed from. Both are read
    // through indexes: the query stays cheap however large the inventory grows. A compiled query evaluates the
    // tenancy filter's org once, when it is compiled, so this one names the org as its own parameter instead.
    private static readonly CompiledQuery<Func<TrancheDbContext, Guid, IAsyncEnumerable<DataVersion>>> s_version = new(() => EF.CompileAsyncQuery((TrancheDbContext db, Guid orgId) =>
        db.Orgs.Where(o => o.Id == orgId).Select(o => new DataVersion(
            db.BillingPeriods.IgnoreQueryFilters().Where(p => p.OrgId == orgId).Max(p => (DateTime?)p.LoadedAt),
            db.Commitments.IgnoreQueryFilters().Where(c => c.OrgId == orgId).Max(c => (DateTime?)c.UpdatedAt)))));

    private sealed record DataVersion(DateTime? LastLoad, DateTime? LastChange);

    public async Task<InventorySnapshot> GetAsync(TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        var version = await VersionAsync(db, orgId, cancellationToken);
        if (_snapshots.TryGetValue(orgId, out var snapshot) && snapshot.Version == version)
        {
            return snapshot;
        }

        // One build per org at a time; the others wait for it rather than read the same rows again.
        var gate = _builds.GetOrAdd(orgId, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            if (_snapshots.TryGetValue(orgId, out snapshot) && snapshot.Version == version)
            {
                return snapshot;
            }

            snapshot = new InventorySnapshot(version, await LoadAsync(db, orgId, cancellationToken));
            _snapshots[orgId] = snapshot;
            return snapshot;
        }
        finally
        {
            gate.Release();
        }
    }

    private static async Task<string> VersionAsync(TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        await foreach (var v in s_version.For(db)(db, orgId).WithCancellation(cancellationToken))
        {
            return $"{v.LastLoad?.Ticks}:{v.LastChange?.Ticks}";
        }

        return "";
    }

    private static async Task<List<InventoryItem>> LoadAsync(TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        var terms = await db.Commitments.AsNoTracking().ToListAsync(cancellationToken);
        var billed = await db.BilledCommitments.AsNoTracking().ToListAsync(cancellationToken);
        var days = await ReadDaysAsync(db, orgId, cancellationToken);

        // Billing data's view of where each account's data starts and ends, to tell a commitment that began or
        // ended inside the data from one that simply runs past its edges.
        var edges = billed.Where(b => days.ContainsKey(b.Id))
            .GroupBy(b => (b.Provider, b.BillingAccountId))
            .ToDictionary(g => g.Key, g => (First: g.Min(b => days[b.Id].Days.FirstDay), Last: g.Max(b => days[b.Id].Days.LastDay)));

        var items = new List<InventoryItem>();
        var byKey = billed.ToDictionary(b => (b.Provider, b.ProviderCommitmentId));
        foreach (var t in terms)
        {
            var series = byKey.Remove((t.Provider, t.ProviderCommitmentId), out var b) && days.TryGetValue(b.Id, out var d) ? d.Days : CommitmentDays.Empty;
            var termHours = (t.EndsAt - t.StartsAt).TotalHours;
            var scheduled = t.RecurringHourlyCost + (termHours > 0 ? t.UpfrontCost / (decimal)termHours : 0);
            items.Add(new InventoryItem
            {
                Id = t.Id,
                Provider = t.Provider,
                ProviderCommitmentId = t.ProviderCommitmentId,
                Type = t.Type,
                Category = t.Category,
                Name = t.Name,
                DisplayName = t.Name ?? DisplayNameOf(t.Type, t.InstanceType, t.InstanceCount, t.RegionId, t.ProviderCommitmentId),
                AccountId = t.AccountId,
                BillingAccountId = t.BillingAccountId ?? b?.BillingAccountId,
                RegionId = t.RegionId,
                AvailabilityZone = t.AvailabilityZone,
                InstanceType = t.InstanceType,
                InstanceFamily = t.InstanceFamily,
                ProductDescription = t.ProductDescription,
                Tenancy = t.Tenancy,
                IsMultiAz = t.IsMultiAz,
                PlanType = t.PlanType,
                Scope = t.Scope,
                OrderId = t.OrderId,
                ResourceGroup = t.ResourceGroup,
                OfferingClass = t.OfferingClass,
                OfferingId = t.OfferingId,
                PaymentOption = t.PaymentOption,
                InstanceCount = t.InstanceCount,
                IsFlexible = t.IsFlexible,
                Start = t.StartsAt,
                End = t.EndsAt,
                HasTerms = true,
                UpfrontCost = t.UpfrontCost,
                RecurringHourlyCost = t.RecurringHourlyCost,
                ScheduledHourlyCost = Money.ToNanoUnits(scheduled),
                ProviderState = t.ProviderState,
                FromPurchase = t.Source == CommitmentSources.Purchase,
                Days = series,
                CreatedAt = t.CreatedAt,
                UpdatedAt = t.UpdatedAt,
                SearchText = SearchTextOf(t.Id, t.ProviderCommitmentId, t.Name, t.AccountId, t.BillingAccountId, t.Type, t.RegionId, t.InstanceType, t.ProductDescription, t.PlanType),
            });
        }

        // Commitments only billing data knows: their terms are read off the data as far as it shows them.
        foreach (var b in byKey.Values)
        {
            if (!days.TryGetValue(b.Id, out var d))
            {
                continue;
            }

            var edge = edges[(b.Provider, b.BillingAccountId)];
            var start = d.Days.FirstDay > edge.First ? d.Days.FirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : (DateTime?)null;
            var end = d.Days.LastDay < edge.Last ? d.Days.LastDay.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : (DateTime?)null;
            var billedHours = d.Days.Present.Count(p => p) * 24m;
            var id = CommitmentIds.For(orgId, b.Provider, b.ProviderCommitmentId);
            var type = b.Type ?? (b.Category == "Spend" ? "Savings Plan" : "Reserved Instance");
            items.Add(new InventoryItem
            {
                Id = id,
                Provider = b.Provider,
                ProviderCommitmentId = b.ProviderCommitmentId,
                Type = type,
                Category = b.Category,
                Name = b.Name,
                DisplayName = b.Name ?? DisplayNameOf(type, null, null, b.RegionId, b.ProviderCommitmentId),
                AccountId = b.SubAccountId ?? b.BillingAccountId,
                BillingAccountId = b.BillingAccountId,
                RegionId = b.RegionId,
                Start = start,
                End = end,
                UpfrontCost = d.Upfront,
                RecurringHourlyCost = billedHours > 0 ? d.Recurring / billedHours : 0,
                Days = d.Days,
                CreatedAt = d.Days.FirstDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                UpdatedAt = d.Days.LastDay.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                SearchText = SearchTextOf(id, b.ProviderCommitmentId, b.Name, b.SubAccountId, b.BillingAccountId, type, b.RegionId, null, null, null),
            });
        }

        return items;
    }

    /// <summary>
    /// Every commitment day of the org, folded into one series per billed commitment. Read with a plain data reader in
    /// commitment order: a large inventory has millions of these rows, and this is the one place that reads them all.
    /// </summary>
    private static async Task<Dictionary<Guid, (CommitmentDays Days, decimal Upfront, decimal Recurring)>> ReadDaysAsync(
        TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        var result = new Dictionary<Guid, (CommitmentDays, decimal, decimal)>();
        var rows = new List<(DateOnly Day, double Used, double Unused, long Covered, long UsedCost, long UnusedCost)>();
        Guid current = default;
        long upfront = 0, recurring = 0;

        void Fold()
        {
            if (rows.Count == 0)
            {
                return;
            }

            var series = new CommitmentDays(rows[0].Day, rows[^1].Day.DayNumber - rows[0].Day.DayNumber + 1);
            foreach (var row in rows)
            {
                // A day can appear in two billing periods (two billing accounts sharing a commitment): add them up.
                var i = series.IndexOf(row.Day);
                series.Present[i] = true;
                series.Used[i] += row.Used;
                series.Unused[i] += row.Unused;
                series.CoveredOnDemand[i] += row.Covered;
                series.Cost[i] += row.UsedCost + row.UnusedCost;
                series.UnusedCost[i] += row.UnusedCost;
            }

            result[current] = (series, Money.FromNanoUnits(upfront), Money.FromNanoUnits(recurring));
            rows.Clear();
            (upfront, recurring) = (0, 0);
        }

        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = """
                SELECT commitment_id, day, used_quantity, unused_quantity, covered_list_cost, used_effective_cost, unused_effective_cost, upfront_fee, recurring_fee
                FROM commitment_days WHERE org_id = @org ORDER BY commitment_id, day
                """;
            var org = command.CreateParameter();
            org.ParameterName = "@org";
            org.Value = BulkWriter.KeyParameter(db, orgId);
            command.Parameters.Add(org);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetGuid(0);
                if (id != current)
                {
                    Fold();
                    current = id;
                }

                // Money columns hold nano-units (see Money).
                rows.Add((reader.GetFieldValue<DateOnly>(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
                upfront += reader.GetInt64(7);
                recurring += reader.GetInt64(8);
            }

            Fold();
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return result;
    }

    private static string DisplayNameOf(string type, string? instanceType, int? count, string? region, string providerId)
    {
        var what = instanceType is null ? type : $"{type} {instanceType}{(count is { } n ? $" x{n}" : "")}";
        var tail = providerId[(providerId.LastIndexOfAny(['/', ':']) + 1)..];
        return region is null ? $"{what} ({tail})" : $"{what} ({region}, {tail})";
    }

    private static string SearchTextOf(Guid id, params string?[] parts) =>
        string.Join('\n', parts.Prepend(id.ToString()).Where(p => p is not null)).ToLowerInvariant();
}
