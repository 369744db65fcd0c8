using Tranche.Domain.Offers;

namespace Tranche.Domain.Planning;

/// <summary>
/// The commitment planner: from each pool's history before the plan time it builds the three default plans and
/// picks the recommended one. Pure and deterministic for a given request (seeded simulation).
/// </summary>
public static class Planner
{
    /// <summary>How much each default plan lets survival weigh: Recommended fully, Balanced half, High Savings not at all.</summary>
    private static readonly double[] s_caution = [1.0, 0.5, 0.0];

    private static readonly string[] s_names = [PlanNames.Recommended, PlanNames.Balanced, PlanNames.HighSavings];

    public static PlanSet Plan(PlanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = request.Settings;
        if (settings.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(request));
        }

        var planAt = request.PlanAtUtc;
        var assessments = new PoolAssessment[request.Pools.Count];
        var bands = new Sizing.Bands?[request.Pools.Count];
        var models = new PoolModel[request.Pools.Count];
        Parallel.For(0, request.Pools.Count, i =>
        {
            var pool = request.Pools[i];
            CheckUsage(pool);
            models[i] = new PoolModel(pool, planAt, settings);
        });

        // Every pool's history is evidence of how long usage lasts here, including pools that have ended since.
        var survival = settings.Survival ?? SurvivalFit.Fit(models.Select(m => m.DailyMeans));
        Parallel.For(0, request.Pools.Count, i =>
        {
            var model = models[i];
            model.SurvivalCurve = survival;
            var reason = SkipReason(model, settings);
            assessments[i] = new PoolAssessment(model.Pool.Pool, reason is null, reason, model.Uptime, model.HistoryHours / 24.0,
                model.LevelAgeHours(model.RecentFloor) / 24.0, model.TrendPerYear);
            if (reason is null)
            {
                bands[i] = Sizing.Prepare(model, settings);
            }
        });

        var plans = new List<Plan>();
        for (var k = 0; k < 3; k++)
        {
            var lines = new List<PlanLineItem>[request.Pools.Count];
            for (var i = 0; i < bands.Length; i++)
            {
                lines[i] = bands[i] is { } b ? Sizing.Size(b, s_caution[k], settings.CoverageTargets[k]) : [];
            }

            plans.Add(Evaluate(s_names[k], settings.CoverageTargets[k], bands, lines, settings));
        }

        var recommended = plans
            .Where(p => !p.IsEmpty && p.Risk.ExpectedNetSavings > 0 && p.Risk.LossProbability <= settings.RiskLimit)
            .OrderByDescending(p => p.Risk.ExpectedNetSavings)
            .FirstOrDefault();
        var explanation = recommended is not null ? null
            : assessments.All(a => !a.Planned) ? "No pool has enough history and uptime to plan: " + string.Join("; ", assessments.Select(a => $"{a.Pool}: {a.SkipReason}"))
            : plans.All(p => p.IsEmpty) ? "Nothing is worth buying: no commitment is expected to save money over its term given how long usage has lasted."
            : "No default plan stays within the risk limit with positive expected savings.";
        return new PlanSet(planAt, plans, recommended, assessments, explanation) { Survival = survival };
    }

    private static void CheckUsage(PoolUsage pool)
    {
        if (!(pool.OnDemandRate > 0) || double.IsInfinity(pool.OnDemandRate))
        {
            throw new ArgumentException($"Pool {pool.Pool}: the on-demand rate must be positive.");
        }

        for (var h = 0; h < pool.Quantity.Length; h++)
        {
            if (!(pool.Quantity[h] >= 0) || double.IsInfinity(pool.Quantity[h]))
            {
                throw new ArgumentException($"Pool {pool.Pool}: usage at hour {h} is {pool.Quantity[h]}; it must be a finite number >= 0.");
            }
        }
    }

    private static string? SkipReason(PoolModel model, PlanSettings settings)
    {
        if (model.Offers.Count == 0)
        {
            return model.Pool.Offers.Count == 0 ? "no offers for this pool" : "no offer is cheaper than on-demand";
        }

        var needed = settings.LookbackDays * 24;
        if (model.HistoryHours < needed)
        {
            return $"needs {settings.LookbackDays} days of history before the plan time, has {model.HistoryHours / 24.0:0.#}";
        }

        return model.Uptime < settings.UptimeThreshold
            ? $"usage in {model.Uptime:P0} of lookback hours, below the {settings.UptimeThreshold:P0} uptime rule"
            : null;
    }

    private static Plan Evaluate(string name, double target, Sizing.Bands?[] bands, List<PlanLineItem>[] lines, PlanSettings settings)
    {
        var net = new double[settings.Paths];
        double covered = 0, purchased = 0, coveredBefore = 0, coveredAfter = 0, eligible = 0;
        var months = 0;
        var horizon = lines.SelectMany(l => l).Select(l => l.Offer.TermMonths).DefaultIfEmpty(1).Max();
        var monthlyValue = new double[horizon];
        var monthlyCost = new double[horizon];
        // Pools in parallel, sums in pool order: the same request gives the same figures to the last bit.
        var perPool = new (RiskSimulation.PoolPaths? Paths, double Eligible, double Before, double After)[bands.Length];
        Parallel.For(0, bands.Length, i =>
        {
            if (bands[i] is not { } b)
            {
                return;
            }

            var model = b.Model;
            var p = model.Pool.OnDemandRate;
            var n = Math.Max(1, model.SortedLookback.Length);
            var bought = lines[i].Sum(l => l.Quantity);
            perPool[i] = (lines[i].Count == 0 ? null : RiskSimulation.Run(model, lines[i], settings),
                p * model.Prefix[^1] / n,
                p * CommitmentMath.MeanCovered(model.SortedLookback, model.Prefix, model.ExistingNow),
                p * CommitmentMath.MeanCovered(model.SortedLookback, model.Prefix, model.ExistingNow + bought));
        });

        var poolRisks = new List<PoolRisk>();
        for (var i = 0; i < perPool.Length; i++)
        {
            var (paths, poolEligible, before, after) = perPool[i];
            eligible += poolEligible;
            coveredBefore += before;
            coveredAfter += after;
            if (paths is null)
            {
                continue;
            }

            for (var j = 0; j < net.Length; j++)
            {
                net[j] += paths.Net[j];
                covered += paths.CoveredUnits[j] / settings.Paths;
            }

            poolRisks.Add(new PoolRisk(bands[i]!.Model.Pool.Pool, paths.Net.Average(), paths.Net.Count(v => v < 0) / (double)paths.Net.Length));
            purchased += paths.PurchasedUnits;
            for (var m = 0; m < paths.MonthlyCost.Length; m++)
            {
                monthlyValue[m] += paths.MonthlyCoveredValue[m];
                monthlyCost[m] += paths.MonthlyCost[m];
            }

            months = Math.Max(months, paths.MonthlyCost.Length);
        }

        var items = lines.SelectMany(l => l).ToList();
        var empty = items.Count == 0;
        var breakeven = empty ? null : Breakeven(monthlyValue, items.Sum(l => l.TermCost), months);
        var firstYear = Math.Min(12, Math.Max(1, months));
        var monthlyGross = empty ? 0 : Enumerable.Range(0, firstYear).Sum(m => monthlyValue[m] - monthlyCost[m]) / firstYear;
        var utilization = purchased > 0 ? covered / purchased : 0;
        var totals = new PlanTotals(
            items.Sum(l => l.MonthlyCost),
            items.Sum(l => l.UpfrontCost),
            monthlyGross,
            monthlyGross,
            eligible > 0 ? coveredBefore / eligible : 0,
            eligible > 0 ? coveredAfter / eligible : 0,
            utilization,
            breakeven);
        var risk = empty
            ? new RiskFigures(settings.Paths, 0, 0, 0, 0, null)
            : new RiskFigures(settings.Paths, net.Average(), net.Count(v => v < 0) / (double)net.Length, Tail(net, 0.05), utilization, breakeven);
        return new Plan(name, target, items, totals, risk) { PoolRisks = poolRisks };
    }

    /// <summary>Mean of the worst <paramref name="share"/> of outcomes (CVaR).</summary>
    private static double Tail(double[] values, double share)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var count = Math.Max(1, (int)Math.Floor(sorted.Length * share));
        return sorted.Take(count).Average();
    }

    /// <summary>First hour at which the expected covered on-demand value has paid for the whole commitment (see <see cref="CommitmentMath.BreakevenHour"/>).</summary>
    private static int? Breakeven(double[] monthlyValue, double termCost, int months)
    {
        var sum = 0.0;
        for (var m = 0; m < months; m++)
        {
            if (sum + monthlyValue[m] > termCost)
            {
                var perHour = monthlyValue[m] / Offer.HoursPerMonth;
                return m * Offer.HoursPerMonth + (int)Math.Floor((termCost - sum) / perHour) + 1;
            }

            sum += monthlyValue[m];
        }

        return null;
    }
}
