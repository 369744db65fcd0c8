using System.Net;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tranche.Server.Auth;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>Every org-scoped route, called by every kind of stranger: nobody reaches another tenant's data.</summary>
public abstract class TenancyMatrixTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public void Every_route_that_names_an_org_declares_it_and_every_api_route_needs_a_key()
    {
        var endpoints = Server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var api = endpoints.Where(e => e.RoutePattern.RawText!.StartsWith("/v", StringComparison.Ordinal)).ToList();

        Assert.NotEmpty(api);
        foreach (var endpoint in api)
        {
            var pattern = endpoint.RoutePattern.RawText!;
            Assert.True(endpoint.Metadata.GetMetadata<IAuthorizeData>() is not null, $"{pattern} does not require an API key.");
            var namesOrg = endpoint.RoutePattern.Parameters.Any(p => p.Name.EndsWith("org_id", StringComparison.Ordinal));
            Assert.True(namesOrg == (endpoint.Metadata.GetMetadata<OrgRouteMetadata>() is not null),
                $"{pattern} names an org but does not go through the org access check (or the reverse).");
        }
    }

    [Fact]
    public async Task Strangers_get_403_and_no_data_on_every_org_route()
    {
        var t = await Server.CreateTenantsAsync();
        var routes = RouteCatalog.OrgRoutes(Server);
        Assert.NotEmpty(routes);

        (string Who, string Key, Tenant Target)[] strangers =
        [
            ("a direct org's key on a partner", t.Direct.Key, t.Partner),
            ("a direct org's key on a customer org", t.Direct.Key, t.Child),
            ("a customer's key on its sibling", t.Child.Key, t.Sibling),
            ("a customer's key on its partner", t.Child.Key, t.Partner),
            ("a partner's key on another partner's customer", t.Partner.Key, t.OtherChild),
            ("a partner's key on another partner", t.Partner.Key, t.OtherPartner),
            ("a partner's key on a direct org", t.Partner.Key, t.Direct),
        ];

        foreach (var route in routes)
        {
            foreach (var (who, key, target) in strangers)
            {
                var response = await SendAsync(route, route.Url(target.Id), key);
                Assert.True(response.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound,
                    $"{route} by {who}: expected 403 or 404, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancel)}");
                var body = await response.AssertApiErrorAsync(response.StatusCode);
                Assert.DoesNotContain(target.Org.Name, body.GetRawText(), StringComparison.Ordinal);
            }

            var missing = await SendAsync(route, route.Url(Guid.NewGuid()), t.Partner.Key);
            await missing.AssertApiErrorAsync(HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task Bad_keys_get_401_on_every_org_route()
    {
        var t = await Server.CreateTenantsAsync();
        var revoked = await Server.CreateKeyAsync(t.Child.Id, name: "revoked");
        await using (var db = Server.Db(t.Child.Id))
        {
            var key = db.ApiKeys.Single(k => k.Name == "revoked");
            key.RevokedAt = DateTime.UtcNow;
            await db.SaveChangesAsync(Cancel);
        }

        foreach (var route in RouteCatalog.OrgRoutes(Server))
        {
            foreach (var (who, key) in new (string, string?)[] { ("a revoked key", revoked), ("an unknown key", "trk_unknown"), ("no key", null) })
            {
                var response = await SendAsync(route, route.Url(t.Child.Id), key);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route} with {who}: got {(int)response.StatusCode}");
                await response.AssertApiErrorAsync(HttpStatusCode.Unauthorized);
            }
        }
    }

    [Fact]
    public async Task Owners_and_their_partner_pass_the_access_check_on_every_org_route()
    {
        var t = await Server.CreateTenantsAsync();

        foreach (var route in RouteCatalog.OrgRoutes(Server).Where(r => r.Org!.Reach == OrgReach.OwnOrChild))
        {
            foreach (var (who, key, target) in new[] { ("its own key", t.Child.Key, t.Child), ("its partner's key", t.Partner.Key, t.Child), ("a partner on itself", t.Partner.Key, t.Partner) })
            {
                var response = await SendAsync(route, route.Url(target.Id), key);
                Assert.False(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden,
                    $"{route} by {who} was refused: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Cancel)}");
            }
        }
    }

    private async Task<HttpResponseMessage> SendAsync(ApiRoute route, string url, string? key)
    {
        using var client = Server.Client(key);
        using var request = RouteCatalog.Request(route, url);
        return await client.SendAsync(request, Cancel);
    }
}

public sealed class TenancyMatrixOnSqlite(SqliteTranche fixture) : TenancyMatrixTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class TenancyMatrixOnPostgres(PostgresTranche fixture) : TenancyMatrixTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
