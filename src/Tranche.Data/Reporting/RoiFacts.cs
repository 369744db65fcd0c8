using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Reporting;

namespace Tranche.Data.Reporting;

/// <summary>
/// Reads what ROI reports are built from: each org's billing facts summed per day in the database (never row by row
/// here), and the commitments Tranche bought for it. The same facts and definitions as <c>/metrics</c>: coverage from
/// the coverage of coverable usage pools, savings and utilization from the commitments' own days.
/// </summary>
public static class RoiFacts
{
    /// <summary>
    /// Reports for <paramref name="orgIds"/> over the calendar months <paramref name="firstMonth"/> to
    /// <paramref name="lastMonth"/>. A context is scoped to one org, and a partner's report reads its customers'
    /// facts: the caller has decided which orgs may be read, so the queries name them instead of the scope.
    /// </summary>
    public static async Task<IReadOnlyDictionary<Guid, RoiReport>> ReportsAsync(
        TrancheDbContext db, IReadOnlyCollection<Guid> orgIds, string? provider, DateOnly firstMonth, DateOnly lastMonth, DateOnly today,
        CancellationToken cancellationToken, RoiDaysCache? cache = null)
    {
        var ids = orgIds.Distinct().ToList();
        var windowStart = RoiReports.MonthOf(firstMonth);
        var windowEnd = RoiReports.MonthOf(lastMonth).AddMonths(1).AddDays(-1);

        // Billing facts only change when a load writes a billing period, so an org's days are kept per version of its
        // periods and only the orgs whose data changed are read again. Purchases are few and read every time.
        var days = new Dictionary<Guid, IReadOnlyList<RoiDay>>();
        var versions = cache is null ? null : await VersionsAsync(db, ids, cancellationToken);
        var stale = new List<Guid>();
        foreach (var id in ids)
        {
            if (cache is not null && cache.TryGet((id, provider, windowStart, windowEnd), versions![id], out var kept))
            {
                days[id] = kept;
            }
            else
            {
                stale.Add(id);
            }
        }

        if (stale.Count > 0)
        {
            var read = await DaysAsync(db, stale, provider, windowStart, windowEnd, cancellationToken);
            foreach (var id in stale)
            {
                days[id] = read[id];
                cache?.Set((id, provider, windowStart, windowEnd), versions![id], read[id]);
            }
        }

        var purchased = await (
            from l in db.PurchaseLines.IgnoreQueryFilters()
            where ids.Contains(l.OrgId) && l.State == PurchaseLineStates.Succeeded && (provider == null || l.Provider == provider)
            join i in db.PlanLineItems.IgnoreQueryFilters() on l.PlanLineItemId equals i.Id into items
            from i in items.DefaultIfEmpty()
            select new { l.OrgId, l.PurchaseId, l.FinishedAt, l.SubmittedAt, l.UpfrontCost, l.MonthlyCost, Savings = (decimal?)i!.MonthlySavings }).ToListAsync(cancellationToken);
        var lines = purchased.ToLookup(p => p.OrgId, p => new PurchasedLine(
            p.PurchaseId, p.FinishedAt ?? p.SubmittedAt ?? DateTime.UnixEpoch, p.UpfrontCost, p.MonthlyCost, p.Savings ?? 0));
        return ids.ToDictionary(id => id, id => RoiReports.ForOrg(firstMonth, lastMonth, today, days[id], lines[id]));
    }

    /// <summary>Names each org's billing data as loaded: its newest load and how many periods it holds (an empty string for none).</summary>
    private static async Task<Dictionary<Guid, string>> VersionsAsync(TrancheDbContext db, List<Guid> ids, CancellationToken cancellationToken)
    {
        var rows = await db.BillingPeriods.IgnoreQueryFilters().Where(p => ids.Contains(p.OrgId))
            .GroupBy(p => p.OrgId).Select(g => new { OrgId = g.Key, Last = g.Max(p => p.LoadedAt), Count = g.Count() }).ToListAsync(cancellationToken);
        var versions = ids.ToDictionary(id => id, _ => "");
        foreach (var row in rows)
        {
            versions[row.OrgId] = $"{row.Last.Ticks}:{row.Count}";
        }

        return versions;
    }

    /// <summary>Each org's facts summed per day in the database: usage and coverage in the window, commitments on every day.</summary>
    private static async Task<Dictionary<Guid, IReadOnlyList<RoiDay>>> DaysAsync(
        TrancheDbContext db, List<Guid> ids, string? provider, DateOnly windowStart, DateOnly windowEnd, CancellationToken cancellationToken)
    {
        var categories = CoverableUsage.Categories.ToList();
        var pools = db.UsagePools.IgnoreQueryFilters()
            .Where(p => ids.Contains(p.OrgId) && p.ServiceCategory != null && categories.Contains(p.ServiceCategory) && (provider == null || p.Provider == provider));

        var usage = await (
            from d in db.UsageDays.IgnoreQueryFilters()
            join p in pools on new { d.OrgId, d.PoolId } equals new { p.OrgId, PoolId = p.Id }
            where d.Day >= windowStart && d.Day <= windowEnd
            group d by new { d.OrgId, d.Day } into g
            select new { g.Key.OrgId, g.Key.Day, Cost = g.Sum(d => d.ListCost) }).ToListAsync(cancellationToken);

        var coverage = await (
            from c in db.CommitmentCoverage.IgnoreQueryFilters()
            join p in pools on new { c.OrgId, c.PoolId } equals new { p.OrgId, PoolId = p.Id }
            where c.Day >= windowStart && c.Day <= windowEnd
            group c by new { c.OrgId, c.Day } into g
            select new { g.Key.OrgId, g.Key.Day, Covered = g.Sum(c => c.CoveredListCost) }).ToListAsync(cancellationToken);

        // Every day, not only the window's: lifetime savings are over all of them.
        var commitments = await (
            from d in db.CommitmentDays.IgnoreQueryFilters()
            join b in db.BilledCommitments.IgnoreQueryFilters() on new { d.OrgId, d.CommitmentId } equals new { b.OrgId, CommitmentId = b.Id }
            where ids.Contains(d.OrgId) && (provider == null || b.Provider == provider)
            group d by new { d.OrgId, d.Day } into g
            select new
            {
                g.Key.OrgId,
                g.Key.Day,
                Covered = g.Sum(d => d.CoveredListCost),
                Used = g.Sum(d => d.UsedEffectiveCost),
                Unused = g.Sum(d => d.UnusedEffectiveCost),
                Upfront = g.Sum(d => d.UpfrontFee),
            }).ToListAsync(cancellationToken);

        var days = ids.ToDictionary(id => id, _ => new List<RoiDay>());
        foreach (var u in usage)
        {
            days[u.OrgId].Add(new RoiDay(u.Day, u.Cost, 0, 0, 0, 0, 0));
        }

        foreach (var c in coverage)
        {
            days[c.OrgId].Add(new RoiDay(c.Day, 0, c.Covered, 0, 0, 0, 0));
        }

        foreach (var c in commitments)
        {
            days[c.OrgId].Add(new RoiDay(c.Day, 0, 0, c.Covered, c.Used + c.Unused, c.Unused, c.Upfront));
        }

        // One entry per day, as kept in memory.
        return days.ToDictionary(d => d.Key, d => (IReadOnlyList<RoiDay>)[.. d.Value.GroupBy(x => x.Day).Select(g => g.Aggregate((a, b) => new RoiDay(
            a.Day, a.OnDemandCost + b.OnDemandCost, a.CoveredCost + b.CoveredCost, a.CommitmentCoveredCost + b.CommitmentCoveredCost,
            a.CommitmentCost + b.CommitmentCost, a.UnusedCommitmentCost + b.UnusedCommitmentCost, a.UpfrontPaid + b.UpfrontPaid)))]);
    }
}

/// <summary>
/// Orgs' report days kept in memory by the version of their billing data, so a partner's dashboard asking again reads
/// only what changed. Bounded crudely: past the limit it starts over, which is never wrong, only slower once.
/// </summary>
public sealed class RoiDaysCache
{
    private const int MaxEntries = 2_000;

    private readonly System.Collections.Concurrent.ConcurrentDictionary<(Guid Org, string? Provider, DateOnly From, DateOnly To), (string Version, IReadOnlyList<RoiDay> Days)> _entries = new();

    public bool TryGet((Guid, string?, DateOnly, DateOnly) key, string version, out IReadOnlyList<RoiDay> days)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Version == version)
        {
            days = entry.Days;
            return true;
        }

        days = [];
        return false;
    }

    public void Set((Guid, string?, DateOnly, DateOnly) key, string version, IReadOnlyList<RoiDay> days)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[key] = (version, days);
    }
}
