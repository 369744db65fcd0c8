using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class AuthenticationTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Theory]
    [InlineData("x-api-key")]
    [InlineData("X-API-KEY")]
    [InlineData("X-Api-Key")]
    public async Task Key_is_accepted_in_the_header_in_any_casing(string header)
    {
        var key = await NewKeyAsync();
        using var client = Server.Client();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/orgs");
        request.Headers.TryAddWithoutValidation(header, key);

        var response = await client.SendAsync(request, Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
    }

    [Theory]
    [InlineData("{0}")]
    [InlineData("{0}:")]
    [InlineData(":{0}")]
    public async Task Key_is_accepted_as_basic_credentials(string credentials)
    {
        var key = await NewKeyAsync();
        using var client = Server.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, credentials, key))));

        var response = await client.GetAsync("/v1/orgs", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
    }

    [Fact]
    public async Task No_key_is_401_saying_where_to_send_one()
    {
        var response = await Server.Client().GetAsync("/v1/orgs", Cancel);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("x-api-key", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("missing_api_key", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("trk_doesnotexist")]
    [InlineData("not-a-key-at-all")]
    [InlineData("trk_0000000000000000000000000000000000000000000")]
    public async Task Unknown_key_is_401(string key)
    {
        var response = await Server.Client(key).GetAsync("/v1/orgs", Cancel);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("invalid_api_key", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Huge_key_is_401_not_a_crash()
    {
        var response = await Server.Client(new string('k', 100_000)).GetAsync("/v1/orgs", Cancel);

        Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.RequestHeaderFieldsTooLarge or HttpStatusCode.BadRequest,
            $"Got {(int)response.StatusCode}");
    }

    [Fact]
    public async Task Malformed_basic_credentials_are_401()
    {
        using var client = Server.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "Basic %%%not-base64%%%");

        var response = await client.GetAsync("/v1/orgs", Cancel);

        await response.AssertApiErrorAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Revoked_key_stops_working_at_once()
    {
        var org = await Server.CreateOrgAsync();
        var admin = await Server.CreateKeyAsync(org.Id);
        var doomed = await Server.CreateKeyAsync(org.Id, name: "doomed");
        using var doomedClient = Server.Client(doomed);
        await AssertStatusAsync(HttpStatusCode.OK, await doomedClient.GetAsync("/v1/orgs", Cancel));
        var keys = await (await Server.Client(admin).GetAsync($"/v1/org/{org.Id}/api-keys", Cancel)).JsonAsync();
        var doomedId = keys.EnumerateArray().Single(k => k.GetProperty("name").GetString() == "doomed").GetProperty("id").GetString();

        await AssertStatusAsync(HttpStatusCode.OK, await Server.Client(admin).DeleteAsync($"/v1/org/{org.Id}/api-keys/{doomedId}", Cancel));

        await (await doomedClient.GetAsync("/v1/orgs", Cancel)).AssertApiErrorAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Using_a_key_records_when_it_was_last_used()
    {
        var org = await Server.CreateOrgAsync();
        var key = await Server.CreateKeyAsync(org.Id);
        var before = DateTime.UtcNow.AddSeconds(-1);

        await Server.Client(key).GetAsync("/v1/orgs", Cancel);

        var keys = await (await Server.Client(key).GetAsync($"/v1/org/{org.Id}/api-keys", Cancel)).JsonAsync();
        var lastUsed = Assert.Single(keys.EnumerateArray()).GetProperty("last_used_at").GetDateTime();
        Assert.InRange(lastUsed, before, DateTime.UtcNow.AddSeconds(1));
    }

    private async Task<string> NewKeyAsync() => await Server.CreateKeyAsync((await Server.CreateOrgAsync()).Id);
}

public sealed class AuthenticationOnSqlite(SqliteTranche fixture) : AuthenticationTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class AuthenticationOnPostgres(PostgresTranche fixture) : AuthenticationTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
