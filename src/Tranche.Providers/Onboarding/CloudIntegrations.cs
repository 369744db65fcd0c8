using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Onboarding;

namespace Tranche.Providers.Onboarding;

/// <summary>Making integrations, the same way from the API, the command line and the demo.</summary>
public static class CloudIntegrations
{
    /// <summary>A new integration with a fresh external id, in state <c>created</c>, with its audit entry; saved by the caller.</summary>
    public static CloudIntegration Create(TrancheDbContext db, Guid orgId, string provider, Actor actor, DateTime now)
    {
        var integration = new CloudIntegration
        {
            Id = Guid.CreateVersion7(now), OrgId = orgId, Provider = provider, State = CloudIntegrationStates.Created,
            ExternalId = "tranche-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), CreatedAt = now,
        };
        db.CloudIntegrations.Add(integration);
        db.Record(orgId, actor, "cloud_integration.created", integration.Id.ToString(), new { provider }, now);
        return integration;
    }

    /// <summary>
    /// Connects the org to the sandbox cloud and verifies it, as a partner does through the API: the demo and the
    /// command line's <c>onboarding sandbox</c> use it. Saves.
    /// </summary>
    public static async Task<(CloudIntegration Integration, IReadOnlyList<Validation> Validations)> ConnectSandboxAsync(
        TrancheDbContext db, Guid orgId, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var integration = await db.CloudIntegrations.SingleOrDefaultAsync(i => i.Provider == OnboardingRules.Sandbox, cancellationToken)
            ?? Create(db, orgId, OnboardingRules.Sandbox, actor, now);
        var validations = await new SandboxVerifier().VerifyAsync(integration, cancellationToken);
        Verification.Apply(integration, validations, now);
        db.Record(orgId, actor, "cloud_integration.verified", integration.Id.ToString(), new { integration.Provider, integration.State }, now);
        await db.SaveChangesAsync(cancellationToken);
        return (integration, validations);
    }
}
