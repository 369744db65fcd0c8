using System.Buffers.Binary;

namespace Tranche.Domain.Billing;

/// <summary>
/// One value per hour of a UTC day: the compact form usage facts are stored in (one row per pool and day
/// instead of 24). Stored as 24 little-endian IEEE doubles, 192 bytes.
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

    public double this[int hour]
    {
        get => _values[hour];
        set => _values[hour] = value;
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

    /// <summary>Hours with a value above zero: how much of the day something ran.</summary>
    public int ActiveHours => _values.Count(v => v > 0);

    public void Add(int hour, double value) => _values[hour] += value;

    public byte[] Encode()
    {
        var bytes = new byte[EncodedLength];
        for (var hour = 0; hour < Hours; hour++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(hour * sizeof(double)), _values[hour]);
        }

        return bytes;
    }

    public static HourlyValues Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != EncodedLength)
        {
            throw new ArgumentException($"Hourly values take {EncodedLength} bytes, not {bytes.Length}.", nameof(bytes));
        }

        var values = new double[Hours];
        for (var hour = 0; hour < Hours; hour++)
        {
            values[hour] = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(hour * sizeof(double))..]);
        }

        return new HourlyValues(values);
    }
}
