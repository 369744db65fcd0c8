using System.Net;
using System.Text.Json;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>A server with the default network rule: webhooks never reach loopback, private or link-local addresses.</summary>
public class GuardedWebhookTranche : SqliteTranche
{
    protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["TRANCHE_WEBHOOK_RETRY_BASE_SECONDS"] = "0.1",
        ["TRANCHE_WEBHOOK_POLL_MILLISECONDS"] = "50",
        ["TRANCHE_WEBHOOK_TIMEOUT_SECONDS"] = "1",
    };
}

public sealed class WebhookNetworkTests(GuardedWebhookTranche fixture) : ApiTests<GuardedWebhookTranche>(fixture), IClassFixture<GuardedWebhookTranche>
{
    [Theory]
    [InlineData("story")]
    [InlineData("169.254.169.254")]
    public async Task A_webhook_aimed_inside_the_servers_network_is_not_sent_and_the_attempt_says_why(string target)
    {
        var tenants = await Server.CreateTenantsAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        await using var receiver = await WebhookReceiver.StartAsync();
        // A loopback receiver (http to loopback passes registration, for development), or the cloud metadata address.
        var url = target == "story" ? receiver.Url("story") : $"https://{target}/latest/meta-data/";
        var created = await partner.PostAsync($"/v2/partners/{tenants.Partner.Id}/webhooks", Http.Json(JsonSerializer.Serialize(new { url, event_types = new[] { "purchase.succeeded" } })), Cancel);
        await AssertStatusAsync(HttpStatusCode.Created, created);
        var hookId = (await created.JsonAsync()).GetProperty("id").GetString();

        var ping = await (await partner.PostAsync($"/v2/partners/{tenants.Partner.Id}/webhooks/{hookId}/test", null, Cancel)).JsonAsync();

        var attempt = Assert.Single(ping.GetProperty("attempt_log").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, attempt.GetProperty("status_code").ValueKind);
        Assert.Contains("TRANCHE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS", attempt.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
    }
}
