using CsCheck;
using Tranche.Domain.Reporting;

namespace Tranche.Domain.Tests.Reporting;

/// <summary>Partner reports against a slow, obvious reference: every figure summed straight from every org's raw days.</summary>
public sealed class RoiReportPropertyTests
{
    private static readonly DateOnly Origin = new(2025, 1, 1);
    private static readonly DateOnly FirstMonth = new(2025, 2, 1);
    private static readonly DateOnly LastMonth = new(2025, 5, 1);
    private static readonly DateOnly Today = new(2025, 4, 15);

    private static readonly Gen<decimal> Cents = Gen.Int[0, 100_000].Select(c => c / 100m);

    private static readonly Gen<RoiDay> GenDay = Gen.Select(Gen.Int[0, 200], Cents, Cents, Cents, Cents, Cents, Gen.Int[0, 3].SelectMany(n => n == 0 ? Cents : Gen.Const(0m)))
        .Select((day, onDemand, covered, basis, cost, unused, upfront) => new RoiDay(Origin.AddDays(day), onDemand, covered, basis, cost, unused, upfront));

    private static readonly Gen<(int Purchase, int Day, decimal Upfront, decimal Monthly, decimal Savings)> GenLine =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 200], Cents, Cents, Cents);

    private static readonly Gen<(RoiDay[] Days, (int Purchase, int Day, decimal Upfront, decimal Monthly, decimal Savings)[] Lines)[]> GenOrgs =
        Gen.Select(GenDay.Array[0, 30], GenLine.Array[0, 6]).Array[1, 6];

    [Fact]
    public void Partner_reports_equal_sums_over_every_orgs_days_with_rates_from_the_sums()
    {
        GenOrgs.Sample(orgs =>
        {
            var lines = orgs.Select((o, org) => o.Lines.Select(l => new PurchasedLine(
                new Guid(org, (short)l.Purchase, 0, new byte[8]), Origin.AddDays(l.Day).ToDateTime(new TimeOnly(13, 0)), l.Upfront, l.Monthly, l.Savings)).ToList()).ToList();
            var reports = orgs.Select((o, i) => RoiReports.ForOrg(FirstMonth, LastMonth, Today, o.Days, lines[i])).ToList();
            var partner = RoiReports.Combine(FirstMonth, LastMonth, reports);

            var allDays = orgs.SelectMany(o => o.Days).ToList();
            var allLines = lines.SelectMany(l => l).ToList();
            var months = new[] { FirstMonth, FirstMonth.AddMonths(1), FirstMonth.AddMonths(2), LastMonth };
            Assert.Equal(months, partner.Months.Select(m => m.Month));
            for (var i = 0; i < months.Length; i++)
            {
                var inMonth = allDays.Where(d => d.Day.Year == months[i].Year && d.Day.Month == months[i].Month).ToList();
                AssertFigures(inMonth, partner.Months[i].Figures);
                AssertPurchases(allLines, months[i], months[i], partner.Months[i].Purchases);
            }

            AssertFigures(allDays.Where(d => d.Day >= FirstMonth && d.Day < LastMonth.AddMonths(1)).ToList(), partner.Total);
            AssertPurchases(allLines, FirstMonth, LastMonth, partner.Purchases);
            Assert.Equal(allDays.Sum(d => d.CommitmentCoveredCost - d.CommitmentCost), partner.LifetimeSavings);
            Assert.Equal(allDays.Where(d => d.Day >= new DateOnly(2025, 4, 1) && d.Day <= Today).Sum(d => d.CommitmentCoveredCost - d.CommitmentCost), partner.MonthToDateSavings);
        }, iter: 300);
    }

    private static void AssertFigures(List<RoiDay> days, RoiFigures actual)
    {
        decimal onDemand = 0, covered = 0, basis = 0, cost = 0, unused = 0, upfront = 0;
        foreach (var d in days)
        {
            onDemand += d.OnDemandCost;
            covered += d.CoveredCost;
            basis += d.CommitmentCoveredCost;
            cost += d.CommitmentCost;
            unused += d.UnusedCommitmentCost;
            upfront += d.UpfrontPaid;
        }

        Assert.Equal((onDemand, covered, cost, unused, upfront), (actual.OnDemandCost, actual.CoveredCost, actual.CommitmentCost, actual.UnusedCommitmentCost, actual.UpfrontPaid));
        Assert.Equal(basis - (cost - unused), actual.GrossSavings);
        Assert.Equal(basis - cost, actual.NetSavings);
        AssertRate(onDemand == 0 ? null : Math.Min(1.0, (double)covered / (double)onDemand), actual.Coverage);
        AssertRate(cost == 0 ? null : (double)(cost - unused) / (double)cost, actual.Utilization);
        AssertRate(onDemand == 0 ? null : (double)(basis - cost) / (double)onDemand, actual.EffectiveSavingsRate);
        AssertRate(cost == 0 ? null : (double)(basis - cost) / (double)cost, actual.Roi);
    }

    private static void AssertRate(double? expected, double? actual)
    {
        Assert.Equal(expected is null, actual is null);
        if (expected is { } e)
        {
            Assert.Equal(e, actual!.Value, 1e-9 * Math.Max(1, Math.Abs(e)));
        }
    }

    private static void AssertPurchases(List<PurchasedLine> lines, DateOnly firstMonth, DateOnly lastMonth, PurchaseFigures actual)
    {
        // A purchase counts in the month its first line was bought.
        var counted = lines.GroupBy(l => l.PurchaseId)
            .Where(g => DateOnly.FromDateTime(g.Min(l => l.BoughtAt)) is var first && first >= firstMonth && first < lastMonth.AddMonths(1))
            .ToList();
        Assert.Equal(counted.Count, actual.Purchases);
        Assert.Equal(counted.Sum(g => g.Count()), actual.Commitments);
        Assert.Equal(counted.Sum(g => g.Sum(l => l.UpfrontCost)), actual.UpfrontCost);
        Assert.Equal(counted.Sum(g => g.Sum(l => l.MonthlyCost)), actual.NewMonthlyCommitment);
        Assert.Equal(counted.Sum(g => g.Sum(l => l.ProjectedMonthlySavings)), actual.ProjectedMonthlySavings);
    }

    [Fact]
    public void Rates_of_a_total_are_not_the_mean_of_the_parts()
    {
        // Two orgs: a small one fully covered and a large one barely covered.
        var small = RoiReports.ForOrg(FirstMonth, FirstMonth, Today, [new RoiDay(FirstMonth, 10, 10, 10, 6, 0, 0)], []);
        var large = RoiReports.ForOrg(FirstMonth, FirstMonth, Today, [new RoiDay(FirstMonth, 990, 90, 90, 60, 30, 0)], []);

        var both = RoiReports.Combine(FirstMonth, FirstMonth, [small, large]).Total;

        Assert.Equal(0.1, both.Coverage!.Value, 12);
        Assert.Equal(6 / 11.0, (small.Total.Coverage!.Value + large.Total.Coverage!.Value) / 2, 12);
        Assert.Equal(36 / 66.0, both.Utilization!.Value, 12);
        Assert.Equal(34 / 1000.0, both.EffectiveSavingsRate!.Value, 12);
        Assert.Equal(34 / 66.0, both.Roi!.Value, 12);
        Assert.Throws<ArgumentException>(() => RoiReports.Combine(FirstMonth, LastMonth, [small]));
    }
}
