namespace Tranche.Domain.Commitments;

/// <summary>
/// One commitment's days as billing data records them, from <see cref="FirstDay"/> on: what it covered and what it
/// left unused. Money is in nano-units (billionths of the currency unit) so sums over any window are exact.
/// </summary>
public sealed class CommitmentDays
{
    public CommitmentDays(DateOnly firstDay, int days)
    {
        FirstDay = firstDay;
        Present = new bool[days];
        Used = new double[days];
        Unused = new double[days];
        CoveredOnDemand = new long[days];
        Cost = new long[days];
        UnusedCost = new long[days];
    }

    public static CommitmentDays Empty { get; } = new(DateOnly.MinValue, 0);

    public DateOnly FirstDay { get; }

    public int Count => Present.Length;

    public DateOnly LastDay => FirstDay.AddDays(Count - 1);

    /// <summary>Days with any billing row for the commitment.</summary>
    public bool[] Present { get; }

    /// <summary>Commitment units used (instance hours, normalized units, or currency for spend commitments).</summary>
    public double[] Used { get; }

    public double[] Unused { get; }

    /// <summary>On-demand-equivalent cost of the usage it covered.</summary>
    public long[] CoveredOnDemand { get; }

    /// <summary>Amortized commitment cost of the day, used and unused part together.</summary>
    public long[] Cost { get; }

    /// <summary>Amortized cost of the unused part.</summary>
    public long[] UnusedCost { get; }

    public int IndexOf(DateOnly day) => day.DayNumber - FirstDay.DayNumber;

    public DailyFigures Day(int index) => new(
        FirstDay.AddDays(index), Used[index], Unused[index], CoveredOnDemand[index], Cost[index], UnusedCost[index]);

    /// <summary>The days of [<paramref name="from"/>, <paramref name="to"/>] that have data, in order.</summary>
    public IEnumerable<DailyFigures> Between(DateOnly from, DateOnly to)
    {
        var (first, last) = Clip(from, to);
        for (var i = first; i <= last; i++)
        {
            if (Present[i])
            {
                yield return Day(i);
            }
        }
    }

    /// <summary>Sums over [<paramref name="from"/>, <paramref name="to"/>] (both included).</summary>
    public WindowFigures Sum(DateOnly from, DateOnly to)
    {
        var (first, last) = Clip(from, to);
        var sum = default(WindowFigures);
        for (var i = first; i <= last; i++)
        {
            if (!Present[i])
            {
                continue;
            }

            sum.Days++;
            sum.Used += Used[i];
            sum.Capacity += Used[i] + Unused[i];
            sum.CoveredOnDemand += CoveredOnDemand[i];
            sum.Cost += Cost[i];
            sum.UnusedCost += UnusedCost[i];
            if (Used[i] > 0)
            {
                sum.PotentialDays++;
                sum.PotentialSavings += DailyFigures.PotentialSavingsOf(Used[i], Unused[i], CoveredOnDemand[i], Cost[i]);
            }
        }

        return sum;
    }

    private (int First, int Last) Clip(DateOnly from, DateOnly to) =>
        (Math.Max(0, IndexOf(from)), Math.Min(Count - 1, IndexOf(to)));
}

/// <summary>One day of a commitment. Savings are what it saved against paying on demand for what it covered.</summary>
public readonly record struct DailyFigures(DateOnly Day, double Used, double Unused, long CoveredOnDemand, long Cost, long UnusedCost)
{
    public double Utilization => Used + Unused > 0 ? Used / (Used + Unused) : 0;

    public long Savings => CoveredOnDemand - Cost;

    /// <summary>What the day would have saved fully used, at the on-demand rate of what it did cover; null when it covered nothing.</summary>
    public long? PotentialSavings => Used > 0 ? PotentialSavingsOf(Used, Unused, CoveredOnDemand, Cost) : null;

    internal static long PotentialSavingsOf(double used, double unused, long coveredOnDemand, long cost) =>
        (long)Math.Round(coveredOnDemand * ((used + unused) / used)) - cost;
}

/// <summary>Sums of a commitment's days over a window.</summary>
public struct WindowFigures
{
    public int Days;
    public double Used;
    public double Capacity;
    public long CoveredOnDemand;
    public long Cost;
    public long UnusedCost;
    public int PotentialDays;
    public long PotentialSavings;

    public readonly long Savings => CoveredOnDemand - Cost;

    /// <summary>Used over purchased; null when nothing was purchased in the window.</summary>
    public readonly double? Utilization => Capacity > 0 ? Used / Capacity : null;
}
