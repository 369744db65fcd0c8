using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tranche.Data;
using Tranche.Domain.Webhooks;
using Tranche.Providers;
using Tranche.Server.Webhooks;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>A server whose webhook retries come fast: a 0.1 s first wait and a 50 ms poll.</summary>
public class WebhookSqliteTranche : SqliteTranche
{
    protected override IReadOnlyDictionary<string, string?> Settings => WebhookSettings.Fast;
}

public class WebhookPostgresTranche : PostgresTranche
{
    protected override IReadOnlyDictionary<string, string?> Settings => WebhookSettings.Fast;
}

internal static class WebhookSettings
{
    public static readonly IReadOnlyDictionary<string, string?> Fast = new Dictionary<string, string?>
    {
        ["TRANCHE_WEBHOOK_RETRY_BASE_SECONDS"] = "0.1",
        ["TRANCHE_WEBHOOK_POLL_MILLISECONDS"] = "50",
        ["TRANCHE_WEBHOOK_TIMEOUT_SECONDS"] = "1",
        // The test receivers listen on loopback.
        ["TRANCHE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = "true",
    };
}

/// <summary>What a receiver got: the headers Tranche sends and the raw body, as a receiver must verify it.</summary>
public sealed record ReceivedWebhook(string Path, IReadOnlyDictionary<string, string> Headers, byte[] Body, DateTimeOffset At)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string Header(string name) => Headers.TryGetValue(name, out var value) ? value : "";
}

/// <summary>
/// A webhook receiver on a loopback port. Each path answers from a script of status codes (then 200), so a test can
/// make it fail a few times before it comes back.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _scripts = new();

    /// <summary>In a script: answer 200 after three seconds, longer than the test server waits.</summary>
    public const int Slow = -1;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedWebhook> Received { get; } = new();

    public Uri BaseAddress => new(_app.Urls.First());

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", async (HttpContext context, string path) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            receiver.Received.Enqueue(new ReceivedWebhook(
                path, context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray(), DateTimeOffset.UtcNow));
            var status = receiver._scripts.TryGetValue(path, out var script) && script.TryDequeue(out var next) ? next : 200;
            if (status == Slow)
            {
                // Answers, but only after the sender has given up waiting.
                await Task.Delay(TimeSpan.FromSeconds(3), context.RequestAborted);
                status = 200;
            }

            return Results.Text(status == 200 ? "thanks" : $"scripted {status}", statusCode: status);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The URL of <paramref name="path"/>, answering <paramref name="statuses"/> to the first requests.</summary>
    public string Url(string path, params int[] statuses)
    {
        _scripts[path] = new ConcurrentQueue<int>(statuses);
        return new Uri(BaseAddress, path).ToString();
    }

    public IReadOnlyList<ReceivedWebhook> At(string path) => [.. Received.Where(r => r.Path == path)];

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public abstract class WebhooksApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static string Create(string url, params string[] types) =>
        JsonSerializer.Serialize(new { url, event_types = types.Length == 0 ? OrgEventTypes.All.ToArray() : types, description = "test receiver" });

    private async Task<(Guid Id, string Secret)> RegisterAsync(HttpClient client, string collection, string url, params string[] types)
    {
        var response = await client.PostJsonAsync(collection, Create(url, types));
        await AssertStatusAsync(HttpStatusCode.Created, response);
        var created = await response.JsonAsync();
        return (created.GetProperty("id").GetGuid(), created.GetProperty("secret").GetString()!);
    }

    private static string PartnerHooks(Guid partnerId) => $"/v2/partners/{partnerId}/webhooks";

    private static string OrgHooks(Guid orgId) => $"/v1/org/{orgId}/webhooks";

    private async Task<Guid> RaiseAsync(Guid orgId, string type, object data)
    {
        await using var db = Server.Db(orgId);
        var evt = db.RaiseEvent(orgId, type, data, DateTime.UtcNow);
        await db.SaveChangesAsync(Cancel);
        return evt.Id;
    }

    private static async Task<T> EventuallyValueAsync<T>(Func<Task<T?>> probe, string what)
        where T : struct =>
        (await EventuallyAsync(async () => await probe() is { } value ? new StrongBox<T>(value) : null, what)).Value;

    private static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(50, Cancel);
        }

        Assert.Fail($"Timed out waiting for {what}.");
        return default!;
    }

    private Task<ReceivedWebhook> ReceivedAsync(WebhookReceiver receiver, string path, Func<ReceivedWebhook, bool> match, string what) =>
        EventuallyAsync(() => Task.FromResult(receiver.At(path).FirstOrDefault(match)), what);

    private async Task<JsonElement> DeliveryWhenAsync(HttpClient client, string collection, Guid deliveryId, string status) =>
        await EventuallyValueAsync<JsonElement>(async () =>
        {
            var detail = await (await client.GetAsync($"{collection}/deliveries/{deliveryId}", Cancel)).JsonAsync();
            return detail.GetProperty("status").GetString() == status ? detail : null;
        }, $"delivery {deliveryId} to be {status}");

    private async Task<Guid> DeliveryIdAsync(Guid eventId, Guid endpointId)
    {
        return await EventuallyValueAsync<Guid>(async () =>
        {
            await using var db = Server.Db();
            return await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.EventId == eventId && d.EndpointId == endpointId).Select(d => (Guid?)d.Id).SingleOrDefaultAsync(Cancel);
        }, $"event {eventId} to be fanned out to {endpointId}");
    }

    [Fact]
    public async Task A_partner_endpoint_receives_its_customers_events_signed_with_its_secret()
    {
        var t = await Server.CreateTenantsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var partner = Server.Client(t.Partner.Key);
        var (hookId, secret) = await RegisterAsync(partner, PartnerHooks(t.Partner.Id), receiver.Url("partner-a"), OrgEventTypes.PlanUpdated);

        var eventId = await RaiseAsync(t.Child.Id, OrgEventTypes.PlanUpdated, new { provider = "aws", plan_ids = new[] { Guid.NewGuid() } });

        var got = await ReceivedAsync(receiver, "partner-a", r => r.Header("Tranche-Event-Id") == eventId.ToString(), "the plan.updated event");
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(secret, got.Header(WebhookSignature.HeaderName), got.Body, DateTimeOffset.UtcNow));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(secret + "x", got.Header(WebhookSignature.HeaderName), got.Body, DateTimeOffset.UtcNow));
        Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", got.Header(WebhookSignature.HeaderName));
        Assert.Equal("plan.updated", got.Header("Tranche-Event-Type"));
        Assert.StartsWith("application/json", got.Header("Content-Type"), StringComparison.Ordinal);
        var body = got.Json;
        Assert.Equal(["id", "type", "created_at", "org_id", "partner_org_id", "data"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(eventId, body.GetProperty("id").GetGuid());
        Assert.Equal(t.Child.Id, body.GetProperty("org_id").GetGuid());
        Assert.Equal(t.Partner.Id, body.GetProperty("partner_org_id").GetGuid());
        Assert.Equal("aws", body.GetProperty("data").GetProperty("provider").GetString());

        var deliveryId = Guid.Parse(got.Header("Tranche-Delivery-Id"));
        var detail = await DeliveryWhenAsync(partner, PartnerHooks(t.Partner.Id), deliveryId, "succeeded");
        Assert.Equal(hookId, detail.GetProperty("webhook_id").GetGuid());
        var attempt = Assert.Single(detail.GetProperty("attempt_log").EnumerateArray());
        Assert.Equal(200, attempt.GetProperty("status_code").GetInt32());
        Assert.Equal("thanks", attempt.GetProperty("response_excerpt").GetString());
        Assert.Equal(body.GetRawText(), detail.GetProperty("payload").GetRawText());

        var list = await partner.GetAsync($"{PartnerHooks(t.Partner.Id)}/{hookId}/deliveries", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, list);
        Assert.Equal(deliveryId, Assert.Single((await list.JsonAsync()).EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Contains("\"total\":1", list.Headers.GetValues("X-Pagination").Single(), StringComparison.Ordinal);

        // The endpoint is listed without its secret, under both paths of the partner.
        var listed = await (await partner.GetAsync(PartnerHooks(t.Partner.Id), Cancel)).JsonAsync();
        Assert.False(Assert.Single(listed.EnumerateArray()).TryGetProperty("secret", out _));
        Assert.Single((await (await partner.GetAsync(OrgHooks(t.Partner.Id), Cancel)).JsonAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Partner_B_never_receives_partner_A_customers_events()
    {
        var t = await Server.CreateTenantsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var partnerA = Server.Client(t.Partner.Key);
        using var partnerB = Server.Client(t.OtherPartner.Key);
        using var direct = Server.Client(t.Direct.Key);
        using var child = Server.Client(t.Child.Key);
        var (hookA, _) = await RegisterAsync(partnerA, PartnerHooks(t.Partner.Id), receiver.Url("a"));
        var (hookB, _) = await RegisterAsync(partnerB, PartnerHooks(t.OtherPartner.Id), receiver.Url("b"));
        var (hookDirect, _) = await RegisterAsync(direct, OrgHooks(t.Direct.Id), receiver.Url("direct"));
        var (hookChild, _) = await RegisterAsync(child, OrgHooks(t.Child.Id), receiver.Url("child"));
        var (hookOnlyPurchases, _) = await RegisterAsync(partnerA, PartnerHooks(t.Partner.Id), receiver.Url("a-purchases"), OrgEventTypes.PurchaseSucceeded);

        var events = new Dictionary<Guid, Guid>();
        foreach (var org in new[] { t.Child, t.Sibling, t.OtherChild, t.Direct, t.Partner, t.OtherPartner })
        {
            events[await RaiseAsync(org.Id, OrgEventTypes.PlanUpdated, new { provider = "aws" })] = org.Id;
        }

        await EventuallyAsync<object>(async () =>
        {
            await using var db = Server.Db();
            return await db.OrgEvents.IgnoreQueryFilters().Where(e => events.Keys.Contains(e.Id)).AllAsync(e => e.DispatchedAt != null, Cancel) ? new object() : null;
        }, "every event to be fanned out");

        await using (var db = Server.Db())
        {
            var deliveries = await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => events.Keys.Contains(d.EventId)).ToListAsync(Cancel);
            IEnumerable<Guid> To(Guid hook) => deliveries.Where(d => d.EndpointId == hook).Select(d => d.EventOrgId).Order();
            Assert.Equal(new[] { t.Child.Id, t.Sibling.Id, t.Partner.Id }.Order(), To(hookA));
            Assert.Equal(new[] { t.OtherChild.Id, t.OtherPartner.Id }.Order(), To(hookB));
            Assert.Equal([t.Direct.Id], To(hookDirect));
            Assert.Equal([t.Child.Id], To(hookChild));
            Assert.Empty(To(hookOnlyPurchases));
        }

        await EventuallyAsync(() => Task.FromResult(receiver.At("b").Count == 2 ? receiver.At("b") : null), "partner B's two events");
        Assert.All(receiver.At("b"), r => Assert.Contains(r.Json.GetProperty("org_id").GetGuid(), new[] { t.OtherChild.Id, t.OtherPartner.Id }));

        // Through the API, too: another partner's key reaches neither the endpoints nor the deliveries.
        await (await partnerB.GetAsync(PartnerHooks(t.Partner.Id), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await partnerB.GetAsync($"{PartnerHooks(t.OtherPartner.Id)}/{hookA}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        var deliveryA = await DeliveryIdAsync(events.First(e => e.Value == t.Child.Id).Key, hookA);
        await (await partnerB.GetAsync($"{PartnerHooks(t.OtherPartner.Id)}/deliveries/{deliveryA}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await (await partnerB.PostAsync($"{PartnerHooks(t.OtherPartner.Id)}/deliveries/{deliveryA}/replay", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        // A customer's key cannot use the partner routes, not even on its own org.
        await (await child.GetAsync(PartnerHooks(t.Child.Id), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await child.GetAsync(PartnerHooks(t.Partner.Id), Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_receiver_that_is_down_or_too_slow_is_retried_with_growing_waits_until_it_answers()
    {
        var t = await Server.CreateTenantsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var partner = Server.Client(t.Partner.Key);
        var (hookId, _) = await RegisterAsync(partner, PartnerHooks(t.Partner.Id), receiver.Url("flaky", 503, WebhookReceiver.Slow, 500), OrgEventTypes.PurchaseFailed);

        var eventId = await RaiseAsync(t.Child.Id, OrgEventTypes.PurchaseFailed, new { purchase_id = Guid.NewGuid() });

        var deliveryId = await DeliveryIdAsync(eventId, hookId);
        var detail = await DeliveryWhenAsync(partner, PartnerHooks(t.Partner.Id), deliveryId, "succeeded");
        var attempts = detail.GetProperty("attempt_log").EnumerateArray().ToList();
        Assert.Equal([503, null, 500, 200], attempts.Select(a => a.GetProperty("status_code").ValueKind == JsonValueKind.Null ? (int?)null : a.GetProperty("status_code").GetInt32()));
        Assert.Equal("No answer within 1 seconds.", attempts[1].GetProperty("error").GetString());
        Assert.InRange(attempts[1].GetProperty("duration_ms").GetInt32(), 900, 2900);
        Assert.Equal([1, 2, 3, 4], attempts.Select(a => a.GetProperty("number").GetInt32()));
        Assert.Equal([false, false, false, true], attempts.Select(a => a.GetProperty("succeeded").GetBoolean()));
        Assert.Contains("503", attempts[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("scripted 503", attempts[0].GetProperty("response_excerpt").GetString());
        Assert.Equal(4, detail.GetProperty("attempts").GetInt32());
        // Waits of 0.1 s, 0.4 s and 1.6 s (±20 %) after each attempt ended, plus however long the poll took.
        var at = attempts.Select(a => a.GetProperty("attempted_at").GetDateTime()).ToList();
        var ended = attempts.Select(a => a.GetProperty("attempted_at").GetDateTime().AddMilliseconds(a.GetProperty("duration_ms").GetInt32())).ToList();
        var waits = ended.Zip(at.Skip(1), (a, b) => (b - a).TotalSeconds).ToList();
        double[] nominal = [0.1, 0.4, 1.6];
        for (var i = 0; i < 3; i++)
        {
            Assert.InRange(waits[i], nominal[i] * 0.8, nominal[i] * 1.2 + 0.5);
        }

        // Every attempt carried the same event and body, each with its own fresh signature.
        var got = receiver.At("flaky");
        Assert.Equal(4, got.Count);
        Assert.Single(got.Select(r => Convert.ToBase64String(r.Body)).Distinct());
        Assert.All(got, r => Assert.Equal(eventId.ToString(), r.Header("Tranche-Event-Id")));
    }

    [Fact]
    public async Task A_refused_connection_is_logged_and_retried_and_410_gone_disables_the_endpoint()
    {
        var t = await Server.CreateTenantsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var direct = Server.Client(t.Direct.Key);
        var closedPort = ClosedPort();
        var (hookId, secret) = await RegisterAsync(direct, OrgHooks(t.Direct.Id), $"http://127.0.0.1:{closedPort}/hook", OrgEventTypes.CommitmentExpiring);

        var eventId = await RaiseAsync(t.Direct.Id, OrgEventTypes.CommitmentExpiring, new { days_left = 7 });
        var deliveryId = await DeliveryIdAsync(eventId, hookId);
        var refused = await EventuallyValueAsync<JsonElement>(async () =>
        {
            var d = await (await direct.GetAsync($"{OrgHooks(t.Direct.Id)}/deliveries/{deliveryId}", Cancel)).JsonAsync();
            return d.GetProperty("attempt_log").GetArrayLength() > 0 ? d : null;
        }, "the first attempt");
        var first = refused.GetProperty("attempt_log")[0];
        Assert.Equal(JsonValueKind.Null, first.GetProperty("status_code").ValueKind);
        Assert.StartsWith("Could not send", first.GetProperty("error").GetString(), StringComparison.Ordinal);

        // The receiver comes up at a new address: the next retry reaches it.
        var moved = await direct.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{OrgHooks(t.Direct.Id)}/{hookId}") { Content = Http.Json(JsonSerializer.Serialize(new { url = receiver.Url("moved") })) }, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, moved);
        var done = await DeliveryWhenAsync(direct, OrgHooks(t.Direct.Id), deliveryId, "succeeded");
        Assert.True(done.GetProperty("attempt_log").GetArrayLength() >= 2);
        var got = Assert.Single(receiver.At("moved"));
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(secret, got.Header(WebhookSignature.HeaderName), got.Body, DateTimeOffset.UtcNow));

        // 410 Gone: no retry, and the endpoint is disabled with the reason.
        await AssertStatusAsync(HttpStatusCode.OK, await direct.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{OrgHooks(t.Direct.Id)}/{hookId}") { Content = Http.Json(JsonSerializer.Serialize(new { url = receiver.Url("gone", 410) })) }, Cancel));
        var goneEvent = await RaiseAsync(t.Direct.Id, OrgEventTypes.CommitmentExpiring, new { days_left = 6 });
        var gone = await DeliveryWhenAsync(direct, OrgHooks(t.Direct.Id), await DeliveryIdAsync(goneEvent, hookId), "failed");
        Assert.Equal(410, Assert.Single(gone.GetProperty("attempt_log").EnumerateArray()).GetProperty("status_code").GetInt32());
        var hook = await (await direct.GetAsync($"{OrgHooks(t.Direct.Id)}/{hookId}", Cancel)).JsonAsync();
        Assert.False(hook.GetProperty("enabled").GetBoolean());
        Assert.Contains("410", hook.GetProperty("disabled_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("webhook_disabled", (await (await direct.PostAsync($"{OrgHooks(t.Direct.Id)}/{hookId}/test", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());

        // A disabled endpoint gets nothing new; enabling it clears the reason.
        var whileDisabled = await RaiseAsync(t.Direct.Id, OrgEventTypes.CommitmentExpiring, new { days_left = 5 });
        await EventuallyAsync<object>(async () =>
        {
            await using var db = Server.Db();
            return await db.OrgEvents.IgnoreQueryFilters().AnyAsync(e => e.Id == whileDisabled && e.DispatchedAt != null, Cancel) ? new object() : null;
        }, "the event to be dispatched");
        await using (var db = Server.Db())
        {
            Assert.False(await db.WebhookDeliveries.IgnoreQueryFilters().AnyAsync(d => d.EventId == whileDisabled, Cancel));
        }

        var enabled = await (await direct.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{OrgHooks(t.Direct.Id)}/{hookId}") { Content = Http.Json("""{"enabled": true}""") }, Cancel)).JsonAsync();
        Assert.True(enabled.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, enabled.GetProperty("disabled_reason").ValueKind);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task A_ping_and_a_replay_send_signed_requests_and_a_rotated_secret_takes_over_at_once()
    {
        var t = await Server.CreateTenantsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var partner = Server.Client(t.Partner.Key);
        var hooks = PartnerHooks(t.Partner.Id);
        var (hookId, secret) = await RegisterAsync(partner, hooks, receiver.Url("ping"));

        var ping = await partner.PostAsync($"{hooks}/{hookId}/test", null, Cancel);
        await AssertStatusAsync(HttpStatusCode.Created, ping);
        var pinged = await ping.JsonAsync();
        Assert.Equal("ping", pinged.GetProperty("event_type").GetString());
        Assert.Equal("succeeded", pinged.GetProperty("status").GetString());
        Assert.Equal(200, Assert.Single(pinged.GetProperty("attempt_log").EnumerateArray()).GetProperty("status_code").GetInt32());
        var got = Assert.Single(receiver.At("ping"));
        Assert.Equal("ping", got.Json.GetProperty("type").GetString());
        Assert.Equal(hookId, got.Json.GetProperty("data").GetProperty("webhook_id").GetGuid());
        Assert.Equal(JsonValueKind.Null, got.Json.GetProperty("partner_org_id").ValueKind);
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(secret, got.Header(WebhookSignature.HeaderName), got.Body, DateTimeOffset.UtcNow));

        // Replay: the same event and body again, with a fresh signature, logged as a second attempt.
        var deliveryId = pinged.GetProperty("id").GetGuid();
        var replay = await partner.PostAsync($"{hooks}/deliveries/{deliveryId}/replay", null, Cancel);
        await AssertStatusAsync(HttpStatusCode.Accepted, replay);
        var again = await ReceivedAsync(receiver, "ping", r => r != got, "the replayed ping");
        Assert.Equal(got.Body, again.Body);
        Assert.Equal(got.Header("Tranche-Event-Id"), again.Header("Tranche-Event-Id"));
        Assert.Equal(got.Header("Tranche-Delivery-Id"), again.Header("Tranche-Delivery-Id"));
        var replayed = await EventuallyValueAsync<JsonElement>(async () =>
        {
            var d = await (await partner.GetAsync($"{hooks}/deliveries/{deliveryId}", Cancel)).JsonAsync();
            return d.GetProperty("attempt_log").GetArrayLength() == 2 && d.GetProperty("status").GetString() == "succeeded" ? d : null;
        }, "the replay to be logged");
        Assert.Equal([1, 2], replayed.GetProperty("attempt_log").EnumerateArray().Select(a => a.GetProperty("number").GetInt32()));
        Assert.NotEqual(JsonValueKind.Null, replayed.GetProperty("replayed_at").ValueKind);

        // Rotation: a new secret, shown once; the old one no longer verifies.
        var rotated = await (await partner.PostAsync($"{hooks}/{hookId}/rotate-secret", null, Cancel)).JsonAsync();
        var newSecret = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(secret, newSecret);
        Assert.StartsWith("whsec_", newSecret, StringComparison.Ordinal);
        await AssertStatusAsync(HttpStatusCode.Created, await partner.PostAsync($"{hooks}/{hookId}/test", null, Cancel));
        var afterRotation = receiver.At("ping").Last();
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(newSecret, afterRotation.Header(WebhookSignature.HeaderName), afterRotation.Body, DateTimeOffset.UtcNow));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(secret, afterRotation.Header(WebhookSignature.HeaderName), afterRotation.Body, DateTimeOffset.UtcNow));

        // Deleting the endpoint deletes its deliveries.
        Assert.Equal(HttpStatusCode.NoContent, (await partner.DeleteAsync($"{hooks}/{hookId}", Cancel)).StatusCode);
        await (await partner.GetAsync($"{hooks}/{hookId}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await (await partner.GetAsync($"{hooks}/deliveries/{deliveryId}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await using var db = Server.Db(t.Partner.Id);
        Assert.Contains(await db.AuditEvents.Select(a => a.Action).ToListAsync(Cancel), a => a == "webhook.secret_rotated");
    }

    [Fact]
    public async Task Bad_webhooks_are_422_naming_the_field_and_only_admins_change_them()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var hooks = PartnerHooks(t.Partner.Id);

        foreach (var url in (string[])["http://hooks.example.com/x", "ftp://hooks.example.com/x", "/relative", "not a url", "https://user:pw@hooks.example.com/"])
        {
            var errors = await (await partner.PostJsonAsync(hooks, Create(url, OrgEventTypes.PlanUpdated))).AssertValidationErrorAsync();
            Assert.NotEmpty(errors.Messages("json", "url"));
        }

        var unknown = await (await partner.PostJsonAsync(hooks, Create("https://hooks.example.com/x", "plan.updated", "plan.deleted"))).AssertValidationErrorAsync();
        Assert.Contains(unknown.Messages("json", "event_types"), m => m.Contains("'plan.deleted'", StringComparison.Ordinal));
        var none = await (await partner.PostJsonAsync(hooks, """{"url": "https://hooks.example.com/x", "event_types": []}""")).AssertValidationErrorAsync();
        Assert.NotEmpty(none.Messages("json", "event_types"));
        var missing = await (await partner.PostJsonAsync(hooks, "{}")).AssertValidationErrorAsync();
        Assert.NotEmpty(missing.Messages("json", "url"));
        Assert.NotEmpty(missing.Messages("json", "event_types"));
        Assert.NotEmpty((await (await partner.PostJsonAsync(hooks, """{"url": "https://hooks.example.com/x", "event_types": ["plan.updated"], "colour": "red"}""")).AssertValidationErrorAsync()).Messages("json", "colour"));

        // Loopback http is fine (local development); https anywhere is fine.
        var (hookId, _) = await RegisterAsync(partner, hooks, "http://localhost:9/hook", OrgEventTypes.PlanUpdated);
        await RegisterAsync(partner, hooks, "https://hooks.example.com/tranche", OrgEventTypes.PlanUpdated);
        var patch = await partner.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{hooks}/{hookId}") { Content = Http.Json("""{"url": "http://example.com/"}""") }, Cancel);
        Assert.NotEmpty((await patch.AssertValidationErrorAsync()).Messages("json", "url"));
        var emptyTypes = await partner.SendAsync(new HttpRequestMessage(HttpMethod.Patch, $"{hooks}/{hookId}") { Content = Http.Json("""{"event_types": []}""") }, Cancel);
        Assert.NotEmpty((await emptyTypes.AssertValidationErrorAsync()).Messages("json", "event_types"));
        Assert.NotEmpty((await (await partner.GetAsync($"{hooks}/not-a-uuid", Cancel)).AssertValidationErrorAsync()).Messages("path", "webhook_id"));

        var user = Server.Client(await Server.CreateKeyAsync(t.Partner.Id, Tranche.Domain.Tenancy.OrgRole.User, "reader"));
        await (await user.PostJsonAsync(hooks, Create("https://hooks.example.com/x", OrgEventTypes.PlanUpdated))).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await user.PostAsync($"{hooks}/{hookId}/rotate-secret", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await AssertStatusAsync(HttpStatusCode.OK, await user.GetAsync(hooks, Cancel));
    }

    [Fact]
    public async Task A_purchase_through_the_partner_api_sends_signed_plan_and_purchase_events_to_the_partner()
    {
        var (t, _) = await Server.CustomerWithAwsBillingAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var partner = Server.Client(t.Partner.Key);
        var (_, secret) = await RegisterAsync(partner, PartnerHooks(t.Partner.Id), receiver.Url("partner"),
            OrgEventTypes.PlanUpdated, OrgEventTypes.PurchaseSucceeded, OrgEventTypes.PurchaseFailed);
        using var otherPartner = Server.Client(t.OtherPartner.Key);
        var (otherHook, _) = await RegisterAsync(otherPartner, PartnerHooks(t.OtherPartner.Id), receiver.Url("other"));

        var plan = await partner.PlanWithPurchasesAsync(t.Child.Id);
        var planId = plan.GetProperty("plan").GetProperty("id").GetGuid();
        var purchase = await partner.PostJsonAsync($"/v2/org/{t.Child.Id}/partners/plans/purchase", JsonSerializer.Serialize(new { plan_id = planId, confirm = true }));
        await AssertStatusAsync(HttpStatusCode.Created, purchase);
        var bought = await purchase.JsonAsync();

        var succeeded = await ReceivedAsync(receiver, "partner", r => r.Header("Tranche-Event-Type") == "purchase.succeeded", "purchase.succeeded");
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(secret, succeeded.Header(WebhookSignature.HeaderName), succeeded.Body, DateTimeOffset.UtcNow));
        var data = succeeded.Json.GetProperty("data");
        Assert.Equal(t.Child.Id, succeeded.Json.GetProperty("org_id").GetGuid());
        Assert.Equal(t.Partner.Id, succeeded.Json.GetProperty("partner_org_id").GetGuid());
        Assert.Equal(bought.GetProperty("id").GetGuid(), data.GetProperty("purchase_id").GetGuid());
        Assert.Equal(planId, data.GetProperty("plan_id").GetGuid());
        Assert.Equal("succeeded", data.GetProperty("status").GetString());
        Assert.Equal(bought.GetProperty("total_upfront_cost").GetDecimal(), data.GetProperty("total_upfront_cost").GetDecimal());
        Assert.Equal(bought.GetProperty("line_items").GetArrayLength(), data.GetProperty("line_items").GetArrayLength());
        Assert.All(data.GetProperty("line_items").EnumerateArray(), l => Assert.Equal("succeeded", l.GetProperty("status").GetString()));

        // The plans fetched before the purchase were announced too, with the recommended plan and its savings.
        var planned = await ReceivedAsync(receiver, "partner", r => r.Header("Tranche-Event-Type") == "plan.updated", "plan.updated");
        var planData = planned.Json.GetProperty("data");
        Assert.Equal("aws", planData.GetProperty("provider").GetString());
        Assert.Contains(planId, planData.GetProperty("plan_ids").EnumerateArray().Select(p => p.GetGuid()));
        Assert.Equal(3, planData.GetProperty("plans").GetArrayLength());

        // Both events reached the partner, so both were fanned out: the other partner got no delivery of either.
        await using var db = Server.Db();
        Assert.Equal(1, await db.OrgEvents.IgnoreQueryFilters().CountAsync(e => e.OrgId == t.Child.Id && e.Type == OrgEventTypes.PurchaseSucceeded, Cancel));
        Assert.False(await db.WebhookDeliveries.IgnoreQueryFilters().AnyAsync(d => d.EndpointId == otherHook, Cancel));
        Assert.Empty(receiver.At("other"));
    }

    [Fact]
    public async Task Commitment_expiring_is_raised_once_per_commitment_and_threshold()
    {
        var org = await Server.CreateOrgAsync();
        var now = new DateTime(2031, 3, 1, 12, 0, 0, DateTimeKind.Utc);
        Commitment Ending(string id, TimeSpan left, string state = ProviderCommitmentStates.Active) => new()
        {
            Id = CommitmentIds.For(org.Id, "aws", id), OrgId = org.Id, Provider = "aws", ProviderCommitmentId = id, Source = "sync", Type = "Reserved Instance",
            Category = "Usage", Unit = "instances", Currency = "USD", ProviderState = state, Quantity = 2, StartsAt = now + left - TimeSpan.FromDays(365), EndsAt = now + left,
            RecurringHourlyCost = 0.1m, UpfrontCost = 876m, CreatedAt = now, UpdatedAt = now,
        };
        await using (var db = Server.Db(org.Id))
        {
            db.Commitments.AddRange(
                Ending("in-20-days", TimeSpan.FromDays(20)), Ending("in-3-days", TimeSpan.FromDays(3)), Ending("in-60-days", TimeSpan.FromDays(60)),
                Ending("cancelled", TimeSpan.FromDays(5), ProviderCommitmentStates.Cancelled), Ending("ended", TimeSpan.FromDays(-1)));
            await db.SaveChangesAsync(Cancel);
        }

        async Task<List<JsonElement>> EventsAsync()
        {
            await using var db = Server.Db(org.Id);
            return [.. (await db.OrgEvents.Where(e => e.Type == OrgEventTypes.CommitmentExpiring).OrderBy(e => e.DedupeKey).Select(e => e.Data).ToListAsync(Cancel))
                .Select(d => JsonDocument.Parse(d).RootElement.Clone())];
        }

        async Task<int> ScanAsync(DateTime at)
        {
            await using var db = Server.Db();
            return await CommitmentExpiry.RaiseDueAsync(db, at, Cancel);
        }

        Assert.Equal(2, await ScanAsync(now));
        Assert.Equal(0, await ScanAsync(now));
        Assert.Equal(0, await ScanAsync(now.AddHours(1)));
        var first = await EventsAsync();
        Assert.Equal([("in-20-days", 30, 20), ("in-3-days", 7, 3)],
            first.Select(e => (e.GetProperty("provider_commitment_id").GetString(), e.GetProperty("threshold_days").GetInt32(), e.GetProperty("days_left").GetInt32()))
                .OrderBy(e => e.Item1, StringComparer.Ordinal));
        var twenty = first.Single(e => e.GetProperty("provider_commitment_id").GetString() == "in-20-days");
        Assert.Equal("2031-03-21", twenty.GetProperty("end_date").GetString());
        Assert.Equal("Reserved Instance", twenty.GetProperty("type").GetString());
        // 0.1 an hour plus 876 upfront over 8,760 hours, per 730-hour month.
        Assert.Equal(0.1m * 730 + 876m / 8760 * 730, twenty.GetProperty("monthly_cost").GetDecimal());

        // Two weeks on, the 20-day commitment enters the 7-day window: one more warning, and only that one.
        Assert.Equal(1, await ScanAsync(now.AddDays(14)));
        Assert.Equal(0, await ScanAsync(now.AddDays(15)));
        var all = await EventsAsync();
        Assert.Equal(3, all.Count);
        Assert.Equal([30, 7], all.Where(e => e.GetProperty("provider_commitment_id").GetString() == "in-20-days").Select(e => e.GetProperty("threshold_days").GetInt32()).OrderDescending());
    }

    [Fact]
    public async Task Several_senders_fanning_out_at_once_make_one_delivery_per_event_and_endpoint()
    {
        var t = await Server.CreateTenantsAsync();
        await using var receiver = await WebhookReceiver.StartAsync();
        using var partner = Server.Client(t.Partner.Key);
        var (hookId, _) = await RegisterAsync(partner, PartnerHooks(t.Partner.Id), receiver.Url("once"), OrgEventTypes.PurchaseSucceeded);
        var events = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            events.Add(await RaiseAsync(i % 2 == 0 ? t.Child.Id : t.Sibling.Id, OrgEventTypes.PurchaseSucceeded, new { n = i }));
        }

        // Four more senders beside the server's own, as replicas would be, all after the same events.
        var dispatcher = Server.App.Services.GetRequiredService<WebhookDispatcher>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await dispatcher.FanOutAsync(Cancel);
            await dispatcher.SendDueAsync(Cancel);
        }, Cancel)));

        var deliveries = await EventuallyAsync(async () =>
        {
            await using var db = Server.Db();
            var rows = await db.WebhookDeliveries.IgnoreQueryFilters().Where(d => d.EndpointId == hookId).ToListAsync(Cancel);
            return rows.Count >= events.Count && rows.All(d => d.Status == WebhookDeliveryStates.Succeeded) ? rows : null;
        }, "every delivery to succeed");
        await using var db = Server.Db();
        Assert.Equal(events.Order(), deliveries.Select(d => d.EventId).Order());
        var attempts = await db.WebhookAttempts.IgnoreQueryFilters().Where(a => deliveries.Select(d => d.Id).Contains(a.DeliveryId)).ToListAsync(Cancel);
        Assert.Equal(events.Count, attempts.Count);
        Assert.Equal(events.Select(e => e.ToString()).Order(), receiver.At("once").Select(r => r.Header("Tranche-Event-Id")).Order());
    }

    [Fact]
    public async Task Only_one_of_many_senders_takes_a_delivery_lease()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var (hookId, _) = await RegisterAsync(partner, PartnerHooks(t.Partner.Id), "https://hooks.example.com/never-called", OrgEventTypes.PlanUpdated);
        var soon = DateTime.UtcNow.AddHours(1);
        Guid deliveryId;
        await using (var db = Server.Db(t.Partner.Id))
        {
            var endpoint = await db.WebhookEndpoints.SingleAsync(w => w.Id == hookId, Cancel);
            // Due only in an hour, so the server's own sender leaves it alone while the contenders race for it.
            var delivery = WebhookDispatcher.NewDelivery(endpoint, Guid.NewGuid(), OrgEventTypes.PlanUpdated, t.Child.Id, "{}", soon);
            db.WebhookDeliveries.Add(delivery);
            await db.SaveChangesAsync(Cancel);
            deliveryId = delivery.Id;
        }

        var racedAt = soon.AddMinutes(1);
        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            await using var db = Server.Db();
            return await WebhookDispatcher.TryLeaseAsync(db, deliveryId, racedAt, Cancel);
        }));

        var winner = Assert.Single(tokens, token => token is not null);
        await using (var db = Server.Db())
        {
            Assert.Equal(winner, (await db.WebhookDeliveries.IgnoreQueryFilters().SingleAsync(d => d.Id == deliveryId, Cancel)).LeaseToken);
            // Still held a little later; free again once the lease has run out.
            Assert.Null(await WebhookDispatcher.TryLeaseAsync(db, deliveryId, racedAt.AddSeconds(30), Cancel));
            Assert.NotNull(await WebhookDispatcher.TryLeaseAsync(db, deliveryId, racedAt + WebhookDispatcher.LeaseDuration + TimeSpan.FromSeconds(1), Cancel));
        }
    }
}

public sealed class WebhooksApiOnSqlite(WebhookSqliteTranche fixture) : WebhooksApiTests<WebhookSqliteTranche>(fixture), IClassFixture<WebhookSqliteTranche>;

public sealed class WebhooksApiOnPostgres(WebhookPostgresTranche fixture) : WebhooksApiTests<WebhookPostgresTranche>(fixture), IClassFixture<WebhookPostgresTranche>;
