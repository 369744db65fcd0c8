namespace Tranche.Ingest.Generation;

/// <summary>How a workload's instance count moves over time. Every field is a factor; 1 means "no effect".</summary>
internal sealed record UsageShape(
    double DiurnalAmplitude,
    double WeekendFactor,
    double MonthlyGrowth,
    int? StepDay,
    double StepFactor,
    int? StartDay,
    int? StopDay,
    double SpikeChance,
    double Noise)
{
    public string Describe() => string.Join(", ", new[]
    {
        DiurnalAmplitude > 0 ? $"diurnal ±{DiurnalAmplitude:P0}" : null,
        WeekendFactor < 1 ? $"weekends ×{WeekendFactor:0.##}" : null,
        MonthlyGrowth != 0 ? $"{MonthlyGrowth:+0%;-0%} a month" : null,
        StepDay is { } step ? $"×{StepFactor:0.##} from day {step}" : null,
        StartDay is { } start ? $"starts day {start}" : null,
        StopDay is { } stop ? $"stops day {stop}" : null,
        SpikeChance > 0 ? "spiky" : null,
    }.Where(p => p is not null)) is { Length: > 0 } text ? text : "steady";
}

/// <summary>A group of identical instances in one account and region, following one <see cref="UsageShape"/>.</summary>
internal sealed record Workload(
    string Name,
    InstanceOffer Instance,
    (string Id, string Name, decimal PriceFactor) Region,
    (string Id, string Name) Account,
    double BaseCount,
    UsageShape Shape,
    int Seed)
{
    public decimal Price => decimal.Round(Instance.OnDemandHourly * Region.PriceFactor, 6);

    /// <summary>Instances running in hour <paramref name="hour"/> of the window (deterministic for the workload's seed).</summary>
    public int CountAt(int hour, DateTime time)
    {
        var day = hour / 24;
        var s = Shape;
        if (s.StartDay is { } start && day < start)
        {
            return 0;
        }

        if (s.StopDay is { } stop && day >= stop)
        {
            return 0;
        }

        var level = BaseCount;
        level *= 1 + s.DiurnalAmplitude * Math.Sin(2 * Math.PI * (time.Hour - 9) / 24);
        if (time.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
        {
            level *= s.WeekendFactor;
        }

        level *= Math.Pow(1 + s.MonthlyGrowth, day / 30.0);
        if (s.StepDay is { } step && day >= step)
        {
            level *= s.StepFactor;
        }

        // Per-hour randomness from a hash of (seed, hour): the same hour always gets the same draw.
        var draw = Hash(Seed, hour);
        level *= 1 + s.Noise * (2 * draw - 1);
        if (s.SpikeChance > 0 && Hash(Seed ^ 0x5bd1e995, hour) < s.SpikeChance)
        {
            level *= 1.5 + 1.5 * Hash(Seed ^ 0x1b873593, hour);
        }

        return Math.Max(0, (int)Math.Round(level));
    }

    private static double Hash(int seed, int value)
    {
        var x = (uint)(seed * 374761393 + value * 668265263);
        x = (x ^ (x >> 13)) * 1274126177;
        x ^= x >> 16;
        return x / (double)uint.MaxValue;
    }
}

/// <summary>A commitment the generated org already owns.</summary>
internal sealed record OwnedCommitment(
    string Id,
    string Name,
    string Type,
    bool IsSpend,
    InstanceOffer? Instance,
    string? RegionId,
    double Quantity,
    decimal HourlyFee,
    decimal Discount,
    DateTime Start,
    DateTime End)
{
    public bool ActiveAt(DateTime time) => time >= Start && time < End;

    /// <summary>FOCUS <c>CommitmentDiscountCategory</c>.</summary>
    public string Category => IsSpend ? "Spend" : "Usage";
}

/// <summary>The fleet of one generated org: workloads and the commitments over them, drawn from one seed.</summary>
internal sealed class Fleet
{
    public required ProviderProfile Profile { get; init; }

    public required IReadOnlyList<Workload> Workloads { get; init; }

    public required IReadOnlyList<OwnedCommitment> Commitments { get; init; }

    public static Fleet Create(string provider, int seed, int instances, DateTime windowStart, int days)
    {
        var profile = ProviderProfile.For(provider);
        var random = new Random(seed);
        var shapes = new Func<UsageShape>[]
        {
            () => new UsageShape(0, 1, 0, null, 1, null, null, 0, 0.03),                                                  // steady
            () => new UsageShape(0.2 + 0.3 * random.NextDouble(), 1, 0, null, 1, null, null, 0, 0.05),                    // diurnal
            () => new UsageShape(0.15, 0.5 + 0.3 * random.NextDouble(), 0, null, 1, null, null, 0, 0.05),                  // weekly
            () => new UsageShape(0.1, 1, 0.05 + 0.15 * random.NextDouble(), null, 1, null, null, 0, 0.05),                 // growing
            () => new UsageShape(0.1, 1, -0.08 - 0.15 * random.NextDouble(), null, 1, null, null, 0, 0.05),                // declining
            () => new UsageShape(0.1, 1, 0, random.Next(days / 4, days * 3 / 4), random.NextDouble() < 0.5 ? 0.5 : 1.8, null, null, 0, 0.05), // step
            () => new UsageShape(0, 1, 0, null, 1, null, random.Next(days / 3, days), 0, 0.04),                           // stops
            () => new UsageShape(0, 1, 0, null, 1, random.Next(days / 5, days / 2), null, 0, 0.05),                       // starts late
            () => new UsageShape(0.3, 0.8, 0, null, 1, null, null, 0.03, 0.1),                                            // spiky
        };

        var count = Math.Clamp(instances / 4, 8, 400);
        var weights = Enumerable.Range(0, count).Select(_ => 0.2 + random.NextDouble() * random.NextDouble() * 3).ToList();
        var scale = instances / weights.Sum();
        var workloads = new List<Workload>();
        for (var i = 0; i < count; i++)
        {
            var instance = profile.Instances[random.Next(profile.Instances.Count)];
            var region = profile.Regions[Math.Min(profile.Regions.Count - 1, (int)(random.NextDouble() * random.NextDouble() * profile.Regions.Count))];
            var account = profile.SubAccounts[random.Next(profile.SubAccounts.Count)];
            var shape = shapes[i < shapes.Length ? i : random.Next(shapes.Length)]();
            workloads.Add(new Workload($"{account.Name}-{instance.Family}-{i:000}", instance, region, account, Math.Max(1, weights[i] * scale), shape, seed * 7919 + i));
        }

        return new Fleet { Profile = profile, Workloads = workloads, Commitments = ChooseCommitments(profile, workloads, random, windowStart, days) };
    }

    /// <summary>
    /// Commitments as a real org ends up with them: one bought long ago that expires inside the window, one bought
    /// mid-window, one due for renewal just after the window, one sized before a decline (so part goes unused), and a
    /// spend commitment over everything.
    /// </summary>
    private static List<OwnedCommitment> ChooseCommitments(ProviderProfile profile, List<Workload> workloads, Random random, DateTime start, int days)
    {
        var end = start.AddDays(days);
        var byPool = workloads.GroupBy(w => (w.Instance.Type, w.Region.Id))
            .Select(g => (g.Key, Typical: g.Sum(w => w.BaseCount), Declining: g.Any(w => w.Shape.MonthlyGrowth < 0 || w.Shape.StopDay is not null), First: g.First()))
            .OrderByDescending(p => p.Typical)
            .ToList();
        var commitments = new List<OwnedCommitment>();

        OwnedCommitment Usage((string Type, string Id) key, Workload sample, double quantity, DateTime from, DateTime to, string note)
        {
            var discount = 0.37m;
            var id = profile.Code switch
            {
                "aws" => $"arn:aws:ec2:{key.Id}:{profile.BillingAccountId}:reserved-instances/{new Guid(seedBytes(random))}",
                "azure" => $"/providers/Microsoft.Capacity/reservationOrders/{new Guid(seedBytes(random))}",
                _ => $"projects/{sample.Account.Id}/regions/{key.Id}/commitments/cud-{random.Next(1000, 9999)}",
            };
            return new OwnedCommitment(id, $"{note} {key.Type} x{quantity:0} ({key.Id})", profile.UsageCommitmentType, false, sample.Instance, key.Id,
                quantity, decimal.Round((decimal)quantity * sample.Price * (1 - discount), 6), discount, from, to);
        }

        if (byPool.Count > 0)
        {
            var (key, typical, _, first) = byPool[0];
            commitments.Add(Usage(key, first, Math.Max(1, Math.Round(typical * 0.6)), start.AddDays(-330), start.AddDays(Math.Max(7, days - 20)), "expiring"));
        }

        if (byPool.Count > 1)
        {
            var (key, typical, _, first) = byPool[1];
            commitments.Add(Usage(key, first, Math.Max(1, Math.Round(typical * 0.5)), start.AddDays(days / 2), end.AddDays(365 - days / 2), "new"));
        }

        if (byPool.Count > 2)
        {
            // Bought about a year before the window ends and due for renewal just after it.
            var (key, typical, _, first) = byPool[2];
            commitments.Add(Usage(key, first, Math.Max(1, Math.Round(typical * 0.7)), end.AddDays(-353), end.AddDays(12), "renewal-due"));
        }

        if (byPool.FirstOrDefault(p => p.Declining) is { First: not null } shrinking)
        {
            commitments.Add(Usage(shrinking.Key, shrinking.First, Math.Max(1, Math.Round(shrinking.Typical * 0.9)), start.AddDays(-60), end.AddDays(300), "oversized"));
        }

        var hourlySpend = workloads.Sum(w => (decimal)w.BaseCount * w.Price);
        var spendDiscount = 0.28m;
        var spend = decimal.Round(hourlySpend * 0.25m * (1 - spendDiscount), 4);
        var spendId = profile.Code switch
        {
            "aws" => $"arn:aws:savingsplans::{profile.BillingAccountId}:savingsplan/{new Guid(seedBytes(random))}",
            "azure" => $"/providers/Microsoft.BillingBenefits/savingsPlanOrders/{new Guid(seedBytes(random))}",
            _ => $"billingAccounts/{profile.BillingAccountId}/commitments/flex-cud-{random.Next(1000, 9999)}",
        };
        commitments.Add(new OwnedCommitment(spendId, $"{profile.SpendCommitmentType} {spend:0.####}/h", profile.SpendCommitmentType, true, null, null,
            (double)spend, spend, spendDiscount, start.AddDays(-120), end.AddDays(245)));
        return commitments;

        static byte[] seedBytes(Random random)
        {
            var bytes = new byte[16];
            random.NextBytes(bytes);
            return bytes;
        }
    }
}
