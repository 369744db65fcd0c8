namespace Tranche.Domain.Planning;

/// <summary>One strategy's purchases scored on the usage that actually followed the plan time.</summary>
public sealed record StrategyScore(
    string Name,
    double NetSavings,
    double OnDemandCost,
    double CommitmentCost,
    double Utilization,
    double Coverage,
    double? PredictedLossProbability,
    IReadOnlyList<PlanLineItem> LineItems);

public static class StrategyNames
{
    public const string Recommended = "recommended";
    public const string Balanced = "balanced";
    public const string HighSavings = "high_savings";
    public const string BaselineLookback = "baseline_lookback";
    public const string HindsightOptimal = "hindsight_optimal";
}

public sealed record BacktestResult(DateTime PlanAtUtc, IReadOnlyList<StrategyScore> Strategies, PlanSet Plans)
{
    public StrategyScore this[string name] => Strategies.First(s => s.Name == name);
}

/// <summary>
/// Plans on the usage before a date and scores what each strategy would have bought on the usage after it.
/// <para>
/// Scoring rule: each line item runs its full term from the plan time (a month is 730 hours) and costs
/// quantity * (hourly_per_unit + upfront_per_unit / (term_months * 730)) every hour of it. In each hour a pool's usage
/// is covered up to the sum of its active quantities, cheapest effective rate first; savings are covered usage times
/// the on-demand rate minus commitment cost. Hours after the end of the data have zero usage. On-demand cost and
/// coverage are over the longest offer term of the pools, the same window for every strategy.
/// </para>
/// </summary>
public static class Backtest
{
    public static BacktestResult Run(IReadOnlyList<PoolUsage> pools, DateTime planAtUtc, PlanSettings settings)
    {
        // The planner sees nothing from the plan time on.
        var history = pools.Select(p => p with { Quantity = p.Quantity[..HoursBefore(p, planAtUtc)] }).ToList();
        var plans = Planner.Plan(new PlanRequest(planAtUtc, history, settings));
        var strategies = new List<StrategyScore>
        {
            Score(StrategyNames.Recommended, plans.Recommended?.LineItems ?? [], pools, planAtUtc, plans.Recommended?.Risk.LossProbability ?? 0),
            Score(StrategyNames.Balanced, plans.Defaults[1].LineItems, pools, planAtUtc, plans.Defaults[1].Risk.LossProbability),
            Score(StrategyNames.HighSavings, plans.Defaults[2].LineItems, pools, planAtUtc, plans.Defaults[2].Risk.LossProbability),
            Score(StrategyNames.BaselineLookback, BaselineLookback(pools, planAtUtc, settings), pools, planAtUtc, null),
            Score(StrategyNames.HindsightOptimal, HindsightOptimal(pools, planAtUtc), pools, planAtUtc, null),
        };
        return new BacktestResult(planAtUtc, strategies, plans);
    }

    /// <summary>
    /// The common rule: per pool, the level that would have saved most over the last lookback days, bought as the
    /// 1-year offer (the usual default term) that saves most at that level; whole units.
    /// </summary>
    public static IReadOnlyList<PlanLineItem> BaselineLookback(IReadOnlyList<PoolUsage> pools, DateTime planAtUtc, PlanSettings settings)
    {
        var lines = new List<PlanLineItem>();
        foreach (var pool in pools)
        {
            var end = HoursBefore(pool, planAtUtc);
            var window = pool.Quantity[Math.Max(0, end - settings.LookbackDays * 24)..end];
            var offers = pool.Offers.Where(o => o.TermMonths > 0).ToList();
            var shortest = offers.Count == 0 ? 0 : offers.Any(o => o.TermMonths == 12) ? 12 : offers.Min(o => o.TermMonths);
            var best = offers.Where(o => o.TermMonths == shortest)
                .Select(o =>
                {
                    var x = Math.Floor(CommitmentMath.OptimalLevel(window, pool.OnDemandRate, (double)o.EffectiveHourlyPerUnit) / settings.QuantityStep) * settings.QuantityStep;
                    return (Offer: o, X: x, Savings: CommitmentMath.Savings(window, x, pool.OnDemandRate, (double)o.EffectiveHourlyPerUnit));
                })
                .Where(c => c.X > 0 && c.Savings > 0)
                .OrderByDescending(c => c.Savings)
                .FirstOrDefault();
            if (best.Offer is not null)
            {
                lines.Add(new PlanLineItem(pool.Pool, best.Offer, best.X));
            }
        }

        return lines;
    }

    /// <summary>The best single fixed commitment per pool knowing the usage over each offer's term.</summary>
    public static IReadOnlyList<PlanLineItem> HindsightOptimal(IReadOnlyList<PoolUsage> pools, DateTime planAtUtc)
    {
        var lines = new List<PlanLineItem>();
        foreach (var pool in pools)
        {
            PlanLineItem? best = null;
            var bestSavings = 0.0;
            foreach (var offer in pool.Offers.Where(o => o.TermMonths > 0))
            {
                var future = Future(pool, planAtUtc, offer.TermHours);
                var r = (double)offer.EffectiveHourlyPerUnit;
                var x = CommitmentMath.OptimalLevel(future, pool.OnDemandRate, r);
                var savings = CommitmentMath.Savings(future, x, pool.OnDemandRate, r);
                if (x > 0 && savings > bestSavings)
                {
                    (best, bestSavings) = (new PlanLineItem(pool.Pool, offer, x), savings);
                }
            }

            if (best is not null)
            {
                lines.Add(best);
            }
        }

        return lines;
    }

    public static StrategyScore Score(string name, IReadOnlyList<PlanLineItem> lines, IReadOnlyList<PoolUsage> pools, DateTime planAtUtc, double? predictedLoss)
    {
        double onDemand = 0, cost = 0, coveredValue = 0, coveredUnits = 0, purchasedUnits = 0;
        foreach (var pool in pools)
        {
            var horizon = pool.Offers.Where(o => o.TermMonths > 0).Select(o => o.TermHours).DefaultIfEmpty(0).Max();
            var mine = lines.Where(l => l.Pool == pool.Pool).OrderBy(l => l.Offer.EffectiveHourlyPerUnit).ToList();
            horizon = Math.Max(horizon, mine.Select(l => l.Offer.TermHours).DefaultIfEmpty(0).Max());
            var future = Future(pool, planAtUtc, horizon);
            var p = pool.OnDemandRate;
            for (var h = 0; h < future.Length; h++)
            {
                var u = future[h];
                onDemand += p * u;
                var active = 0.0;
                foreach (var line in mine)
                {
                    if (h < line.Offer.TermHours)
                    {
                        active += line.Quantity;
                    }
                }

                var covered = Math.Min(u, active);
                coveredUnits += covered;
                purchasedUnits += active;
                coveredValue += p * covered;
            }

            cost += mine.Sum(l => l.TermCost);
        }

        return new StrategyScore(name, coveredValue - cost, onDemand, cost, purchasedUnits > 0 ? coveredUnits / purchasedUnits : 0,
            onDemand > 0 ? coveredValue / onDemand : 0, predictedLoss, lines);
    }

    private static int HoursBefore(PoolUsage pool, DateTime planAtUtc) =>
        Math.Clamp((int)Math.Floor((planAtUtc - pool.StartUtc).TotalHours), 0, pool.Quantity.Length);

    /// <summary>Usage over <paramref name="hours"/> from the plan time; zero past the end of the data.</summary>
    private static double[] Future(PoolUsage pool, DateTime planAtUtc, int hours)
    {
        var future = new double[hours];
        var start = HoursBefore(pool, planAtUtc);
        var available = Math.Clamp(pool.Quantity.Length - start, 0, hours);
        Array.Copy(pool.Quantity, start, future, 0, available);
        return future;
    }
}
