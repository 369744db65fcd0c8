namespace Tranche.Domain.Planning;

/// <summary>The financial rules of DESIGN.md for one pool and one commitment level, shared by planner, backtest and tests.</summary>
public static class CommitmentMath
{
    /// <summary>Savings of committing <paramref name="x"/> units in an hour with usage <paramref name="u"/>: <c>p*min(u,x) - r*x</c>.</summary>
    public static double HourSavings(double u, double x, double onDemandRate, double commitmentRate) =>
        onDemandRate * Math.Min(u, x) - commitmentRate * x;

    /// <summary>Sum of <see cref="HourSavings"/> over the hours of <paramref name="usage"/>.</summary>
    public static double Savings(ReadOnlySpan<double> usage, double x, double onDemandRate, double commitmentRate)
    {
        var covered = 0.0;
        foreach (var u in usage)
        {
            covered += Math.Min(u, x);
        }

        return onDemandRate * covered - commitmentRate * x * usage.Length;
    }

    /// <summary>
    /// Breakeven: the first hour (1-based) at which the running sum of savings exceeds the commitment still owed for
    /// the rest of the term, i.e. covered on-demand value so far has paid for the whole commitment. Hours past
    /// <paramref name="usage"/> have no usage. Null when that never happens within the term.
    /// </summary>
    public static int? BreakevenHour(ReadOnlySpan<double> usage, double x, double onDemandRate, double commitmentRate, int termHours)
    {
        if (x <= 0)
        {
            return null;
        }

        var total = commitmentRate * x * termHours;
        var covered = 0.0;
        var hours = Math.Min(termHours, usage.Length);
        for (var h = 0; h < hours; h++)
        {
            covered += onDemandRate * Math.Min(usage[h], x);
            // running savings (covered - r*x*(h+1)) > remaining commitment r*x*(term-h-1)  <=>  covered > r*x*term
            if (covered > total)
            {
                return h + 1;
            }
        }

        return null;
    }

    /// <summary>
    /// The level that maximizes <see cref="Savings"/> over a stationary sample: savings grow with each further unit
    /// while the share of hours with usage above it is at least r/p, so the optimum is the smallest sample value at
    /// which that share drops to r/p or below (0 when even the first unit does not pay). Ties go to the smaller level.
    /// </summary>
    public static double OptimalLevel(ReadOnlySpan<double> usage, double onDemandRate, double commitmentRate)
    {
        if (usage.Length == 0 || !(onDemandRate > 0) || commitmentRate >= onDemandRate)
        {
            return 0;
        }

        var sorted = usage.ToArray();
        Array.Sort(sorted);
        return OptimalLevelSorted(sorted, commitmentRate / onDemandRate);
    }

    /// <summary><see cref="OptimalLevel"/> on values already sorted ascending; <paramref name="ratio"/> is r/p.</summary>
    public static double OptimalLevelSorted(ReadOnlySpan<double> sorted, double ratio)
    {
        var n = sorted.Length;
        if (n == 0 || ratio >= 1)
        {
            return 0;
        }

        // Right derivative of savings at level c is p*(#{u > c}/n) - r; savings are concave, so the first candidate
        // (0, then each sample value) where it is <= 0 is the smallest maximizer. The count above is compared in
        // integers against ratio*n so ties with r/p fall on the same side as the brute-force reading.
        var needed = ratio * n;
        if (CountAbove(sorted, 0) <= needed)
        {
            return 0;
        }

        // Smallest index i with #{u > sorted[i]} <= needed; #{u > sorted[i]} = n - (last index of sorted[i]) - 1.
        var lo = 0;
        var hi = n - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (CountAbove(sorted, sorted[mid]) <= needed)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return Math.Max(0, sorted[lo]);
    }

    /// <summary>Number of values strictly above <paramref name="level"/> in an ascending array.</summary>
    public static int CountAbove(ReadOnlySpan<double> sorted, double level)
    {
        var lo = 0;
        var hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (sorted[mid] <= level)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return sorted.Length - lo;
    }

    /// <summary>Mean of min(u, level) over an ascending array with prefix sums (<paramref name="prefix"/>[i] = sum of the first i values).</summary>
    public static double MeanCovered(ReadOnlySpan<double> sorted, ReadOnlySpan<double> prefix, double level)
    {
        if (sorted.Length == 0 || level <= 0)
        {
            return 0;
        }

        var above = CountAbove(sorted, level);
        var below = sorted.Length - above;
        return (prefix[below] + level * above) / sorted.Length;
    }
}
