using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1;

[ApiSchema("ApiKey")]
public sealed record ApiKeyResponse(
    Guid Id,
    Guid OrgId,
    string Name,
    string Prefix,
    OrgRole Role,
    DateTime CreatedAt,
    string CreatedBy,
    DateTime? LastUsedAt,
    DateTime? RevokedAt,
    bool IsActive);

/// <summary>A new key; <c>key</c> is the secret, shown this once and never again.</summary>
[ApiSchema("CreatedApiKey")]
public sealed record CreatedApiKeyResponse(
    Guid Id,
    Guid OrgId,
    string Name,
    string Prefix,
    OrgRole Role,
    DateTime CreatedAt,
    string CreatedBy,
    string Key);

[ApiSchema("CreateApiKey")]
public sealed record CreateApiKeyRequest(string? Name, OrgRole? Role) : IValidatedRequest
{
    public const int MaxNameLength = 200;

    public void Validate(RequestErrors errors)
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            errors.Add("json", "name", Name is null ? "Missing data for required field." : "Must not be blank.");
        }
        else if (Name.Length > MaxNameLength)
        {
            errors.Add("json", "name", $"Longer than maximum length {MaxNameLength}.");
        }
        else if (Name.Any(char.IsControl))
        {
            errors.Add("json", "name", "Must not contain control characters.");
        }
    }
}

/// <summary>
/// API keys of an org: list, make, look up and revoke (a Tranche extension of the published API). Only admin keys
/// manage keys; a partner's admin key manages its customer orgs' keys too.
/// </summary>
internal static class ApiKeysApi
{
    public static void MapApiKeys(this IEndpointRouteBuilder routes)
    {
        var keys = routes.MapGroup("/v1/org/{org_id}/api-keys")
            .ForOrg()
            .WithTags("API keys")
            .WithApiErrors();

        keys.MapGet("", ListKeys)
            .WithSummary("List the org's API keys")
            .WithDescription("Every key of the org, revoked ones included, newest first. Secrets are never shown again.")
            .Produces<ApiKeyResponse[]>();

        keys.MapPost("", CreateKey)
            .WithSummary("Make an API key")
            .WithDescription("Returns the secret in `key` once. `role` defaults to `user`; only an admin key may make keys.")
            .WithBody<CreateApiKeyRequest>("application/json")
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created);

        keys.MapGet("/{key_id}", GetKey)
            .WithSummary("Get one API key")
            .Produces<ApiKeyResponse>();

        keys.MapDelete("/{key_id}", RevokeKey)
            .WithSummary("Revoke an API key")
            .WithDescription("The key stops working at once. Revoking a revoked key changes nothing and answers the same.")
            .Produces<ApiKeyResponse>();

        // The same, for clients and proxies that cannot send DELETE. It takes no body, so any or none is accepted.
        keys.MapPost("/{key_id}/revoke", RevokeKey)
            .WithSummary("Revoke an API key (POST form)")
            .WithDescription("Same as `DELETE /v1/org/{org_id}/api-keys/{key_id}`. Send no body; whatever body or content type is sent is ignored.")
            .Produces<ApiKeyResponse>();
    }

    internal static async Task<IResult> ListKeys(HttpContext context, TrancheDbContext db)
    {
        if (RequireKeyManager(context) is { } denied)
        {
            return denied;
        }

        var keys = await db.ApiKeys.AsNoTracking()
            .OrderByDescending(k => k.CreatedAt).ThenByDescending(k => k.Id)
            .ToListAsync(context.RequestAborted);
        return TypedResults.Ok(keys.Select(ToResponse));
    }

    internal static async Task<IResult> CreateKey(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireKeyManager(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<CreateApiKeyRequest>(context.Request);
        var org = context.Org();
        var issued = db.IssueApiKey(org.OrgId, request.Name!.Trim(), request.Role ?? OrgRole.User, context.Caller().AsActor(context), time.StorageNow());
        await db.SaveChangesAsync(context.RequestAborted);

        var key = issued.Key;
        return TypedResults.Created(
            $"/v1/org/{org.OrgId}/api-keys/{key.Id}",
            new CreatedApiKeyResponse(key.Id, key.OrgId, key.Name, key.Prefix, key.Role, key.CreatedAt, key.CreatedBy, issued.Secret));
    }

    private static async Task<IResult> GetKey(HttpContext context, TrancheDbContext db, string key_id)
    {
        if (RequireKeyManager(context) is { } denied)
        {
            return denied;
        }

        var id = PathIds.Parse(key_id, nameof(key_id));
        var key = await db.ApiKeys.AsNoTracking().SingleOrDefaultAsync(k => k.Id == id, context.RequestAborted);
        return key is null ? KeyNotFound(context, id) : TypedResults.Ok(ToResponse(key));
    }

    private static async Task<IResult> RevokeKey(HttpContext context, TrancheDbContext db, TimeProvider time, string key_id)
    {
        if (RequireKeyManager(context) is { } denied)
        {
            return denied;
        }

        var id = PathIds.Parse(key_id, nameof(key_id));
        var key = await db.RevokeApiKeyAsync(id, context.Caller().AsActor(context), time.StorageNow(), context.RequestAborted);
        if (key is null)
        {
            return KeyNotFound(context, id);
        }

        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok(ToResponse(key));
    }

    private static IResult? RequireKeyManager(HttpContext context)
    {
        var caller = context.Caller();
        return caller.Role.CanManageKeys()
            ? null
            : ApiResults.Forbidden($"Managing API keys needs an admin key; this key's role is {OrgRoleNames.ToWire(caller.Role)}.", "role_not_allowed");
    }

    private static IResult KeyNotFound(HttpContext context, Guid id) =>
        ApiResults.NotFound($"Org {context.Org().OrgId} has no API key {id}.", "api_key_not_found");

    private static ApiKeyResponse ToResponse(ApiKey key) =>
        new(key.Id, key.OrgId, key.Name, key.Prefix, key.Role, key.CreatedAt, key.CreatedBy, key.LastUsedAt, key.RevokedAt, key.RevokedAt is null);
}
