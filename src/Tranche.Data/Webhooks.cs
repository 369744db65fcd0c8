namespace Tranche.Data;

/// <summary>
/// An HTTPS endpoint an org registered to hear about events: a partner org's endpoint hears its customers' events and
/// its own, a direct org's endpoint its own. Deliveries are signed with <see cref="Secret"/>.
/// </summary>
public sealed class WebhookEndpoint : IOrgOwned
{
    public Guid Id { get; set; }

    /// <summary>The org that registered the endpoint and whose events (and, for a partner, whose customers' events) it hears.</summary>
    public Guid OrgId { get; set; }

    public required string Url { get; set; }

    /// <summary>Subscribed <see cref="OrgEventTypes"/>, comma-separated.</summary>
    public required string EventTypes { get; set; }

    /// <summary>
    /// The signing secret. Kept as it is, not hashed (unlike API keys), because the server needs it to sign every
    /// delivery; it is shown to the org once, when made or rotated.
    /// </summary>
    public required string Secret { get; set; }

    public string? Description { get; set; }

    public bool Enabled { get; set; } = true;

    /// <summary>Why the endpoint is disabled: by its org, or because it answered 410 Gone.</summary>
    public string? DisabledReason { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? SecretRotatedAt { get; set; }

    public IReadOnlyList<string> EventTypeList => EventTypes.Split(',', StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>States of a webhook delivery.</summary>
public static class WebhookDeliveryStates
{
    /// <summary>Waiting for its first or next attempt (<see cref="WebhookDelivery.NextAttemptAt"/>).</summary>
    public const string Pending = "pending";

    /// <summary>The endpoint answered 2xx.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Every attempt failed (or the endpoint answered 410 Gone): no more attempts unless replayed.</summary>
    public const string Failed = "failed";

    /// <summary>The endpoint was disabled before the delivery could be sent.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// One event on its way to one endpoint. The body is fixed when the event is fanned out, so every attempt and every
/// replay sends the same bytes (only the signature's timestamp changes).
/// </summary>
public sealed class WebhookDelivery : IOrgOwned
{
    public Guid Id { get; set; }

    /// <summary>The endpoint's org (the partner, for a customer's event sent to its partner), so the endpoint's owner sees it.</summary>
    public Guid OrgId { get; set; }

    public Guid EndpointId { get; set; }

    /// <summary>The <see cref="OrgEvent"/> sent, or a fresh id for a test <c>ping</c>, which has no outbox row.</summary>
    public Guid EventId { get; set; }

    public required string EventType { get; set; }

    /// <summary>The org the event is about.</summary>
    public Guid EventOrgId { get; set; }

    /// <summary>The JSON body, exactly as sent and signed.</summary>
    public required string Payload { get; set; }

    /// <summary><see cref="WebhookDeliveryStates"/>.</summary>
    public required string Status { get; set; }

    /// <summary>Attempts since the delivery was made or last replayed (the retry schedule counts these); the attempt log has them all.</summary>
    public int Attempts { get; set; }

    public DateTime? NextAttemptAt { get; set; }

    /// <summary>
    /// Held by the replica sending the delivery right now: it is set by a conditional update that only one replica can win,
    /// and the result is written only while the token is still the one it set.
    /// </summary>
    public Guid? LeaseToken { get; set; }

    public DateTime? LeasedUntil { get; set; }

    public DateTime? LastAttemptAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    public DateTime? DeliveredAt { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? ReplayedAt { get; set; }
}

/// <summary>One HTTP request of a delivery and what came back.</summary>
public sealed class WebhookAttempt : IOrgOwned
{
    /// <summary>How much of the endpoint's answer is kept: enough to see an error message, not a whole page.</summary>
    public const int ResponseExcerptLength = 1024;

    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public Guid DeliveryId { get; set; }

    /// <summary>1, 2, ... over the delivery's whole life, replays included.</summary>
    public int Number { get; set; }

    public DateTime AttemptedAt { get; set; }

    public int? StatusCode { get; set; }

    public int DurationMs { get; set; }

    public bool Succeeded { get; set; }

    /// <summary>Why it failed, when there was no answer or a non-2xx one (timeout, connection refused, status).</summary>
    public string? Error { get; set; }

    /// <summary>The first <see cref="ResponseExcerptLength"/> characters of the answer's body.</summary>
    public string? ResponseExcerpt { get; set; }
}
