using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Tranche.Data;
using Tranche.Domain.Webhooks;

namespace Tranche.Server.Webhooks;

/// <summary>
/// Delivers the event outbox to webhook endpoints, on every replica at once: it fans new <see cref="OrgEvent"/>s out into
/// one <see cref="WebhookDelivery"/> per subscribed endpoint, sends deliveries that are due (retrying failures on
/// <see cref="RetrySchedule"/>). Replicas share the work
/// through the database: an event is fanned out by the replica whose conditional update marks it dispatched, and a
/// delivery is sent by the replica whose conditional update takes its lease.
/// </summary>
internal sealed partial class WebhookDispatcher : BackgroundService
{
    public const string PingType = "ping";

    /// <summary>Longer than any attempt can take, so a lease only runs out when its replica died mid-attempt.</summary>
    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(60);

    private const int BatchSize = 50;

    private readonly TrancheServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<WebhookDispatcher> _logger;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _wake = new(0, 1);

    public WebhookDispatcher(TrancheServerOptions options, TimeProvider time, IConfiguration configuration, ILogger<WebhookDispatcher> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        RetryBase = Seconds(configuration["TRANCHE_WEBHOOK_RETRY_BASE_SECONDS"]) ?? RetrySchedule.DefaultBase;
        PollInterval = double.TryParse(configuration["TRANCHE_WEBHOOK_POLL_MILLISECONDS"], NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms > 0
            ? TimeSpan.FromMilliseconds(ms)
            : TimeSpan.FromSeconds(1);
        // Capped well below the lease, so a lease never runs out under an attempt still waiting for its answer.
        RequestTimeout = Seconds(configuration["TRANCHE_WEBHOOK_TIMEOUT_SECONDS"]) is { } timeout && timeout > TimeSpan.Zero
            ? TimeSpan.FromSeconds(Math.Min(timeout.TotalSeconds, 30))
            : TimeSpan.FromSeconds(10);
        AllowPrivateNetworks = bool.TryParse(configuration["TRANCHE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS"], out var allow) && allow;

        // Redirects are not followed: a signed request must reach the registered URL or fail, not wander elsewhere.
        // Each connection checks the address the host name resolved to at that moment, so a name that later points
        // inside the network (DNS rebinding) is refused as well.
        _http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        })
        {
            Timeout = RequestTimeout,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("Tranche-Webhooks/1");
    }

    /// <summary>Whether endpoints may be on loopback, private or shared addresses (<c>TRANCHE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS</c>, default false).</summary>
    public bool AllowPrivateNetworks { get; }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = System.Net.IPAddress.TryParse(host, out var literal) ? [literal] : await System.Net.Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = addresses.Where(a => WebhookAddresses.IsAllowed(a, AllowPrivateNetworks)).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(
                $"{host} resolves to {string.Join(", ", addresses.Select(a => a.ToString()))}, which webhooks may not reach " +
                "(loopback, private, link-local or reserved); an operator can allow private networks with TRANCHE_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true.");
        }

        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>How long an endpoint has to answer, body included (<c>TRANCHE_WEBHOOK_TIMEOUT_SECONDS</c>, default 10, at most 30).</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>The first retry's wait (<c>TRANCHE_WEBHOOK_RETRY_BASE_SECONDS</c>, default 30).</summary>
    public TimeSpan RetryBase { get; }

    /// <summary>How often the outbox and due deliveries are looked at (<c>TRANCHE_WEBHOOK_POLL_MILLISECONDS</c>, default 1000).</summary>
    public TimeSpan PollInterval { get; }

    private static TimeSpan? Seconds(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds >= 0 && seconds < 86_400 ? TimeSpan.FromSeconds(seconds) : null;

    /// <summary>Looks at the outbox now rather than at the next poll (after a change that raised an event, a replay, a ping).</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await FanOutAsync(stoppingToken);
                await SendDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                LogFailed(_logger, e);
            }

            try
            {
                await _wake.WaitAsync(PollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        _wake.Dispose();
        base.Dispose();
    }

    /// <summary>Turns undispatched events into deliveries; returns how many events this replica dispatched.</summary>
    public async Task<int> FanOutAsync(CancellationToken cancellationToken)
    {
        List<Guid> ids;
        await using (var db = TrancheDatabase.CreateContext(_options.Database))
        {
            ids = await db.OrgEvents.IgnoreQueryFilters().AsNoTracking()
                .Where(e => e.DispatchedAt == null)
                .OrderBy(e => e.OccurredAt).ThenBy(e => e.Id)
                .Select(e => e.Id).Take(BatchSize).ToListAsync(cancellationToken);
        }

        var dispatched = 0;
        foreach (var id in ids)
        {
            if (await FanOutAsync(id, cancellationToken))
            {
                dispatched++;
            }
        }

        return dispatched;
    }

    private async Task<bool> FanOutAsync(Guid eventId, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(_options.Database);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = _time.StorageNow();
        // Whoever marks the event wins it; on PostgreSQL a second replica's update waits for this transaction and then
        // finds the row already marked.
        var won = await db.OrgEvents.IgnoreQueryFilters()
            .Where(e => e.Id == eventId && e.DispatchedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(e => e.DispatchedAt, now), cancellationToken);
        if (won == 0)
        {
            return false;
        }

        var evt = await db.OrgEvents.IgnoreQueryFilters().AsNoTracking().SingleAsync(e => e.Id == eventId, cancellationToken);
        var partnerOrgId = await db.Orgs.Where(o => o.Id == evt.OrgId).Select(o => o.ParentOrgId).SingleOrDefaultAsync(cancellationToken);
        // Only the event's org and its partner are candidates at all; WebhookRouting then checks each one again.
        var candidates = await db.WebhookEndpoints.IgnoreQueryFilters().AsNoTracking()
            .Where(w => w.Enabled && (w.OrgId == evt.OrgId || w.OrgId == partnerOrgId))
            .ToListAsync(cancellationToken);
        var payload = WebhookPayload.Build(evt.Id, evt.Type, evt.OccurredAt, evt.OrgId, partnerOrgId, evt.Data);
        foreach (var endpoint in candidates.Where(w => WebhookRouting.Receives(w.OrgId, w.EventTypeList, evt.OrgId, partnerOrgId, evt.Type)))
        {
            db.WebhookDeliveries.Add(NewDelivery(endpoint, evt.Id, evt.Type, evt.OrgId, payload, now));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public static WebhookDelivery NewDelivery(WebhookEndpoint endpoint, Guid eventId, string type, Guid eventOrgId, string payload, DateTime now) => new()
    {
        Id = Guid.CreateVersion7(now),
        OrgId = endpoint.OrgId,
        EndpointId = endpoint.Id,
        EventId = eventId,
        EventType = type,
        EventOrgId = eventOrgId,
        Payload = payload,
        Status = WebhookDeliveryStates.Pending,
        NextAttemptAt = now,
        CreatedAt = now,
    };

    /// <summary>Sends every delivery that is due and not leased by another replica; returns how many this replica sent.</summary>
    public async Task<int> SendDueAsync(CancellationToken cancellationToken)
    {
        var now = _time.StorageNow();
        List<Guid> due;
        await using (var db = TrancheDatabase.CreateContext(_options.Database))
        {
            due = await db.WebhookDeliveries.IgnoreQueryFilters().AsNoTracking()
                .Where(d => d.Status == WebhookDeliveryStates.Pending && d.NextAttemptAt <= now && (d.LeasedUntil == null || d.LeasedUntil < now))
                .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Id)
                .Select(d => d.Id).Take(BatchSize).ToListAsync(cancellationToken);
        }

        var sent = 0;
        // A few at a time, so one slow endpoint does not hold up everyone else's deliveries.
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (id, token) =>
        {
            if (await DeliverAsync(id, token))
            {
                Interlocked.Increment(ref sent);
            }
        });
        return sent;
    }

    /// <summary>
    /// Takes the delivery's lease if it is due and free: a conditional update that exactly one caller can win, across
    /// replicas. Returns the lease token, or null when the delivery is not due or someone else holds it.
    /// </summary>
    public static async Task<Guid?> TryLeaseAsync(TrancheDbContext db, Guid deliveryId, DateTime now, CancellationToken cancellationToken)
    {
        var token = Guid.NewGuid();
        var until = now + LeaseDuration;
        var won = await db.WebhookDeliveries.IgnoreQueryFilters()
            .Where(d => d.Id == deliveryId && d.Status == WebhookDeliveryStates.Pending && d.NextAttemptAt <= now && (d.LeasedUntil == null || d.LeasedUntil < now))
            .ExecuteUpdateAsync(set => set.SetProperty(d => d.LeaseToken, token).SetProperty(d => d.LeasedUntil, until), cancellationToken);
        return won == 1 ? token : null;
    }

    /// <summary>Makes one attempt at the delivery if this caller wins its lease; returns whether it did.</summary>
    public async Task<bool> DeliverAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(_options.Database);
        return await TryLeaseAsync(db, deliveryId, _time.StorageNow(), cancellationToken) is { } token
            && await DeliverLeasedAsync(db, deliveryId, token, cancellationToken);
    }

    /// <summary>Makes one attempt at a delivery written with its lease already taken (a test ping, sent by the request that made it).</summary>
    public async Task<bool> DeliverLeasedAsync(Guid deliveryId, Guid token, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(_options.Database);
        return await DeliverLeasedAsync(db, deliveryId, token, cancellationToken);
    }

    private async Task<bool> DeliverLeasedAsync(TrancheDbContext db, Guid deliveryId, Guid token, CancellationToken cancellationToken)
    {
        var delivery = await db.WebhookDeliveries.IgnoreQueryFilters().SingleAsync(d => d.Id == deliveryId, cancellationToken);
        if (delivery.LeaseToken != token)
        {
            return false;
        }

        var endpoint = await db.WebhookEndpoints.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(w => w.Id == delivery.EndpointId, cancellationToken);
        if (endpoint is not { Enabled: true })
        {
            delivery.Status = WebhookDeliveryStates.Cancelled;
            delivery.LastError = $"The endpoint is disabled: {endpoint?.DisabledReason ?? "deleted"}";
            delivery.NextAttemptAt = null;
            Release(delivery);
            await SaveResultAsync(db, delivery, cancellationToken);
            return false;
        }

        var attempt = await SendAsync(endpoint, delivery, cancellationToken);
        attempt.Number = 1 + (await db.WebhookAttempts.IgnoreQueryFilters().Where(a => a.DeliveryId == delivery.Id).MaxAsync(a => (int?)a.Number, cancellationToken) ?? 0);
        // The attempt is logged whatever becomes of the lease: the request was made.
        db.WebhookAttempts.Add(attempt);
        await db.SaveChangesAsync(cancellationToken);

        // Waits count from the end of the attempt, so a slow receiver gets its full pause before the next one.
        var now = _time.StorageNow();
        delivery.Attempts++;
        delivery.LastAttemptAt = attempt.AttemptedAt;
        delivery.LastStatusCode = attempt.StatusCode;
        delivery.LastError = attempt.Error;
        if (attempt.Succeeded)
        {
            delivery.Status = WebhookDeliveryStates.Succeeded;
            delivery.DeliveredAt = now;
            delivery.NextAttemptAt = null;
        }
        else if (attempt.StatusCode == (int)HttpStatusCode.Gone)
        {
            // 410 says the receiver is gone for good: stop sending anything to it until its org turns it back on.
            delivery.Status = WebhookDeliveryStates.Failed;
            delivery.NextAttemptAt = null;
            await db.WebhookEndpoints.IgnoreQueryFilters().Where(w => w.Id == endpoint.Id)
                .ExecuteUpdateAsync(set => set
                    .SetProperty(w => w.Enabled, false)
                    .SetProperty(w => w.DisabledReason, $"The endpoint answered 410 Gone at {now:yyyy-MM-ddTHH:mm:ssZ}.")
                    .SetProperty(w => w.UpdatedAt, now), cancellationToken);
            LogGone(_logger, endpoint.Id);
        }
        else if (delivery.EventType != PingType && RetrySchedule.DelayAfter(delivery.Attempts, RetryBase, Random.Shared.NextDouble()) is { } wait)
        {
            delivery.NextAttemptAt = now + wait;
        }
        else
        {
            // Out of attempts (a test ping gets one: it asks "does it work now?").
            delivery.Status = WebhookDeliveryStates.Failed;
            delivery.NextAttemptAt = null;
        }

        Release(delivery);
        await SaveResultAsync(db, delivery, cancellationToken);
        return true;
    }

    private static void Release(WebhookDelivery delivery)
    {
        delivery.LeaseToken = null;
        delivery.LeasedUntil = null;
    }

    private async Task SaveResultAsync(TrancheDbContext db, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The lease ran out and another replica (or a replay) took the delivery over: its result stands.
            LogLeaseLost(_logger, delivery.Id);
        }
    }

    private async Task<WebhookAttempt> SendAsync(WebhookEndpoint endpoint, WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Payload);
        var sentAt = _time.GetUtcNow();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.Add("Tranche-Event-Id", delivery.EventId.ToString());
        request.Headers.Add("Tranche-Event-Type", delivery.EventType);
        request.Headers.Add("Tranche-Delivery-Id", delivery.Id.ToString());
        request.Headers.Add(WebhookSignature.HeaderName, WebhookSignature.Sign(endpoint.Secret, sentAt, body));

        var attempt = new WebhookAttempt
        {
            Id = Guid.CreateVersion7(sentAt),
            OrgId = delivery.OrgId,
            DeliveryId = delivery.Id,
            AttemptedAt = _time.StorageNow(),
        };
        var started = Stopwatch.GetTimestamp();
        // The time limit covers the whole answer, so a receiver that sends headers and then trickles its body cannot hold a sender.
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(RequestTimeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            attempt.StatusCode = (int)response.StatusCode;
            attempt.Succeeded = response.IsSuccessStatusCode;
            attempt.ResponseExcerpt = await ExcerptAsync(response, limit.Token);
            if (!attempt.Succeeded)
            {
                attempt.Error = $"The endpoint answered {(int)response.StatusCode} {response.ReasonPhrase}.".Replace("  ", " ", StringComparison.Ordinal);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            attempt.Error = $"No answer within {RequestTimeout.TotalSeconds:0.###} seconds.";
        }
        catch (HttpRequestException e)
        {
            attempt.Error = Shorten($"Could not send: {e.Message}", 1000);
        }

        attempt.DurationMs = (int)Math.Min(int.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return attempt;
    }

    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[WebhookAttempt.ResponseExcerptLength * 4];
            var read = 0;
            while (read < buffer.Length && await stream.ReadAsync(buffer.AsMemory(read), cancellationToken) is var n and > 0)
            {
                read += n;
            }

            var text = Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "", StringComparison.Ordinal);
            return text.Length == 0 ? null : Shorten(text, WebhookAttempt.ResponseExcerptLength);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // The status is what counts; a body cut short is only a missing excerpt.
            return null;
        }
    }

    /// <summary>Cuts to <paramref name="length"/> characters without splitting a surrogate pair, which PostgreSQL would refuse to store.</summary>
    private static string Shorten(string text, int length) =>
        text.Length <= length ? text : text[..(char.IsHighSurrogate(text[length - 1]) ? length - 1 : length)];

    [LoggerMessage(EventId = 2200, Level = LogLevel.Error, Message = "Webhook delivery failed to run")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 2201, Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} answered 410 Gone and was disabled")]
    private static partial void LogGone(ILogger logger, Guid endpointId);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId}: the lease ran out before the result was written; another sender took over")]
    private static partial void LogLeaseLost(ILogger logger, Guid deliveryId);
}

/// <summary>The body of every delivery: <c>{"id","type","created_at","org_id","partner_org_id","data"}</c>.</summary>
public static class WebhookPayload
{
    public static string Build(Guid eventId, string type, DateTime createdAt, Guid orgId, Guid? partnerOrgId, string dataJson)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", eventId);
            json.WriteString("type", type);
            json.WriteString("created_at", DateTime.SpecifyKind(createdAt, DateTimeKind.Utc));
            json.WriteString("org_id", orgId);
            if (partnerOrgId is { } partner)
            {
                json.WriteString("partner_org_id", partner);
            }
            else
            {
                json.WriteNull("partner_org_id");
            }

            json.WritePropertyName("data");
            json.WriteRawValue(dataJson);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
