using System.Globalization;

namespace Tranche.Domain.Offers;

/// <summary>
/// AWS instance size normalization factors, by which a regional, size-flexible Reserved Instance covers other sizes of its
/// family (EC2 User Guide, "How Reserved Instances are applied": nano 0.25, micro 0.5, small 1, medium 2, large 4,
/// xlarge 8, and 8 per xlarge above that). Bare-metal sizes count as the largest size of their family, which this table
/// cannot know, so they are not answered here.
/// </summary>
public static class NormalizationFactors
{
    private static readonly Dictionary<string, decimal> s_named = new(StringComparer.OrdinalIgnoreCase)
    {
        ["nano"] = 0.25m,
        ["micro"] = 0.5m,
        ["small"] = 1m,
        ["medium"] = 2m,
        ["large"] = 4m,
        ["xlarge"] = 8m,
    };

    /// <summary>The factor of an AWS size (<c>large</c>, <c>2xlarge</c>), or null for metal and unknown sizes.</summary>
    public static decimal? ForAwsSize(string size)
    {
        if (s_named.TryGetValue(size, out var factor))
        {
            return factor;
        }

        if (size.EndsWith("xlarge", StringComparison.OrdinalIgnoreCase)
            && int.TryParse(size.AsSpan(0, size.Length - "xlarge".Length), NumberStyles.None, CultureInfo.InvariantCulture, out var times)
            && times > 0)
        {
            return 8m * times;
        }

        return null;
    }

    /// <summary>The factor of an AWS instance type (<c>m5.2xlarge</c> is 16), or null when its size has none.</summary>
    public static decimal? ForAwsInstanceType(string instanceType)
    {
        var dot = instanceType.IndexOf('.', StringComparison.Ordinal);
        return dot <= 0 || dot == instanceType.Length - 1 ? null : ForAwsSize(instanceType[(dot + 1)..]);
    }

    /// <summary>The family of an AWS instance type (<c>m5</c> of <c>m5.large</c>).</summary>
    public static string AwsFamily(string instanceType)
    {
        var dot = instanceType.IndexOf('.', StringComparison.Ordinal);
        return dot <= 0 ? instanceType : instanceType[..dot];
    }
}
