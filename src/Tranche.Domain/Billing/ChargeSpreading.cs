namespace Tranche.Domain.Billing;

/// <summary>
/// Billing rows cover an hour, a day or a month. Usage facts are hourly, so a longer row is spread evenly over
/// the hours it covers (and the day is marked as spread). This is the rule, written once.
/// </summary>
public static class ChargeSpreading
{
    /// <summary>The share of a row's quantity that falls in each UTC hour of its period <c>[start, end)</c>.</summary>
    public static IEnumerable<(DateTime Hour, double Share)> Hours(DateTime start, DateTime end)
    {
        var first = new DateTime(start.Year, start.Month, start.Day, start.Hour, 0, 0, DateTimeKind.Utc);
        var hours = Math.Max(1, (int)Math.Ceiling((end - first).TotalHours));
        var share = 1d / hours;
        for (var i = 0; i < hours; i++)
        {
            yield return (first.AddHours(i), share);
        }
    }

    /// <summary>How a day's values came about, from the longest charge period that went into it.</summary>
    public static Granularity GranularityOf(double periodHours) => periodHours switch
    {
        <= 1 => Granularity.Hourly,
        <= 24 => Granularity.Daily,
        _ => Granularity.Monthly,
    };
}

/// <summary>The length of the billing rows behind a day of usage facts.</summary>
public enum Granularity
{
    /// <summary>Hourly rows: the hours are as billed.</summary>
    Hourly = 1,

    /// <summary>Daily rows spread evenly over their 24 hours.</summary>
    Daily = 24,

    /// <summary>Rows longer than a day (monthly exports) spread evenly over their hours.</summary>
    Monthly = 720,
}
