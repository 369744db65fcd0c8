using System.Globalization;
using Tranche.Domain.Offers;
using Tranche.Domain.Planning;

namespace Tranche.Domain.Tests.Planning;

/// <summary>A backtest case: a trace, the date the plan is made, and the pools with their whole usage (before and after).</summary>
public sealed record TraceCase(string Trace, DateTime PlanAt, IReadOnlyList<PoolUsage> Pools);

/// <summary>
/// The benchmark traces (bench/traces/README.md): seven generated patterns, deterministic per seed, and the real
/// traces read in place from shared/data/real-traces. Prices: on-demand 1 per unit-hour; 1-year No Upfront 0.62,
/// 1-year All Upfront 0.58 and 3-year All Upfront 0.40 of on-demand, as effective hourly rates.
/// </summary>
public static class TraceSet
{
    public static readonly DateTime GeneratedStart = new(2022, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>Two years of history before the first plan date; a second plan date a quarter later; three years after both.</summary>
    public static readonly DateTime[] GeneratedPlanDates = [GeneratedStart.AddDays(730), GeneratedStart.AddDays(820)];

    private const int GeneratedDays = 820 + 1096;

    public static readonly string[] Patterns = ["steady", "growing", "declining", "seasonal", "spiky", "migrating", "shutting-down"];

    public static IReadOnlyList<Offer> StandardOffers(string unit = "unit") =>
    [
        new("1y-nu", "any", "ri", OfferKinds.ReservedInstance, 12, PaymentOptions.NoUpfront, 0m, 0.62m, unit),
        new("1y-au", "any", "ri", OfferKinds.ReservedInstance, 12, PaymentOptions.AllUpfront, 0.58m * 12 * 730, 0m, unit),
        new("3y-au", "any", "ri", OfferKinds.ReservedInstance, 36, PaymentOptions.AllUpfront, 0.40m * 36 * 730, 0m, unit),
    ];

    public static IEnumerable<TraceCase> Generated(int seed = 7)
    {
        foreach (var pattern in Patterns)
        {
            var pools = Generate(pattern, seed);
            foreach (var planAt in GeneratedPlanDates)
            {
                yield return new TraceCase(pattern, planAt, pools);
            }
        }
    }

    /// <summary>Five pools of one pattern at scales 10 to 200 units; the smallest one started 120 days before the first plan date.</summary>
    public static IReadOnlyList<PoolUsage> Generate(string pattern, int seed)
    {
        var rng = new Random(seed * 7919 + Array.IndexOf(Patterns, pattern));
        var hours = GeneratedDays * 24;
        var scales = new[] { 10.0, 25, 50, 100, 200 };
        var plan = 730 * 24;
        var pools = new List<PoolUsage>();
        for (var i = 0; i < scales.Length; i++)
        {
            var level = scales[i];
            var usage = new double[hours];
            var born = i == 0 ? plan - 120 * 24 : 0;
            var phase = rng.NextDouble() * 2 * Math.PI;
            var spikeUntil = -1;
            for (var h = born; h < hours; h++)
            {
                var years = (h - plan) / 8760.0;
                var weekly = 1 + 0.05 * Math.Sin(2 * Math.PI * h / 168.0);
                var noise = 1 + 0.05 * Normal(rng);
                var v = pattern switch
                {
                    "steady" => level * weekly * noise,
                    "growing" => level * Math.Max(0.05, 1 + 0.35 * years) * weekly * noise,
                    "declining" => level * Math.Max(0, 1 - 0.3 * years) * weekly * noise,
                    "seasonal" => level * (1 + 0.35 * Math.Sin(2 * Math.PI * h / 8760.0 + phase)) * (1 + 0.2 * Math.Sin(2 * Math.PI * h / 24.0)) * noise,
                    "spiky" => Spiky(level, h, rng, ref spikeUntil) * noise,
                    "migrating" => level * Migrating(i, years) * weekly * noise,
                    "shutting-down" => years < StopYears(i) ? level * weekly * noise : 0,
                    _ => throw new ArgumentOutOfRangeException(nameof(pattern)),
                };
                usage[h] = Math.Round(Math.Max(0, v), 4);
            }

            pools.Add(new PoolUsage($"{pattern}.pool{i}", GeneratedStart, usage, 1.0, StandardOffers()));
        }

        return pools;
    }

    /// <summary>
    /// Held-out traces the planner's rules were never tuned on. Each org draws how long its workloads live (a mean
    /// lifetime of half a year, 1.5 years, 4 years or 20 years, exponential), and ten pools born at random times over
    /// the 900 days before the plan date, each with a random scale, trend, daily cycle, noise and one step change.
    /// Pools end when their lifetime runs out, before or after the plan date alike, so the history shows endings at
    /// the same rate the future has them, as a real bill does. Three years follow the plan date.
    /// </summary>
    public static IEnumerable<TraceCase> Varied(int seed, int orgs)
    {
        const int planDay = 900;
        var planAt = GeneratedStart.AddDays(planDay);
        var hours = (planDay + 1096) * 24;
        double[] meanLives = [0.5, 1.5, 4, 20];
        for (var org = 0; org < orgs; org++)
        {
            var rng = new Random(seed * 104729 + org);
            var meanLife = meanLives[org % meanLives.Length];
            var pools = new List<PoolUsage>();
            for (var i = 0; i < 10; i++)
            {
                var level = Math.Round(5 + 295 * Math.Pow(rng.NextDouble(), 2), 1);
                var bornDay = rng.NextDouble() * (planDay - 30);
                var diesDay = bornDay - meanLife * 365 * Math.Log(1 - rng.NextDouble());
                var growth = (rng.NextDouble() - 0.5) * 0.8;
                var daily = rng.NextDouble() * 0.4;
                var noiseLevel = 0.02 + rng.NextDouble() * 0.13;
                var stepAt = (bornDay + rng.NextDouble() * (planDay + 1096 - bornDay)) * 24;
                var step = 1 + (rng.NextDouble() - 0.5) * 0.6;
                var usage = new double[hours];
                var phase = rng.NextDouble() * 2 * Math.PI;
                for (var h = (int)(bornDay * 24); h < Math.Min(hours, diesDay * 24); h++)
                {
                    var years = (h - planDay * 24) / 8760.0;
                    var v = level * Math.Max(0, 1 + growth * years) * (h >= stepAt ? step : 1)
                        * (1 + daily * Math.Sin(2 * Math.PI * h / 24.0 + phase)) * (1 + noiseLevel * Normal(rng));
                    usage[h] = Math.Round(Math.Max(0, v), 4);
                }

                pools.Add(new PoolUsage($"varied{org}.pool{i}", GeneratedStart, usage, 1.0, StandardOffers()));
            }

            yield return new TraceCase($"varied-{org}", planAt, pools);
        }
    }

    /// <summary>Batch load: a 40% base with a daily cycle and 6-hour bursts to three times the level.</summary>
    private static double Spiky(double level, int h, Random rng, ref int spikeUntil)
    {
        if (h >= spikeUntil && rng.NextDouble() < 0.01)
        {
            spikeUntil = h + 6;
        }

        var daily = 1 + 0.3 * Math.Sin(2 * Math.PI * h / 24.0);
        return level * (0.4 * daily + (h < spikeUntil ? 2.6 : 0));
    }

    /// <summary>Even pools move off an old family from a quarter before the first plan date over a year; odd pools are the new family taking it over.</summary>
    private static double Migrating(int i, double years)
    {
        var progress = Math.Clamp((years + 0.25) / 1.0, 0, 1);
        return i % 2 == 0 ? 1 - progress : 0.3 + 0.7 * progress + 0.3 * progress;
    }

    /// <summary>When each pool stops, in years after the first plan date (none of it visible before).</summary>
    private static double StopYears(int i) => i switch
    {
        0 => 0.15,
        1 => 0.6,
        2 => 1.2,
        3 => 2.2,
        _ => double.PositiveInfinity,
    };

    private static double Normal(Random rng) =>
        Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    /// <summary>The real traces with the standard prices, or nothing when shared/data is not beside the checkout.</summary>
    public static IEnumerable<TraceCase> Real(string chameleonCsv, string bitbrainsCsv)
    {
        var chameleon = ReadTrace(chameleonCsv);
        foreach (var planAt in new[] { new DateTime(2020, 6, 8, 0, 0, 0, DateTimeKind.Utc), new DateTime(2020, 9, 1, 0, 0, 0, DateTimeKind.Utc) })
        {
            yield return new TraceCase("chameleon-baremetal", planAt, chameleon);
        }

        var bitbrains = ReadTrace(bitbrainsCsv);
        foreach (var planAt in new[] { new DateTime(2013, 8, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2013, 9, 1, 0, 0, 0, DateTimeKind.Utc) })
        {
            yield return new TraceCase("bitbrains-rnd", planAt, bitbrains);
        }
    }

    /// <summary>Reads <c>hour,pool,quantity</c>; hours missing inside a pool's span carry the last value (missing is not zero).</summary>
    public static IReadOnlyList<PoolUsage> ReadTrace(string path)
    {
        var rows = new Dictionary<string, SortedDictionary<DateTime, double>>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var parts = line.Split(',');
            var hour = DateTime.Parse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            if (!rows.TryGetValue(parts[1], out var series))
            {
                rows[parts[1]] = series = [];
            }

            series[hour] = double.Parse(parts[2], CultureInfo.InvariantCulture);
        }

        var start = rows.Values.Min(s => s.Keys.First());
        var end = rows.Values.Max(s => s.Keys.Last());
        var hours = (int)(end - start).TotalHours + 1;
        return rows.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r =>
        {
            var usage = new double[hours];
            var last = 0.0;
            for (var h = 0; h < hours; h++)
            {
                if (r.Value.TryGetValue(start.AddHours(h), out var v))
                {
                    last = v;
                }

                usage[h] = last;
            }

            return new PoolUsage(r.Key, start, usage, 1.0, StandardOffers());
        }).ToList();
    }
}
