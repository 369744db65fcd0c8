namespace Tranche.Data;

/// <summary>How money is stored: a whole number of billionths of the currency unit.</summary>
public static class Money
{
    public const long NanoUnitsPerUnit = 1_000_000_000;

    /// <summary>Rounds half away from zero to a billionth; costs in billing exports carry at most a few more digits.</summary>
    public static long ToNanoUnits(decimal value) => (long)decimal.Round(value * NanoUnitsPerUnit, MidpointRounding.AwayFromZero);

    public static decimal FromNanoUnits(long nanoUnits) => nanoUnits / (decimal)NanoUnitsPerUnit;

    /// <summary>A figure computed in <c>double</c> (planner math) as money: rounded to a billionth; not-a-number as zero.</summary>
    public static decimal FromDouble(double value) => double.IsFinite(value) ? decimal.Round((decimal)value, 9) : 0;
}
