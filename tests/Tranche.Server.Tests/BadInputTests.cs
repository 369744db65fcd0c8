using System.Net;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// Every API route, fed bad input by its own admin: a 4xx in the documented body, never a 500 and never a stack trace.
/// New routes join automatically through <see cref="RouteCatalog"/>.
/// </summary>
public abstract class BadInputTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    public static readonly string[] BadPathIds =
    [
        "not-a-uuid", "123", "00000000-0000-0000-0000-00000000000g", "{00000000-0000-0000-0000-000000000000}", new string('a', 2000), "%20", "..%2F..%2Fetc", "%C3%A9t%C3%A9",
    ];

    public static readonly string[] BadQueries =
    [
        "page=abc", "page=0", "page=-1", "page=99999999999999999999", "page_size=0", "page_size=100000000", "page_size=1.5",
        "desc=maybe", "provider=mars", "start_date=2024-13-45", "end_date=yesterday", "filter=%7Bbad", "order_by=nonsense", "page=1&page=2",
        "search=" + new string('s', 5000), "action=" + new string('a', 500),
    ];

    public static readonly string[] BadBodies =
    [
        "{\"name\":", "[]", "null", "\"text\"", "42", "{\"name\": {\"nested\": 1}}", "{\"name\": [1, 2]}", "{\"name\": 1e400}",
        "{\"name\": \"ok\", \"role\": 7}", "{\"name\": \"ok\", \"role\": null}", "{\"name\": \"\\u0000\"}", "{\"name\": \"a\",,}",
        "{\"name\": \"a\"} trailing", "{\"a\":1,\"a\":2}", new string('[', 5000), "{\"name\": \"" + new string('x', 300_000) + "\"}",
        "\uFEFF{\"name\": \"bom\"}", "{'name': 'single quotes'}", "{\"name\": \"ok\" /* comment */}",
    ];

    [Fact]
    public async Task Bad_path_ids_are_4xx_on_every_route()
    {
        var (org, key) = await OwnOrgAsync();
        foreach (var route in RouteCatalog.ApiRoutes(Server).Where(r => r.Pattern.Contains('{', StringComparison.Ordinal)))
        {
            foreach (var bad in BadPathIds)
            {
                // Each path parameter in turn: the org id, then the others with a real org.
                await AssertRefusedCleanlyAsync(route, route.Url(Guid.Empty).Replace(Guid.Empty.ToString(), bad, StringComparison.Ordinal), key);
                if (route.Pattern.Split('{').Length > 2)
                {
                    await AssertRefusedCleanlyAsync(route, route.Url(org, otherIds: bad), key);
                }
            }
        }
    }

    [Fact]
    public async Task Bad_query_values_are_never_a_server_error()
    {
        var (org, key) = await OwnOrgAsync();
        foreach (var route in RouteCatalog.ApiRoutes(Server))
        {
            foreach (var query in BadQueries)
            {
                await AssertNoServerErrorAsync(route, $"{route.Url(org)}?{query}", key, body: null);
            }
        }
    }

    [Fact]
    public async Task Bad_bodies_are_never_a_server_error()
    {
        var (org, key) = await OwnOrgAsync();
        foreach (var route in RouteCatalog.ApiRoutes(Server).Where(r => r.Method is "POST" or "PUT" or "PATCH" or "DELETE"))
        {
            foreach (var body in BadBodies)
            {
                await AssertNoServerErrorAsync(route, route.Url(org), key, body);
            }
        }
    }

    [Fact]
    public async Task A_nul_byte_in_the_path_is_refused_by_the_web_server_with_400()
    {
        // Kestrel rejects a request target holding NUL before any application code runs, so the body is its own
        // (empty); what matters is that it is a 400 and leaks nothing.
        var (_, key) = await OwnOrgAsync();

        var response = await Server.Client(key).GetAsync("/v1/org/%00/api-keys", Cancel);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Http.AssertNoInternals(await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Bodies_over_the_limit_are_413()
    {
        var (org, key) = await OwnOrgAsync();
        using var client = Server.Client(key);

        var response = await client.PostAsync($"/v1/org/{org}/api-keys", Http.Json("{\"name\": \"" + new string('x', 2 << 20) + "\"}"), Cancel);

        await response.AssertApiErrorAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    private async Task<(Guid Org, string Key)> OwnOrgAsync()
    {
        var org = await Server.CreateOrgAsync(partner: true);
        return (org.Id, await Server.CreateKeyAsync(org.Id));
    }

    private async Task AssertRefusedCleanlyAsync(ApiRoute route, string url, string key)
    {
        using var client = Server.Client(key);
        using var request = RouteCatalog.Request(route, url);
        var response = await client.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{route} at {Shorten(url)}: expected a 4xx, got {(int)response.StatusCode}: {Shorten(text)}");
        await AssertDocumentedErrorAsync(response, text, route, url);
    }

    private async Task AssertNoServerErrorAsync(ApiRoute route, string url, string key, string? body)
    {
        using var client = Server.Client(key);
        using var request = RouteCatalog.Request(route, url, body);
        var response = await client.SendAsync(request, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True((int)response.StatusCode < 500, $"{route} at {Shorten(url)} with body {Shorten(body)}: got {(int)response.StatusCode}: {Shorten(text)}\n{Server.Logs}");
        if ((int)response.StatusCode >= 400)
        {
            await AssertDocumentedErrorAsync(response, text, route, url);
        }
    }

    private static Task AssertDocumentedErrorAsync(HttpResponseMessage response, string text, ApiRoute route, string url)
    {
        var schema = response.StatusCode == HttpStatusCode.UnprocessableEntity ? "Error" : "ApiErrorResponse";
        try
        {
            Contract.AssertMatches(text, schema);
            Http.AssertNoInternals(text);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Assert.Fail($"{route} at {Shorten(url)}: {(int)response.StatusCode} body is not a documented {schema}: {e.Message}");
        }

        return Task.CompletedTask;
    }

    private static string Shorten(string? text) => text is null ? "(none)" : text.Length > 300 ? text[..300] + "…" : text;
}

public sealed class BadInputOnSqlite(SqliteTranche fixture) : BadInputTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class BadInputOnPostgres(PostgresTranche fixture) : BadInputTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
