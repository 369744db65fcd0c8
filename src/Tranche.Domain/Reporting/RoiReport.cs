namespace Tranche.Domain.Reporting;

/// <summary>
/// What commitments can cover: FOCUS <c>ServiceCategory</c> values of usage that Reserved Instances, Savings Plans,
/// reservations and CUDs apply to. Coverage and the effective savings rate count only this usage; storage, network
/// and support are left out, as nothing can be bought for them.
/// </summary>
public static class CoverableUsage
{
    public static IReadOnlyList<string> Categories { get; } = ["Compute", "Databases", "AI and Machine Learning", "Analytics"];
}

/// <summary>
/// One org's billing facts of one day, summed over its usage pools and commitments. Usage and commitments are read
/// from different tables, so a day may carry only one side; several entries for one day are added up.
/// </summary>
/// <param name="Day">The UTC day.</param>
/// <param name="OnDemandCost">On-demand-equivalent (list) cost of the coverable usage.</param>
/// <param name="CoveredCost">The part of <paramref name="OnDemandCost"/> commitments covered.</param>
/// <param name="CommitmentCoveredCost">On-demand-equivalent cost of what commitments covered, as their own lines count it: what the savings are measured against.</param>
/// <param name="CommitmentCost">Amortized commitment cost (recurring fees plus upfront spread over the term), used or not.</param>
/// <param name="UnusedCommitmentCost">The part of <paramref name="CommitmentCost"/> that nothing used.</param>
/// <param name="UpfrontPaid">One-time fees billed this day.</param>
public readonly record struct RoiDay(
    DateOnly Day, decimal OnDemandCost, decimal CoveredCost, decimal CommitmentCoveredCost, decimal CommitmentCost, decimal UnusedCommitmentCost, decimal UpfrontPaid)
{
    public RoiFigures Figures => new(OnDemandCost, CoveredCost, CommitmentCoveredCost, CommitmentCost, UnusedCommitmentCost, UpfrontPaid);
}

/// <summary>
/// Sums over some days (a month, a window, several orgs). Every stored figure is money and adds up; every rate is
/// computed from the sums, so the rate of a total is never an average of rates.
/// </summary>
public readonly record struct RoiFigures(
    decimal OnDemandCost, decimal CoveredCost, decimal CommitmentCoveredCost, decimal CommitmentCost, decimal UnusedCommitmentCost, decimal UpfrontPaid)
{
    public decimal UsedCommitmentCost => CommitmentCost - UnusedCommitmentCost;

    /// <summary>What the covered usage would have cost on demand, less what the used part of the commitments cost.</summary>
    public decimal GrossSavings => CommitmentCoveredCost - UsedCommitmentCost;

    /// <summary>Gross savings less the commitment paid for and not used: the bill reduction, as <c>/metrics</c> counts savings.</summary>
    public decimal NetSavings => GrossSavings - UnusedCommitmentCost;

    /// <summary>Covered over all coverable on-demand-equivalent spend (at most 1); null without coverable usage.</summary>
    public double? Coverage => OnDemandCost > 0 ? (double)Math.Min(1m, CoveredCost / OnDemandCost) : null;

    /// <summary>Cost-weighted share of the commitments used; null without commitment cost.</summary>
    public double? Utilization => CommitmentCost > 0 ? (double)(UsedCommitmentCost / CommitmentCost) : null;

    /// <summary>Effective savings rate: net savings over the on-demand-equivalent cost of the coverable usage.</summary>
    public double? EffectiveSavingsRate => OnDemandCost > 0 ? (double)(NetSavings / OnDemandCost) : null;

    /// <summary>Return on the commitment spend: net savings over what the commitments cost.</summary>
    public double? Roi => CommitmentCost > 0 ? (double)(NetSavings / CommitmentCost) : null;

    public static RoiFigures operator +(RoiFigures a, RoiFigures b) => new(
        a.OnDemandCost + b.OnDemandCost, a.CoveredCost + b.CoveredCost, a.CommitmentCoveredCost + b.CommitmentCoveredCost,
        a.CommitmentCost + b.CommitmentCost, a.UnusedCommitmentCost + b.UnusedCommitmentCost, a.UpfrontPaid + b.UpfrontPaid);
}

/// <summary>A commitment Tranche bought for the org: one succeeded purchase line, with the savings its plan projected for it.</summary>
public readonly record struct PurchasedLine(Guid PurchaseId, DateTime BoughtAt, decimal UpfrontCost, decimal MonthlyCost, decimal ProjectedMonthlySavings);

/// <summary>Purchases made in some months: they add up like <see cref="RoiFigures"/>.</summary>
public readonly record struct PurchaseFigures(int Purchases, int Commitments, decimal UpfrontCost, decimal NewMonthlyCommitment, decimal ProjectedMonthlySavings)
{
    public static PurchaseFigures operator +(PurchaseFigures a, PurchaseFigures b) => new(
        a.Purchases + b.Purchases, a.Commitments + b.Commitments, a.UpfrontCost + b.UpfrontCost,
        a.NewMonthlyCommitment + b.NewMonthlyCommitment, a.ProjectedMonthlySavings + b.ProjectedMonthlySavings);
}

/// <summary>One calendar month of a report (<see cref="Month"/> is its first day).</summary>
public sealed record RoiMonth(DateOnly Month, RoiFigures Figures, PurchaseFigures Purchases);

/// <summary>
/// The return on commitments of one org, or of a partner's orgs together, over a range of calendar months.
/// <see cref="LifetimeSavings"/> and <see cref="MonthToDateSavings"/> do not depend on the range: they are net
/// savings over every day of billing data and over the current calendar month up to today, as <c>/metrics</c> has them.
/// </summary>
public sealed record RoiReport(
    IReadOnlyList<RoiMonth> Months, RoiFigures Total, PurchaseFigures Purchases, decimal LifetimeSavings, decimal MonthToDateSavings);

/// <summary>Builds reports from daily facts, and a partner's from its orgs' reports.</summary>
public static class RoiReports
{
    public static DateOnly MonthOf(DateOnly day) => new(day.Year, day.Month, 1);

    /// <summary>First days of the months from <paramref name="firstMonth"/> to <paramref name="lastMonth"/>, both included.</summary>
    public static IReadOnlyList<DateOnly> MonthsBetween(DateOnly firstMonth, DateOnly lastMonth)
    {
        var months = new List<DateOnly>();
        for (var month = MonthOf(firstMonth); month <= lastMonth; month = month.AddMonths(1))
        {
            months.Add(month);
        }

        return months;
    }

    /// <summary>
    /// One org's report. <paramref name="days"/> must hold the commitment facts of every day (lifetime savings come
    /// from them) and the usage facts of at least the months asked for; days outside the months count only towards
    /// lifetime and month-to-date savings.
    /// </summary>
    public static RoiReport ForOrg(DateOnly firstMonth, DateOnly lastMonth, DateOnly today, IEnumerable<RoiDay> days, IEnumerable<PurchasedLine> purchases)
    {
        var months = MonthsBetween(firstMonth, lastMonth);
        var index = months.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i);
        var figures = new RoiFigures[months.Count];
        var bought = new PurchaseFigures[months.Count];
        var currentMonth = MonthOf(today);
        decimal lifetime = 0, monthToDate = 0;
        foreach (var day in days)
        {
            var f = day.Figures;
            lifetime += f.NetSavings;
            if (day.Day >= currentMonth && day.Day <= today)
            {
                monthToDate += f.NetSavings;
            }

            if (index.TryGetValue(MonthOf(day.Day), out var i))
            {
                figures[i] += f;
            }
        }

        // A purchase belongs to the month its first commitment was bought in, so that counts of purchases add up over months.
        foreach (var purchase in purchases.GroupBy(p => p.PurchaseId))
        {
            var month = MonthOf(DateOnly.FromDateTime(purchase.Min(p => p.BoughtAt)));
            if (index.TryGetValue(month, out var i))
            {
                bought[i] += new PurchaseFigures(
                    1, purchase.Count(), purchase.Sum(p => p.UpfrontCost), purchase.Sum(p => p.MonthlyCost), purchase.Sum(p => p.ProjectedMonthlySavings));
            }
        }

        return new RoiReport(
            [.. months.Select((m, i) => new RoiMonth(m, figures[i], bought[i]))],
            figures.Aggregate(default(RoiFigures), (a, b) => a + b),
            bought.Aggregate(default(PurchaseFigures), (a, b) => a + b),
            lifetime,
            monthToDate);
    }

    /// <summary>
    /// Several orgs' reports over the same months as one: money and counts are summed month by month; rates follow
    /// from the sums (see <see cref="RoiFigures"/>).
    /// </summary>
    public static RoiReport Combine(DateOnly firstMonth, DateOnly lastMonth, IReadOnlyCollection<RoiReport> reports)
    {
        var months = MonthsBetween(firstMonth, lastMonth);
        var figures = new RoiFigures[months.Count];
        var bought = new PurchaseFigures[months.Count];
        foreach (var report in reports)
        {
            if (report.Months.Count != months.Count || report.Months.Where((m, i) => m.Month != months[i]).Any())
            {
                throw new ArgumentException("Reports can only be combined over the same months.", nameof(reports));
            }

            for (var i = 0; i < months.Count; i++)
            {
                figures[i] += report.Months[i].Figures;
                bought[i] += report.Months[i].Purchases;
            }
        }

        return new RoiReport(
            [.. months.Select((m, i) => new RoiMonth(m, figures[i], bought[i]))],
            reports.Aggregate(default(RoiFigures), (a, r) => a + r.Total),
            reports.Aggregate(default(PurchaseFigures), (a, r) => a + r.Purchases),
            reports.Sum(r => r.LifetimeSavings),
            reports.Sum(r => r.MonthToDateSavings));
    }
}
