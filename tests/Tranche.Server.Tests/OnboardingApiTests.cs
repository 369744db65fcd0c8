using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Ingest;
using Tranche.Ingest.Generation;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// Onboarding a customer org: the sandbox flow step by step to ready (and <c>onboarding.completed</c> once), the 409 of
/// each missing step, and the real clouds' setup answers, whose verification fails honestly while Tranche has no
/// credentials of its own.
/// </summary>
public abstract class OnboardingApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    public const string Principal = "arn:aws:iam::111122223333:role/tranche-service";
    public const string TemplateUrl = "https://tranche-templates.s3.amazonaws.com/onboarding.json";
    public const string AzureClientId = "5a4c2d1e-0b3f-4e6a-9c8d-7f6e5d4c3b2a";

    private async Task<(Tenants Tenants, HttpClient Partner, Guid Child, string Base)> RegisteredAsync()
    {
        var tenants = await Server.CreateTenantsAsync();
        var partner = Server.Client(tenants.Partner.Key);
        var registered = await partner.PostJsonAsync($"/v2/partners/{tenants.Partner.Id}/orgs",
            """{"org_name": "Acme Corp", "org_email": "admin@acmecorp.com", "user_emails": ["admin@acmecorp.com"], "user_names": ["Admin User"]}""");
        await AssertStatusAsync(HttpStatusCode.OK, registered);
        var child = Guid.Parse((await registered.JsonAsync()).GetProperty("child_org_id").GetString()!);
        return (tenants, partner, child, $"/v2/org/{child}/partners/onboarding");
    }

    private async Task<JsonElement> ReadinessAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, response);
        return await response.JsonAsync();
    }

    private static Dictionary<string, string> Steps(JsonElement readiness) =>
        readiness.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("step").GetString()!, s => s.GetProperty("status").GetString()!);

    private async Task<int> CompletedEventsAsync(Guid org)
    {
        await using var db = Server.Db(org);
        return await db.OrgEvents.CountAsync(e => e.Type == OrgEventTypes.OnboardingCompleted, Cancel);
    }

    /// <summary>The 409 every endpoint that needs a ready org answers now, each naming the same first missing step.</summary>
    private async Task AssertGatedAsync(HttpClient partner, Guid child, string code)
    {
        var plans = await (await partner.GetAsync($"/v2/org/{child}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal(code, plans.GetProperty("code").GetString());
        Assert.Contains(plans.GetProperty("detail").GetProperty("step").GetString()!, plans.GetProperty("message").GetString(), StringComparison.Ordinal);

        // A plan to try to buy: v1 plans stay readable for read-only use.
        var v1 = await (await partner.GetAsync($"/v1/org/{child}/commitment-plans/default?provider=aws", Cancel)).JsonAsync();
        if (v1.GetArrayLength() > 0)
        {
            var planId = v1[0].GetProperty("id").GetString();
            var purchase = await (await partner.PostJsonAsync($"/v2/org/{child}/partners/plans/purchase", $$"""{"plan_id": "{{planId}}", "confirm": true}""")).AssertApiErrorAsync(HttpStatusCode.Conflict);
            Assert.Equal(code, purchase.GetProperty("code").GetString());
            var apply = await (await partner.PostAsync($"/v1/org/{child}/commitment-plans/{planId}/apply", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
            Assert.Equal(code, apply.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task The_sandbox_flow_moves_step_by_step_to_ready_and_raises_onboarding_completed_once()
    {
        var (_, partner, child, url) = await RegisteredAsync();
        using var _ = partner;

        var fresh = await ReadinessAsync(partner, url);
        Http.AssertNoInternals(fresh.GetRawText());
        Assert.False(fresh.GetProperty("ready").GetBoolean());
        Assert.Equal(["cloud_integration_created", "permissions_verified", "billing_data_received", "synced"], fresh.GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(JsonValueKind.Null, fresh.GetProperty("data_window").ValueKind);
        await AssertGatedAsync(partner, child, "onboarding_cloud_integration_missing");
        Assert.Equal("onboarding_cloud_integration_missing",
            (await (await partner.PostAsync($"{url}/sync", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());

        var connected = await partner.PostAsync($"{url}/sandbox", null, Cancel);
        await AssertStatusAsync(HttpStatusCode.Created, connected);
        Assert.Equal(("sandbox", "created"), ((await connected.JsonAsync()).GetProperty("provider").GetString(), (await connected.JsonAsync()).GetProperty("state").GetString()));
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PostAsync($"{url}/sandbox", null, Cancel));
        var created = await ReadinessAsync(partner, url);
        Assert.Equal("complete", Steps(created)["cloud_integration_created"]);
        Assert.Equal("missing", Steps(created)["permissions_verified"]);
        await AssertGatedAsync(partner, child, "onboarding_permissions_not_verified");

        var verified = await partner.PostAsync($"{url}/sandbox/verify", null, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, verified);
        Assert.All((await verified.JsonAsync()).EnumerateArray(), v => Assert.Equal("success", v.GetProperty("status").GetString()));
        Assert.Equal(["billing_data_received", "synced"], (await ReadinessAsync(partner, url)).GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        await AssertGatedAsync(partner, child, "onboarding_no_billing_data");

        await partner.UploadBillingAsync(child, days: 35, seed: 7, instances: 8, TimeSpan.FromSeconds(60));
        var billed = await ReadinessAsync(partner, url);
        Assert.Equal("complete", Steps(billed)["billing_data_received"]);
        var window = billed.GetProperty("data_window");
        // The generator writes the 35 days before its end date.
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        Assert.Equal((today.AddDays(-35).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), today.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)),
            (window.GetProperty("first_day").GetString(), window.GetProperty("last_day").GetString()));
        Assert.Equal(35, window.GetProperty("days").GetInt32());
        Assert.Equal(["aws"], window.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(["synced"], billed.GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        await AssertGatedAsync(partner, child, "onboarding_not_synced");
        Assert.Equal(0, await CompletedEventsAsync(child));

        var synced = await partner.SyncAsync(child);

        Assert.True(synced.GetProperty("ready").GetBoolean());
        Assert.Empty(synced.GetProperty("missing").EnumerateArray());
        Assert.All(synced.GetProperty("steps").EnumerateArray(), s => Assert.NotEqual(JsonValueKind.Null, s.GetProperty("completed_at").ValueKind));
        Assert.NotEqual(JsonValueKind.Null, Assert.Single(synced.GetProperty("integrations").EnumerateArray()).GetProperty("last_synced_at").ValueKind);
        Assert.Equal(1, await CompletedEventsAsync(child));
        await partner.SyncAsync(child);
        Assert.True((await ReadinessAsync(partner, url)).GetProperty("ready").GetBoolean());
        using (var own = Server.Client(await Server.CreateKeyAsync(child)))
        {
            Assert.True((await ReadinessAsync(own, $"/v1/org/{child}/onboarding")).GetProperty("ready").GetBoolean());
        }

        Assert.Equal(1, await CompletedEventsAsync(child));
        await using (var db = Server.Db(child))
        {
            var data = JsonDocument.Parse((await db.OrgEvents.SingleAsync(e => e.Type == OrgEventTypes.OnboardingCompleted, Cancel)).Data).RootElement;
            Assert.Equal(("sandbox", child.ToString()), (data.GetProperty("provider").GetString(), data.GetProperty("org_id").GetString()));
        }

        await AssertStatusAsync(HttpStatusCode.OK, await partner.GetAsync($"/v2/org/{child}/partners/plans/default", Cancel));
    }

    [Fact]
    public async Task Billing_data_arriving_last_completes_onboarding_and_readers_racing_to_see_it_raise_the_event_once()
    {
        var (_, partner, child, url) = await RegisteredAsync();
        using var _ = partner;
        await partner.ConnectSandboxAsync(child);
        Assert.Equal(["billing_data_received"], (await partner.SyncAsync(child)).GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        var folder = TestDatabases.NewTempDirectory("billing");
        FocusGenerator.Generate(new GenerateRequest("azure", 20, Seed: 9, folder) { End = DateOnly.FromDateTime(DateTime.UtcNow), Instances = 5 });
        // Loaded behind the server's back, so nothing has looked at the org since it became ready.
        Assert.Equal(IngestOutcome.Loaded, (await BillingIngest.RunAsync(Server.Database, new IngestRequest(child, [folder]), TimeProvider.System, null, Cancel)).Outcome);
        Assert.Equal(0, await CompletedEventsAsync(child));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => partner.GetAsync(url, Cancel)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(await Task.WhenAll(answers.Select(a => a.JsonAsync())), r => Assert.True(r.GetProperty("ready").GetBoolean()));
        Assert.Equal(1, await CompletedEventsAsync(child));
    }

    [Fact]
    public async Task A_direct_org_that_only_uploads_billing_gets_v1_plans_but_cannot_buy()
    {
        var org = await Server.CreateOrgAsync("Uploads Only");
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        var folder = TestDatabases.NewTempDirectory("billing");
        FocusGenerator.Generate(new GenerateRequest("aws", 60, Seed: 5, folder) { End = DateOnly.FromDateTime(DateTime.UtcNow), Instances = 10 });
        Assert.Equal(IngestOutcome.Loaded, (await BillingIngest.RunAsync(Server.Database, new IngestRequest(org.Id, [folder]), TimeProvider.System, null, Cancel)).Outcome);

        var plans = await client.GetAsync($"/v1/org/{org.Id}/commitment-plans/default?provider=aws", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, plans);
        var planId = (await plans.JsonAsync())[0].GetProperty("id").GetString();

        var refused = await (await client.PostAsync($"/v1/org/{org.Id}/commitment-plans/{planId}/apply", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);

        Assert.Equal("onboarding_cloud_integration_missing", refused.GetProperty("code").GetString());
        Assert.Equal("cloud_integration_created", refused.GetProperty("detail").GetProperty("step").GetString());
        var readiness = await ReadinessAsync(client, $"/v1/org/{org.Id}/onboarding");
        Assert.Equal(["cloud_integration_created", "permissions_verified", "synced"], readiness.GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("complete", Steps(readiness)["billing_data_received"]);
        await using var db = Server.Db(org.Id);
        Assert.Empty(await db.Purchases.ToListAsync(Cancel));
    }

    [Fact]
    public async Task The_cloudformation_template_has_both_roles_trusting_tranche_only_with_the_external_id()
    {
        var (_, partner, child, url) = await RegisteredAsync();
        using var _ = partner;

        var response = await partner.GetAsync($"{url}/aws/cloudformation_template", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        var externalId = body.GetProperty("external_id").GetString()!;
        var template = body.GetProperty("template");
        Assert.Equal("2010-09-09", template.GetProperty("AWSTemplateFormatVersion").GetString());
        Assert.Equal(externalId, template.GetProperty("Parameters").GetProperty("ExternalId").GetProperty("Default").GetString());
        Assert.Equal(Principal, template.GetProperty("Parameters").GetProperty("TranchePrincipalArn").GetProperty("Default").GetString());
        var resources = template.GetProperty("Resources");
        var actions = new Dictionary<string, HashSet<string>>();
        foreach (var name in (string[])["TrancheReadOnlyRole", "TranchePurchaseRole"])
        {
            var role = resources.GetProperty(name);
            Assert.Equal("AWS::IAM::Role", role.GetProperty("Type").GetString());
            var trust = Assert.Single(role.GetProperty("Properties").GetProperty("AssumeRolePolicyDocument").GetProperty("Statement").EnumerateArray());
            Assert.Equal("sts:AssumeRole", trust.GetProperty("Action").GetString());
            Assert.Equal("TranchePrincipalArn", trust.GetProperty("Principal").GetProperty("AWS").GetProperty("Ref").GetString());
            Assert.Equal("ExternalId", trust.GetProperty("Condition").GetProperty("StringEquals").GetProperty("sts:ExternalId").GetProperty("Ref").GetString());
            actions[name] = [.. role.GetProperty("Properties").GetProperty("Policies").EnumerateArray()
                .SelectMany(p => p.GetProperty("PolicyDocument").GetProperty("Statement").EnumerateArray())
                .SelectMany(s => s.GetProperty("Action").EnumerateArray().Select(a => a.GetString()!))];
        }

        Assert.Superset(new HashSet<string> { "ce:GetCostAndUsage", "pricing:GetProducts", "savingsplans:DescribeSavingsPlans", "cur:DescribeReportDefinitions", "ec2:DescribeReservedInstances" }, actions["TrancheReadOnlyRole"]);
        Assert.DoesNotContain(actions["TrancheReadOnlyRole"], a => a.Split(':')[1].StartsWith("Purchase", StringComparison.Ordinal) || a.Split(':')[1].StartsWith("Create", StringComparison.Ordinal));
        Assert.Superset(new HashSet<string> { "ec2:PurchaseReservedInstancesOffering", "savingsplans:CreateSavingsPlan", "rds:PurchaseReservedDbInstancesOffering", "ec2:CreateTags" }, actions["TranchePurchaseRole"]);
        var launch = body.GetProperty("launch_url").GetString()!;
        Assert.StartsWith("https://console.aws.amazon.com/cloudformation/home", launch, StringComparison.Ordinal);
        Assert.Contains("templateURL=" + Uri.EscapeDataString(TemplateUrl), launch, StringComparison.Ordinal);
        Assert.Contains("param_ExternalId=" + externalId, launch, StringComparison.Ordinal);

        // Asking again hands out the same integration, so a stack deployed from the first answer still matches.
        Assert.Equal(externalId, (await (await partner.GetAsync($"{url}/aws/cloudformation_template", Cancel)).JsonAsync()).GetProperty("external_id").GetString());
        var readiness = await ReadinessAsync(partner, url);
        Assert.Equal("complete", Steps(readiness)["cloud_integration_created"]);
        var integration = Assert.Single(readiness.GetProperty("integrations").EnumerateArray());
        Assert.Equal(("aws", "created", externalId), (integration.GetProperty("provider").GetString(), integration.GetProperty("state").GetString(), integration.GetProperty("external_id").GetString()));
    }

    [Fact]
    public async Task Verifying_a_real_cloud_without_tranche_credentials_fails_and_names_the_missing_setting()
    {
        var (_, partner, child, url) = await RegisteredAsync();
        using var _ = partner;

        Assert.Equal("onboarding_cloud_integration_missing",
            (await (await partner.PostJsonAsync($"{url}/aws/verify", """{"account_id": "123456789012"}""")).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        await partner.GetAsync($"{url}/aws/cloudformation_template", Cancel);
        Assert.NotEmpty((await (await partner.PostJsonAsync($"{url}/aws/verify", """{"account_id": "12345"}""")).AssertValidationErrorAsync()).Messages("json", "account_id"));
        Assert.NotEmpty((await (await partner.PostJsonAsync($"{url}/aws/verify", """{"account_id": "123456789012", "role_arn": "arn:aws:iam::999999999999:role/x"}""")).AssertValidationErrorAsync()).Messages("json", "role_arn"));

        var aws = await partner.PostJsonAsync($"{url}/aws/verify", """{"account_id": "123456789012"}""");

        await AssertStatusAsync(HttpStatusCode.OK, aws);
        var validations = (await aws.JsonAsync()).EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Equal("success", validations["tranche_principal"].GetProperty("status").GetString());
        Assert.Equal("failed", validations["tranche_credentials"].GetProperty("status").GetString());
        Assert.Contains("AWS_ACCESS_KEY_ID", validations["tranche_credentials"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.All(["read_role_assumed", "account_matches", "purchase_role_assumed"], n => Assert.Equal("failed", validations[n].GetProperty("status").GetString()));
        var readiness = await ReadinessAsync(partner, url);
        Assert.Equal("failed", Steps(readiness)["permissions_verified"]);
        var integration = Assert.Single(readiness.GetProperty("integrations").EnumerateArray());
        Assert.Equal(("failed", "123456789012"), (integration.GetProperty("state").GetString(), integration.GetProperty("account_id").GetString()));
        Assert.EndsWith(":role/TrancheReadOnly-" + integration.GetProperty("id").GetString()!.Replace("-", "", StringComparison.Ordinal)[..12], integration.GetProperty("role_arn").GetString(), StringComparison.Ordinal);
        Assert.Equal("onboarding_permissions_not_verified",
            (await (await partner.GetAsync($"/v2/org/{child}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());

        var authUrl = await partner.PostJsonAsync($"{url}/azure/auth-url", """{"tenant_id": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", "subscription_id": "11111111-2222-3333-4444-555555555555"}""");
        await AssertStatusAsync(HttpStatusCode.OK, authUrl);
        var consent = new Uri((await authUrl.JsonAsync()).GetProperty("auth_url").GetString()!);
        var query = System.Web.HttpUtility.ParseQueryString(consent.Query);
        Assert.Equal(("login.microsoftonline.com", "/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/v2.0/adminconsent"), (consent.Host, consent.AbsolutePath));
        Assert.Equal(AzureClientId, query["client_id"]);
        Assert.Equal("https://management.azure.com/.default", query["scope"]);
        Assert.EndsWith("/onboarding/azure/consent", query["redirect_uri"], StringComparison.Ordinal);
        await using (var db = Server.Db(child))
        {
            Assert.Equal((await db.CloudIntegrations.SingleAsync(i => i.Provider == "azure", Cancel)).ExternalId, query["state"]);
        }

        var landing = await Server.Client().GetAsync($"/onboarding/azure/consent?admin_consent=True&tenant=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0&state={query["state"]}", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, landing);
        await (await Server.Client().GetAsync("/onboarding/azure/consent?admin_consent=True&state=forged", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        Assert.NotEmpty((await (await partner.PostJsonAsync($"{url}/azure/auth-url", """{"tenant_id": "contoso"}""")).AssertValidationErrorAsync()).Messages("json", "tenant_id"));

        var azure = (await (await partner.PostAsync($"{url}/azure/verify", null, Cancel)).JsonAsync()).EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        Assert.Equal("failed", azure["tranche_credentials"].GetProperty("status").GetString());
        Assert.Contains("TRANCHE_AZURE_CLIENT_SECRET", azure["tranche_credentials"].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("failed", azure["admin_consent"].GetProperty("status").GetString());

        var instructions = await (await partner.GetAsync($"{url}/gcp/instructions", Cancel)).JsonAsync();
        Assert.Equal(7, instructions.GetProperty("required_values").GetArrayLength());
        Assert.NotEmpty(instructions.GetProperty("commands").EnumerateArray());
        Assert.NotEmpty((await (await partner.PostJsonAsync($"{url}/gcp/verify", """{"organization_id": "123"}""")).AssertValidationErrorAsync()).Messages("json", "billing_account_id"));
        var gcp = (await (await partner.PostJsonAsync($"{url}/gcp/verify", """
            {"organization_id": "123456789012", "project_id": "acme-billing", "billing_account_id": "01ABCD-23EF45-6789AB", "billing_export_project_id": "acme-billing",
             "billing_export_dataset_id": "billing_export", "pricing_export_dataset_id": "pricing_export", "cud_export_dataset_id": "cud_export"}
            """)).JsonAsync()).EnumerateArray().ToList();
        Assert.All(gcp, v => Assert.Equal("failed", v.GetProperty("status").GetString()));
        Assert.Contains(gcp, v => v.GetProperty("message").GetString()!.Contains("TRANCHE_GCP_SERVICE_ACCOUNT", StringComparison.Ordinal));

        Assert.False((await ReadinessAsync(partner, url)).GetProperty("ready").GetBoolean());
        Assert.Equal(0, await CompletedEventsAsync(child));
    }

    [Fact]
    public async Task Only_the_partner_of_a_customer_onboards_it_and_an_org_onboards_itself_in_v1()
    {
        var (tenants, partner, child, url) = await RegisteredAsync();
        using var _ = partner;
        using var other = Server.Client(tenants.OtherPartner.Key);
        using var childKey = Server.Client(tenants.Child.Key);

        await (await other.PostAsync($"{url}/sandbox", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync(url, Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await childKey.GetAsync($"/v2/org/{tenants.Child.Id}/partners/onboarding", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);

        using var direct = Server.Client(tenants.Direct.Key);
        var own = $"/v1/org/{tenants.Direct.Id}/onboarding";
        await AssertStatusAsync(HttpStatusCode.Created, await direct.PostAsync($"{own}/sandbox", null, Cancel));
        await AssertStatusAsync(HttpStatusCode.OK, await direct.PostAsync($"{own}/sandbox/verify", null, Cancel));
        Assert.Equal(["billing_data_received", "synced"], (await ReadinessAsync(direct, own)).GetProperty("missing").EnumerateArray().Select(m => m.GetString()));
        await (await direct.GetAsync($"/v1/org/{child}/onboarding", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }
}

/// <summary>A server that knows its AWS principal, template copy and Azure app, but holds no AWS, Azure or GCP credentials.</summary>
public static class OnboardingSettings
{
    public static IReadOnlyDictionary<string, string?> Values { get; } = new Dictionary<string, string?>
    {
        ["TRANCHE_AWS_PRINCIPAL_ARN"] = OnboardingApiTests<SqliteTranche>.Principal,
        ["TRANCHE_AWS_TEMPLATE_URL"] = OnboardingApiTests<SqliteTranche>.TemplateUrl,
        ["TRANCHE_AZURE_CLIENT_ID"] = OnboardingApiTests<SqliteTranche>.AzureClientId,
        // Whatever the machine's environment holds, this server has no credentials of its own.
        ["AWS_ACCESS_KEY_ID"] = "", ["AWS_SECRET_ACCESS_KEY"] = "", ["AWS_SESSION_TOKEN"] = "", ["AWS_PROFILE"] = "",
        ["TRANCHE_AZURE_CLIENT_SECRET"] = "", ["TRANCHE_GCP_SERVICE_ACCOUNT"] = "", ["GOOGLE_APPLICATION_CREDENTIALS"] = "",
    };
}

public class OnboardingSqliteTranche : SqliteTranche
{
    protected override IReadOnlyDictionary<string, string?> Settings => OnboardingSettings.Values;
}

public class OnboardingPostgresTranche : PostgresTranche
{
    protected override IReadOnlyDictionary<string, string?> Settings => OnboardingSettings.Values;
}

public sealed class OnboardingApiOnSqlite(OnboardingSqliteTranche fixture) : OnboardingApiTests<OnboardingSqliteTranche>(fixture), IClassFixture<OnboardingSqliteTranche>;

public sealed class OnboardingApiOnPostgres(OnboardingPostgresTranche fixture) : OnboardingApiTests<OnboardingPostgresTranche>(fixture), IClassFixture<OnboardingPostgresTranche>;
