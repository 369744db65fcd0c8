using System.Net;
using Tranche.Domain.Tenancy;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class ApiKeysApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public async Task Created_key_is_shown_once_then_works_and_is_listed_without_its_secret()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));

        var created = await admin.PostJsonAsync($"/v1/org/{org.Id}/api-keys", """{"name": "ci pipeline", "role": "user"}""");

        await AssertStatusAsync(HttpStatusCode.Created, created);
        var body = await created.JsonAsync();
        var secret = body.GetProperty("key").GetString()!;
        var id = body.GetProperty("id").GetString();
        Assert.StartsWith("trk_", secret, StringComparison.Ordinal);
        Assert.Equal($"/v1/org/{org.Id}/api-keys/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal("user", body.GetProperty("role").GetString());
        Assert.Equal(secret[..12], body.GetProperty("prefix").GetString());

        var orgs = await (await Server.Client(secret).GetAsync("/v1/orgs", Cancel)).JsonAsync();
        Assert.Equal("user", Assert.Single(orgs.EnumerateArray()).GetProperty("role").GetString());

        var listed = await (await admin.GetAsync($"/v1/org/{org.Id}/api-keys", Cancel)).ReadAsStringAsyncOrFail();
        Assert.Contains("ci pipeline", listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(secret[12..], listed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Key_role_defaults_to_user()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));

        var body = await (await admin.PostJsonAsync($"/v1/org/{org.Id}/api-keys", """{"name": "x"}""")).JsonAsync();

        Assert.Equal("user", body.GetProperty("role").GetString());
    }

    [Theory]
    [InlineData(OrgRole.User)]
    [InlineData(OrgRole.Support)]
    [InlineData(OrgRole.RestrictedUser)]
    public async Task Only_admin_keys_manage_keys(OrgRole role)
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id, role));

        var created = await client.PostJsonAsync($"/v1/org/{org.Id}/api-keys", """{"name": "sneaky", "role": "admin"}""");
        var listed = await client.GetAsync($"/v1/org/{org.Id}/api-keys", Cancel);

        var body = await created.AssertApiErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains("admin", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        await listed.AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Partner_admin_mints_keys_for_its_customer_org()
    {
        var tenants = await Server.CreateTenantsAsync();
        using var partner = Server.Client(tenants.Partner.Key);

        var created = await partner.PostJsonAsync($"/v1/org/{tenants.Child.Id}/api-keys", """{"name": "customer dashboard"}""");

        await AssertStatusAsync(HttpStatusCode.Created, created);
        var secret = (await created.JsonAsync()).GetProperty("key").GetString();
        var orgs = await (await Server.Client(secret).GetAsync("/v1/orgs", Cancel)).JsonAsync();
        Assert.Equal(tenants.Child.Id.ToString(), Assert.Single(orgs.EnumerateArray()).GetProperty("org_id").GetString());
    }

    [Fact]
    public async Task Revoking_twice_answers_the_same_and_audits_once()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));
        var id = (await (await admin.PostJsonAsync($"/v1/org/{org.Id}/api-keys", """{"name": "temp"}""")).JsonAsync()).GetProperty("id").GetString();

        var first = await (await admin.DeleteAsync($"/v1/org/{org.Id}/api-keys/{id}", Cancel)).JsonAsync();
        var second = await admin.PostAsync($"/v1/org/{org.Id}/api-keys/{id}/revoke", null, Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, second);
        var again = await second.JsonAsync();
        Assert.False(again.GetProperty("is_active").GetBoolean());
        Assert.Equal(first.GetProperty("revoked_at").GetDateTime(), again.GetProperty("revoked_at").GetDateTime());
        var audit = await (await admin.GetAsync($"/v1/org/{org.Id}/audit-events?action=api_key.revoked", Cancel)).JsonAsync();
        Assert.Single(audit.EnumerateArray());
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded", "")]
    [InlineData("text/plain", "")]
    [InlineData(null, "")]
    [InlineData("application/json", "{}")]
    [InlineData("text/plain", "whatever the client sends")]
    public async Task Post_route_without_a_body_accepts_any_or_no_body(string? contentType, string body)
    {
        var org = await Server.CreateOrgAsync();
        var adminKey = await Server.CreateKeyAsync(org.Id);
        await using var db = Server.Db(org.Id);
        var target = db.ApiKeys.Single(k => k.Name == "test").Id;
        using var client = Server.Client(adminKey);
        var content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        var response = await client.PostAsync($"/v1/org/{org.Id}/api-keys/{target}/revoke", content, Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
    }

    [Fact]
    public async Task Unknown_key_id_is_404()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));

        var response = await admin.DeleteAsync($"/v1/org/{org.Id}/api-keys/{Guid.NewGuid()}", Cancel);

        await response.AssertApiErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Key_of_another_org_is_404_even_through_an_org_the_caller_may_use()
    {
        var tenants = await Server.CreateTenantsAsync();
        await using var db = Server.Db(tenants.Direct.Id);
        var directKeyId = db.ApiKeys.Single().Id;

        var response = await Server.Client(tenants.Partner.Key).DeleteAsync($"/v1/org/{tenants.Partner.Id}/api-keys/{directKeyId}", Cancel);

        await response.AssertApiErrorAsync(HttpStatusCode.NotFound);
        await using var check = Server.Db(tenants.Direct.Id);
        Assert.Null(check.ApiKeys.Single().RevokedAt);
    }

    [Fact]
    public async Task Key_creation_is_validated_field_by_field()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));
        var url = $"/v1/org/{org.Id}/api-keys";

        Assert.Equal(["Missing data for required field."], (await (await admin.PostJsonAsync(url, "{}")).AssertValidationErrorAsync()).Messages("json", "name"));
        Assert.Equal(["Not a valid string."], (await (await admin.PostJsonAsync(url, """{"name": 42}""")).AssertValidationErrorAsync()).Messages("json", "name"));
        Assert.Equal(["Must not be blank."], (await (await admin.PostJsonAsync(url, """{"name": "   "}""")).AssertValidationErrorAsync()).Messages("json", "name"));
        Assert.Equal(["Longer than maximum length 200."], (await (await admin.PostJsonAsync(url, $$"""{"name": "{{new string('x', 201)}}"}""")).AssertValidationErrorAsync()).Messages("json", "name"));
        Assert.Equal(["Unknown field."], (await (await admin.PostJsonAsync(url, """{"name": "a", "scopes": ["all"]}""")).AssertValidationErrorAsync()).Messages("json", "scopes"));
        Assert.StartsWith("Must be one of: admin, user", (await (await admin.PostJsonAsync(url, """{"name": "a", "role": "root"}""")).AssertValidationErrorAsync()).Messages("json", "role").Single(), StringComparison.Ordinal);
        Assert.Equal(["Expected a JSON object, got an array."], (await (await admin.PostJsonAsync(url, "[]")).AssertValidationErrorAsync()).Messages("json", "_schema"));

        var malformed = await (await admin.PostJsonAsync(url, """{"name": "a",""")).AssertApiErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("not valid JSON at line 1", malformed.GetProperty("message").GetString(), StringComparison.Ordinal);

        await using var db = Server.Db(org.Id);
        Assert.Single(db.ApiKeys);
    }

    [Fact]
    public async Task Wrong_content_type_is_415_saying_what_to_send()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));

        var response = await admin.PostAsync($"/v1/org/{org.Id}/api-keys", new StringContent("name=x", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded"), Cancel);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}

internal static class ResponseText
{
    public static async Task<string> ReadAsStringAsyncOrFail(this HttpResponseMessage response)
    {
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}

public sealed class ApiKeysApiOnSqlite(SqliteTranche fixture) : ApiKeysApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class ApiKeysApiOnPostgres(PostgresTranche fixture) : ApiKeysApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
