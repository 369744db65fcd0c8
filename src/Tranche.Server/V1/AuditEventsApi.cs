using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1;

[ApiSchema("AuditEvent")]
public sealed record AuditEventResponse(
    Guid Id,
    DateTime OccurredAt,
    string Actor,
    Guid? ActorKeyId,
    string Action,
    string? TargetId,
    string? RequestId,
    JsonElement? Details);

/// <summary><c>GET /v1/org/{org_id}/audit-events</c>: who changed what in the org, newest first (a Tranche extension).</summary>
internal static class AuditEventsApi
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 1000;

    public static void MapAuditEvents(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v1/org/{org_id}/audit-events")
            .ForOrg()
            .WithTags("Audit log")
            .WithApiErrors()
            .MapGet("", ListEvents)
            .WithSummary("List the org's audit log")
            .WithDescription($"Newest first. `action` filters by exact action (for example `api_key.created`). Paged with `page` (from 1) and `page_size` (1 to {MaxPageSize}, default {DefaultPageSize}); the `X-Pagination` header has the totals.")
            .Produces<AuditEventResponse[]>();
    }

    private static async Task<IResult> ListEvents(HttpContext context, TrancheDbContext db)
    {
        if (context.Caller().Role == OrgRole.RestrictedUser)
        {
            return ApiResults.Forbidden("Restricted keys may not read the audit log.", "role_not_allowed");
        }

        var query = new QueryArgs(context.Request);
        var page = query.Int("page", 1, min: 1, max: int.MaxValue);
        var pageSize = query.Int("page_size", DefaultPageSize, min: 1, max: MaxPageSize);
        var action = query.String("action", maxLength: 100);
        query.ThrowIfInvalid();

        var events = db.AuditEvents.AsNoTracking();
        if (!string.IsNullOrEmpty(action))
        {
            events = events.Where(e => e.Action == action);
        }

        var total = await events.CountAsync(context.RequestAborted);
        var rows = await events
            .OrderByDescending(e => e.OccurredAt).ThenByDescending(e => e.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize))
            .Take(pageSize)
            .ToListAsync(context.RequestAborted);

        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(rows.Select(e => new AuditEventResponse(
            e.Id,
            e.OccurredAt,
            e.Actor,
            e.ActorKeyId,
            e.Action,
            e.TargetId,
            e.RequestId,
            e.Details is null ? null : JsonSerializer.Deserialize<JsonElement>(e.Details))));
    }
}
