using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Webhooks;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// The whole partner story over HTTP, as a channel partner runs it: register a customer, connect and verify its cloud
/// (the sandbox), load its billing export, read its default plans, subscribe a webhook, set an automation policy, and
/// let the scheduler buy the plan once; the partner's endpoint receives the signed purchase event and the ROI report
/// shows what was bought.
/// </summary>
public abstract class PartnerStoryTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public async Task Register_onboard_plan_automate_buy_once_notify_and_report()
    {
        var partnerOrg = await Server.CreateOrgAsync("Story Partner", partner: true);
        using var partner = Server.Client(await Server.CreateKeyAsync(partnerOrg.Id));

        // 1. Register the customer.
        var registered = await partner.PostAsync($"/v2/partners/{partnerOrg.Id}/orgs", Http.Json(JsonSerializer.Serialize(new
        {
            org_name = "Story Customer",
            org_email = "finops@story.example",
            user_emails = new[] { "finops@story.example" },
            user_names = new[] { "Fin Ops" },
        })), Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, registered);
        var child = Guid.Parse((await registered.JsonAsync()).GetProperty("child_org_id").GetString()!);
        var onboarding = $"/v2/org/{child}/partners/onboarding";

        // Nothing can be planned before the cloud is connected: the 409 names the missing step.
        var early = await (await partner.GetAsync($"/v2/org/{child}/partners/plans/default", Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("onboarding_cloud_integration_missing", early.GetProperty("code").GetString());

        // 2. Connect and verify the cloud integration (the sandbox cloud).
        await partner.ConnectSandboxAsync(child);

        // 3. A webhook endpoint for what happens next.
        await using var receiver = await WebhookReceiver.StartAsync();
        var hook = await partner.PostAsync($"/v2/partners/{partnerOrg.Id}/webhooks", Http.Json(JsonSerializer.Serialize(new
        {
            url = receiver.Url("story"),
            event_types = new[] { OrgEventTypes.PurchaseSucceeded, OrgEventTypes.OnboardingCompleted },
        })), Cancel);
        await AssertStatusAsync(HttpStatusCode.Created, hook);
        var secret = (await hook.JsonAsync()).GetProperty("secret").GetString()!;

        // 4. Load the customer's billing export through the API, then sync its inventory.
        await partner.UploadBillingAsync(child, days: 60, seed: 11, instances: 30, TimeSpan.FromSeconds(90));
        await partner.SyncAsync(child);
        var readiness = await (await partner.GetAsync(onboarding, Cancel)).JsonAsync();
        Assert.True(readiness.GetProperty("ready").GetBoolean(), readiness.ToString());

        // 5. The default plans.
        var plans = await (await partner.GetAsync($"/v2/org/{child}/partners/plans/default", Cancel)).JsonAsync();
        Assert.Contains(plans.GetProperty("plans").EnumerateArray(), p => p.GetProperty("line_items").GetArrayLength() > 0);

        // 6. A policy that buys the High Savings plan every two seconds; the scheduler runs it, and only the first
        // firing finds anything to buy.
        var policy = await partner.PutAsync($"/v2/org/{child}/partners/automation-policy", Http.Json(JsonSerializer.Serialize(new
        {
            schedule = "*/2 * * * * ?",
            plan = "high_savings",
            max_loss_probability = 1.0,
            approval_mode = "auto_purchase",
        })), Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, policy);
        var runs = await AutomationApiTests<TFixture>.WaitForRunsAsync(Server, child, 2, TimeSpan.FromSeconds(90));
        await AssertStatusAsync(HttpStatusCode.NoContent, await partner.DeleteAsync($"/v2/org/{child}/partners/automation-policy", Cancel));
        var bought = Assert.Single(runs, r => r.Decision == AutomationDecisions.Purchased);
        Assert.Equal(AutomationTriggers.Schedule, bought.Trigger);
        Assert.All(runs.Where(r => r != bought), r => Assert.Equal(AutomationDecisions.Skipped, r.Decision));
        var purchases = await (await partner.GetAsync($"/v2/org/{child}/partners/purchases", Cancel)).JsonAsync();
        var purchase = Assert.Single(purchases.EnumerateArray());
        Assert.Equal("succeeded", purchase.GetProperty("status").GetString());
        Assert.Equal(bought.PurchaseId.ToString(), purchase.GetProperty("id").GetString());

        // 7. The partner's endpoint got the onboarding and the purchase, signed with its secret.
        var delivered = await EventuallyAsync(() => receiver.At("story").FirstOrDefault(r => r.Header("Tranche-Event-Type") == OrgEventTypes.PurchaseSucceeded));
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(secret, delivered.Header(WebhookSignature.HeaderName), delivered.Body, DateTimeOffset.UtcNow));
        Assert.NotEqual(SignatureCheck.Valid, WebhookSignature.Verify("not-the-secret", delivered.Header(WebhookSignature.HeaderName), delivered.Body, DateTimeOffset.UtcNow));
        Assert.Equal(child.ToString(), delivered.Json.GetProperty("org_id").GetString());
        Assert.Equal(purchase.GetProperty("id").GetString(), delivered.Json.GetProperty("data").GetProperty("purchase_id").GetString());
        Assert.Single(receiver.At("story"), r => r.Header("Tranche-Event-Type") == OrgEventTypes.PurchaseSucceeded);
        await EventuallyAsync(() => receiver.At("story").FirstOrDefault(r => r.Header("Tranche-Event-Type") == OrgEventTypes.OnboardingCompleted));

        // 8. The ROI report shows the purchase, for the customer and partner-wide.
        var lines = purchase.GetProperty("line_items").GetArrayLength();
        var upfront = purchase.GetProperty("total_upfront_cost").GetDecimal();
        var report = await (await partner.GetAsync($"/v2/org/{child}/partners/reports/roi", Cancel)).JsonAsync();
        Assert.Equal(1, report.GetProperty("purchases").GetProperty("purchases").GetInt32());
        Assert.Equal(lines, report.GetProperty("purchases").GetProperty("commitments").GetInt32());
        Assert.Equal(upfront, report.GetProperty("purchases").GetProperty("upfront_cost").GetDecimal());
        var partnerWide = await (await partner.GetAsync($"/v2/partners/{partnerOrg.Id}/reports/roi", Cancel)).JsonAsync();
        Assert.Equal(1, partnerWide.GetProperty("purchases").GetProperty("purchases").GetInt32());
        Assert.Equal(child.ToString(), Assert.Single(partnerWide.GetProperty("orgs").EnumerateArray()).GetProperty("org_id").GetString());

        await using var db = Server.Db(child);
        Assert.Equal(1, await db.Purchases.CountAsync(Cancel));
    }

    private static async Task<T> EventuallyAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (probe() is { } found)
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, "The webhook did not arrive within 30 seconds.");
            await Task.Delay(50, Cancel);
        }
    }
}

public sealed class PartnerStoryOnSqlite(WebhookSqliteTranche fixture) : PartnerStoryTests<WebhookSqliteTranche>(fixture), IClassFixture<WebhookSqliteTranche>;

public sealed class PartnerStoryOnPostgres(WebhookPostgresTranche fixture) : PartnerStoryTests<WebhookPostgresTranche>(fixture), IClassFixture<WebhookPostgresTranche>;
