using System.Text.Json;

namespace Tranche.Data;

/// <summary>Who is acting: an API key (with the request it came in on), an operator on the command line, or a job.</summary>
public readonly record struct Actor(string Name, Guid? KeyId, string? RequestId)
{
    public static Actor Cli { get; } = new("cli", null, null);

    public static Actor System { get; } = new("system", null, null);

    public static Actor ApiKey(Guid keyId, string? requestId) => new($"key:{keyId}", keyId, requestId);
}

/// <summary>Stored times are whole microseconds: PostgreSQL keeps no finer, so both stores hand back what was written.</summary>
public static class StorageClock
{
    public static DateTime StorageNow(this TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
    }
}

public static class Audit
{
    private static readonly JsonSerializerOptions s_details = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    /// <summary>Adds an audit entry to the context; it is saved with the change it describes, in the same transaction.</summary>
    public static AuditEvent Record(
        this TrancheDbContext db, Guid orgId, Actor actor, string action, string? targetId, object? details, DateTime now)
    {
        var entry = new AuditEvent
        {
            Id = Guid.CreateVersion7(now),
            OrgId = orgId,
            OccurredAt = now,
            Actor = actor.Name,
            ActorKeyId = actor.KeyId,
            Action = action,
            TargetId = targetId,
            RequestId = actor.RequestId,
            Details = details is null ? null : JsonSerializer.Serialize(details, s_details),
        };
        db.AuditEvents.Add(entry);
        return entry;
    }
}
