namespace Tranche.Domain.Billing;

/// <summary>
/// One value per hour of a UTC day: the compact form usage facts are stored in (one row per pool and day
/// instead of 24). Stored as 24 little-endian IEEE doubles, 192 bytes, in the same encoding as <see cref="DailyValues"/>.
/// </summary>
public sealed class HourlyValues
{
    public const int Hours = 24;
    public const int EncodedLength = Hours * sizeof(double);

    private readonly double[] _values;

    public HourlyValues()
        : this(new double[Hours])
    {
    }

    private HourlyValues(double[] values)
    {
        _values = values;
    }

    public ReadOnlySpan<double> Values => _values;

    public double Total
    {
        get
        {
            var total = 0d;
            foreach (var value in _values)
            {
                total += value;
            }

            return total;
        }
    }

    public void Add(int hour, double value) => _values[hour] += value;

    public byte[] Encode() => DailyValues.Encode(_values);

    public static HourlyValues Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != EncodedLength)
        {
            throw new ArgumentException($"Hourly values take {EncodedLength} bytes, not {bytes.Length}.", nameof(bytes));
        }

        return new HourlyValues(DailyValues.DecodeDoubles(bytes));
    }
}
