using System.Text.Json;
using Microsoft.EntityFrameworkCore;

namespace Tranche.Data;

/// <summary>
/// Something that happened to an org that partners (and the org itself) may subscribe to: a row in the event outbox,
/// written in the same transaction as the change it reports, so an event is never sent for a change that was rolled
/// back and never lost for one that was saved. Delivery to webhook endpoints reads the outbox afterwards.
/// </summary>
public sealed class OrgEvent : IOrgOwned
{
    public Guid Id { get; set; }

    /// <summary>The org the event is about (a partner's customer org, or a direct org).</summary>
    public Guid OrgId { get; set; }

    /// <summary>One of <see cref="OrgEventTypes"/>.</summary>
    public required string Type { get; set; }

    public DateTime OccurredAt { get; set; }

    /// <summary>The event's <c>data</c> object as JSON (snake_case).</summary>
    public required string Data { get; set; }

    /// <summary>
    /// Makes raising idempotent: an event with the same org, type and key is raised once (for example one
    /// <c>commitment.expiring</c> per commitment and warning threshold), however often the condition is seen.
    /// </summary>
    public required string DedupeKey { get; set; }

    /// <summary>When delivery fanned the event out to its subscribed endpoints; null until then.</summary>
    public DateTime? DispatchedAt { get; set; }
}

/// <summary>The event types webhook endpoints can subscribe to.</summary>
public static class OrgEventTypes
{
    public const string PlanUpdated = "plan.updated";
    public const string PurchaseSucceeded = "purchase.succeeded";
    public const string PurchaseFailed = "purchase.failed";
    public const string CommitmentExpiring = "commitment.expiring";
    public const string OnboardingCompleted = "onboarding.completed";

    /// <summary>An automation policy in notify-only mode found a plan worth buying: someone approves it.</summary>
    public const string AutomationApprovalRequested = "automation.approval_requested";

    public static IReadOnlyList<string> All { get; } = [PlanUpdated, PurchaseSucceeded, PurchaseFailed, CommitmentExpiring, OnboardingCompleted, AutomationApprovalRequested];
}

public static class OrgEvents
{
    private static readonly JsonSerializerOptions s_data = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>
    /// Adds an event to the outbox of the context; it is saved with the change it reports. <paramref name="dedupeKey"/>
    /// defaults to a new id (every call is a new event); pass a stable key when the same fact may be seen again.
    /// With a stable key use <see cref="RaiseEventOnceAsync"/>, which leaves out an event raised before.
    /// </summary>
    public static OrgEvent RaiseEvent(this TrancheDbContext db, Guid orgId, string type, object data, DateTime now, string? dedupeKey = null)
    {
        var id = Guid.CreateVersion7(now);
        var entry = new OrgEvent
        {
            Id = id,
            OrgId = orgId,
            Type = type,
            OccurredAt = now,
            Data = JsonSerializer.Serialize(data, s_data),
            DedupeKey = dedupeKey ?? id.ToString("N"),
        };
        db.OrgEvents.Add(entry);
        return entry;
    }

    /// <summary>
    /// Raises the event unless one with the same org, type and <paramref name="dedupeKey"/> exists; returns null when
    /// it did. Two racing callers are settled by the unique index: the loser's save fails and nothing is sent twice.
    /// </summary>
    public static async Task<OrgEvent?> RaiseEventOnceAsync(
        this TrancheDbContext db, Guid orgId, string type, object data, DateTime now, string dedupeKey, CancellationToken cancellationToken)
    {
        var seen = await db.OrgEvents.IgnoreQueryFilters()
            .AnyAsync(e => e.OrgId == orgId && e.Type == type && e.DedupeKey == dedupeKey, cancellationToken);
        return seen ? null : db.RaiseEvent(orgId, type, data, now, dedupeKey);
    }
}
