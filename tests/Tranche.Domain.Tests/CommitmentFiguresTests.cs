using CsCheck;
using Tranche.Domain.Commitments;

namespace Tranche.Domain.Tests;

/// <summary>Window sums, statuses and the chart, each against a slow and obvious reading of the same rules.</summary>
public sealed class CommitmentFiguresTests
{
    private static readonly DateOnly Origin = new(2026, 1, 1);

    /// <summary>One billed day: offset from <see cref="Origin"/> and its figures (money in nano-units).</summary>
    private sealed record Fact(int Offset, double Used, double Unused, long Covered, long Cost, long UnusedCost);

    private static readonly Gen<Fact> GenFact =
        Gen.Select(Gen.Int[0, 120], Gen.Int[0, 48], Gen.Int[0, 48], Gen.Long[0, 50_000_000_000], Gen.Long[0, 30_000_000_000], Gen.Long[0, 10_000_000_000],
            (offset, used, unused, covered, cost, unusedCost) => new Fact(offset, used, unused, covered, cost, Math.Min(cost, unusedCost)));

    /// <summary>Facts with one row per day (billing data folds a commitment's rows into one per day).</summary>
    private static readonly Gen<List<Fact>> GenFacts = GenFact.List[0, 40].Select(list => list.DistinctBy(f => f.Offset).OrderBy(f => f.Offset).ToList());

    private static CommitmentDays Build(List<Fact> facts)
    {
        if (facts.Count == 0)
        {
            return CommitmentDays.Empty;
        }

        var days = new CommitmentDays(Origin.AddDays(facts[0].Offset), facts[^1].Offset - facts[0].Offset + 1);
        foreach (var f in facts)
        {
            var i = f.Offset - facts[0].Offset;
            days.Present[i] = true;
            days.Used[i] = f.Used;
            days.Unused[i] = f.Unused;
            days.CoveredOnDemand[i] = f.Covered;
            days.Cost[i] = f.Cost;
            days.UnusedCost[i] = f.UnusedCost;
        }

        return days;
    }

    [Fact]
    public void Window_sums_equal_the_sum_of_the_days_in_the_window()
    {
        Gen.Select(GenFacts, Gen.Int[-10, 130], Gen.Int[0, 140]).Sample((facts, from, length) =>
        {
            var (first, last) = (Origin.AddDays(from), Origin.AddDays(from + length));
            var inWindow = facts.Where(f => Origin.AddDays(f.Offset) >= first && Origin.AddDays(f.Offset) <= last).ToList();

            var sum = Build(facts).Sum(first, last);

            Assert.Equal(inWindow.Count, sum.Days);
            Assert.Equal(inWindow.Sum(f => f.Used), sum.Used, 9);
            Assert.Equal(inWindow.Sum(f => f.Used + f.Unused), sum.Capacity, 9);
            Assert.Equal(inWindow.Sum(f => f.Covered), sum.CoveredOnDemand);
            Assert.Equal(inWindow.Sum(f => f.Cost), sum.Cost);
            Assert.Equal(inWindow.Sum(f => f.UnusedCost), sum.UnusedCost);
            Assert.Equal(inWindow.Sum(f => f.Covered - f.Cost), sum.Savings);
            var potential = inWindow.Where(f => f.Used > 0).ToList();
            Assert.Equal(potential.Count, sum.PotentialDays);
            Assert.Equal(potential.Sum(f => (long)Math.Round(f.Covered * ((f.Used + f.Unused) / f.Used)) - f.Cost), sum.PotentialSavings);
            var capacity = inWindow.Sum(f => f.Used + f.Unused);
            Assert.Equal(capacity > 0 ? inWindow.Sum(f => f.Used) / capacity : null, sum.Utilization);
        });
    }

    [Fact]
    public void Status_follows_the_published_lifecycle()
    {
        var now = new DateTime(2026, 6, 15, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal("active", CommitmentLifecycle.StatusAt(now, now.AddDays(-100), now.AddDays(100), "active", seenInBilling: true));
        Assert.Equal("new", CommitmentLifecycle.StatusAt(now, now.AddDays(-1), now.AddDays(365), "active", seenInBilling: false));
        Assert.Equal("new", CommitmentLifecycle.StatusAt(now, now.AddDays(2), now.AddDays(365), "pending", seenInBilling: false));
        Assert.Equal("recently_expired", CommitmentLifecycle.StatusAt(now, now.AddDays(-400), now.AddDays(-30), "active", seenInBilling: true));
        Assert.Equal("expired", CommitmentLifecycle.StatusAt(now, now.AddDays(-400), now.AddDays(-31), "active", seenInBilling: true));
        Assert.Equal("cancelled", CommitmentLifecycle.StatusAt(now, now.AddDays(-10), now.AddDays(300), "cancelled", seenInBilling: true));
        Assert.Equal("removed", CommitmentLifecycle.StatusAt(now, now.AddDays(-10), now.AddDays(300), "removed", seenInBilling: true));
        Assert.Equal("active", CommitmentLifecycle.StatusAt(now, null, null, null, seenInBilling: true));
        Assert.True(CommitmentLifecycle.IsActiveAt(now, now.AddDays(-1), now.AddDays(1), "new"));
        Assert.False(CommitmentLifecycle.IsActiveAt(now, now.AddDays(1), now.AddDays(10), "new"));
        Assert.False(CommitmentLifecycle.IsActiveAt(now, now.AddDays(-10), now.AddDays(10), "cancelled"));
        Assert.False(CommitmentLifecycle.IsActiveAt(now, now.AddDays(-10), now, "recently_expired"));
    }

    private sealed record Held(List<Fact> Facts, int? StartOffset, int? EndOffset, long? HourlyCost, bool InForce);

    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : struct => Gen.Frequency((1, gen.Select(_ => (T?)null)), (3, gen.Select(v => (T?)v)));

    private static readonly Gen<Held> GenHeld = Gen.Select(GenFacts, Maybe(Gen.Int[-30, 120]), Maybe(Gen.Int[1, 200]), Maybe(Gen.Long[0, 2_000_000_000]), Gen.Bool,
        (facts, start, length, hourly, inForce) => new Held(facts, start, start is { } s && length is { } l ? s + l : length, hourly, inForce));

    [Fact]
    public void The_chart_equals_a_day_by_day_reading_of_its_rules()
    {
        Gen.Select(GenHeld.List[0, 6], Gen.Int[0, 100], Gen.Int[0, 130], Gen.Int[0, 120]).Sample((held, from, length, todayOffset) =>
        {
            var (first, last, today) = (Origin.AddDays(from), Origin.AddDays(from + length), Origin.AddDays(todayOffset));
            var commitments = held.Select(h => new ChartCommitment(Build(h.Facts), At(h.StartOffset), At(h.EndOffset), h.HourlyCost, h.InForce)).ToList();

            var points = CommitmentChart.Build(commitments, first, last, today);

            var expected = Reference(held, first, last, today);
            Assert.Equal(expected.Count, points.Count);
            for (var i = 0; i < points.Count; i++)
            {
                Assert.Equal(expected[i], points[i]);
            }
        }, iter: 300);
    }

    private static DateTime? At(int? offset) => offset is { } o ? Origin.AddDays(o).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc) : null;

    /// <summary>The chart's rules applied one day at a time, recomputing everything for each day.</summary>
    private static List<ChartPoint> Reference(List<Held> held, DateOnly from, DateOnly to, DateOnly today)
    {
        (long Cost, long Unused, long Savings) DayOf(Held h, DateOnly day)
        {
            if (day <= today)
            {
                var fact = h.Facts.SingleOrDefault(f => Origin.AddDays(f.Offset) == day);
                return fact is null ? (0, 0, 0) : (fact.Cost, fact.UnusedCost, fact.Covered - fact.Cost);
            }

            if (!h.InForce)
            {
                return (0, 0, 0);
            }

            var start = h.StartOffset is { } s ? Origin.AddDays(s) : DateOnly.MinValue;
            var lastBilled = h.Facts.Count > 0 ? Origin.AddDays(h.Facts[^1].Offset) : (DateOnly?)null;
            var end = h.EndOffset is { } e ? Origin.AddDays(e)
                : lastBilled >= today.AddDays(-CommitmentChart.StillBilledWithinDays) ? DateOnly.MaxValue : today;
            if (day < start || day >= end)
            {
                return (0, 0, 0);
            }

            var recent = h.Facts.Where(f => Origin.AddDays(f.Offset) <= today).OrderByDescending(f => f.Offset).Take(CommitmentChart.RecentDays).ToList();
            if (recent.Count > 0)
            {
                return (recent.Sum(f => f.Cost) / recent.Count, recent.Sum(f => f.UnusedCost) / recent.Count, recent.Sum(f => f.Covered - f.Cost) / recent.Count);
            }

            return h.HourlyCost is { } hourly ? (hourly * 24, 0, 0) : (0, 0, 0);
        }

        long RemainingAt(Held h, DateOnly day)
        {
            if (h.EndOffset is not { } endOffset || (h.StartOffset is { } s && day < Origin.AddDays(s)))
            {
                return 0;
            }

            var price = h.HourlyCost;
            if (price is null)
            {
                var recent = h.Facts.Where(f => Origin.AddDays(f.Offset) <= today).OrderByDescending(f => f.Offset).Take(CommitmentChart.RecentDays).ToList();
                price = recent.Count > 0 ? recent.Sum(f => f.Cost) / (recent.Count * 24L) : null;
            }

            var hoursLeft = (Origin.AddDays(endOffset).DayNumber - day.DayNumber) * 24.0;
            return price is { } p && hoursLeft > 0 ? (long)Math.Round(p * hoursLeft) : 0;
        }

        var points = new List<ChartPoint>();
        var daily = to.DayNumber - from.DayNumber + 1 <= CommitmentChart.DailyPointsUpTo;
        var bucketStart = from;
        while (bucketStart <= to)
        {
            var monthEnd = new DateOnly(bucketStart.Year, bucketStart.Month, DateTime.DaysInMonth(bucketStart.Year, bucketStart.Month));
            var bucketEnd = daily ? bucketStart : monthEnd < to ? monthEnd : to;
            long cost = 0, unused = 0, savings = 0;
            for (var day = bucketStart; day <= bucketEnd; day = day.AddDays(1))
            {
                foreach (var h in held)
                {
                    var figures = DayOf(h, day);
                    cost += figures.Cost;
                    unused += figures.Unused;
                    savings += figures.Savings;
                }
            }

            var remaining = held.Sum(h => RemainingAt(h, bucketStart));
            points.Add(new ChartPoint(bucketStart, bucketEnd, remaining, remaining, 0, savings, savings, cost > 0 ? (double)(cost - unused) / cost : 0, unused, bucketEnd > today));
            bucketStart = bucketEnd.AddDays(1);
        }

        return points;
    }
}
