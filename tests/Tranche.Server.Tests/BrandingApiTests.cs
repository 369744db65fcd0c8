using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tranche.Domain.Tenancy;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class BrandingApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static JsonObject Valid(string? domain = null) => new()
    {
        ["name"] = "Northwind Savings",
        ["logo_url"] = "https://cdn.northwind.example/logo.svg",
        ["primary_color"] = "#1a2b3c",
        ["secondary_color"] = "#FFFFFF",
        ["accent_color"] = "#FF8800",
        ["support_email"] = "help@northwind.example",
        ["custom_domain"] = domain,
    };

    private async Task<JsonElement> OkAsync(Task<HttpResponseMessage> call)
    {
        var response = await call;
        await AssertStatusAsync(HttpStatusCode.OK, response);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task A_partners_branding_is_what_its_customers_see_and_direct_orgs_see_tranche()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var url = $"/v2/partners/{t.Partner.Id}/branding";

        var before = await OkAsync(partner.GetAsync(url, Cancel));
        Assert.Equal(("default", "Tranche"), (before.GetProperty("source").GetString(), before.GetProperty("name").GetString()));

        var put = await OkAsync(partner.PutAsync(url, Http.Json(Valid("Savings.Northwind.example").ToJsonString()), Cancel));
        Assert.Equal("partner", put.GetProperty("source").GetString());
        Assert.Equal("#1A2B3C", put.GetProperty("primary_color").GetString());
        Assert.Equal("savings.northwind.example", put.GetProperty("custom_domain").GetString());

        var after = await OkAsync(partner.GetAsync(url, Cancel));
        Assert.Equal(put.GetRawText(), after.GetRawText());

        using var child = Server.Client(t.Child.Key);
        var seen = await OkAsync(child.GetAsync($"/v1/org/{t.Child.Id}/branding", Cancel));
        Assert.Equal(("partner", t.Partner.Id.ToString(), "Northwind Savings", "https://cdn.northwind.example/logo.svg", "help@northwind.example"),
            (seen.GetProperty("source").GetString(), seen.GetProperty("partner_org_id").GetString(), seen.GetProperty("name").GetString(),
             seen.GetProperty("logo_url").GetString(), seen.GetProperty("support_email").GetString()));
        Assert.Equal(put.GetRawText(), (await OkAsync(partner.GetAsync($"/v1/org/{t.Sibling.Id}/branding", Cancel))).GetRawText());
        Assert.Equal(put.GetRawText(), (await OkAsync(partner.GetAsync($"/v1/org/{t.Partner.Id}/branding", Cancel))).GetRawText());

        using var direct = Server.Client(t.Direct.Key);
        var plain = await OkAsync(direct.GetAsync($"/v1/org/{t.Direct.Id}/branding", Cancel));
        Assert.Equal(("default", JsonValueKind.Null, "Tranche"), (plain.GetProperty("source").GetString(), plain.GetProperty("partner_org_id").ValueKind, plain.GetProperty("name").GetString()));
        using var other = Server.Client(t.OtherChild.Key);
        Assert.Equal("default", (await OkAsync(other.GetAsync($"/v1/org/{t.OtherChild.Id}/branding", Cancel))).GetProperty("source").GetString());

        // Replacing drops the custom domain when it is left out.
        var replaced = Valid();
        replaced["name"] = "Northwind";
        replaced.Remove("custom_domain");
        var second = await OkAsync(partner.PutAsync(url, Http.Json(replaced.ToJsonString()), Cancel));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("custom_domain").ValueKind);
        Assert.Equal("Northwind", (await OkAsync(child.GetAsync($"/v1/org/{t.Child.Id}/branding", Cancel))).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Bad_settings_are_422_naming_each_field()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var url = $"/v2/partners/{t.Partner.Id}/branding";

        var cases = new (string Field, JsonNode? Value)[]
        {
            ("name", null), ("name", "  "), ("name", new string('n', 101)), ("name", "a\u0001b"),
            ("logo_url", null), ("logo_url", "http://cdn.example/logo.png"), ("logo_url", "/logo.png"), ("logo_url", "ftp://cdn.example/logo.png"), ("logo_url", "https://user:pw@cdn.example/l.png"),
            ("primary_color", null), ("primary_color", "red"), ("secondary_color", "#12345"), ("accent_color", "#GGGGGG"), ("accent_color", "123456"),
            ("support_email", null), ("support_email", "not an email"), ("support_email", "Help <help@example.com>"), ("support_email", "help@localhost"),
            ("custom_domain", "https://savings.example.com"), ("custom_domain", "savings.example.com:8443"), ("custom_domain", "localhost"), ("custom_domain", "-bad.example.com"),
        };
        foreach (var (field, value) in cases)
        {
            var body = Valid();
            body[field] = value;
            var errors = await (await partner.PutAsync(url, Http.Json(body.ToJsonString()), Cancel)).AssertValidationErrorAsync();
            Assert.True(errors.Messages("json", field).Count > 0, $"{field} = {value?.ToJsonString() ?? "null"}: {errors}");
        }

        var wrongType = await (await partner.PutAsync(url, Http.Json("""{"name": 7}"""), Cancel)).AssertValidationErrorAsync();
        Assert.NotEmpty(wrongType.Messages("json", "name"));
        Assert.Equal("default", (await OkAsync(partner.GetAsync(url, Cancel))).GetProperty("source").GetString());
    }

    [Fact]
    public async Task Only_the_partners_admin_key_sets_it_and_no_two_partners_share_a_domain()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        using var otherPartner = Server.Client(t.OtherPartner.Key);
        using var child = Server.Client(t.Child.Key);
        using var reader = Server.Client(await Server.CreateKeyAsync(t.Partner.Id, OrgRole.User, "reader"));
        var body = Valid("savings.shared.example").ToJsonString();

        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/partners/{t.Partner.Id}/branding", Http.Json(body), Cancel));
        var taken = await (await otherPartner.PutAsync($"/v2/partners/{t.OtherPartner.Id}/branding", Http.Json(body), Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("custom_domain_taken", taken.GetProperty("code").GetString());
        // The partner may send its own domain again.
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/partners/{t.Partner.Id}/branding", Http.Json(body), Cancel));

        await (await reader.PutAsync($"/v2/partners/{t.Partner.Id}/branding", Http.Json(body), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await AssertStatusAsync(HttpStatusCode.OK, await reader.GetAsync($"/v2/partners/{t.Partner.Id}/branding", Cancel));
        await (await otherPartner.GetAsync($"/v2/partners/{t.Partner.Id}/branding", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await child.PutAsync($"/v2/partners/{t.Partner.Id}/branding", Http.Json(body), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await otherPartner.GetAsync($"/v1/org/{t.Child.Id}/branding", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);

        await using var db = Server.Db(t.Partner.Id);
        Assert.Contains(db.AuditEvents.Select(a => a.Action).ToList(), a => a == "branding.changed");
    }
}

public sealed class BrandingApiOnSqlite(SqliteTranche fixture) : BrandingApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class BrandingApiOnPostgres(PostgresTranche fixture) : BrandingApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
