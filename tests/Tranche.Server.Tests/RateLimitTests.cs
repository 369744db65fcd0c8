using System.Net;
using Tranche.Server.Auth;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public sealed class ThrottledTranche : SqliteTranche
{
    protected override RateLimitOptions RateLimit => new() { PermitsPerSecond = 2, Burst = 4 };
}

public sealed class RateLimitTests(ThrottledTranche server) : IClassFixture<ThrottledTranche>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_key_over_its_rate_gets_429_with_retry_after_while_other_keys_carry_on()
    {
        var org = await server.CreateOrgAsync();
        var busy = await server.CreateKeyAsync(org.Id, name: "busy");
        var calm = await server.CreateKeyAsync(org.Id, name: "calm");
        using var busyClient = server.Client(busy);

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 12; i++)
        {
            responses.Add(await busyClient.GetAsync("/v1/orgs", Cancel));
        }

        var limited = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.NotEmpty(limited);
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
        var body = await limited[0].AssertApiErrorAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("rate_limited", body.GetProperty("code").GetString());
        Assert.True(limited[0].Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));

        Assert.Equal(HttpStatusCode.OK, (await server.Client(calm).GetAsync("/v1/orgs", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Health_probes_are_never_limited()
    {
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await server.Client().GetAsync("/healthz", Cancel)).StatusCode);
        }
    }
}
