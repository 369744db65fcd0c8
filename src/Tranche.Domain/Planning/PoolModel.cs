using Tranche.Domain.Offers;

namespace Tranche.Domain.Planning;

/// <summary>
/// What the planner reads from one pool's history before sizing: the lookback distribution, a longer detrended
/// distribution for seasonality, the trend, and how long each usage level has lasted (its survival evidence).
/// </summary>
internal sealed class PoolModel
{
    private const int HoursPerDay = 24;
    private const int QGridPoints = 1024;

    /// <summary>A level counts as still in use on a day whose mean is within 10% below it (ordinary noise is not an ending).</summary>
    private const double LevelTolerance = 0.9;

    private readonly double[] _trailingMin;
    private readonly double[] _qGrid;
    private readonly double _qResolution;

    public PoolModel(PoolUsage pool, DateTime planAt, PlanSettings settings)
    {
        Pool = pool;
        PlanAt = planAt;
        var available = Math.Clamp((int)Math.Floor((planAt - pool.StartUtc).TotalHours), 0, pool.Quantity.Length);
        var history = pool.Quantity.AsSpan(0, available);
        HistoryHours = available;
        var lookbackHours = Math.Min(available, settings.LookbackDays * HoursPerDay);
        Lookback = history[^lookbackHours..].ToArray();
        Uptime = lookbackHours == 0 ? 0 : Lookback.Count(u => u > 0) / (double)lookbackHours;
        Offers = [.. pool.Offers.Where(o => o.TermMonths > 0 && (double)o.EffectiveHourlyPerUnit < pool.OnDemandRate && o.EffectiveHourlyPerUnit >= 0)];
        ExistingNow = pool.ExistingCoverageAt(planAt);

        // Days counted back from the plan time, most recent last, so "the last k days" never mixes in partial days.
        var days = available / HoursPerDay;
        DailyMeans = new double[days];
        for (var d = 0; d < days; d++)
        {
            var start = available - (days - d) * HoursPerDay;
            var sum = 0.0;
            for (var h = 0; h < HoursPerDay; h++)
            {
                sum += history[start + h];
            }

            DailyMeans[d] = sum / HoursPerDay;
        }

        // trailingMin[k] = lowest daily mean of the last k+1 days: a level has lasted as long as every recent day stayed at or above it.
        _trailingMin = new double[days];
        var min = double.PositiveInfinity;
        for (var k = 0; k < days; k++)
        {
            min = Math.Min(min, DailyMeans[days - 1 - k] / LevelTolerance);
            _trailingMin[k] = min;
        }

        var recentSlope = FitTrend(DailyMeans, days, Math.Min(days, 90));
        if (days >= 365 + 90)
        {
            // With a year of history, a season's slope is not a trend: compare with the same quarter a year ago,
            // both in level (year over year) and in slope (a decline that was not there last year is a new one).
            TrendPerDay = YearOverYear(DailyMeans);
            DeclinePerDay = Math.Min(0, Math.Min(TrendPerDay, recentSlope - FitTrend(DailyMeans, days - 365, 90)));
        }
        else
        {
            TrendPerDay = recentSlope;
            DeclinePerDay = Math.Min(0, recentSlope);
        }

        var lookbackDays = lookbackHours / HoursPerDay;
        var recent = DailyMeans.AsSpan(Math.Max(0, days - lookbackDays));
        RecentFloor = recent.Length == 0 ? 0 : Min(recent);
        var mean = recent.Length == 0 ? 0 : Mean(recent);
        Volatility = mean > 0 ? StdDev(recent, mean) / mean : 0;
        Level = mean;

        SortedLookback = [.. Lookback];
        Array.Sort(SortedLookback);
        Prefix = new double[SortedLookback.Length + 1];
        for (var i = 0; i < SortedLookback.Length; i++)
        {
            Prefix[i + 1] = Prefix[i] + SortedLookback[i];
        }

        // A longer window (up to a year) re-centred on today's level by the trend keeps the seasonal troughs the
        // lookback has not seen; it is only trusted when it is clearly longer than the lookback.
        double[]? sortedLong = null;
        var longHours = Math.Min(available, 365 * HoursPerDay);
        if (longHours >= Math.Max(60 * HoursPerDay, 2 * lookbackHours))
        {
            sortedLong = new double[longHours];
            for (var i = 0; i < longHours; i++)
            {
                var ageDays = (longHours - i) / (double)HoursPerDay;
                sortedLong[i] = Math.Max(0, history[available - longHours + i] + TrendPerDay * ageDays);
            }

            Array.Sort(sortedLong);
        }

        MaxUsage = SortedLookback.Length == 0 ? 0 : SortedLookback[^1];
        _qResolution = Math.Max(MaxUsage, 1e-9) / QGridPoints;
        _qGrid = new double[QGridPoints + 2];
        for (var i = 0; i < _qGrid.Length; i++)
        {
            var y = i * _qResolution;
            var q = SortedLookback.Length == 0 ? 0 : CommitmentMath.CountAbove(SortedLookback, y) / (double)SortedLookback.Length;
            if (sortedLong is not null)
            {
                q = Math.Min(q, CommitmentMath.CountAbove(sortedLong, y) / (double)sortedLong.Length);
            }

            _qGrid[i] = q;
        }
    }

    public PoolUsage Pool { get; }

    public DateTime PlanAt { get; }

    public int HistoryHours { get; }

    public double[] Lookback { get; }

    public double[] SortedLookback { get; }

    public double[] Prefix { get; }

    public double[] DailyMeans { get; }

    public double Uptime { get; }

    public IReadOnlyList<Offer> Offers { get; }

    public double ExistingNow { get; }

    /// <summary>Least-squares slope of daily means over the last 90 days, in units per day.</summary>
    public double TrendPerDay { get; }

    /// <summary>The decline (units per day, 0 or less) the planner assumes goes on over the term; growth is not counted on.</summary>
    public double DeclinePerDay { get; }

    public double RecentFloor { get; }

    /// <summary>Coefficient of variation of the lookback's daily means.</summary>
    public double Volatility { get; }

    public double Level { get; }

    public double MaxUsage { get; }

    public double TrendPerYear => Level > 0 ? TrendPerDay * 365 / Level : 0;

    /// <summary>The survival curve learned from the org's history (<see cref="SurvivalFit"/>).</summary>
    public SurvivalFit.Result SurvivalCurve { get; set; } = SurvivalFit.Result.Prior;

    /// <summary>
    /// Hours level <paramref name="x"/> has lasted: the trailing run of days whose mean stayed at or above it. The
    /// history is all the evidence there is, so a level present since the first day counts only that long.
    /// </summary>
    public double LevelAgeHours(double x)
    {
        if (_trailingMin.Length == 0 || _trailingMin[0] < x)
        {
            return 0;
        }

        // trailingMin is non-increasing in k: find the last k with trailingMin[k] >= x.
        var lo = 0;
        var hi = _trailingMin.Length - 1;
        while (lo < hi)
        {
            var mid = (lo + hi + 1) >>> 1;
            if (_trailingMin[mid] >= x)
            {
                lo = mid;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return (lo + 1) * (double)HoursPerDay;
    }

    /// <summary>P(u > y) from the lookback (and the longer detrended window when there is one: the lower of the two), rounded up the grid.</summary>
    public double ShareAbove(double y)
    {
        if (y < 0)
        {
            return _qGrid[0];
        }

        var index = Math.Ceiling(y / _qResolution);
        return index >= _qGrid.Length ? 0 : _qGrid[(int)index];
    }

    /// <summary>Chance that a level that has lasted <paramref name="ageHours"/> is still used <paramref name="tHours"/> later.</summary>
    public double Survival(double ageHours, double tHours) => SurvivalCurve.Survival(ageHours, tHours);

    /// <summary>Change per day between the last 90 days and the same 90 days a year earlier: a trend that a seasonal swing does not fake.</summary>
    private static double YearOverYear(double[] daily)
    {
        var n = daily.Length;
        var recent = Mean(daily.AsSpan(n - 90));
        var yearAgo = Mean(daily.AsSpan(n - 365 - 90, 90));
        return (recent - yearAgo) / 365;
    }

    /// <summary>Least-squares slope of the <paramref name="count"/> days ending before day <paramref name="end"/>.</summary>
    private static double FitTrend(double[] daily, int end, int count)
    {
        if (count < 14 || end < count)
        {
            return 0;
        }

        var span = daily.AsSpan(end - count, count);
        var meanX = (count - 1) / 2.0;
        var meanY = Mean(span);
        double sxy = 0, sxx = 0;
        for (var i = 0; i < count; i++)
        {
            sxy += (i - meanX) * (span[i] - meanY);
            sxx += (i - meanX) * (i - meanX);
        }

        return sxx > 0 ? sxy / sxx : 0;
    }

    private static double Mean(ReadOnlySpan<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return values.Length == 0 ? 0 : sum / values.Length;
    }

    private static double Min(ReadOnlySpan<double> values)
    {
        var min = double.PositiveInfinity;
        foreach (var v in values)
        {
            min = Math.Min(min, v);
        }

        return min;
    }

    private static double StdDev(ReadOnlySpan<double> values, double mean)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += (v - mean) * (v - mean);
        }

        return values.Length < 2 ? 0 : Math.Sqrt(sum / (values.Length - 1));
    }
}
