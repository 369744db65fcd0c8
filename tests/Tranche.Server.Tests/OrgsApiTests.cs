using System.Net;
using Tranche.Domain.Tenancy;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class OrgsApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public async Task Partner_key_lists_its_own_org_as_direct_and_its_customers_as_partnership()
    {
        var tenants = await Server.CreateTenantsAsync();

        var response = await Server.Client(tenants.Partner.Key).GetAsync("/v1/orgs", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        Contract.AssertMatches(body, "Org[]");
        var orgs = body.EnumerateArray().Select(o => (Id: o.GetProperty("org_id").GetString(), Kind: o.GetProperty("kind").GetString(), Role: o.GetProperty("role").GetString())).ToList();
        Assert.Equal(
            [(tenants.Partner.Id.ToString(), "direct", "admin"), (tenants.Child.Id.ToString(), "partnership", "admin"), (tenants.Sibling.Id.ToString(), "partnership", "admin")],
            orgs);
    }

    [Fact]
    public async Task Customer_key_sees_only_its_own_org()
    {
        var tenants = await Server.CreateTenantsAsync();

        var body = await (await Server.Client(tenants.Child.Key).GetAsync("/v1/orgs", Cancel)).JsonAsync();

        Contract.AssertMatches(body, "Org[]");
        var only = Assert.Single(body.EnumerateArray());
        Assert.Equal(tenants.Child.Id.ToString(), only.GetProperty("org_id").GetString());
        Assert.Equal("Customer A1", only.GetProperty("name").GetString());
        Assert.Equal("direct", only.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Role_is_the_role_of_the_calling_key()
    {
        var org = await Server.CreateOrgAsync();
        var key = await Server.CreateKeyAsync(org.Id, OrgRole.RestrictedUser);

        var body = await (await Server.Client(key).GetAsync("/v1/orgs", Cancel)).JsonAsync();

        Assert.Equal("restricted_user", Assert.Single(body.EnumerateArray()).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Unknown_query_parameters_are_ignored()
    {
        var org = await Server.CreateOrgAsync();
        var key = await Server.CreateKeyAsync(org.Id);

        var response = await Server.Client(key).GetAsync("/v1/orgs?provider=aws&page=abc&foo=bar", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

public sealed class OrgsApiOnSqlite(SqliteTranche fixture) : OrgsApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class OrgsApiOnPostgres(PostgresTranche fixture) : OrgsApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
