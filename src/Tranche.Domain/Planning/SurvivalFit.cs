namespace Tranche.Domain.Planning;

/// <summary>
/// How long usage lasts in this org, learned from its own history.
/// <para>
/// The survival of a usage level that has lasted <c>age</c> is S(t) = (age / (age + t))^a · exp(-h·t): the Lindy
/// part says a level that has lasted longer is likelier to go on, and the hazard part h (per year) is a steady rate
/// of endings that age does not protect from (projects end, fleets migrate). Fleets differ widely: in the Chameleon
/// testbed trace a level that had lasted 30 days was still 70% used half a year later, where the know-nothing prior
/// a = 1 says 14%.
/// </para>
/// <para>
/// So both are fitted to the org's past: at weekly points of every pool's history, the level held over the days
/// before (the lowest daily mean of the last 7 to 240 days) is compared with how much of it was still used 7 to 365
/// days later, and (a, h) is the pair whose curve fits those observations best, longer horizons weighing more. Little
/// evidence leans on a cautious prior, and so does every horizon longer than the history could show: a fleet seen for
/// 60 days says nothing about its second year.
/// </para>
/// </summary>
public static class SurvivalFit
{
    /// <summary>The Lindy exponent with no evidence: between the know-nothing prior (1) and what real fleets show (about 0.2).</summary>
    public const double PriorExponent = 0.5;

    /// <summary>The yearly hazard with no evidence: one level in ten ends within a year whatever its age.</summary>
    public const double PriorHazard = 0.1;

    /// <summary>Weight of the prior, in pool-weeks of evidence: about five pools observed over a month.</summary>
    public const double PriorWeight = 20;

    public const double MinExponent = 0;
    public const double MaxExponent = 1.0;
    public const double MaxHazard = 3.0;

    private const double ExponentStep = 0.02;
    private const double HazardStep = 0.02;

    private static readonly int[] s_ageDays = [7, 14, 30, 60, 120, 240];
    private static readonly int[] s_horizonDays = [7, 14, 30, 60, 90, 180, 365];

    /// <summary>
    /// The survival curve's parameters, how many pool-weeks of evidence they rest on, and the longest horizon that
    /// evidence reached. Beyond that horizon the history says nothing, so the curve goes on as the cautious prior
    /// from there: S(t) = S_fit(E) · S_prior(t - E | age + E) for t past E.
    /// </summary>
    public sealed record Result(double Exponent, double HazardPerYear, int Observations, double EvidenceHours = double.PositiveInfinity)
    {
        public static Result Prior { get; } = new(PriorExponent, PriorHazard, 0);

        /// <summary>Chance that a level that has lasted <paramref name="ageHours"/> is still used <paramref name="tHours"/> later.</summary>
        public double Survival(double ageHours, double tHours)
        {
            if (ageHours <= 0)
            {
                return 0;
            }

            if (tHours <= EvidenceHours)
            {
                return Curve(Exponent, HazardPerYear, ageHours, tHours);
            }

            return Curve(Exponent, HazardPerYear, ageHours, EvidenceHours) * Curve(PriorExponent, PriorHazard, ageHours + EvidenceHours, tHours - EvidenceHours);
        }

        /// <summary>
        /// The hours until the level ends, for four uniform draws: within the evidence horizon the earlier of the
        /// Lindy part's ending (solving (age/(age+t))^a = u1) and the hazard's (exp(-h·t) = u2), whose survival is the
        /// product of the two; a level that outlasts the horizon ends as the prior says from there (u3, u4).
        /// </summary>
        public double StopHours(double ageHours, double u1, double u2, double u3, double u4)
        {
            if (ageHours <= 0)
            {
                return 0;
            }

            var stop = Stop(Exponent, HazardPerYear, ageHours, u1, u2);
            return stop <= EvidenceHours ? stop : EvidenceHours + Stop(PriorExponent, PriorHazard, ageHours + EvidenceHours, u3, u4);
        }

        private static double Curve(double exponent, double hazard, double age, double t) =>
            Math.Pow(age / (age + t), exponent) * Math.Exp(-hazard * t / 8760);

        private static double Stop(double exponent, double hazard, double age, double u1, double u2)
        {
            var lindy = exponent > 0 ? age * (Math.Pow(Math.Max(u1, 1e-12), -1 / exponent) - 1) : double.PositiveInfinity;
            var steady = hazard > 0 ? -Math.Log(Math.Max(u2, 1e-12)) / hazard * 8760 : double.PositiveInfinity;
            return Math.Min(lindy, steady);
        }
    }

    /// <param name="dailyMeansPerPool">Each pool's daily mean usage, oldest first, ending the day before the plan time.</param>
    public static Result Fit(IEnumerable<double[]> dailyMeansPerPool)
    {
        ArgumentNullException.ThrowIfNull(dailyMeansPerPool);
        var cells = s_ageDays.Length * s_horizonDays.Length;
        // Per (age, horizon): count, sum and sum of squares of the share of the level still used. The curve depends
        // on the pair only, so the fit below costs nothing per observation.
        var count = new double[cells];
        var sum = new double[cells];
        var sumSquares = new double[cells];
        var points = 0;
        var horizon = 0;
        foreach (var daily in dailyMeansPerPool)
        {
            var days = daily.Length;
            for (var p = s_ageDays[0]; p + s_horizonDays[0] < days; p += 7)
            {
                var observed = false;
                var level = double.PositiveInfinity;
                var covered = 0;
                for (var a = 0; a < s_ageDays.Length && s_ageDays[a] <= p; a++)
                {
                    for (; covered < s_ageDays[a]; covered++)
                    {
                        level = Math.Min(level, daily[p - 1 - covered]);
                    }

                    if (!(level > 0))
                    {
                        break;
                    }

                    for (var h = 0; h < s_horizonDays.Length && p + s_horizonDays[h] < days; h++)
                    {
                        var used = Math.Min(daily[p + s_horizonDays[h]], level) / level;
                        var cell = a * s_horizonDays.Length + h;
                        count[cell]++;
                        sum[cell] += used;
                        sumSquares[cell] += used * used;
                        horizon = Math.Max(horizon, s_horizonDays[h]);
                        observed = true;
                    }
                }

                if (observed)
                {
                    points++;
                }
            }
        }

        if (points == 0)
        {
            return Result.Prior;
        }

        var lindy = new double[cells];
        var (bestExponent, bestHazard, bestError) = (PriorExponent, PriorHazard, double.PositiveInfinity);
        for (var x = MinExponent; x <= MaxExponent + 1e-9; x += ExponentStep)
        {
            for (var a = 0; a < s_ageDays.Length; a++)
            {
                for (var h = 0; h < s_horizonDays.Length; h++)
                {
                    lindy[a * s_horizonDays.Length + h] = Math.Pow(s_ageDays[a] / (double)(s_ageDays[a] + s_horizonDays[h]), x);
                }
            }

            for (var rate = 0.0; rate <= MaxHazard + 1e-9; rate += HazardStep)
            {
                var error = 0.0;
                for (var h = 0; h < s_horizonDays.Length; h++)
                {
                    var decay = Math.Exp(-rate * s_horizonDays[h] / 365.0);
                    for (var a = 0; a < s_ageDays.Length; a++)
                    {
                        var cell = a * s_horizonDays.Length + h;
                        if (count[cell] == 0)
                        {
                            continue;
                        }

                        var curve = lindy[cell] * decay;
                        // Longer horizons weigh more: terms run for years, and short horizons fit almost any curve.
                        error += s_horizonDays[h] * (count[cell] * curve * curve - 2 * curve * sum[cell] + sumSquares[cell]);
                    }
                }

                if (error < bestError)
                {
                    (bestExponent, bestHazard, bestError) = (x, rate, error);
                }
            }
        }

        var weight = points + PriorWeight;
        return new Result(
            Math.Clamp((points * bestExponent + PriorWeight * PriorExponent) / weight, MinExponent, MaxExponent),
            Math.Clamp((points * bestHazard + PriorWeight * PriorHazard) / weight, 0, MaxHazard),
            points,
            horizon * 24.0);
    }
}
