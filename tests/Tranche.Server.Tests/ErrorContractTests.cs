using System.Net;
using Microsoft.AspNetCore.Builder;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>A server with a route that fails on purpose, to see what a client gets from a bug.</summary>
public sealed class FaultyTranche : SqliteTranche
{
    public const string BrokenPath = "/v1/broken";

    protected override void ConfigureApp(WebApplication app) =>
        app.MapGet(BrokenPath, string () => throw new InvalidOperationException("Connection string Host=db;Password=hunter2 failed at Tranche.Secret()"))
            .RequireAuthorization();
}

public sealed class ErrorContractTests(FaultyTranche server) : IClassFixture<FaultyTranche>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Unknown_route_is_404_in_the_documented_body()
    {
        var response = await server.Client().GetAsync("/v1/no/such/route", Cancel);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.NotFound);
        Assert.Equal("NotFound", body.GetProperty("type").GetString());
        Assert.Equal("/v1/no/such/route", body.GetProperty("url").GetString());
    }

    [Fact]
    public async Task Wrong_method_is_405_naming_the_allowed_ones()
    {
        var response = await server.Client().PutAsync("/v1/orgs", null, Cancel);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Contains("GET", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("GET", string.Join(",", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task A_bug_is_500_with_a_request_id_and_nothing_of_the_internals()
    {
        var org = await server.CreateOrgAsync();
        var key = await server.CreateKeyAsync(org.Id);

        var response = await server.Client(key).GetAsync(FaultyTranche.BrokenPath, Cancel);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.InternalServerError);
        var text = body.GetRawText();
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Tranche.Secret", text, StringComparison.Ordinal);
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Contains(requestId, body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Entries, e => e.Contains(requestId, StringComparison.Ordinal) && e.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_answer_carries_a_request_id()
    {
        var response = await server.Client().GetAsync("/healthz", Cancel);

        Assert.False(string.IsNullOrEmpty(Assert.Single(response.Headers.GetValues("X-Request-Id"))));
    }
}

