using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using System.Net;
using System.Text.Json;
using Tranche.Ingest;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class PlansApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    [Fact]
    public async Task A_plans_before_and_after_costs_include_what_the_commitments_in_force_cost()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var client = Server.Client(tenants.Child.Key);
        // A one-year Savings Plan in force, partly paid upfront: 1.5 an hour plus 8,760 over its 8,760 hours.
        await using (var db = Server.Db(tenants.Child.Id))
        {
            var now = DateTime.UtcNow;
            db.Commitments.Add(new Tranche.Data.Commitment
            {
                Id = Tranche.Data.CommitmentIds.For(tenants.Child.Id, "aws", "sp-in-force"), OrgId = tenants.Child.Id, Provider = "aws", ProviderCommitmentId = "sp-in-force",
                Source = Tranche.Data.CommitmentSources.Sync, Type = "Compute Savings Plan", Category = "spend", Unit = "USD/hour", Currency = "USD",
                ProviderState = Tranche.Data.ProviderCommitmentStates.Active, StartsAt = now.AddDays(-100), EndsAt = now.AddDays(-100).AddHours(8760),
                RecurringHourlyCost = 1.5m, UpfrontCost = 8760m, Quantity = 2.5, CreatedAt = now, UpdatedAt = now,
            });
            await db.SaveChangesAsync(Cancel);
        }

        var plans = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/default?provider=aws", Cancel)).JsonAsync();

        // Reference: every aws commitment in force at the plan time, recurring fee plus upfront spread over its term.
        double expected;
        await using (var db = Server.Db(tenants.Child.Id))
        {
            var planDay = (await db.CommitmentPlans.FirstAsync(Cancel)).DataTo.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            var inForce = await db.Commitments.AsNoTracking().Where(c => c.Provider == "aws").ToListAsync(Cancel);
            expected = inForce.Where(c => c.StartsAt <= planDay && c.EndsAt > planDay && c.ProviderState is not ("cancelled" or "removed"))
                .Sum(c => (double)c.RecurringHourlyCost + (double)c.UpfrontCost / (c.EndsAt - c.StartsAt).TotalHours);
        }

        Assert.True(expected >= 2.5, $"The Savings Plan in force costs 2.5 an hour; the reference found {expected}.");
        foreach (var plan in plans.EnumerateArray())
        {
            var reserved = plan.GetProperty("before_reserved_cost_hourly").GetDouble();
            Assert.Equal(expected, reserved, 6);
            Assert.Equal(plan.GetProperty("before_ondemand_cost_hourly").GetDouble() + reserved, plan.GetProperty("before_cost_hourly").GetDouble(), 6);
            Assert.Equal(plan.GetProperty("before_cost_hourly").GetDouble() - plan.GetProperty("savings_hourly").GetDouble(), plan.GetProperty("after_cost_hourly").GetDouble(), 6);
        }
    }

    [Fact]
    public async Task Default_plans_follow_the_contract_and_are_computed_again_only_for_newer_data()
    {
        var (tenants, folder) = await Server.CustomerWithAwsBillingAsync();
        using var client = Server.Client(tenants.Child.Key);
        var url = $"/v1/org/{tenants.Child.Id}/commitment-plans/default?provider=aws";

        var first = await client.GetAsync(url, Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, first);
        var plans = await first.JsonAsync();
        Contract.AssertMatches(plans, "CommitmentPlan[]");
        Assert.Equal(["Recommended", "Balanced", "High Savings"], plans.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.All(plans.EnumerateArray(), p => Assert.Equal(tenants.Child.Id.ToString(), p.GetProperty("org_id").GetString()));
        var ids = plans.EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        var again = await (await client.GetAsync(url, Cancel)).JsonAsync();
        Assert.Equal(ids, again.EnumerateArray().Select(p => p.GetProperty("id").GetString()));

        // Each plan's hourly figures add up from its line items.
        foreach (var plan in plans.EnumerateArray())
        {
            var items = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{plan.GetProperty("id").GetString()}/line-items?page_size=100", Cancel)).JsonAsync();
            foreach (var item in items.EnumerateArray())
            {
                AssertLineItemMatchesContract(item);
                Assert.Equal(plan.GetProperty("id").GetString(), item.GetProperty("plan_id").GetString());
            }

            Assert.Equal(plan.GetProperty("amortized_cost_hourly").GetDecimal(), items.EnumerateArray().Sum(i => i.GetProperty("after_amortized_cost").GetDecimal()), 6);
            Assert.Equal(plan.GetProperty("covered_ondemand_cost_hourly").GetDecimal(), items.EnumerateArray().Sum(i => i.GetProperty("covered_ondemand_cost").GetDecimal()), 6);
            Assert.Equal(
                plan.GetProperty("savings_hourly").GetDecimal(),
                plan.GetProperty("covered_ondemand_cost_hourly").GetDecimal() - plan.GetProperty("amortized_cost_hourly").GetDecimal(), 6);
            Assert.Equal(plan.GetProperty("monthly_savings").GetDecimal(), plan.GetProperty("savings_hourly").GetDecimal() * 730, 4);
            Assert.InRange(plan.GetProperty("commitment_coverage").GetDouble(), 0, 1);
        }

        // A newer load of the same billing period means new plans; the old ones can still be read.
        var reload = await BillingIngest.RunAsync(Server.Database, new IngestRequest(tenants.Child.Id, [folder]), TimeProvider.System, null, Cancel);
        Assert.Equal(IngestOutcome.Loaded, reload.Outcome);
        var newer = await (await client.GetAsync(url, Cancel)).JsonAsync();
        Assert.Empty(newer.EnumerateArray().Select(p => p.GetProperty("id").GetString()).Intersect(ids));
        var old = await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{ids[0]}", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, old);
        var oldPlan = await old.JsonAsync();
        NewerDocs.AssertMatches(oldPlan, "CommitmentPlan");
        Assert.Equal("cancelled", oldPlan.GetProperty("status").GetString());

        var recommended = await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/recommended?provider=aws", Cancel);
        Assert.Contains(recommended.StatusCode, (HttpStatusCode[])[HttpStatusCode.OK, HttpStatusCode.NoContent]);
        if (recommended.StatusCode == HttpStatusCode.OK)
        {
            var plan = await recommended.JsonAsync();
            Contract.AssertMatches(plan, "CommitmentPlan");
            Assert.Contains(plan.GetProperty("id").GetString(), newer.EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        }
    }

    [Fact]
    public async Task Plans_replaced_before_anyone_acted_on_them_are_cancelled_and_a_bought_plan_stays_completed()
    {
        var (tenants, folder) = await Server.CustomerWithAwsBillingAsync();
        using var client = Server.Client(tenants.Child.Key);
        var org = tenants.Child.Id;
        var first = (await (await client.GetAsync($"/v1/org/{org}/commitment-plans/default?provider=aws", Cancel)).JsonAsync()).EnumerateArray().ToList();
        Assert.All(first, p => Assert.Equal("new", p.GetProperty("status").GetString()));
        var bought = first.Last(p => p.GetProperty("amortized_cost_hourly").GetDecimal() > 0).GetProperty("id").GetString()!;
        var applied = await client.PostAsync($"/v1/org/{org}/commitment-plans/{bought}/apply", null, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, applied);
        Assert.Equal("completed", (await applied.JsonAsync()).GetProperty("status").GetString());
        var untouched = first.Select(p => p.GetProperty("id").GetString()!).Where(id => id != bought).ToList();

        // Newer billing data: the plans are computed again, and the ones nobody acted on are cancelled.
        Assert.Equal(IngestOutcome.Loaded, (await BillingIngest.RunAsync(Server.Database, new IngestRequest(org, [folder]), TimeProvider.System, null, Cancel)).Outcome);
        var second = (await (await client.GetAsync($"/v1/org/{org}/commitment-plans/default?provider=aws", Cancel)).JsonAsync()).EnumerateArray().ToList();
        Assert.All(second, p => Assert.Equal("new", p.GetProperty("status").GetString()));
        Assert.DoesNotContain(second, p => first.Any(f => f.GetProperty("id").GetString() == p.GetProperty("id").GetString()));
        foreach (var id in untouched)
        {
            var plan = await (await client.GetAsync($"/v1/org/{org}/commitment-plans/{id}", Cancel)).JsonAsync();
            NewerDocs.AssertMatches(plan, "CommitmentPlan");
            Assert.Equal("cancelled", plan.GetProperty("status").GetString());
        }

        // Subscribers hear which plans were cancelled: exactly the ones nobody acted on, never the bought one.
        await using (var db = Server.Db(org))
        {
            var updated = await db.OrgEvents.Where(e => e.Type == Data.OrgEventTypes.PlanUpdated).ToListAsync(Cancel);
            using var latest = JsonDocument.Parse(updated.OrderBy(e => e.OccurredAt).ThenBy(e => e.Id).Last().Data);
            Assert.Equal(untouched.Order(StringComparer.Ordinal),
                latest.RootElement.GetProperty("cancelled_plan_ids").EnumerateArray().Select(i => i.GetString()!).Order(StringComparer.Ordinal));
        }

        var kept = await (await client.GetAsync($"/v1/org/{org}/commitment-plans/{bought}", Cancel)).JsonAsync();
        Contract.AssertMatches(kept, "CommitmentPlan");
        Assert.Equal("completed", kept.GetProperty("status").GetString());

        // A cancelled plan cannot be bought, by the customer or by its partner.
        var cancelled = untouched.First();
        var refused = await (await client.PostAsync($"/v1/org/{org}/commitment-plans/{cancelled}/apply", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("plan_stale", refused.GetProperty("code").GetString());
        Assert.Contains("cancelled", refused.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var partner = Server.Client(tenants.Partner.Key);
        var partnerRefused = await (await partner.PostJsonAsync($"/v2/org/{org}/partners/plans/purchase", $$"""{"plan_id":"{{cancelled}}","confirm":true}"""))
            .AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("plan_stale", partnerRefused.GetProperty("code").GetString());
        Assert.Equal("cancelled", (await (await client.GetAsync($"/v1/org/{org}/commitment-plans/{cancelled}", Cancel)).JsonAsync()).GetProperty("status").GetString());

        // The periodic refresh computes plans that grew old again; the ones it replaces are cancelled the same way.
        await using (var db = Server.Db(org))
        {
            await db.CommitmentPlans.Where(p => p.SupersededAt == null)
                .ExecuteUpdateAsync(set => set.SetProperty(p => p.CreatedAt, p => p.CreatedAt.AddHours(-21)), Cancel);
        }

        var scheduler = await Server.App.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(Cancel);
        await scheduler.TriggerJob(Scheduling.PlanRefreshJob.Key, Cancel);
        var refreshed = second[0].GetProperty("id").GetString();
        string? status = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline && status != "cancelled";)
        {
            await Task.Delay(200, Cancel);
            status = (await (await client.GetAsync($"/v1/org/{org}/commitment-plans/{refreshed}", Cancel)).JsonAsync()).GetProperty("status").GetString();
        }

        Assert.Equal("cancelled", status);
        Assert.Equal("completed", (await (await client.GetAsync($"/v1/org/{org}/commitment-plans/{bought}", Cancel)).JsonAsync()).GetProperty("status").GetString());
        var third = (await (await client.GetAsync($"/v1/org/{org}/commitment-plans/default?provider=aws", Cancel)).JsonAsync()).EnumerateArray().ToList();
        Assert.All(third, p => Assert.Equal("new", p.GetProperty("status").GetString()));
        Assert.DoesNotContain(third, p => second.Any(f => f.GetProperty("id").GetString() == p.GetProperty("id").GetString()));
    }

    /// <summary>The published schema, with the newer <c>commitment_type</c> on offers that clients read.</summary>
    private static void AssertLineItemMatchesContract(JsonElement item)
    {
        NewerDocs.AssertMatches(item, "CommitmentPlanLineItem_Exclude_CoveredServices");
        Assert.Matches("^(aws|azure|gcp)/[A-Za-z0-9]+$", item.GetProperty("offer").GetProperty("commitment_type").GetString());
        Assert.Contains(item.GetProperty("contract_spec").GetProperty("payment_option").GetString(), (string[])["no_upfront", "partial_upfront", "all_upfront"]);
        Assert.Equal(JsonValueKind.Number, item.GetProperty("offer").GetProperty("duration_seconds").ValueKind);
    }

    [Fact]
    public async Task Comparison_prices_every_term_and_payment_option_with_the_documented_fallback()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var client = Server.Client(tenants.Child.Key);
        var plans = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/default?provider=aws", Cancel)).JsonAsync();
        var plan = plans.EnumerateArray().Last(p => p.GetProperty("amortized_cost_hourly").GetDecimal() > 0);
        var planId = plan.GetProperty("id").GetString();

        var response = await client.GetAsync(
            $"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/comparison?payment_options=no_upfront&payment_options=all_upfront&contract_terms[]=one_year&contract_terms[]=three_year&contract_terms[]=two_year&contract_terms[]=thirty_day", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        NewerDocs.AssertMatches(body, "LineItemOfferComparisonResponse");

        // Today's plan, month by month: the commitment cost is the plan's hourly amortized cost over 730 hours.
        var current = body.GetProperty("current_totals").GetProperty("commitment_financials_monthly_rate");
        Assert.Equal(plan.GetProperty("amortized_cost_hourly").GetDecimal() * 730, current.GetProperty("commitment_cost").GetProperty("total").GetDecimal(), 2);
        Assert.Equal(plan.GetProperty("covered_ondemand_cost_hourly").GetDecimal() * 730, current.GetProperty("covered_ondemand_cost").GetDecimal(), 2);

        var hypotheticals = body.GetProperty("hypothetical_totals").EnumerateArray().ToList();
        Assert.Equal(8, hypotheticals.Count);
        foreach (var hypothetical in hypotheticals)
        {
            var term = hypothetical.GetProperty("contract_term").GetString();
            foreach (var line in hypothetical.GetProperty("line_items").EnumerateArray())
            {
                var (actual, reason) = (line.GetProperty("actual_term").GetString(), line.GetProperty("actual_term_reason").GetString());
                switch (term)
                {
                    case "one_year" or "three_year":
                        Assert.Equal(("exact_match", term), (reason, actual));
                        Assert.Equal(hypothetical.GetProperty("payment_option").GetString(), line.GetProperty("actual_payment_option").GetString());
                        break;
                    case "two_year":
                        Assert.Equal(("fallback_closest_shorter", "one_year"), (reason, actual));
                        break;
                    default:
                        Assert.Equal("no_alternative", reason);
                        break;
                }
            }

            var delta = hypothetical.GetProperty("delta_vs_current");
            var totals = hypothetical.GetProperty("commitment_financials_monthly_rate");
            Assert.Equal(
                totals.GetProperty("commitment_savings").GetProperty("net").GetDecimal() - current.GetProperty("commitment_savings").GetProperty("net").GetDecimal(),
                delta.GetProperty("monthly_net_savings").GetDecimal(), 4);
            if (term == "thirty_day")
            {
                Assert.Equal(0m, delta.GetProperty("monthly_net_savings").GetDecimal(), 4);
            }
        }

        foreach (var row in body.GetProperty("data").EnumerateArray())
        {
            var now = row.GetProperty("current");
            Assert.True(now.GetProperty("is_current").GetBoolean());
            Assert.Equal(0m, now.GetProperty("delta_vs_current").GetProperty("monthly_net_savings").GetDecimal());
            Assert.All(row.GetProperty("candidates").EnumerateArray(), c => Assert.Contains(c.GetProperty("offer").GetProperty("payment_option").GetString(), (string[])["no_upfront", "all_upfront"]));
            // A longer term is cheaper per hour for the same quantity, so it saves more each month.
            var byTerm = row.GetProperty("candidates").EnumerateArray().Where(c => c.GetProperty("offer").GetProperty("payment_option").GetString() == "all_upfront")
                .ToDictionary(c => c.GetProperty("contract_term").GetString()!, c => c.GetProperty("commitment_financials_monthly_rate").GetProperty("commitment_savings").GetProperty("net").GetDecimal());
            if (byTerm.TryGetValue("one_year", out var oneYear) && byTerm.TryGetValue("three_year", out var threeYears))
            {
                Assert.True(threeYears > oneYear);
            }
        }

        var bad = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/comparison?payment_options=monthly&contract_terms=forever&line_item_ids=nope", Cancel)).AssertValidationErrorAsync();
        foreach (var field in (string[])["payment_options", "contract_terms", "line_item_ids"])
        {
            Assert.NotEmpty(bad.Messages("query", field));
        }

        await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{Guid.NewGuid()}/comparison", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Resource_matches_share_each_pools_new_coverage_among_its_resources()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var client = Server.Client(tenants.Child.Key);
        var plans = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/default?provider=aws", Cancel)).JsonAsync();
        var plan = plans.EnumerateArray().Last(p => p.GetProperty("amortized_cost_hourly").GetDecimal() > 0);
        var planId = plan.GetProperty("id").GetString();
        var window = $"start_date={Today.AddDays(-30):yyyy-MM-dd}&end_date={Today.AddDays(-1):yyyy-MM-dd}";
        var lines = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/line-items?page_size=100", Cancel)).JsonAsync();

        var response = await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/resource-matches?{window}&page_size=100", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        Contract.AssertMatches(Assert.Single(response.Headers.GetValues("X-Pagination")), "PaginationMetadata");
        var matches = await response.JsonAsync();
        Contract.AssertMatches(matches, "CommitmentPlanResourceMatch[]");
        Assert.NotEmpty(matches.EnumerateArray());
        var newCoverage = matches.EnumerateArray().Sum(m => m.GetProperty("after_covered_units").GetDouble());
        Assert.InRange(newCoverage, 0.000001, lines.EnumerateArray().Sum(l => l.GetProperty("after_covered_units").GetDouble()) + 1e-6);
        var covered = matches.EnumerateArray().Select(m => m.GetProperty("covered_ondemand_cost").GetDecimal()).ToList();
        Assert.Equal(covered.OrderDescending(), covered);
        foreach (var m in matches.EnumerateArray())
        {
            Assert.Equal(m.GetProperty("before_uncovered_units").GetDouble() - m.GetProperty("after_covered_units").GetDouble(), m.GetProperty("after_uncovered_units").GetDouble(), 9);
            Assert.Equal(m.GetProperty("before_cost").GetDecimal() - m.GetProperty("after_cost").GetDecimal(), m.GetProperty("average_savings").GetDecimal(), 6);
            Assert.InRange(m.GetProperty("coverage").GetDouble(), 0, 1);
        }

        // Narrowing line items by one resource match keeps the line items of that resource's pool.
        var first = matches[0];
        var type = first.GetProperty("resource").GetProperty("instance_type").GetString();
        var narrowed = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/line-items?resource_match_ids={first.GetProperty("id").GetString()}", Cancel)).JsonAsync();
        Assert.NotEmpty(narrowed.EnumerateArray());
        Assert.All(narrowed.EnumerateArray(), l => Assert.Equal(type, l.GetProperty("offer").GetProperty("instance_type").GetString()));

        var missing = await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/resource-matches", Cancel)).AssertValidationErrorAsync();
        Assert.NotEmpty(missing.Messages("query", "start_date"));
    }

    [Fact]
    public async Task Plans_validate_their_parameters_and_answer_empty_without_data()
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        var path = $"/v1/org/{org.Id}/commitment-plans";

        Assert.Equal(["Missing data for required field."], (await (await client.GetAsync($"{path}/default", Cancel)).AssertValidationErrorAsync()).Messages("query", "provider"));
        Assert.NotEmpty((await (await client.GetAsync($"{path}/recommended?provider=oci", Cancel)).AssertValidationErrorAsync()).Messages("query", "provider"));
        Assert.Equal(0, (await (await client.GetAsync($"{path}/default?provider=gcp", Cancel)).JsonAsync()).GetArrayLength());
        Assert.Equal(HttpStatusCode.NoContent, (await client.GetAsync($"{path}/recommended?provider=gcp", Cancel)).StatusCode);
        await (await client.GetAsync($"{path}/{Guid.NewGuid()}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"{path}/{Guid.NewGuid()}/line-items", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        Assert.NotEmpty((await (await client.GetAsync($"{path}/not-a-plan", Cancel)).AssertValidationErrorAsync()).Messages("path", "plan_id"));
        var errors = await (await client.GetAsync($"{path}/{Guid.NewGuid()}/line-items?order_by=price&page_size=101&desc=perhaps&resource_match_ids=x", Cancel)).AssertValidationErrorAsync();
        foreach (var field in (string[])["order_by", "page_size", "desc", "resource_match_ids"])
        {
            Assert.NotEmpty(errors.Messages("query", field));
        }
    }

    [Fact]
    public async Task Partners_get_their_customers_plans_and_a_409_that_names_what_is_missing()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);

        var response = await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/plans/default", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        Assert.Equal(tenants.Child.Id.ToString(), body.GetProperty("org_id").GetString());
        var plans = body.GetProperty("plans").EnumerateArray().ToList();
        Assert.Equal(3, plans.Count);
        Assert.All(plans, p => Contract.AssertMatches(p.GetProperty("plan"), "CommitmentPlan"));
        Assert.All(plans, p => Assert.InRange(p.GetProperty("risk").GetProperty("loss_probability").GetDouble(), 0, 1));
        Assert.All(plans, p => Assert.True(p.GetProperty("risk").GetProperty("simulated_paths").GetInt32() >= 1000));
        Assert.Equal([0.70, 0.85, 0.95], plans.Select(p => p.GetProperty("configuration").GetProperty("coverage_target").GetDouble()));
        Assert.True(plans.Count(p => p.GetProperty("is_recommended").GetBoolean()) <= 1);
        // How long usage lasts was learned from the customer's billing history, and says so.
        var configuration = plans[0].GetProperty("configuration");
        Assert.InRange(configuration.GetProperty("survival_exponent").GetDouble(), 0, 1.0);
        Assert.InRange(configuration.GetProperty("survival_hazard_per_year").GetDouble(), 0, 3);
        Assert.True(configuration.GetProperty("survival_evidence_weeks").GetInt32() > 0);
        Assert.InRange(configuration.GetProperty("survival_evidence_days").GetInt32(), 7, 365);

        using var child = Server.Client(tenants.Child.Key);
        await (await child.GetAsync($"/v2/org/{tenants.Child.Id}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        using var other = Server.Client(tenants.OtherPartner.Key);
        await (await other.GetAsync($"/v2/org/{tenants.Child.Id}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);

        // A customer not onboarded yet: the 409 names the first step missing (every step is covered in OnboardingApiTests).
        var integration = await (await partner.GetAsync($"/v2/org/{tenants.Sibling.Id}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("onboarding_cloud_integration_missing", integration.GetProperty("code").GetString());
        await partner.ConnectSandboxAsync(tenants.Sibling.Id);
        var billing = await (await partner.GetAsync($"/v2/org/{tenants.Sibling.Id}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("onboarding_no_billing_data", billing.GetProperty("code").GetString());
    }
}

public sealed class PlansApiOnSqlite(SqliteTranche fixture) : PlansApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class PlansApiOnPostgres(PostgresTranche fixture) : PlansApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
