using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Tenancy;
using Tranche.Ingest;
using Tranche.Providers.Sandbox;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class PurchaseGuardrailTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static string Body(string? planId) => JsonSerializer.Serialize(new { plan_id = planId, confirm = true });

    private static string N(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task Guardrails_refuse_a_purchase_naming_the_limit_and_the_figure()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var plan = await partner.PlanWithPurchasesAsync(tenants.Child.Id);
        var planId = plan.GetProperty("plan").GetProperty("id").GetString();
        var url = $"/v2/org/{tenants.Child.Id}/partners/plans/purchase";
        var policy = $"/v1/org/{tenants.Child.Id}/purchase-policy";
        var lines = plan.GetProperty("line_items").EnumerateArray().ToList();
        var longest = lines.Max(l => l.GetProperty("term_months").GetInt32());
        var upfront = lines.Sum(l => l.GetProperty("upfront_cost").GetDecimal());
        var monthly = lines.Sum(l => l.GetProperty("monthly_cost").GetDecimal());

        async Task<JsonElement> Refused(string body, string code)
        {
            await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync(policy, Http.Json(body), Cancel));
            var error = await (await partner.PostJsonAsync(url, Body(planId))).AssertApiErrorAsync(HttpStatusCode.Conflict);
            Assert.Equal(code, error.GetProperty("code").GetString());
            return error;
        }

        var provider = await Refused("{\"allowed_providers\": [\"gcp\"]}", "guardrail_provider");
        Assert.Contains("gcp", provider.GetProperty("message").GetString(), StringComparison.Ordinal);
        var term = await Refused($"{{\"max_term_months\": {longest - 1}}}", "guardrail_max_term");
        Assert.Equal(longest, term.GetProperty("detail").GetProperty("value").GetInt32());
        await Refused($"{{\"max_new_monthly_commitment_per_month\": {N(Math.Max(0, monthly - 0.01m))}}}", "guardrail_monthly_limit");
        if (upfront > 0)
        {
            await Refused($"{{\"max_upfront_per_purchase\": {N(upfront - 0.01m)}}}", "guardrail_max_upfront");
        }

        var dry = await Refused("{\"dry_run\": true}", "guardrail_dry_run");
        Assert.Contains("Nothing was bought", dry.GetProperty("message").GetString(), StringComparison.Ordinal);
        await using (var cloud = Server.Db(tenants.Child.Id))
        {
            Assert.Empty(await new SandboxMarket(cloud, new SandboxFaults()).OrdersAsync(tenants.Child.Id, Cancel));
        }

        // Limits the plan keeps within let it through.
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync(policy, Http.Json($"{{\"allowed_providers\": [\"aws\"], \"max_term_months\": {longest}, \"dry_run\": false}}"), Cancel));
        await AssertStatusAsync(HttpStatusCode.Created, await partner.PostJsonAsync(url, Body(planId)));
        var read = await (await partner.GetAsync(policy, Cancel)).JsonAsync();
        Assert.Equal(["aws"], read.GetProperty("allowed_providers").EnumerateArray().Select(p => p.GetString()));

        var invalid = await (await partner.PutAsync(policy, Http.Json("{\"allowed_providers\": [\"mars\"], \"max_term_months\": 0, \"max_upfront_per_purchase\": -1}"), Cancel)).AssertValidationErrorAsync();
        foreach (var field in (string[])["allowed_providers", "max_term_months", "max_upfront_per_purchase"])
        {
            Assert.NotEmpty(invalid.Messages("json", field));
        }

        using var user = Server.Client(await Server.CreateKeyAsync(tenants.Child.Id, OrgRole.User));
        await (await user.PutAsync(policy, Http.Json("{\"dry_run\": true}"), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await using var db = Server.Db(tenants.Child.Id);
        Assert.Contains(await db.AuditEvents.Select(a => a.Action).ToListAsync(Cancel), a => a == "purchase_policy.changed");
    }
}

public sealed class PurchaseGuardrailsOnSqlite(SqliteTranche fixture) : PurchaseGuardrailTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class PurchaseGuardrailsOnPostgres(PostgresTranche fixture) : PurchaseGuardrailTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;

/// <summary>Many identical purchase requests at once, and a provider that turns orders away for a while.</summary>
public abstract class PurchaseConcurrencyTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public async Task Fifty_identical_purchase_requests_at_once_make_one_purchase_and_one_set_of_orders()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var plan = await partner.PlanWithPurchasesAsync(tenants.Child.Id);
        var body = JsonSerializer.Serialize(new { plan_id = plan.GetProperty("plan").GetProperty("id").GetString(), confirm = true });
        var url = $"/v2/org/{tenants.Child.Id}/partners/plans/purchase";

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => partner.PostAsync(url, Http.Json(body), Cancel)));

        Assert.Equal(1, responses.Count(r => r.StatusCode == HttpStatusCode.Created));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.Created))
        {
            var error = await refused.AssertApiErrorAsync(HttpStatusCode.Conflict);
            Assert.Equal("plan_already_purchased", error.GetProperty("code").GetString());
        }

        await using var db = Server.Db(tenants.Child.Id);
        Assert.Equal(1, await db.Purchases.CountAsync(Cancel));
        var orders = await new SandboxMarket(db, new SandboxFaults()).OrdersAsync(tenants.Child.Id, Cancel);
        Assert.Equal(plan.GetProperty("line_items").GetArrayLength(), orders.Count);

        using var other = Server.Client(tenants.OtherPartner.Key);
        await (await other.PostAsync(url, Http.Json(body), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }
}

public sealed class PurchaseConcurrencyOnSqlite(SqliteTranche fixture) : PurchaseConcurrencyTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class PurchaseConcurrencyOnPostgres(PostgresTranche fixture) : PurchaseConcurrencyTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
