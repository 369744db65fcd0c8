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
        CancellationToken cancellationToken)
    {
        var ids = orgIds.Distinct().ToList();
        var windowStart = RoiReports.MonthOf(firstMonth);
        var windowEnd = RoiReports.MonthOf(lastMonth).AddMonths(1).AddDays(-1);
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

        var purchased = await (
            from l in db.PurchaseLines.IgnoreQueryFilters()
            where ids.Contains(l.OrgId) && l.State == PurchaseLineStates.Succeeded && (provider == null || l.Provider == provider)
            join i in db.PlanLineItems.IgnoreQueryFilters() on l.PlanLineItemId equals i.Id into items
            from i in items.DefaultIfEmpty()
            select new { l.OrgId, l.PurchaseId, l.FinishedAt, l.SubmittedAt, l.UpfrontCost, l.MonthlyCost, Savings = (decimal?)i!.MonthlySavings }).ToListAsync(cancellationToken);

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

        var lines = purchased.ToLookup(p => p.OrgId, p => new PurchasedLine(
            p.PurchaseId, p.FinishedAt ?? p.SubmittedAt ?? DateTime.UnixEpoch, p.UpfrontCost, p.MonthlyCost, p.Savings ?? 0));
        return ids.ToDictionary(id => id, id => RoiReports.ForOrg(firstMonth, lastMonth, today, days[id], lines[id]));
    }
}
