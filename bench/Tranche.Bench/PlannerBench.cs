using System.Diagnostics;
using Tranche.Domain.Offers;
using Tranche.Domain.Planning;

namespace Tranche.Bench;

/// <summary>
/// Planner speed: 1,000 pools with 90 days of hourly history to the three default plans with risk (1,000 simulated
/// paths per pool). Stopwatch harness: median of five runs after a warm-up, with bytes allocated on this thread.
/// Call <see cref="Run"/> from the bench entry point (<c>planner [pools] [days]</c>).
/// </summary>
public static class PlannerBench
{
    public static PlanRequest Request(int pools, int days)
    {
        var start = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var offers = new List<Offer>
        {
            new("1y-nu", "aws", "ri", OfferKinds.ReservedInstance, 12, PaymentOptions.NoUpfront, 0m, 0.62m, "unit"),
            new("1y-au", "aws", "ri", OfferKinds.ReservedInstance, 12, PaymentOptions.AllUpfront, 0.58m * 8760, 0m, "unit"),
            new("3y-au", "aws", "ri", OfferKinds.ReservedInstance, 36, PaymentOptions.AllUpfront, 0.40m * 26280, 0m, "unit"),
        };
        var rng = new Random(1);
        var list = new List<PoolUsage>(pools);
        for (var i = 0; i < pools; i++)
        {
            var level = 5 + rng.Next(200);
            var trend = (rng.NextDouble() - 0.5) * 0.6;
            var usage = new double[days * 24];
            for (var h = 0; h < usage.Length; h++)
            {
                usage[h] = Math.Max(0, Math.Round(level * (1 + trend * h / 8760.0) * (1 + 0.2 * Math.Sin(h * Math.PI / 12)) * (0.9 + 0.2 * rng.NextDouble())));
            }

            list.Add(new PoolUsage($"pool-{i}", start, usage, 1.0, offers));
        }

        return new PlanRequest(start.AddDays(days), list, new PlanSettings { Paths = 1000 });
    }

    public static int Run(int pools = 1000, int days = 90)
    {
        var request = Request(pools, days);
        Planner.Plan(request);
        var times = new List<double>();
        long allocated = 0;
        PlanSet? last = null;
        for (var i = 0; i < 5; i++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var watch = Stopwatch.StartNew();
            last = Planner.Plan(request);
            times.Add(watch.Elapsed.TotalMilliseconds);
            allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        }

        times.Sort();
        Console.WriteLine($"planner: {pools:N0} pools x {days} days hourly, {Environment.ProcessorCount} cores: median {times[2]:N0} ms " +
            $"(min {times[0]:N0}, max {times[^1]:N0}), {allocated / 1e6:N0} MB allocated per run, " +
            $"{last!.Defaults.Sum(p => p.LineItems.Count):N0} line items, recommended: {last.Recommended?.Name ?? "none"}");
        return 0;
    }
}
