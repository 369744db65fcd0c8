using Tranche.Domain.Offers;

namespace Tranche.Domain.Planning;

/// <summary>
/// Sizes one pool for one plan: the uncovered usage above existing commitments is cut into bands of whole units,
/// and each band goes to the offer with the best expected savings over that offer's term, or to none.
/// </summary>
internal static class Sizing
{
    private const int MaxBands = 256;

    /// <summary>Per-pool tables shared by the three plans: share of hours above each band and the band's survival, month by month.</summary>
    internal sealed class Bands
    {
        public required PoolModel Model { get; init; }

        public required double Width { get; init; }

        public required int Count { get; init; }

        public required int Months { get; init; }

        /// <summary>[band * Months + month]: P(usage above the band) in that month of the term, after trend and existing coverage.</summary>
        public required double[] Share { get; init; }

        /// <summary>[band * Months + month]: chance the band's level is still in use at the middle of that month.</summary>
        public required double[] Alive { get; init; }

        public required double[] AgeHours { get; init; }
    }

    public static Bands Prepare(PoolModel model, PlanSettings settings)
    {
        var step = settings.QuantityStep;
        var top = Math.Max(0, model.MaxUsage - model.ExistingNow);
        var width = step * Math.Max(1, Math.Ceiling(top / step / MaxBands));
        var count = (int)Math.Floor(top / width + 1e-9);
        var months = model.Offers.Count == 0 ? 0 : model.Offers.Max(o => o.TermMonths);
        var share = new double[count * months];
        var alive = new double[count * months];
        var ages = new double[count];
        var decline = model.DeclinePerDay;
        var existing = new double[months];
        for (var m = 0; m < months; m++)
        {
            existing[m] = model.Pool.ExistingCoverageAt(model.PlanAt.AddHours(Offer.HoursPerMonth * (m + 0.5)));
        }

        for (var k = 0; k < count; k++)
        {
            var mid = (k + 0.5) * width;
            var age = model.LevelAgeHours(model.ExistingNow + mid);
            ages[k] = age;
            // Ages are whole days, so neighbouring bands mostly share one: their survival row is the same.
            var sameAge = k > 0 && ages[k - 1] == age;
            for (var m = 0; m < months; m++)
            {
                var t = Offer.HoursPerMonth * (m + 0.5);
                // Growth is left to later purchases made with newer data; a decline seen in the history is assumed to go on.
                var declined = -decline * (t / 24 + settings.LookbackDays / 2.0);
                share[k * months + m] = model.ShareAbove(existing[m] + mid + declined);
                alive[k * months + m] = sameAge ? alive[(k - 1) * months + m] : model.Survival(age, t);
            }
        }

        return new Bands { Model = model, Width = width, Count = count, Months = months, Share = share, Alive = alive, AgeHours = ages };
    }

    /// <summary>
    /// Line items for one plan. <paramref name="caution"/> is the power survival enters with (1: fully, 0: usage
    /// assumed to last), <paramref name="coverageCap"/> the plan's coverage target.
    /// </summary>
    public static List<PlanLineItem> Size(Bands bands, double caution, double coverageCap)
    {
        var model = bands.Model;
        var lines = new List<PlanLineItem>();
        if (bands.Count == 0 || model.Offers.Count == 0)
        {
            return lines;
        }

        var maxBands = Math.Min(bands.Count, CoverageBands(bands, coverageCap));
        if (caution >= 1 && model.Volatility > 0.25)
        {
            // Volatile usage: stay below the recent floor of daily means.
            maxBands = Math.Min(maxBands, (int)Math.Floor(Math.Max(0, model.RecentFloor - model.ExistingNow) / bands.Width + 1e-9));
        }

        var p = model.Pool.OnDemandRate;
        var perOffer = new double[model.Offers.Count];
        for (var k = 0; k < maxBands; k++)
        {
            Offer? best = null;
            var bestValue = 0.0;
            var bestSurvival = 0.0;
            for (var i = 0; i < model.Offers.Count; i++)
            {
                var offer = model.Offers[i];
                if (caution > 0 && bands.AgeHours[k] < MinimumAgeDays(offer) * 24)
                {
                    continue;
                }

                var (value, survival) = Value(bands, k, offer, p, caution);
                if (value > bestValue)
                {
                    (best, bestValue, bestSurvival) = (offer, value, survival);
                }
            }

            if (best is null)
            {
                break;
            }

            if (caution > 0 && best.UpfrontPerUnit > 0 && bestSurvival < 0.85)
            {
                // Survival uncertain: pay as you go rather than upfront when a no-upfront offer of the term also pays.
                var noUpfront = model.Offers.Where(o => o.TermMonths == best.TermMonths && o.UpfrontPerUnit == 0)
                    .Select(o => (Offer: o, Value: Value(bands, k, o, p, caution).Value))
                    .Where(x => x.Value > 0)
                    .OrderByDescending(x => x.Value)
                    .FirstOrDefault();
                if (noUpfront.Offer is not null)
                {
                    best = noUpfront.Offer;
                }
            }

            perOffer[IndexOf(model.Offers, best)] += bands.Width;
        }

        for (var i = 0; i < perOffer.Length; i++)
        {
            if (perOffer[i] > 0)
            {
                lines.Add(new PlanLineItem(model.Pool.Pool, model.Offers[i], perOffer[i]));
            }
        }

        return lines;
    }

    /// <summary>
    /// The enough-history rule of the cautious plans (High Savings shows what committing to today's usage would save): a level is committed for a year only after it has lasted a quarter
    /// of one, and beyond a year only after it has lasted a year. The survival curve extrapolates from what the
    /// history shows; this keeps it from extrapolating from weeks to years.
    /// </summary>
    internal static int MinimumAgeDays(Offer offer) => offer.TermMonths > 12 ? 365 : 90;

    /// <summary>Expected savings of one unit of band <paramref name="k"/> bought as <paramref name="offer"/>, over its term, and the band's mean survival.</summary>
    private static (double Value, double Survival) Value(Bands bands, int k, Offer offer, double p, double caution)
    {
        var r = (double)offer.EffectiveHourlyPerUnit;
        var sum = 0.0;
        var alive = 0.0;
        var row = k * bands.Months;
        for (var m = 0; m < offer.TermMonths; m++)
        {
            var s = bands.Alive[row + m];
            var weight = caution == 1 ? s : caution == 0 ? 1 : Math.Pow(s, caution);
            alive += s;
            sum += p * weight * bands.Share[row + m] - r;
        }

        return (sum * Offer.HoursPerMonth, alive / offer.TermMonths);
    }

    /// <summary>Bands needed for the coverage of the lookback's usage (existing commitments included) to reach the target.</summary>
    private static int CoverageBands(Bands bands, double target)
    {
        var model = bands.Model;
        var total = model.Prefix[^1] / Math.Max(1, model.SortedLookback.Length);
        if (total <= 0)
        {
            return 0;
        }

        for (var k = 0; k <= bands.Count; k++)
        {
            var covered = CommitmentMath.MeanCovered(model.SortedLookback, model.Prefix, model.ExistingNow + k * bands.Width);
            if (covered / total >= target - 1e-12)
            {
                return k;
            }
        }

        return bands.Count;
    }

    private static int IndexOf(IReadOnlyList<Offer> offers, Offer offer)
    {
        for (var i = 0; i < offers.Count; i++)
        {
            if (ReferenceEquals(offers[i], offer))
            {
                return i;
            }
        }

        return -1;
    }
}
