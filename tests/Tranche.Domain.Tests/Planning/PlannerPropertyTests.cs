using CsCheck;
using Tranche.Domain.Planning;

namespace Tranche.Domain.Tests.Planning;

/// <summary>The planner's arithmetic against slow and obvious readings of the same rules.</summary>
public sealed class PlannerPropertyTests
{
    private static readonly DateTime Start = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Small integer usage series (levels 0-12) and a commitment rate below on-demand.</summary>
    private static readonly Gen<(double[] Usage, double P, double R)> GenCase =
        Gen.Select(Gen.Int[0, 12].Select(i => (double)i).Array[1, 60], Gen.Int[1, 20], Gen.Int[1, 19],
            (usage, p, ratio) => (usage, (double)p, p * ratio / 20.0));

    private static double ReferenceSavings(double[] usage, double x, double p, double r)
    {
        var total = 0.0;
        for (var h = 0; h < usage.Length; h++)
        {
            total += p * Math.Min(usage[h], x) - r * x;
        }

        return total;
    }

    [Fact]
    public void Sizing_equals_brute_force_over_all_levels()
    {
        GenCase.Sample(c =>
        {
            var (usage, p, r) = c;
            // Every level from 0 to the peak in hundredths: the optimum of a piecewise linear function is among them.
            var best = double.NegativeInfinity;
            for (var level = 0; level <= usage.Max() * 100; level++)
            {
                best = Math.Max(best, ReferenceSavings(usage, level / 100.0, p, r));
            }

            var x = CommitmentMath.OptimalLevel(usage, p, r);

            Assert.Equal(best, ReferenceSavings(usage, x, p, r), 9);
            Assert.InRange(x, 0, usage.Max());
        });
    }

    [Fact]
    public void More_usage_never_gives_a_smaller_commitment()
    {
        Gen.Select(GenCase, Gen.Int[0, 5].Array[60]).Sample((c, extra) =>
        {
            var (usage, p, r) = c;
            var more = usage.Select((u, i) => u + extra[i]).ToArray();
            Assert.True(CommitmentMath.OptimalLevel(more, p, r) >= CommitmentMath.OptimalLevel(usage, p, r));
        });
    }

    [Fact]
    public void More_usage_never_gives_a_smaller_plan()
    {
        Gen.Select(Gen.Int[0, 40], Gen.Int[0, 20], Gen.Int[0, 1000]).Sample((level, add, seed) =>
        {
            var rng = new Random(seed);
            var usage = Enumerable.Range(0, 90 * 24).Select(_ => Math.Round(level * (0.9 + 0.2 * rng.NextDouble()))).ToArray();
            var more = usage.Select(u => u + add).ToArray();

            static double Bought(double[] series)
            {
                var pool = new PoolUsage("p", Start, series, 1.0, TraceSet.StandardOffers());
                var plans = Planner.Plan(new PlanRequest(Start.AddHours(series.Length), [pool], new PlanSettings { Paths = 50 }));
                return plans.Defaults.Sum(p => p.LineItems.Sum(l => l.Quantity));
            }

            Assert.True(Bought(more) >= Bought(usage));
        }, iter: 40);
    }

    [Fact]
    public void Zero_usage_gives_empty_plans()
    {
        var pools = Enumerable.Range(0, 3).Select(i => new PoolUsage($"p{i}", Start, new double[60 * 24], 1.0, TraceSet.StandardOffers())).ToList();

        var plans = Planner.Plan(new PlanRequest(Start.AddDays(60), pools, new PlanSettings()));

        Assert.All(plans.Defaults, p => Assert.Empty(p.LineItems));
        Assert.Null(plans.Recommended);
        Assert.NotNull(plans.Explanation);
    }

    [Fact]
    public void Savings_and_breakeven_equal_the_reference()
    {
        Gen.Select(GenCase, Gen.Int[0, 15], Gen.Int[1, 80]).Sample((c, xi, term) =>
        {
            var (usage, p, r) = c;
            double x = xi;
            Assert.Equal(ReferenceSavings(usage, x, p, r), CommitmentMath.Savings(usage, x, p, r), 9);

            // Reference: walk the hours, running savings against what is still owed for the rest of the term.
            var gaps = new List<double>();
            var running = 0.0;
            for (var h = 0; h < term && x > 0; h++)
            {
                running += p * Math.Min(h < usage.Length ? usage[h] : 0, x) - r * x;
                gaps.Add(running - r * x * (term - h - 1));
            }

            int? expected = gaps.FindIndex(g => g > 0) is var i and >= 0 ? i + 1 : null;
            var actual = CommitmentMath.BreakevenHour(usage, x, p, r, term);
            if (expected != actual)
            {
                // Only an exact tie (running savings equal to what is owed) may fall either way in floating point.
                var hour = (actual ?? expected)!.Value - 1;
                Assert.True(Math.Abs(gaps[Math.Min(hour, (expected ?? actual)!.Value - 1)]) < 1e-6, $"expected {expected}, got {actual}");
            }
        });
    }

    [Fact]
    public void Backtest_scores_line_items_by_the_published_rule()
    {
        Gen.Select(Gen.Int[0, 9].Select(i => (double)i).Array[1, 40], Gen.Int[0, 6], Gen.Int[0, 6]).Sample((future, a, b) =>
        {
            var offers = TraceSet.StandardOffers();
            var history = new double[10];
            var pool = new PoolUsage("p", Start, [.. history, .. future], 1.0, offers);
            var lines = new List<PlanLineItem> { new("p", offers[0], a), new("p", offers[2], b) };

            var score = Backtest.Score("x", lines, [pool], Start.AddHours(10), null);

            // Reference: both lines active for the data's hours (shorter than any term), zero usage after; costs over full terms.
            var covered = future.Sum(u => Math.Min(u, a + b));
            var cost = a * 0.62 * 12 * 730 + b * 0.40 * 36 * 730;
            Assert.Equal(covered - cost, score.NetSavings, 6);
            Assert.Equal(future.Sum(), score.OnDemandCost, 9);
        });
    }

    [Fact]
    public void Pools_without_history_uptime_or_offers_are_explained_not_planned()
    {
        var sparse = Enumerable.Range(0, 60 * 24).Select(h => h % 10 == 0 ? 5.0 : 0).ToArray();
        var pools = new List<PoolUsage>
        {
            new("short", Start.AddDays(50), Enumerable.Repeat(4.0, 10 * 24).ToArray(), 1.0, TraceSet.StandardOffers()),
            new("sparse", Start, sparse, 1.0, TraceSet.StandardOffers()),
            new("no-offers", Start, Enumerable.Repeat(4.0, 60 * 24).ToArray(), 1.0, []),
        };

        var plans = Planner.Plan(new PlanRequest(Start.AddDays(60), pools, new PlanSettings()));

        Assert.All(plans.Pools, a => Assert.False(a.Planned));
        Assert.Contains("history", plans.Pools[0].SkipReason, StringComparison.Ordinal);
        Assert.Contains("uptime", plans.Pools[1].SkipReason, StringComparison.Ordinal);
        Assert.Contains("no offers", plans.Pools[2].SkipReason, StringComparison.Ordinal);
        Assert.Null(plans.Recommended);
    }

    [Fact]
    public void Existing_commitments_reduce_what_is_bought_until_they_expire()
    {
        var pools = TraceSet.Generate("steady", 3);
        var planAt = TraceSet.GeneratedPlanDates[0];
        var history = pools.Select(p => p with { Quantity = p.Quantity[..(int)(planAt - p.StartUtc).TotalHours] }).ToList();
        var covered = history.Select(p => p with { Existing = [new ExistingCommitment(p.Quantity[^1] * 0.5, planAt.AddYears(5))] }).ToList();

        var free = Planner.Plan(new PlanRequest(planAt, history, new PlanSettings { Paths = 200 }));
        var owned = Planner.Plan(new PlanRequest(planAt, covered, new PlanSettings { Paths = 200 }));

        Assert.True(owned.Defaults[0].LineItems.Sum(l => l.Quantity) < free.Defaults[0].LineItems.Sum(l => l.Quantity));
        Assert.True(owned.Defaults[0].Totals.CoverageBefore > 0.3);
    }

    [Fact]
    public void Plans_are_deterministic_for_a_seed()
    {
        var pools = TraceSet.Generate("seasonal", 5);
        var request = new PlanRequest(TraceSet.GeneratedPlanDates[0], pools.Select(p => p with { Quantity = p.Quantity[..(730 * 24)] }).ToList(), new PlanSettings());

        var first = Planner.Plan(request);
        var second = Planner.Plan(request);

        Assert.Equal(first.Defaults.Select(p => p.Risk), second.Defaults.Select(p => p.Risk));
        Assert.Equal(1000, first.Defaults[0].Risk.Paths);
    }

    [Fact]
    public void Pool_risks_add_up_to_the_plan_and_cover_every_pool_bought()
    {
        var pools = TraceSet.Generate("shutting-down", 3);
        var request = new PlanRequest(TraceSet.GeneratedPlanDates[0], pools.Select(p => p with { Quantity = p.Quantity[..(730 * 24)] }).ToList(), new PlanSettings());

        foreach (var plan in Planner.Plan(request).Defaults.Where(p => !p.IsEmpty))
        {
            Assert.Equal(plan.LineItems.Select(l => l.Pool).Distinct().Order(), plan.PoolRisks.Select(r => r.Pool).Order());
            Assert.Equal(plan.Risk.ExpectedNetSavings, plan.PoolRisks.Sum(r => r.ExpectedNetSavings), 1e-6 * Math.Max(1, Math.Abs(plan.Risk.ExpectedNetSavings)));
            // A plan loses only on paths where some pool loses, so it is never likelier to lose than all its pools together.
            Assert.True(plan.Risk.LossProbability <= plan.PoolRisks.Sum(r => r.LossProbability) + 1e-12);
        }
    }
}
