using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class AutomationApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static HttpContent Policy(object body) => Http.Json(JsonSerializer.Serialize(body));

    /// <summary>A policy that buys the customer's High Savings plan whatever its risk: the demo data's plans buy something there.</summary>
    private static object BuyHighSavings(string schedule = "0 6 * * 1", string mode = "auto_purchase", decimal? minSavings = null) => new Dictionary<string, object?>
    {
        ["schedule"] = schedule,
        ["plan"] = "high_savings",
        ["max_loss_probability"] = 1.0,
        ["min_net_monthly_savings"] = minSavings,
        ["approval_mode"] = mode,
    };

    [Fact]
    public async Task A_policy_is_set_read_and_removed_with_its_next_run_and_an_audit_trail()
    {
        var tenants = await Server.CreateTenantsAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var url = $"/v2/org/{tenants.Child.Id}/partners/automation-policy";
        await (await partner.GetAsync(url, Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);

        var set = await partner.PutAsync(url, Policy(new { schedule = "30 4 * * 1", time_zone = "Europe/Berlin", min_net_monthly_savings = 250, allowed_commitment_types = new[] { "savings_plan" } }), Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, set);
        var policy = await set.JsonAsync();
        Assert.Equal("org", policy.GetProperty("scope").GetString());
        Assert.Equal("recommended", policy.GetProperty("plan").GetString());
        Assert.Equal("auto_purchase", policy.GetProperty("approval_mode").GetString());
        Assert.Equal(250m, policy.GetProperty("min_net_monthly_savings").GetDecimal());
        var next = policy.GetProperty("next_run_at").GetDateTime().ToUniversalTime();
        var berlin = TimeZoneInfo.ConvertTimeFromUtc(next, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.Equal((DayOfWeek.Monday, 4, 30), (berlin.DayOfWeek, berlin.Hour, berlin.Minute));
        Assert.True(next > DateTime.UtcNow && next <= DateTime.UtcNow.AddDays(7).AddHours(1));

        var read = await (await partner.GetAsync(url, Cancel)).JsonAsync();
        Assert.Equal(policy.GetProperty("id").GetString(), read.GetProperty("id").GetString());

        await AssertStatusAsync(HttpStatusCode.NoContent, await partner.DeleteAsync(url, Cancel));
        await (await partner.GetAsync(url, Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await using var db = Server.Db(tenants.Child.Id);
        var actions = await db.AuditEvents.Where(e => e.Action.StartsWith("automation_policy.")).Select(e => e.Action).ToListAsync(Cancel);
        Assert.Equal(["automation_policy.created", "automation_policy.removed"], actions.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("""{"plan":"recommended"}""", "schedule")]
    [InlineData("""{"schedule":"every monday"}""", "schedule")]
    [InlineData("""{"schedule":"0 6 * * 1","time_zone":"Mars/Olympus"}""", "time_zone")]
    [InlineData("""{"schedule":"0 6 * * 1","plan":"cheapest"}""", "plan")]
    [InlineData("""{"schedule":"0 6 * * 1","max_loss_probability":1.5}""", "max_loss_probability")]
    [InlineData("""{"schedule":"0 6 * * 1","approval_mode":"ask"}""", "approval_mode")]
    [InlineData("""{"schedule":"0 6 * * 1","allowed_commitment_types":["lease"]}""", "allowed_commitment_types")]
    [InlineData("""{"schedule":"0 6 * * 1","max_term_months":0}""", "max_term_months")]
    [InlineData("""{"schedule":"0 6 * * 1","providers":["oracle"]}""", "providers")]
    public async Task A_bad_policy_is_a_422_naming_the_field(string body, string field)
    {
        var tenants = await Server.CreateTenantsAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var errors = await (await partner.PutAsync($"/v2/partners/{tenants.Partner.Id}/automation-policy", Http.Json(body), Cancel)).AssertValidationErrorAsync();
        Assert.True(errors.GetProperty("json").TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task Only_the_partner_and_admins_set_policies()
    {
        var tenants = await Server.CreateTenantsAsync();
        using var other = Server.Client(tenants.OtherPartner.Key);
        await (await other.PutAsync($"/v2/org/{tenants.Child.Id}/partners/automation-policy", Policy(BuyHighSavings()), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await other.GetAsync($"/v2/partners/{tenants.Partner.Id}/automation-runs", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        var readOnly = await Server.CreateKeyAsync(tenants.Partner.Id, Domain.Tenancy.OrgRole.User, "read-only");
        using var user = Server.Client(readOnly);
        await (await user.PutAsync($"/v2/partners/{tenants.Partner.Id}/automation-policy", Policy(BuyHighSavings()), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_run_buys_the_plan_when_it_passes_the_rules_and_records_why_and_a_second_run_buys_nothing_more()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var url = $"/v2/org/{tenants.Child.Id}/partners/automation-policy";
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync(url, Policy(BuyHighSavings()), Cancel));

        var first = await partner.PostAsync(url + "/run", null, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, first);
        var run = Assert.Single((await first.JsonAsync()).EnumerateArray());
        Assert.Equal("purchased", run.GetProperty("decision").GetString());
        Assert.Equal("manual", run.GetProperty("trigger").GetString());
        Assert.Contains("High Savings", run.GetProperty("reason").GetString());
        var purchaseId = run.GetProperty("purchase_id").GetString();
        var purchase = await (await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/purchases/{purchaseId}", Cancel)).JsonAsync();
        Assert.Equal("succeeded", purchase.GetProperty("status").GetString());
        Assert.Equal(run.GetProperty("plan_id").GetString(), purchase.GetProperty("plan_id").GetString());
        Assert.True(run.GetProperty("figures").GetProperty("line_items").GetInt32() > 0);

        var second = Assert.Single((await (await partner.PostAsync(url + "/run", null, Cancel)).JsonAsync()).EnumerateArray());
        Assert.Equal("skipped", second.GetProperty("decision").GetString());
        Assert.Contains("was already purchased", second.GetProperty("reason").GetString());
        Assert.Equal(purchaseId, second.GetProperty("purchase_id").GetString());

        var runs = await (await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/automation-runs", Cancel)).JsonAsync();
        Assert.Equal([second.GetProperty("id").GetString(), run.GetProperty("id").GetString()], runs.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        await using var db = Server.Db(tenants.Child.Id);
        Assert.Equal(1, await db.Purchases.CountAsync(Cancel));
    }

    [Fact]
    public async Task A_ladder_buys_one_rung_per_run_and_the_next_rung_from_a_plan_that_counts_the_first()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var url = $"/v2/org/{tenants.Child.Id}/partners/automation-policy";
        var policy = (Dictionary<string, object?>)BuyHighSavings();
        policy["ladder_rungs"] = 2;
        var set = await (await partner.PutAsync(url, Policy(policy), Cancel)).JsonAsync();
        Assert.Equal(2, set.GetProperty("ladder_rungs").GetInt32());

        var first = Assert.Single((await (await partner.PostAsync(url + "/run", null, Cancel)).JsonAsync()).EnumerateArray());
        Assert.Equal("purchased", first.GetProperty("decision").GetString());
        Assert.Contains("rung", first.GetProperty("reason").GetString());
        var planned = await (await partner.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{first.GetProperty("plan_id").GetString()}/line-items?page_size=100", Cancel)).JsonAsync();
        var wanted = planned.EnumerateArray().ToDictionary(l => l.GetProperty("id").GetString()!, l => l.GetProperty("selected_quantity").GetDouble());
        Assert.True(wanted.Values.Sum() >= 2, "the test needs a plan of at least two units");
        var rung = await (await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/purchases/{first.GetProperty("purchase_id").GetString()}", Cancel)).JsonAsync();
        var lines = rung.GetProperty("line_items").EnumerateArray().ToList();
        Assert.All(lines, l => Assert.Equal((int)Math.Ceiling(wanted[l.GetProperty("plan_line_item_id").GetString()!] / 2), l.GetProperty("quantity").GetInt32()));
        var firstUnits = lines.Sum(l => l.GetProperty("quantity").GetInt32());
        Assert.True(firstUnits < wanted.Values.Sum());

        // A day on, the plans are computed again: the first rung counts as owned, so the second rung comes out of what is left.
        await using (var db = Server.Db(tenants.Child.Id))
        {
            await db.CommitmentPlans.Where(p => p.SupersededAt == null).ExecuteUpdateAsync(set => set.SetProperty(p => p.CreatedAt, p => p.CreatedAt.AddHours(-13)), Cancel);
        }

        var second = Assert.Single((await (await partner.PostAsync(url + "/run", null, Cancel)).JsonAsync()).EnumerateArray());
        Assert.NotEqual(first.GetProperty("plan_id").GetString(), second.GetProperty("plan_id").GetString());
        var secondUnits = second.GetProperty("decision").GetString() == "purchased"
            ? (await (await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/purchases/{second.GetProperty("purchase_id").GetString()}", Cancel)).JsonAsync())
                .GetProperty("line_items").EnumerateArray().Sum(l => l.GetProperty("quantity").GetInt32())
            : 0;
        Assert.InRange(firstUnits + secondUnits, firstUnits, (int)wanted.Values.Sum());
    }

    [Fact]
    public async Task A_plan_that_breaks_a_rule_is_not_bought_and_the_run_says_which_rule()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var url = $"/v2/org/{tenants.Child.Id}/partners/automation-policy";
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync(url, Policy(BuyHighSavings(minSavings: 1_000_000_000m)), Cancel));

        var run = Assert.Single((await (await partner.PostAsync(url + "/run", null, Cancel)).JsonAsync()).EnumerateArray());

        Assert.Equal("skipped", run.GetProperty("decision").GetString());
        Assert.Contains("below the policy's minimum of 1,000,000,000.00", run.GetProperty("reason").GetString());
        await using var db = Server.Db(tenants.Child.Id);
        Assert.Equal(0, await db.Purchases.CountAsync(Cancel));
    }

    [Fact]
    public async Task Notify_only_asks_for_approval_with_an_event_and_buys_nothing()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var url = $"/v2/org/{tenants.Child.Id}/partners/automation-policy";
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync(url, Policy(BuyHighSavings(mode: "notify_only")), Cancel));

        var run = Assert.Single((await (await partner.PostAsync(url + "/run", null, Cancel)).JsonAsync()).EnumerateArray());

        Assert.Equal("approval_requested", run.GetProperty("decision").GetString());
        await using var db = Server.Db(tenants.Child.Id);
        Assert.Equal(0, await db.Purchases.CountAsync(Cancel));
        var raised = Assert.Single(await db.OrgEvents.Where(e => e.Type == OrgEventTypes.AutomationApprovalRequested).ToListAsync(Cancel));
        using var data = JsonDocument.Parse(raised.Data);
        Assert.Equal(run.GetProperty("plan_id").GetString(), data.RootElement.GetProperty("plan_id").GetString());

        // Once someone approves and buys it, the plan is not proposed again.
        var bought = await partner.PostAsync(
            $"/v2/org/{tenants.Child.Id}/partners/plans/purchase", Http.Json($$"""{"plan_id":"{{run.GetProperty("plan_id").GetString()}}","confirm":true}"""), Cancel);
        await AssertStatusAsync(HttpStatusCode.Created, bought);
        var again = Assert.Single((await (await partner.PostAsync(url + "/run", null, Cancel)).JsonAsync()).EnumerateArray());
        Assert.Equal("skipped", again.GetProperty("decision").GetString());
        Assert.Contains("was already purchased", again.GetProperty("reason").GetString());
        Assert.Equal(1, await db.OrgEvents.CountAsync(e => e.Type == OrgEventTypes.AutomationApprovalRequested, Cancel));
    }

    [Fact]
    public async Task A_partner_wide_policy_runs_for_customers_without_their_own()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/partners/{tenants.Partner.Id}/automation-policy", Policy(BuyHighSavings(mode: "notify_only")), Cancel));
        // The sibling has its own policy, which wins over the partner's.
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/org/{tenants.Sibling.Id}/partners/automation-policy", Policy(BuyHighSavings()), Cancel));

        var runs = (await (await partner.PostAsync($"/v2/partners/{tenants.Partner.Id}/automation-policy/run", null, Cancel)).JsonAsync()).EnumerateArray().ToList();

        Assert.Equal([tenants.Child.Id.ToString()], runs.Select(r => r.GetProperty("org_id").GetString()).Distinct());
        var listed = await partner.GetAsync($"/v2/partners/{tenants.Partner.Id}/automation-runs?org_id={tenants.Child.Id}", Cancel);
        Assert.Equal(runs.Count, (await listed.JsonAsync()).GetArrayLength());
        Assert.True(listed.Headers.Contains("X-Pagination"));
    }

    [Fact]
    public async Task An_offboarded_customer_is_bought_nothing_by_its_own_policy_or_its_partners()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/org/{tenants.Child.Id}/partners/automation-policy", Policy(BuyHighSavings()), Cancel));
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/partners/{tenants.Partner.Id}/automation-policy", Policy(BuyHighSavings()), Cancel));
        await AssertStatusAsync(HttpStatusCode.OK, await partner.DeleteAsync($"/v2/partners/{tenants.Partner.Id}/orgs/{tenants.Child.Id}", Cancel));

        var automation = Scheduling.Scheduler.AutomationContext(Server.App.Services, "test");
        List<Guid> policies;
        await using (var db = Server.Db())
        {
            policies = await db.AutomationPolicies.IgnoreQueryFilters().Where(p => p.OrgId == tenants.Child.Id || p.OrgId == tenants.Partner.Id).Select(p => p.Id).ToListAsync(Cancel);
        }

        Assert.Equal(2, policies.Count);
        foreach (var policy in policies)
        {
            var runs = await Providers.Automation.AutomationRunner.RunPolicyAsync(automation, policy, AutomationTriggers.Schedule, DateTime.UtcNow, Cancel);
            Assert.DoesNotContain(runs, r => r.OrgId == tenants.Child.Id);
        }

        await using var child = Server.Db(tenants.Child.Id);
        Assert.Equal(0, await child.Purchases.CountAsync(Cancel));
    }

    [Fact]
    public async Task A_scheduled_policy_fires_on_its_own_and_buys_once()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        // Every two seconds (Quartz form, seconds first): each firing after the first finds the plan bought.
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/org/{tenants.Child.Id}/partners/automation-policy", Policy(BuyHighSavings("*/2 * * * * ?")), Cancel));

        var runs = await WaitForRunsAsync(Server, tenants.Child.Id, 3, TimeSpan.FromSeconds(60));

        Assert.All(runs, r => Assert.Equal(AutomationTriggers.Schedule, r.Trigger));
        Assert.Equal(1, runs.Count(r => r.Decision == AutomationDecisions.Purchased));
        Assert.All(runs.Where(r => r.Decision != AutomationDecisions.Purchased), r => Assert.Contains("was already purchased", r.Reason));
        await AssertStatusAsync(HttpStatusCode.NoContent, await partner.DeleteAsync($"/v2/org/{tenants.Child.Id}/partners/automation-policy", Cancel));
        await using var db = Server.Db(tenants.Child.Id);
        Assert.Equal(1, await db.Purchases.CountAsync(Cancel));
    }

    internal static async Task<List<AutomationRun>> WaitForRunsAsync(TrancheFixture server, Guid orgId, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            await using (var db = server.Db(orgId))
            {
                var runs = await db.AutomationRuns.AsNoTracking().Where(r => r.FinishedAt != null).OrderBy(r => r.ScheduledFor).ToListAsync(Cancel);
                if (runs.Count >= count)
                {
                    return runs;
                }

                Assert.True(DateTime.UtcNow < deadline, $"Only {runs.Count} of {count} runs after {timeout}.\n{server.Logs}");
            }

            await Task.Delay(250, Cancel);
        }
    }
}

public sealed class AutomationApiOnSqlite(SqliteTranche fixture) : AutomationApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class AutomationApiOnPostgres(PostgresTranche fixture) : AutomationApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
