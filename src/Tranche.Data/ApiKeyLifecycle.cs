using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Tenancy;

namespace Tranche.Data;

/// <summary>A key as just made: the stored row and the secret, which exists nowhere else once this is dropped.</summary>
public sealed record IssuedApiKey(ApiKey Key, string Secret);

/// <summary>Making and revoking keys, with their audit entries, the same way from the API and the command line.</summary>
public static class ApiKeyLifecycle
{
    public static IssuedApiKey IssueApiKey(this TrancheDbContext db, Guid orgId, string name, OrgRole role, Actor actor, DateTime now)
    {
        var secret = ApiKeySecrets.NewSecret();
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(now),
            OrgId = orgId,
            Name = name,
            Prefix = ApiKeySecrets.PrefixOf(secret),
            SecretHash = ApiKeySecrets.Hash(secret),
            Role = role,
            CreatedAt = now,
            CreatedBy = actor.Name,
        };
        db.ApiKeys.Add(key);
        db.Record(orgId, actor, "api_key.created", key.Id.ToString(), new { key.Name, Role = OrgRoleNames.ToWire(role), key.Prefix }, now);
        return new IssuedApiKey(key, secret);
    }

    /// <summary>Revokes a key of the scoped org. Revoking twice keeps the first time and writes no second entry.</summary>
    /// <returns>The key, or null when the scoped org has no such key.</returns>
    public static async Task<ApiKey?> RevokeApiKeyAsync(this TrancheDbContext db, Guid keyId, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId, cancellationToken);
        if (key is null || key.RevokedAt is not null)
        {
            return key;
        }

        key.RevokedAt = now;
        db.Record(key.OrgId, actor, "api_key.revoked", key.Id.ToString(), new { key.Name, key.Prefix }, now);
        return key;
    }
}
