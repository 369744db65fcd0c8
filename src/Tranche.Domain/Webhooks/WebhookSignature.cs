using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tranche.Domain.Webhooks;

/// <summary>What <see cref="WebhookSignature.Verify"/> found.</summary>
public enum SignatureCheck
{
    Valid,

    /// <summary>The header is missing or not of the form <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c>.</summary>
    Malformed,

    /// <summary>The timestamp is further from now than the tolerance: possibly a replayed request.</summary>
    TooOld,

    /// <summary>No <c>v1</c> value matches the body signed with the secret.</summary>
    Mismatch,
}

/// <summary>
/// The <c>Tranche-Signature</c> header of webhook deliveries: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>,
/// where the HMAC key is the endpoint's secret (its UTF-8 bytes, <c>whsec_</c> prefix included) and the message is
/// <c>"&lt;t&gt;.&lt;raw body&gt;"</c>. Signing the timestamp with the body lets a receiver refuse old requests replayed
/// by someone who captured one. Receivers may copy this class as it is: it depends on nothing but the BCL.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Tranche-Signature";

    /// <summary>How far a delivery's timestamp may be from the receiver's clock (either way) and still be accepted.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>.</summary>
    public static string Sign(string secret, DateTimeOffset timestamp, ReadOnlySpan<byte> body)
    {
        var t = timestamp.ToUnixTimeSeconds();
        return $"t={t.ToString(CultureInfo.InvariantCulture)},v1={Compute(secret, t, body)}";
    }

    /// <summary>
    /// Checks a received <paramref name="header"/> against the raw request <paramref name="body"/> (the bytes as they
    /// arrived, before any JSON parsing). Several <c>v1</c> values are allowed; one match is enough.
    /// </summary>
    public static SignatureCheck Verify(string secret, string? header, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        long? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in (header ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return SignatureCheck.Malformed;
            }

            var (key, value) = (part[..equals], part[(equals + 1)..]);
            if (key == "t")
            {
                if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var t))
                {
                    return SignatureCheck.Malformed;
                }

                timestamp = t;
            }
            else if (key == "v1")
            {
                signatures.Add(value);
            }
        }

        if (timestamp is not { } seconds || signatures.Count == 0)
        {
            return SignatureCheck.Malformed;
        }

        var age = now.ToUnixTimeSeconds() - seconds;
        if (Math.Abs(age) > (tolerance ?? DefaultTolerance).TotalSeconds)
        {
            return SignatureCheck.TooOld;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, seconds, body));
        foreach (var signature in signatures)
        {
            // Constant time, so the comparison itself gives away nothing about the expected value.
            if (CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature.ToLowerInvariant())))
            {
                return SignatureCheck.Valid;
            }
        }

        return SignatureCheck.Mismatch;
    }

    private static string Compute(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message));
    }
}
