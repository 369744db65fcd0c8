using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>A partner registers, lists, reads, renames and offboards its customer orgs, invites their users and makes their keys.</summary>
public abstract class PartnerOrgsApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static string Register(string name, string email = "admin@example.com", string[]? emails = null, string[]? names = null, bool? isPartner = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["org_name"] = name,
            ["org_email"] = email,
            ["user_emails"] = emails ?? ["admin@example.com"],
            ["user_names"] = names ?? ["Admin User"],
        };
        if (isPartner is not null)
        {
            body["is_partner"] = isPartner;
        }

        return JsonSerializer.Serialize(body);
    }

    private async Task<JsonElement> RegisterAsync(HttpClient partner, Guid partnerId, string name, bool? isPartner = null)
    {
        var response = await partner.PostJsonAsync($"/v2/partners/{partnerId}/orgs", Register(name, isPartner: isPartner));
        await AssertStatusAsync(HttpStatusCode.OK, response);
        return await response.JsonAsync();
    }

    [Fact]
    public async Task Registering_a_customer_makes_the_org_its_users_and_the_partnership_and_its_own_key_reaches_only_it()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);

        var response = await partner.PostJsonAsync($"/v2/partners/{t.Partner.Id}/orgs",
            Register("Acme Corp", "ops@acmecorp.com", ["admin@acmecorp.com", "Finance@AcmeCorp.com"], ["Admin User", "Fin Ops"]));

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        var childId = Guid.Parse(body.GetProperty("child_org_id").GetString()!);
        Assert.Equal(("Acme Corp", "ops@acmecorp.com", t.Partner.Id.ToString(), false),
            (body.GetProperty("org_name").GetString(), body.GetProperty("org_email").GetString(), body.GetProperty("partner_org_id").GetString(), body.GetProperty("is_partner").GetBoolean()));
        Assert.Equal([("admin@acmecorp.com", "Admin User", "admin"), ("finance@acmecorp.com", "Fin Ops", "admin")],
            body.GetProperty("users").EnumerateArray().Select(u => (u.GetProperty("email").GetString(), u.GetProperty("name").GetString(), u.GetProperty("role").GetString())));

        var orgs = await (await partner.GetAsync("/v1/orgs", Cancel)).JsonAsync();
        Assert.Equal("partnership", orgs.EnumerateArray().Single(o => o.GetProperty("org_id").GetString() == childId.ToString()).GetProperty("kind").GetString());
        var audit = await (await partner.GetAsync($"/v1/org/{t.Partner.Id}/audit-events?action=partner.org_registered", Cancel)).JsonAsync();
        var entry = Assert.Single(audit.EnumerateArray());
        Assert.Equal(childId.ToString(), entry.GetProperty("target_id").GetString());
        Assert.Equal("Acme Corp", entry.GetProperty("details").GetProperty("org_name").GetString());
        Assert.Single((await (await partner.GetAsync($"/v1/org/{childId}/audit-events?action=org.created", Cancel)).JsonAsync()).EnumerateArray());
        await using (var db = Server.Db(childId))
        {
            Assert.Equal(t.Partner.Id, (await db.Orgs.SingleAsync(o => o.Id == childId, Cancel)).ParentOrgId);
            Assert.Equal(2, await db.OrgUsers.CountAsync(Cancel));
        }

        var minted = await partner.PostJsonAsync($"/v2/partners/{t.Partner.Id}/orgs/{childId}/api-keys", """{"name": "acme admin", "role": "admin"}""");
        await AssertStatusAsync(HttpStatusCode.Created, minted);
        var key = (await minted.JsonAsync()).GetProperty("key").GetString()!;
        var listed = await (await partner.GetAsync($"/v2/partners/{t.Partner.Id}/orgs/{childId}/api-keys", Cancel)).JsonAsync();
        Assert.Equal("acme admin", Assert.Single(listed.EnumerateArray()).GetProperty("name").GetString());
        Assert.DoesNotContain(key, listed.GetRawText(), StringComparison.Ordinal);

        using var customer = Server.Client(key);
        await AssertStatusAsync(HttpStatusCode.OK, await customer.GetAsync($"/v1/org/{childId}/api-keys", Cancel));
        await AssertStatusAsync(HttpStatusCode.OK, await customer.GetAsync($"/v1/org/{childId}/onboarding", Cancel));
        Assert.Equal([childId.ToString()], (await (await customer.GetAsync("/v1/orgs", Cancel)).JsonAsync()).EnumerateArray().Select(o => o.GetProperty("org_id").GetString()));
        await (await customer.GetAsync($"/v1/org/{t.Partner.Id}/api-keys", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await customer.GetAsync($"/v2/partners/{t.Partner.Id}/orgs", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await customer.GetAsync($"/v1/org/{t.Child.Id}/api-keys", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Customers_are_listed_searched_read_renamed_and_offboarded()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var acme = Guid.Parse((await RegisterAsync(partner, t.Partner.Id, "Acme Corp")).GetProperty("child_org_id").GetString()!);
        await RegisterAsync(partner, t.Partner.Id, "Beta Labs");
        var url = $"/v2/partners/{t.Partner.Id}/orgs";

        var page = await partner.GetAsync($"{url}?page_size=2", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, page);
        using (var meta = JsonDocument.Parse(Assert.Single(page.Headers.GetValues("X-Pagination"))))
        {
            Contract.AssertMatches(meta.RootElement.GetRawText(), "PaginationMetadata");
            Assert.Equal((4, 2), (meta.RootElement.GetProperty("total").GetInt32(), meta.RootElement.GetProperty("total_pages").GetInt32()));
        }

        Assert.Equal(["Acme Corp", "Beta Labs"], (await page.JsonAsync()).EnumerateArray().Select(o => o.GetProperty("org_name").GetString()));
        Assert.Equal(["Acme Corp"], (await (await partner.GetAsync($"{url}?search=ACME", Cancel)).JsonAsync()).EnumerateArray().Select(o => o.GetProperty("org_name").GetString()));
        Assert.Equal(4, (await (await partner.GetAsync(url, Cancel)).JsonAsync()).GetArrayLength());

        var read = await (await partner.GetAsync($"{url}/{acme}", Cancel)).JsonAsync();
        Assert.Equal(("Acme Corp", "admin@example.com"), (read.GetProperty("org_name").GetString(), Assert.Single(read.GetProperty("users").EnumerateArray()).GetProperty("email").GetString()));
        Assert.False(read.GetProperty("onboarding").GetProperty("ready").GetBoolean());
        Assert.Equal("cloud_integration_created", read.GetProperty("onboarding").GetProperty("missing")[0].GetString());

        var renamed = await partner.PatchAsync($"{url}/{acme}", Http.Json("""{"org_name": "Acme Corporation", "org_email": "billing@acme.example.com"}"""), Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, renamed);
        Assert.Equal(("Acme Corporation", "billing@acme.example.com"), ((await renamed.JsonAsync()).GetProperty("org_name").GetString(), (await renamed.JsonAsync()).GetProperty("org_email").GetString()));
        var taken = await (await partner.PatchAsync($"{url}/{acme}", Http.Json("""{"org_name": "beta labs"}"""), Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("org_name_taken", taken.GetProperty("code").GetString());

        var invited = await partner.PostJsonAsync($"{url}/{acme}/users", """{"email": "viewer@acme.example.com", "role": "restricted_user"}""");
        await AssertStatusAsync(HttpStatusCode.Created, invited);
        Assert.Equal("restricted_user", (await invited.JsonAsync()).GetProperty("role").GetString());
        Assert.Equal("user_exists", (await (await partner.PostJsonAsync($"{url}/{acme}/users", """{"email": "VIEWER@acme.example.com"}""")).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.Equal(2, (await (await partner.GetAsync($"{url}/{acme}/users", Cancel)).JsonAsync()).GetArrayLength());

        var key = (await (await partner.PostJsonAsync($"{url}/{acme}/api-keys", """{"name": "acme"}""")).JsonAsync()).GetProperty("key").GetString()!;
        await partner.ConnectSandboxAsync(acme);

        using var offboard = new HttpRequestMessage(HttpMethod.Delete, $"{url}/{acme}") { Content = Http.Json("""{"reason": "contract ended"}""") };
        var offboarded = await partner.SendAsync(offboard, Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, offboarded);
        var gone = await offboarded.JsonAsync();
        Assert.Equal("contract ended", gone.GetProperty("offboard_reason").GetString());
        var at = gone.GetProperty("offboarded_at").GetString();
        Assert.NotNull(at);
        using (var customer = Server.Client(key))
        {
            await (await customer.GetAsync($"/v1/org/{acme}/api-keys", Cancel)).AssertApiErrorAsync(HttpStatusCode.Unauthorized);
        }

        Assert.All((await (await partner.GetAsync($"{url}/{acme}/api-keys", Cancel)).JsonAsync()).EnumerateArray(), k => Assert.False(k.GetProperty("is_active").GetBoolean()));
        Assert.DoesNotContain("Acme Corporation", (await (await partner.GetAsync(url, Cancel)).JsonAsync()).GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(acme.ToString(), (await (await partner.GetAsync("/v1/orgs", Cancel)).JsonAsync()).GetRawText(), StringComparison.Ordinal);
        Assert.Contains("Acme Corporation", (await (await partner.GetAsync($"{url}?include_offboarded=true", Cancel)).JsonAsync()).GetRawText(), StringComparison.Ordinal);
        foreach (var response in new[]
        {
            await partner.GetAsync($"/v2/org/{acme}/partners/plans/default", Cancel),
            await partner.PostJsonAsync($"/v2/org/{acme}/partners/plans/purchase", $$"""{"plan_id": "{{Guid.NewGuid()}}", "confirm": true}"""),
            await partner.GetAsync($"/v2/org/{acme}/partners/onboarding", Cancel),
            await partner.PatchAsync($"{url}/{acme}", Http.Json("""{"org_name": "Again"}"""), Cancel),
            await partner.PostJsonAsync($"{url}/{acme}/api-keys", """{"name": "again"}"""),
            await partner.PostJsonAsync($"/v1/org/{acme}/api-keys", """{"name": "again"}"""),
        })
        {
            Assert.Equal("org_offboarded", (await response.AssertApiErrorAsync(HttpStatusCode.Gone)).GetProperty("code").GetString());
        }

        // Its history stays readable, and offboarding again changes nothing.
        await AssertStatusAsync(HttpStatusCode.OK, await partner.GetAsync($"/v1/org/{acme}/audit-events", Cancel));
        Assert.Equal(at, (await (await partner.GetAsync($"{url}/{acme}", Cancel)).JsonAsync()).GetProperty("offboarded_at").GetString());
        Assert.Equal(at, (await (await partner.DeleteAsync($"{url}/{acme}?reason=again", Cancel)).JsonAsync()).GetProperty("offboarded_at").GetString());
        Assert.Single((await (await partner.GetAsync($"/v1/org/{t.Partner.Id}/audit-events?action=partner.org_offboarded", Cancel)).JsonAsync()).EnumerateArray());
        // Its name is free again.
        await RegisterAsync(partner, t.Partner.Id, "Acme Corporation");
    }

    [Fact]
    public async Task A_partner_registers_partners_only_when_the_operator_allowed_nested_partners()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var url = $"/v2/partners/{t.Partner.Id}/orgs";

        var refused = await (await partner.PostJsonAsync(url, Register("Sub Reseller", isPartner: true))).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        Assert.Equal("nested_partners_not_allowed", refused.GetProperty("code").GetString());
        Assert.Contains("--allow-nested-partners", refused.GetProperty("message").GetString(), StringComparison.Ordinal);

        await using (var db = Server.Db())
        {
            // What `tranche orgs update ORG --allow-nested-partners true` does.
            (await db.Orgs.SingleAsync(o => o.Id == t.Partner.Id, Cancel)).AllowNestedPartners = true;
            await db.SaveChangesAsync(Cancel);
        }

        var nested = await RegisterAsync(partner, t.Partner.Id, "Sub Reseller", isPartner: true);
        Assert.True(nested.GetProperty("is_partner").GetBoolean());
        var nestedId = Guid.Parse(nested.GetProperty("child_org_id").GetString()!);
        var key = (await (await partner.PostJsonAsync($"{url}/{nestedId}/api-keys", """{"name": "reseller", "role": "admin"}""")).JsonAsync()).GetProperty("key").GetString()!;
        using var reseller = Server.Client(key);
        var grandchild = await RegisterAsync(reseller, nestedId, "End Customer");
        // The nested partner may not go one level deeper, and the top partner does not reach its grandchildren.
        Assert.Equal("nested_partners_not_allowed",
            (await (await reseller.PostJsonAsync($"/v2/partners/{nestedId}/orgs", Register("Deeper", isPartner: true))).AssertApiErrorAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        await (await partner.GetAsync($"/v1/org/{grandchild.GetProperty("child_org_id").GetString()}/api-keys", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Bad_registrations_are_422_naming_the_field_and_a_name_taken_is_409()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var url = $"/v2/partners/{t.Partner.Id}/orgs";

        (string Body, string Field)[] cases =
        [
            ("""{"org_email": "a@example.com"}""", "org_name"),
            ("""{"org_name": "  ", "org_email": "a@example.com"}""", "org_name"),
            ($$"""{"org_name": "{{new string('n', 201)}}", "org_email": "a@example.com"}""", "org_name"),
            ("""{"org_name": "Acme"}""", "org_email"),
            ("""{"org_name": "Acme", "org_email": "not-an-email"}""", "org_email"),
            ("""{"org_name": "Acme", "org_email": "a@example.com", "user_emails": ["x@example.com", "y@example.com"], "user_names": ["X"]}""", "user_names"),
            ("""{"org_name": "Acme", "org_email": "a@example.com", "user_emails": ["x@example.com", "bad"], "user_names": ["X", "Y"]}""", "user_emails.1"),
            ("""{"org_name": "Acme", "org_email": "a@example.com", "user_emails": ["x@example.com", "X@example.com"], "user_names": ["X", "Y"]}""", "user_emails.1"),
            ("""{"org_name": "Acme", "org_email": "a@example.com", "user_emails": ["x@example.com"], "user_names": [""]}""", "user_names.0"),
            ("""{"org_name": "Acme", "org_email": "a@example.com", "user_emails": "x@example.com", "user_names": ["X"]}""", "user_emails"),
            ("""{"org_name": "Acme", "org_email": "a@example.com", "plan": "gold"}""", "plan"),
        ];
        foreach (var (body, field) in cases)
        {
            var errors = await (await partner.PostJsonAsync(url, body)).AssertValidationErrorAsync();
            Assert.True(errors.Messages("json", field).Count > 0, $"{body}: expected an error on {field}, got {errors}");
        }

        var child = Guid.Parse((await RegisterAsync(partner, t.Partner.Id, "Acme")).GetProperty("child_org_id").GetString()!);
        Assert.Equal("org_name_taken", (await (await partner.PostJsonAsync(url, Register("ACME"))).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        Assert.NotEmpty((await (await partner.PostJsonAsync($"{url}/{child}/users", """{"email": "a@example.com", "role": "owner"}""")).AssertValidationErrorAsync()).Messages("json", "role"));
        Assert.NotEmpty((await (await partner.PostJsonAsync($"{url}/{child}/users", """{"role": "user"}""")).AssertValidationErrorAsync()).Messages("json", "email"));
        Assert.NotEmpty((await (await partner.PatchAsync($"{url}/{child}", Http.Json("{}"), Cancel)).AssertValidationErrorAsync()).Messages("json", "_schema"));
        Assert.NotEmpty((await (await partner.PatchAsync($"{url}/{child}", Http.Json("""{"org_email": "nope"}"""), Cancel)).AssertValidationErrorAsync()).Messages("json", "org_email"));

        var legacy = await partner.PostJsonAsync($"/org/{t.Partner.Id}/partners/onboarding/register_child", """{"company": "Legacy Co", "email": "it@legacy.example.com"}""");
        await AssertStatusAsync(HttpStatusCode.OK, legacy);
        var legacyId = (await legacy.JsonAsync()).GetProperty("org_id").GetString();
        Assert.Contains(legacyId!, (await (await partner.GetAsync(url, Cancel)).JsonAsync()).GetRawText(), StringComparison.Ordinal);
        Assert.NotEmpty((await (await partner.PostJsonAsync($"/org/{t.Partner.Id}/partners/onboarding/register_child", "{}")).AssertValidationErrorAsync()).Messages("json", "company"));
    }

    [Fact]
    public async Task Only_the_partner_itself_with_an_admin_key_manages_its_customers()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        using var other = Server.Client(t.OtherPartner.Key);
        using var child = Server.Client(t.Child.Key);
        using var reader = Server.Client(await Server.CreateKeyAsync(t.Partner.Id, Domain.Tenancy.OrgRole.User, "reader"));

        await (await other.GetAsync($"/v2/partners/{t.Partner.Id}/orgs", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await other.PostJsonAsync($"/v2/partners/{t.Partner.Id}/orgs", Register("Stolen"))).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync($"/v2/partners/{t.Partner.Id}/orgs/{t.Child.Id}", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync($"/v2/partners/{t.OtherPartner.Id}/orgs/{t.Child.Id}", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await partner.GetAsync($"/v2/partners/{t.Partner.Id}/orgs/{t.OtherChild.Id}", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await partner.DeleteAsync($"/v2/partners/{t.Partner.Id}/orgs/{t.Direct.Id}", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await child.GetAsync($"/v2/partners/{t.Child.Id}/orgs", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        Assert.Equal("role_not_allowed",
            (await (await reader.PostJsonAsync($"/v2/partners/{t.Partner.Id}/orgs", Register("Reader Co"))).AssertApiErrorAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        Assert.Equal("role_not_allowed",
            (await (await reader.DeleteAsync($"/v2/partners/{t.Partner.Id}/orgs/{t.Child.Id}", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden)).GetProperty("code").GetString());
        await AssertStatusAsync(HttpStatusCode.OK, await reader.GetAsync($"/v2/partners/{t.Partner.Id}/orgs", Cancel));
    }
}

public sealed class PartnerOrgsApiOnSqlite(SqliteTranche fixture) : PartnerOrgsApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class PartnerOrgsApiOnPostgres(PostgresTranche fixture) : PartnerOrgsApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
