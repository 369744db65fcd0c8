using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Tranche.Domain.Webhooks;

namespace Tranche.Domain.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    private static readonly DateTimeOffset s_now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The documented recipe, spelled out with nothing shared with the code under test.</summary>
    private static string Reference(string secret, long t, byte[] body)
    {
        var message = Encoding.UTF8.GetBytes($"{t}.").Concat(body).ToArray();
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
        return $"t={t},v1={string.Concat(hmac.ComputeHash(message).Select(b => b.ToString("x2")))}";
    }

    [Fact]
    public void A_signature_is_the_documented_hmac_and_verifies_only_with_its_secret_and_body()
    {
        Gen.Select(Gen.String.AlphaNumeric, Gen.Byte.Array[0, 300], Gen.Int[0, 600]).Sample((secret, body, ageSeconds) =>
        {
            var sentAt = s_now.AddSeconds(-ageSeconds);
            var header = WebhookSignature.Sign(secret, sentAt, body);

            Assert.Equal(Reference(secret, sentAt.ToUnixTimeSeconds(), body), header);
            Assert.Equal(ageSeconds <= 300 ? SignatureCheck.Valid : SignatureCheck.TooOld, WebhookSignature.Verify(secret, header, body, s_now));
            if (ageSeconds <= 300)
            {
                Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(secret + "x", header, body, s_now));
                Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(secret, header, [.. body, 0x20], s_now));
            }
        });
    }

    [Fact]
    public void A_changed_timestamp_breaks_the_signature_and_malformed_headers_are_named()
    {
        var body = "{\"id\":1}"u8.ToArray();
        var header = WebhookSignature.Sign("whsec_x", s_now, body);
        var shifted = header.Replace($"t={s_now.ToUnixTimeSeconds()}", $"t={s_now.ToUnixTimeSeconds() - 1}", StringComparison.Ordinal);

        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify("whsec_x", shifted, body, s_now));
        // Several v1 values (as during a key change on the receiver's side): one match is enough.
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify("whsec_x", $"{header},v1=00ff", body, s_now));
        foreach (var bad in (string?[])[null, "", "v1=abc", "t=abc,v1=00", "t=1", "garbage", "t=-5,v1=00"])
        {
            Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Verify("whsec_x", bad, body, s_now));
        }

        // A timestamp from the future beyond the tolerance is refused too (a clock far ahead, or a forged value).
        Assert.Equal(SignatureCheck.TooOld, WebhookSignature.Verify("whsec_x", WebhookSignature.Sign("whsec_x", s_now.AddMinutes(6), body), body, s_now));
    }
}

public sealed class RetryScheduleTests
{
    /// <summary>30 s, then four times longer each time, never over 12 hours; jitter moves it by at most a fifth.</summary>
    private static double? ReferenceNominalSeconds(int attempt, double baseSeconds)
    {
        if (attempt >= 8)
        {
            return null;
        }

        var seconds = baseSeconds;
        for (var i = 1; i < attempt; i++)
        {
            seconds = Math.Min(seconds * 4, 12 * 3600);
        }

        return Math.Min(seconds, 12 * 3600);
    }

    [Fact]
    public void Delays_grow_fourfold_within_the_jitter_band_and_stop_after_eight_attempts()
    {
        Gen.Select(Gen.Int[1, 12], Gen.Double[0.01, 120], Gen.Double[0, 0.999999]).Sample((attempt, baseSeconds, random) =>
        {
            var delay = RetrySchedule.DelayAfter(attempt, TimeSpan.FromSeconds(baseSeconds), random);
            var nominal = ReferenceNominalSeconds(attempt, baseSeconds);

            Assert.Equal(nominal is null, delay is null);
            if (nominal is { } n)
            {
                // TimeSpan keeps whole ticks, so allow a millisecond of rounding.
                Assert.InRange(delay!.Value.TotalSeconds, n * 0.8 - 1e-3, n * 1.2 + 1e-3);
                Assert.Equal(n * (0.8 + 0.4 * random), delay.Value.TotalSeconds, 1e-3);
            }
        });
    }

    [Fact]
    public void The_default_schedule_is_thirty_seconds_two_minutes_eight_minutes_and_gives_up_within_a_day()
    {
        var middle = Enumerable.Range(1, 7).Select(a => RetrySchedule.DelayAfter(a, RetrySchedule.DefaultBase, 0.5)!.Value).ToList();

        Assert.Equal([TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(8), TimeSpan.FromMinutes(32)], middle.Take(4));
        Assert.True(middle.Aggregate(TimeSpan.Zero, (a, b) => a + b) < TimeSpan.FromDays(1));
        Assert.Null(RetrySchedule.DelayAfter(RetrySchedule.MaxAttempts, RetrySchedule.DefaultBase, 0.5));
    }
}

public sealed class WebhookUrlAndRoutingTests
{
    [Theory]
    [InlineData("https://hooks.example.com/tranche", true)]
    [InlineData("https://hooks.example.com:8443/a?b=c", true)]
    [InlineData("http://localhost:5000/hook", true)]
    [InlineData("http://127.0.0.1:9/hook", true)]
    [InlineData("http://[::1]:9/hook", true)]
    [InlineData("http://hooks.example.com/tranche", false)]
    [InlineData("http://10.0.0.5/hook", false)]
    [InlineData("ftp://hooks.example.com/", false)]
    [InlineData("/relative/path", false)]
    [InlineData("hooks.example.com", false)]
    [InlineData("https://user:pass@hooks.example.com/", false)]
    [InlineData("https://hooks.example.com/#frag", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Only_https_or_loopback_http_urls_are_endpoints(string? url, bool allowed) =>
        Assert.Equal(allowed, WebhookUrls.Problem(url) is null);

    [Fact]
    public void An_event_reaches_its_org_and_its_partner_and_nobody_else()
    {
        var ids = Gen.Int[0, 4].Select(i => new Guid(i, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]));
        var types = Gen.Int[0, 2].Select(i => (string[])["plan.updated", "purchase.succeeded", "purchase.failed"] is var all ? all[i] : "");
        Gen.Select(ids, types.Array[0, 3], ids, Gen.Select(ids, Gen.Bool, (id, has) => has ? id : (Guid?)null), types)
            .Sample((endpointOrg, subscribed, eventOrg, partner, type) =>
            {
                var expected = subscribed.Contains(type) && (endpointOrg == eventOrg || (partner is { } p && p == endpointOrg));
                Assert.Equal(expected, WebhookRouting.Receives(endpointOrg, subscribed, eventOrg, partner, type));
            });
    }
}
