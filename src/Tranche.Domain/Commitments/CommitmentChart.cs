namespace Tranche.Domain.Commitments;

/// <summary>A commitment as the chart sees it: its billing days, its term, and its price per hour when the terms are known.</summary>
public sealed record ChartCommitment(CommitmentDays Days, DateTime? Start, DateTime? End, long? HourlyCost, bool InForce);

/// <summary>One point of the commitments chart. Money in nano-units; the point covers <see cref="Date"/> to <see cref="LastDate"/>.</summary>
public readonly record struct ChartPoint(
    DateOnly Date,
    DateOnly LastDate,
    long RemainingCommit,
    long LockedCommit,
    long UnlockedCommit,
    long Savings,
    long NetSavings,
    double Utilization,
    long UnutilizedCommit,
    bool IsProjection);

/// <summary>
/// The commitments chart: per day for ranges up to <see cref="DailyPointsUpTo"/> days, per calendar month beyond.
/// Days up to today are what billing data recorded; later days are projected: each commitment still in force is
/// assumed to go on as it did over its last <see cref="RecentDays"/> days with data (cost, unused part, savings) until
/// its end date, or, with no billing data yet, to cost its scheduled price and save nothing yet.
/// </summary>
public static class CommitmentChart
{
    public const int DailyPointsUpTo = 92;

    public const int RecentDays = 14;

    /// <summary>A commitment without a known end is projected on if billing data showed it this recently.</summary>
    public const int StillBilledWithinDays = 7;

    public static IReadOnlyList<ChartPoint> Build(IReadOnlyList<ChartCommitment> commitments, DateOnly from, DateOnly to, DateOnly today)
    {
        if (to < from)
        {
            return [];
        }

        var length = to.DayNumber - from.DayNumber + 1;
        var cost = new long[length];
        var unused = new long[length];
        var savings = new long[length];
        var remaining = new long[length];
        foreach (var commitment in commitments)
        {
            AddRecorded(commitment.Days, from, Min(to, today), cost, unused, savings);
            if (to > today)
            {
                AddProjected(commitment, from, to, today, cost, unused, savings);
            }

            AddRemaining(commitment, from, to, today, remaining);
        }

        var points = new List<ChartPoint>();
        foreach (var (first, last) in Buckets(from, to))
        {
            long bucketCost = 0, bucketUnused = 0, bucketSavings = 0;
            for (var day = first; day <= last; day = day.AddDays(1))
            {
                var i = day.DayNumber - from.DayNumber;
                bucketCost += cost[i];
                bucketUnused += unused[i];
                bucketSavings += savings[i];
            }

            var left = remaining[first.DayNumber - from.DayNumber];
            // Native commitments cannot be handed back: all that remains is locked in. Only guaranteed commitments
            // past their lock-in date would count as unlocked.
            points.Add(new ChartPoint(
                first, last, left, left, 0, bucketSavings, bucketSavings,
                bucketCost > 0 ? (double)(bucketCost - bucketUnused) / bucketCost : 0, bucketUnused, last > today));
        }

        return points;
    }

    /// <summary>Days for short ranges; calendar months (clipped to the range) for long ones.</summary>
    public static IEnumerable<(DateOnly First, DateOnly Last)> Buckets(DateOnly from, DateOnly to)
    {
        if (to.DayNumber - from.DayNumber + 1 <= DailyPointsUpTo)
        {
            for (var day = from; day <= to; day = day.AddDays(1))
            {
                yield return (day, day);
            }

            yield break;
        }

        for (var first = from; first <= to;)
        {
            var monthEnd = new DateOnly(first.Year, first.Month, DateTime.DaysInMonth(first.Year, first.Month));
            var last = Min(monthEnd, to);
            yield return (first, last);
            first = last.AddDays(1);
        }
    }

    private static void AddRecorded(CommitmentDays days, DateOnly from, DateOnly to, long[] cost, long[] unused, long[] savings)
    {
        // Straight over the arrays: a year's chart of 10,000 commitments visits millions of days.
        var first = Math.Max(0, days.IndexOf(from));
        var last = Math.Min(days.Count - 1, days.IndexOf(to));
        var shift = days.FirstDay.DayNumber - from.DayNumber;
        for (var i = first; i <= last; i++)
        {
            if (days.Present[i])
            {
                cost[i + shift] += days.Cost[i];
                unused[i + shift] += days.UnusedCost[i];
                savings[i + shift] += days.CoveredOnDemand[i] - days.Cost[i];
            }
        }
    }

    private static void AddProjected(ChartCommitment commitment, DateOnly from, DateOnly to, DateOnly today, long[] cost, long[] unused, long[] savings)
    {
        if (!commitment.InForce)
        {
            return;
        }

        var recent = Recent(commitment.Days, today);
        long dailyCost, dailyUnused, dailySavings;
        if (recent.Days > 0)
        {
            dailyCost = recent.Cost / recent.Days;
            dailyUnused = recent.UnusedCost / recent.Days;
            dailySavings = recent.Savings / recent.Days;
        }
        else if (commitment.HourlyCost is { } hourly)
        {
            (dailyCost, dailyUnused, dailySavings) = (hourly * 24, 0, 0);
        }
        else
        {
            return;
        }

        var end = commitment.End is { } known
            ? DateOnly.FromDateTime(known)
            : commitment.Days.Count > 0 && commitment.Days.LastDay >= today.AddDays(-StillBilledWithinDays) ? to.AddDays(1) : today;
        var start = commitment.Start is { } started ? DateOnly.FromDateTime(started) : DateOnly.MinValue;
        for (var day = Max(today.AddDays(1), Max(from, start)); day <= to && day < end; day = day.AddDays(1))
        {
            var i = day.DayNumber - from.DayNumber;
            cost[i] += dailyCost;
            unused[i] += dailyUnused;
            savings[i] += dailySavings;
        }
    }

    /// <summary>What is still owed at the start of each day: the hourly price times the hours left to the end.</summary>
    private static void AddRemaining(ChartCommitment commitment, DateOnly from, DateOnly to, DateOnly today, long[] remaining)
    {
        if (commitment.End is not { } end)
        {
            return;
        }

        var hourly = commitment.HourlyCost;
        if (hourly is null)
        {
            var recent = Recent(commitment.Days, today);
            hourly = recent.Days > 0 ? recent.Cost / (recent.Days * 24L) : null;
        }

        if (hourly is not { } price)
        {
            return;
        }

        var start = commitment.Start is { } started ? DateOnly.FromDateTime(started) : DateOnly.MinValue;
        var first = Max(from, start);
        // Hours from the start of the range's first day to the end; each later day has 24 fewer.
        var hoursToEnd = (end - from.ToDateTime(TimeOnly.MinValue)).TotalHours;
        for (var i = first.DayNumber - from.DayNumber; i <= to.DayNumber - from.DayNumber; i++)
        {
            var hoursLeft = hoursToEnd - i * 24.0;
            if (hoursLeft <= 0)
            {
                break;
            }

            remaining[i] += (long)Math.Round(price * hoursLeft);
        }
    }

    /// <summary>The last <see cref="RecentDays"/> days with data up to <paramref name="today"/>.</summary>
    public static WindowFigures Recent(CommitmentDays days, DateOnly today)
    {
        var sum = default(WindowFigures);
        for (var i = Math.Min(days.Count - 1, days.IndexOf(today)); i >= 0 && sum.Days < RecentDays; i--)
        {
            if (days.Present[i])
            {
                sum.Days++;
                sum.Used += days.Used[i];
                sum.Capacity += days.Used[i] + days.Unused[i];
                sum.CoveredOnDemand += days.CoveredOnDemand[i];
                sum.Cost += days.Cost[i];
                sum.UnusedCost += days.UnusedCost[i];
            }
        }

        return sum;
    }

    private static DateOnly Min(DateOnly a, DateOnly b) => a < b ? a : b;

    private static DateOnly Max(DateOnly a, DateOnly b) => a > b ? a : b;
}
