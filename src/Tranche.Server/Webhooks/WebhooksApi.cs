using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Webhooks;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.Webhooks;

[ApiSchema("Webhook")]
public sealed record WebhookResponse(
    Guid Id, Guid OrgId, string Url, IReadOnlyList<string> EventTypes, string? Description, bool Enabled, string? DisabledReason,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? SecretRotatedAt);

/// <summary>A webhook with its signing secret: answered only when the secret is made (creation, rotation).</summary>
[ApiSchema("WebhookWithSecret")]
public sealed record WebhookWithSecretResponse(
    Guid Id, Guid OrgId, string Url, IReadOnlyList<string> EventTypes, string? Description, bool Enabled, string? DisabledReason,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? SecretRotatedAt, string Secret);

[ApiSchema("WebhookDelivery")]
public sealed record WebhookDeliveryResponse(
    Guid Id, Guid WebhookId, Guid EventId, string EventType, Guid EventOrgId, string Status, int Attempts, DateTime? NextAttemptAt, DateTime? LastAttemptAt,
    int? LastStatusCode, string? LastError, DateTime? DeliveredAt, DateTime CreatedAt, DateTime? ReplayedAt);

[ApiSchema("WebhookAttempt")]
public sealed record WebhookAttemptResponse(int Number, DateTime AttemptedAt, int? StatusCode, int DurationMs, bool Succeeded, string? Error, string? ResponseExcerpt);

/// <summary>A delivery with the body it sends and every attempt so far.</summary>
[ApiSchema("WebhookDeliveryDetail")]
public sealed record WebhookDeliveryDetailResponse(
    Guid Id, Guid WebhookId, Guid EventId, string EventType, Guid EventOrgId, string Status, int Attempts, DateTime? NextAttemptAt, DateTime? LastAttemptAt,
    int? LastStatusCode, string? LastError, DateTime? DeliveredAt, DateTime CreatedAt, DateTime? ReplayedAt, JsonElement Payload,
    IReadOnlyList<WebhookAttemptResponse> AttemptLog);

[ApiSchema("CreateWebhook")]
public sealed record CreateWebhookRequest(string? Url, IReadOnlyList<string>? EventTypes, string? Description, bool? Enabled) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        WebhookRequests.CheckUrl(Url, errors, required: true);
        WebhookRequests.CheckEventTypes(EventTypes, errors, required: true);
        WebhookRequests.CheckDescription(Description, errors);
    }
}

/// <summary>Changes only what is given; an empty <c>description</c> clears it. Enabling clears the reason it was disabled.</summary>
[ApiSchema("UpdateWebhook")]
public sealed record UpdateWebhookRequest(string? Url, IReadOnlyList<string>? EventTypes, string? Description, bool? Enabled) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        WebhookRequests.CheckUrl(Url, errors, required: false);
        WebhookRequests.CheckEventTypes(EventTypes, errors, required: false);
        WebhookRequests.CheckDescription(Description, errors);
    }
}

internal static class WebhookRequests
{
    public const int MaxDescriptionLength = 500;

    public static void CheckUrl(string? url, RequestErrors errors, bool required)
    {
        if (url is null)
        {
            if (required)
            {
                errors.Add("json", "url", "Missing data for required field.");
            }
        }
        else if (WebhookUrls.Problem(url) is { } problem)
        {
            errors.Add("json", "url", problem);
        }
    }

    public static void CheckEventTypes(IReadOnlyList<string>? types, RequestErrors errors, bool required)
    {
        if (types is null)
        {
            if (required)
            {
                errors.Add("json", "event_types", "Missing data for required field.");
            }

            return;
        }

        if (types.Count == 0)
        {
            errors.Add("json", "event_types", $"Subscribe to at least one of: {string.Join(", ", OrgEventTypes.All)}.");
        }

        foreach (var type in types.Where(t => !OrgEventTypes.All.Contains(t)).Distinct(StringComparer.Ordinal))
        {
            errors.Add("json", "event_types", $"'{type}' is not an event type; the types are: {string.Join(", ", OrgEventTypes.All)}.");
        }
    }

    public static void CheckDescription(string? description, RequestErrors errors)
    {
        if (description is { Length: > MaxDescriptionLength })
        {
            errors.Add("json", "description", $"Longer than maximum length {MaxDescriptionLength}.");
        }
        else if (description?.Any(char.IsControl) == true)
        {
            errors.Add("json", "description", "Must not contain control characters.");
        }
    }
}

/// <summary>
/// Webhook endpoints of an org: <c>/v2/partners/{partner_org_id}/webhooks</c> for a partner (hearing its customers'
/// events and its own) and <c>/v1/org/{org_id}/webhooks</c> for any org's own events (a Tranche extension). Reading needs
/// any key of the org; changing, testing and replaying need an admin key.
/// </summary>
internal static class WebhooksApi
{
    public static void MapWebhooks(this IEndpointRouteBuilder routes)
    {
        Map(routes.MapGroup("/v2/partners/{partner_org_id}/webhooks").ForOrg("partner_org_id", OrgReach.PartnerItself).WithTags("Partner webhooks").WithApiErrors(),
            "Events of the partner's customer orgs and of the partner org itself.");
        Map(routes.MapGroup("/v1/org/{org_id}/webhooks").ForOrg().WithTags("Webhooks").WithApiErrors(),
            "Events of the org itself (a partner org's endpoints also hear its customers').");
    }

    private static void Map(RouteGroupBuilder webhooks, string whose)
    {
        var types = string.Join(", ", OrgEventTypes.All.Select(t => $"`{t}`"));
        webhooks.MapPost("", Create)
            .WithSummary("Register a webhook endpoint")
            .WithDescription($"{whose} `url` must be absolute `https` (plain `http` only to a loopback host, for local development); `event_types` lists at least one of {types}. Answers 201 with the signing `secret`, shown this once. Needs an admin key.")
            .WithBody<CreateWebhookRequest>("application/json")
            .Produces<WebhookWithSecretResponse>(StatusCodes.Status201Created);

        webhooks.MapGet("", List)
            .WithSummary("List webhook endpoints")
            .WithDescription("Newest first; paged by `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`. Secrets are never shown again.")
            .Produces<WebhookResponse[]>();

        webhooks.MapGet("/{webhook_id}", Get)
            .WithSummary("Get a webhook endpoint")
            .Produces<WebhookResponse>();

        webhooks.MapPatch("/{webhook_id}", Update)
            .WithSummary("Change a webhook endpoint")
            .WithDescription("Changes only the fields sent: `url`, `event_types`, `description` (empty clears it), `enabled` (turning it on clears why it was disabled). Needs an admin key.")
            .WithBody<UpdateWebhookRequest>("application/json")
            .Produces<WebhookResponse>();

        webhooks.MapDelete("/{webhook_id}", Delete)
            .WithSummary("Delete a webhook endpoint")
            .WithDescription("With its deliveries and their attempt log. Needs an admin key.")
            .Produces(StatusCodes.Status204NoContent);

        webhooks.MapPost("/{webhook_id}/rotate-secret", RotateSecret)
            .WithSummary("Rotate a webhook's signing secret")
            .WithDescription("Makes a new secret, answered this once; deliveries are signed with it from now on and the old one stops working at once. Send no body. Needs an admin key.")
            .Produces<WebhookWithSecretResponse>();

        webhooks.MapPost("/{webhook_id}/test", Test)
            .WithSummary("Send a test ping")
            .WithDescription("Sends a signed `ping` event to the endpoint now and answers with the delivery and its attempt (a ping is not retried). 409 when the endpoint is disabled. Send no body. Needs an admin key.")
            .Produces<WebhookDeliveryDetailResponse>(StatusCodes.Status201Created);

        webhooks.MapGet("/{webhook_id}/deliveries", ListDeliveries)
            .WithSummary("Deliveries to a webhook endpoint")
            .WithDescription("Newest first; `status` (`pending`, `succeeded`, `failed`, `cancelled`) narrows them; paged by `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<WebhookDeliveryResponse[]>();

        webhooks.MapGet("/deliveries/{delivery_id}", GetDelivery)
            .WithSummary("A delivery with its body and attempts")
            .WithDescription("Each attempt: when, status code, how long it took, the error and the first 1,024 characters of the answer.")
            .Produces<WebhookDeliveryDetailResponse>();

        webhooks.MapPost("/deliveries/{delivery_id}/replay", Replay)
            .WithSummary("Send a delivery again")
            .WithDescription("Sends the same event (same body, same `Tranche-Event-Id`, a fresh signature) now, with a fresh set of retries. 409 while an attempt is in flight or when the endpoint is disabled. Send no body. Needs an admin key.")
            .Produces<WebhookDeliveryDetailResponse>(StatusCodes.Status202Accepted);
    }

    private static async Task<IResult> Create(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<CreateWebhookRequest>(context.Request);
        var orgId = context.Org().OrgId;
        var now = time.StorageNow();
        var endpoint = new WebhookEndpoint
        {
            Id = Guid.CreateVersion7(now),
            OrgId = orgId,
            Url = request.Url!,
            EventTypes = string.Join(',', request.EventTypes!.Distinct(StringComparer.Ordinal)),
            Secret = NewSecret(),
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            Enabled = request.Enabled ?? true,
            DisabledReason = request.Enabled == false ? "Disabled when registered." : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
        db.WebhookEndpoints.Add(endpoint);
        db.Record(orgId, context.Caller().AsActor(context), "webhook.created", endpoint.Id.ToString(), new { url = endpoint.Url, event_types = endpoint.EventTypeList }, now);
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Created($"{BasePath(context)}/{endpoint.Id}", WithSecret(endpoint));
    }

    private static async Task<IResult> List(HttpContext context, TrancheDbContext db)
    {
        var query = new QueryArgs(context.Request);
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        query.ThrowIfInvalid();
        var total = await db.WebhookEndpoints.CountAsync(context.RequestAborted);
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderByDescending(w => w.CreatedAt).ThenByDescending(w => w.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);
        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(endpoints.Select(ToResponse));
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db, string webhook_id)
    {
        var id = PathIds.Parse(webhook_id, nameof(webhook_id));
        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleOrDefaultAsync(w => w.Id == id, context.RequestAborted);
        return endpoint is null ? WebhookNotFound(context, id) : TypedResults.Ok(ToResponse(endpoint));
    }

    private static async Task<IResult> Update(HttpContext context, TrancheDbContext db, TimeProvider time, string webhook_id)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var id = PathIds.Parse(webhook_id, nameof(webhook_id));
        var request = await RequestJson.ReadAsync<UpdateWebhookRequest>(context.Request);
        var endpoint = await db.WebhookEndpoints.SingleOrDefaultAsync(w => w.Id == id, context.RequestAborted);
        if (endpoint is null)
        {
            return WebhookNotFound(context, id);
        }

        var now = time.StorageNow();
        endpoint.Url = request.Url ?? endpoint.Url;
        endpoint.EventTypes = request.EventTypes is { } types ? string.Join(',', types.Distinct(StringComparer.Ordinal)) : endpoint.EventTypes;
        endpoint.Description = request.Description is null ? endpoint.Description : request.Description.Trim() is { Length: > 0 } text ? text : null;
        if (request.Enabled is { } enabled && enabled != endpoint.Enabled)
        {
            endpoint.Enabled = enabled;
            endpoint.DisabledReason = enabled ? null : "Disabled by its org.";
        }

        endpoint.UpdatedAt = now;
        db.Record(endpoint.OrgId, context.Caller().AsActor(context), "webhook.updated", endpoint.Id.ToString(),
            new { url = endpoint.Url, event_types = endpoint.EventTypeList, enabled = endpoint.Enabled }, now);
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok(ToResponse(endpoint));
    }

    private static async Task<IResult> Delete(HttpContext context, TrancheDbContext db, TimeProvider time, string webhook_id)
    {
        var (endpoint, refusal) = await FindToChangeAsync(context, db.WebhookEndpoints, webhook_id);
        if (endpoint is null)
        {
            return refusal!;
        }

        db.WebhookEndpoints.Remove(endpoint);
        db.Record(endpoint.OrgId, context.Caller().AsActor(context), "webhook.deleted", endpoint.Id.ToString(), new { url = endpoint.Url }, time.StorageNow());
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RotateSecret(HttpContext context, TrancheDbContext db, TimeProvider time, string webhook_id)
    {
        var (endpoint, refusal) = await FindToChangeAsync(context, db.WebhookEndpoints, webhook_id);
        if (endpoint is null)
        {
            return refusal!;
        }

        var now = time.StorageNow();
        endpoint.Secret = NewSecret();
        endpoint.SecretRotatedAt = now;
        endpoint.UpdatedAt = now;
        db.Record(endpoint.OrgId, context.Caller().AsActor(context), "webhook.secret_rotated", endpoint.Id.ToString(), null, now);
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok(WithSecret(endpoint));
    }

    private static async Task<IResult> Test(HttpContext context, TrancheDbContext db, TimeProvider time, WebhookDispatcher dispatcher, string webhook_id)
    {
        var (endpoint, refusal) = await FindToChangeAsync(context, db.WebhookEndpoints.AsNoTracking(), webhook_id);
        if (endpoint is null)
        {
            return refusal!;
        }

        if (!endpoint.Enabled)
        {
            return ApiResults.Conflict($"Webhook {endpoint.Id} is disabled ({endpoint.DisabledReason}); enable it to send a ping.", "webhook_disabled");
        }

        var now = time.StorageNow();
        var orgId = context.Org().OrgId;
        var partnerOrgId = await db.Orgs.Where(o => o.Id == orgId).Select(o => o.ParentOrgId).SingleOrDefaultAsync(context.RequestAborted);
        var eventId = Guid.CreateVersion7(now);
        var payload = WebhookPayload.Build(eventId, WebhookDispatcher.PingType, now, orgId, partnerOrgId,
            JsonSerializer.Serialize(new { webhook_id = endpoint.Id, message = "A test event sent on request. It needs no action." }));
        var delivery = WebhookDispatcher.NewDelivery(endpoint, eventId, WebhookDispatcher.PingType, orgId, payload, now);
        // Written already leased to this request, so the background sender leaves it alone and the answer has the attempt.
        var lease = Guid.NewGuid();
        delivery.LeaseToken = lease;
        delivery.LeasedUntil = now + WebhookDispatcher.LeaseDuration;
        db.WebhookDeliveries.Add(delivery);
        await db.SaveChangesAsync(context.RequestAborted);

        await dispatcher.DeliverLeasedAsync(delivery.Id, lease, context.RequestAborted);
        return TypedResults.Created($"{BasePath(context)}/deliveries/{delivery.Id}", await DetailAsync(db, delivery.Id, context.RequestAborted));
    }

    private static async Task<IResult> ListDeliveries(HttpContext context, TrancheDbContext db, string webhook_id)
    {
        var id = PathIds.Parse(webhook_id, nameof(webhook_id));
        var query = new QueryArgs(context.Request);
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        var status = query.OneOf("status", [WebhookDeliveryStates.Pending, WebhookDeliveryStates.Succeeded, WebhookDeliveryStates.Failed, WebhookDeliveryStates.Cancelled]);
        query.ThrowIfInvalid();
        if (!await db.WebhookEndpoints.AnyAsync(w => w.Id == id, context.RequestAborted))
        {
            return WebhookNotFound(context, id);
        }

        var deliveries = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id && (status == null || d.Status == status));
        var total = await deliveries.CountAsync(context.RequestAborted);
        var rows = await deliveries.OrderByDescending(d => d.CreatedAt).ThenByDescending(d => d.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);
        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(rows.Select(ToResponse));
    }

    private static async Task<IResult> GetDelivery(HttpContext context, TrancheDbContext db, string delivery_id)
    {
        var id = PathIds.Parse(delivery_id, nameof(delivery_id));
        return await DetailAsync(db, id, context.RequestAborted) is { } detail ? TypedResults.Ok(detail) : DeliveryNotFound(context, id);
    }

    private static async Task<IResult> Replay(HttpContext context, TrancheDbContext db, TimeProvider time, WebhookDispatcher dispatcher, string delivery_id)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var id = PathIds.Parse(delivery_id, nameof(delivery_id));
        var found = await db.WebhookDeliveries.AsNoTracking().Where(d => d.Id == id).Select(d => new { d.EndpointId }).SingleOrDefaultAsync(context.RequestAborted);
        if (found is null)
        {
            return DeliveryNotFound(context, id);
        }

        var endpoint = await db.WebhookEndpoints.AsNoTracking().SingleAsync(w => w.Id == found.EndpointId, context.RequestAborted);
        if (!endpoint.Enabled)
        {
            return ApiResults.Conflict($"Webhook {endpoint.Id} is disabled ({endpoint.DisabledReason}); enable it to replay its deliveries.", "webhook_disabled");
        }

        // Only a delivery nobody is sending right now: a replay never races an attempt in flight.
        var now = time.StorageNow();
        var replayed = await db.WebhookDeliveries
            .Where(d => d.Id == id && (d.LeasedUntil == null || d.LeasedUntil < now))
            .ExecuteUpdateAsync(set => set
                .SetProperty(d => d.Status, WebhookDeliveryStates.Pending)
                .SetProperty(d => d.Attempts, 0)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.DeliveredAt, (DateTime?)null)
                .SetProperty(d => d.ReplayedAt, now)
                .SetProperty(d => d.LeaseToken, (Guid?)null)
                .SetProperty(d => d.LeasedUntil, (DateTime?)null), context.RequestAborted);
        if (replayed == 0)
        {
            return ApiResults.Conflict($"Delivery {id} is being sent right now; replay it once the attempt is over.", "delivery_in_flight");
        }

        db.Record(endpoint.OrgId, context.Caller().AsActor(context), "webhook.delivery_replayed", id.ToString(), new { webhook_id = endpoint.Id }, now);
        await db.SaveChangesAsync(context.RequestAborted);
        dispatcher.Wake();
        return TypedResults.Accepted($"{BasePath(context)}/deliveries/{id}", await DetailAsync(db, id, context.RequestAborted));
    }

    private static async Task<WebhookDeliveryDetailResponse?> DetailAsync(TrancheDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var d = await db.WebhookDeliveries.AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (d is null)
        {
            return null;
        }

        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == id).OrderBy(a => a.Number).ToListAsync(cancellationToken);
        using var payload = JsonDocument.Parse(d.Payload);
        return new WebhookDeliveryDetailResponse(
            d.Id, d.EndpointId, d.EventId, d.EventType, d.EventOrgId, d.Status, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.LastStatusCode, d.LastError,
            d.DeliveredAt, d.CreatedAt, d.ReplayedAt, payload.RootElement.Clone(),
            [.. attempts.Select(a => new WebhookAttemptResponse(a.Number, a.AttemptedAt, a.StatusCode, a.DurationMs, a.Succeeded, a.Error, a.ResponseExcerpt))]);
    }

    /// <summary><c>whsec_</c> and 32 random bytes, base64url: 256 bits, the HMAC-SHA256 key size.</summary>
    private static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static IResult? RequireAdmin(HttpContext context) => context.RequireAdmin("Managing webhooks");

    /// <summary>The collection the request came through (v1 or v2), for Location headers.</summary>
    private static string BasePath(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        return path[..(path.IndexOf("/webhooks", StringComparison.Ordinal) + "/webhooks".Length)];
    }

    /// <summary>For the routes that change or use an endpoint: an admin key, then the endpoint the path names, or the answer to give instead.</summary>
    private static async Task<(WebhookEndpoint? Endpoint, IResult? Refusal)> FindToChangeAsync(HttpContext context, IQueryable<WebhookEndpoint> endpoints, string webhook_id)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return (null, denied);
        }

        var id = PathIds.Parse(webhook_id, nameof(webhook_id));
        var endpoint = await endpoints.SingleOrDefaultAsync(w => w.Id == id, context.RequestAborted);
        return endpoint is null ? (null, WebhookNotFound(context, id)) : (endpoint, null);
    }

    private static IResult WebhookNotFound(HttpContext context, Guid id) => ApiResults.NotFound($"Org {context.Org().OrgId} has no webhook {id}.", "webhook_not_found");

    private static IResult DeliveryNotFound(HttpContext context, Guid id) => ApiResults.NotFound($"Org {context.Org().OrgId} has no webhook delivery {id}.", "webhook_delivery_not_found");

    private static WebhookResponse ToResponse(WebhookEndpoint w) =>
        new(w.Id, w.OrgId, w.Url, w.EventTypeList, w.Description, w.Enabled, w.DisabledReason, w.CreatedAt, w.UpdatedAt, w.SecretRotatedAt);

    private static WebhookWithSecretResponse WithSecret(WebhookEndpoint w) =>
        new(w.Id, w.OrgId, w.Url, w.EventTypeList, w.Description, w.Enabled, w.DisabledReason, w.CreatedAt, w.UpdatedAt, w.SecretRotatedAt, w.Secret);

    private static WebhookDeliveryResponse ToResponse(WebhookDelivery d) =>
        new(d.Id, d.EndpointId, d.EventId, d.EventType, d.EventOrgId, d.Status, d.Attempts, d.NextAttemptAt, d.LastAttemptAt, d.LastStatusCode, d.LastError,
            d.DeliveredAt, d.CreatedAt, d.ReplayedAt);
}
