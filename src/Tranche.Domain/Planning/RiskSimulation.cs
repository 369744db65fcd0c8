using Tranche.Domain.Offers;

namespace Tranche.Domain.Planning;

/// <summary>
/// Simulated usage paths for one pool's line items over their terms: weeks of the lookback drawn at random (a block
/// bootstrap that keeps daily and weekly shape), scaled by a trend scenario (the fitted trend, a growth or a decline),
/// and cut off when the pool stops, with the stop time drawn from the survival of the usage it covers.
/// </summary>
internal static class RiskSimulation
{
    private const int BlockDays = 7;
    private static readonly double[] s_scales = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];

    /// <summary>Per-path figures of one pool, and the expected covered on-demand value month by month.</summary>
    internal sealed class PoolPaths(int paths, int months)
    {
        public double[] Net { get; } = new double[paths];

        public double[] CoveredUnits { get; } = new double[paths];

        public double PurchasedUnits { get; set; }

        public double TermCost { get; set; }

        public double[] MonthlyCoveredValue { get; } = new double[months];

        public double[] MonthlyCost { get; } = new double[months];
    }

    public static PoolPaths Run(PoolModel model, IReadOnlyList<PlanLineItem> lines, PlanSettings settings)
    {
        var months = lines.Max(l => l.Offer.TermMonths);
        var result = new PoolPaths(settings.Paths, months);
        var p = model.Pool.OnDemandRate;

        // New quantity and existing coverage month by month; the pairs are few, so coverage is tabulated per pair.
        var pairs = new List<(double Existing, double Bought)>();
        var pairOfMonth = new int[months];
        for (var m = 0; m < months; m++)
        {
            var bought = 0.0;
            var cost = 0.0;
            foreach (var line in lines)
            {
                if (m < line.Offer.TermMonths)
                {
                    bought += line.Quantity;
                    cost += line.MonthlyCost;
                }
            }

            result.MonthlyCost[m] = cost;
            result.PurchasedUnits += bought * Offer.HoursPerMonth;
            var existing = model.Pool.ExistingCoverageAt(model.PlanAt.AddHours(Offer.HoursPerMonth * (m + 0.5)));
            var index = pairs.IndexOf((existing, bought));
            if (index < 0)
            {
                index = pairs.Count;
                pairs.Add((existing, bought));
            }

            pairOfMonth[m] = index;
        }

        result.TermCost = lines.Sum(l => l.TermCost);

        // blocks[pair][start][scale]: usage covered by the new commitments over the 7 days from lookback day `start`.
        var days = Math.Max(1, model.Lookback.Length / 24);
        var hoursPerBlock = Math.Min(BlockDays * 24, model.Lookback.Length);
        var scales = s_scales.Length;
        var daily = new double[pairs.Count * days * scales];
        for (var pi = 0; pi < pairs.Count; pi++)
        {
            var (existing, bought) = pairs[pi];
            for (var d = 0; d < days; d++)
            {
                for (var s = 0; s < scales; s++)
                {
                    var f = s_scales[s];
                    var sum = 0.0;
                    for (var h = d * 24; h < Math.Min((d + 1) * 24, model.Lookback.Length); h++)
                    {
                        sum += Math.Min(Math.Max(f * model.Lookback[h] - existing, 0), bought);
                    }

                    daily[(pi * days + d) * scales + s] = sum;
                }
            }
        }

        var blockDays = Math.Min(BlockDays, days);
        var blocks = new double[daily.Length];
        for (var pi = 0; pi < pairs.Count; pi++)
        {
            for (var d = 0; d < days; d++)
            {
                for (var s = 0; s < scales; s++)
                {
                    var sum = 0.0;
                    for (var j = 0; j < blockDays; j++)
                    {
                        sum += daily[(pi * days + (d + j) % days) * scales + s];
                    }

                    blocks[(pi * days + d) * scales + s] = sum;
                }
            }
        }

        var perHour = 1.0 / Math.Max(1, hoursPerBlock);
        var totalBought = lines.Sum(l => l.Quantity);
        var age = model.LevelAgeHours(model.ExistingNow + totalBought / 2);
        var trend = Math.Clamp(model.Level > 0 ? Math.Min(model.TrendPerDay, model.DeclinePerDay) * 365 / model.Level : 0, -1, 1);
        var rng = new SplitMix64(settings.Seed ^ Fnv(model.Pool.Pool));
        for (var path = 0; path < settings.Paths; path++)
        {
            var stop = model.SurvivalCurve.StopHours(age, rng.NextDouble(), rng.NextDouble(), rng.NextDouble(), rng.NextDouble());
            var scenario = rng.NextDouble();
            var growth = scenario < 0.15 ? -0.4 : scenario < 0.30 ? 0.2 : trend + (rng.NextDouble() - 0.5) * 0.3;
            var covered = 0.0;
            for (var m = 0; m < months; m++)
            {
                var start = m * (double)Offer.HoursPerMonth;
                var alive = Math.Clamp((stop - start) / Offer.HoursPerMonth, 0, 1);
                if (alive <= 0)
                {
                    break;
                }

                var block = rng.NextInt(days);
                var f = Math.Clamp(1 + growth * (start + Offer.HoursPerMonth / 2.0) / 8760, 0, 2);
                var position = f / 0.25;
                var lower = Math.Min((int)position, scales - 2);
                var fraction = position - lower;
                var row = (pairOfMonth[m] * days + block) * scales + lower;
                var blockCovered = blocks[row] + (blocks[row + 1] - blocks[row]) * fraction;
                var monthCovered = alive * blockCovered * perHour * Offer.HoursPerMonth;
                covered += monthCovered;
                result.MonthlyCoveredValue[m] += p * monthCovered;
            }

            result.CoveredUnits[path] = covered;
            result.Net[path] = p * covered - result.TermCost;
        }

        for (var m = 0; m < months; m++)
        {
            result.MonthlyCoveredValue[m] /= settings.Paths;
        }

        return result;
    }

    private static ulong Fnv(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
        {
            hash = unchecked((hash ^ c) * 1099511628211UL);
        }

        return hash;
    }
}

/// <summary>A small fast generator whose sequence is fixed by its seed on every runtime (System.Random's is not promised).</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        // Wrap-around is the algorithm (the project checks overflow by default).
        unchecked
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public int NextInt(int bound) => (int)(NextDouble() * bound);
}
