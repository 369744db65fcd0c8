using CsCheck;
using Tranche.Domain.Planning;

namespace Tranche.Domain.Tests.Planning;

/// <summary>The survival curve learned from an org's history, and the stop times the simulation draws from it.</summary>
public sealed class SurvivalFitTests
{
    private static double[] Steady(int days, double level) => Enumerable.Repeat(level, days).ToArray();

    /// <summary>A pool that runs for <paramref name="lifeDays"/> from <paramref name="bornDay"/> and then stops.</summary>
    private static double[] Lifetime(int days, int bornDay, int lifeDays) =>
        Enumerable.Range(0, days).Select(d => d >= bornDay && d < bornDay + lifeDays ? 10.0 : 0).ToArray();

    [Fact]
    public void No_history_gives_the_prior()
    {
        Assert.Equal(SurvivalFit.Result.Prior, SurvivalFit.Fit([]));
        Assert.Equal(SurvivalFit.Result.Prior, SurvivalFit.Fit([new double[10], Steady(5, 3)]));
    }

    [Fact]
    public void Usage_that_never_ends_is_judged_lasting_and_short_lived_usage_is_not()
    {
        var steady = SurvivalFit.Fit(Enumerable.Range(0, 20).Select(i => Steady(400, 5 + i)));
        // Pools born every 20 days that each last about 60 days.
        var churning = SurvivalFit.Fit(Enumerable.Range(0, 20).Select(i => Lifetime(400, i * 20, 50 + i % 3 * 10)));

        Assert.True(steady.Observations > 500);
        Assert.True(steady.HazardPerYear < 0.05, $"{steady}");
        Assert.True(steady.Exponent < 0.2, $"{steady}");
        var year = 8760.0;
        Assert.True(steady.Survival(90 * 24, year) > 0.7, $"{steady}");
        Assert.True(churning.Survival(90 * 24, year) < 0.3, $"{churning}");
    }

    [Fact]
    public void Beyond_what_the_history_could_show_the_prior_takes_over()
    {
        // Sixty days of perfectly steady usage: the fit trusts it for the weeks it saw and no further.
        var fit = SurvivalFit.Fit(Enumerable.Range(0, 20).Select(i => Steady(60, 5 + i)));
        Assert.Equal(30 * 24, fit.EvidenceHours);
        var age = 60 * 24.0;
        Assert.True(fit.Survival(age, 30 * 24) > 0.95, $"{fit}");
        var prior = SurvivalFit.Result.Prior;
        var expected = fit.Survival(age, 30 * 24) * prior.Survival(age + 30 * 24, 335 * 24);
        Assert.Equal(expected, fit.Survival(age, 365 * 24), 12);
        Assert.True(fit.Survival(age, 365 * 24) < 0.6, $"{fit}");
    }

    [Fact]
    public void Little_evidence_stays_near_the_prior()
    {
        var fit = SurvivalFit.Fit([Steady(30, 4)]);
        Assert.InRange(fit.Observations, 1, 5);
        Assert.InRange(fit.Exponent, SurvivalFit.PriorExponent * 0.7, SurvivalFit.PriorExponent);
        Assert.InRange(fit.HazardPerYear, 0, SurvivalFit.PriorHazard);
    }

    [Fact]
    public void Survival_falls_with_time_and_rises_with_age()
    {
        Gen.Select(Gen.Double[0, 1], Gen.Double[0, 3], Gen.Double[1, 20_000], Gen.Double[0, 30_000], Gen.Double[1, 10_000], Gen.Double[0, 9000]).Sample((a, h, age, t, dt, evidence) =>
        {
            var curve = new SurvivalFit.Result(a, h, 0, evidence);
            var now = curve.Survival(age, t);
            return now is >= 0 and <= 1 && curve.Survival(age, t + dt) <= now && curve.Survival(age + dt, t) >= now && curve.Survival(age, 0) == 1;
        });
    }

    /// <summary>Drawn stop times follow the curve: the share of draws that outlast t is S(t), checked against the curve itself.</summary>
    [Fact]
    public void Stop_times_are_distributed_as_the_survival_curve()
    {
        var rng = new Random(5);
        foreach (var curve in new[] { new SurvivalFit.Result(0.2, 0, 0), new SurvivalFit.Result(0.5, 0.8, 0), new SurvivalFit.Result(1, 2, 0), new SurvivalFit.Result(0, 0, 10, 3000) })
        {
            const double age = 2000;
            var stops = Enumerable.Range(0, 40_000).Select(_ => curve.StopHours(age, rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), rng.NextDouble())).ToArray();
            foreach (var t in new[] { 100.0, 1000, 5000, 20_000 })
            {
                var outlasting = stops.Count(s => s > t) / (double)stops.Length;
                Assert.InRange(outlasting, curve.Survival(age, t) - 0.015, curve.Survival(age, t) + 0.015);
            }
        }
    }
}
