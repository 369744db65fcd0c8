using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Onboarding;
using Tranche.Providers.Sandbox;

namespace Tranche.Providers.Onboarding;

/// <summary>What a sync of an org's cloud accounts did: the inventories synced, and the integrations that could not be.</summary>
public sealed record IntegrationSyncResult(IReadOnlyList<CommitmentSyncResult> Synced, IReadOnlyList<string> Problems);

/// <summary>
/// Syncs the commitment inventory of an org from the accounts it has connected, and records the sync on each
/// verified integration (the onboarding step <c>synced</c>). The sandbox cloud is read for every provider the org has
/// billing data or sandbox commitments for. Real clouds have no inventory reader yet: their integrations record that,
/// and their step stays failed rather than pretending.
/// </summary>
public static class IntegrationSync
{
    private static readonly string[] s_clouds = ["aws", "azure", "gcp"];

    public static async Task<IntegrationSyncResult> RunAsync(TrancheDbContext db, Guid orgId, string? onlyProvider, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var integrations = await db.CloudIntegrations.Where(i => i.VerifiedAt != null).ToListAsync(cancellationToken);
        var sandbox = new SandboxCloud(db);
        var providers = new SortedSet<string>(await sandbox.ProvidersAsync(orgId, cancellationToken), StringComparer.Ordinal);
        var sandboxIntegration = integrations.FirstOrDefault(i => i.Provider == OnboardingRules.Sandbox);
        if (sandboxIntegration is not null)
        {
            providers.UnionWith(await db.BillingPeriods.Select(p => p.Provider).Distinct().ToListAsync(cancellationToken));
        }

        var synced = new List<CommitmentSyncResult>();
        foreach (var provider in providers.Where(p => s_clouds.Contains(p) && (onlyProvider is null || p == onlyProvider)))
        {
            synced.Add(await CommitmentSync.RunAsync(db, sandbox.Inventory(provider), orgId, now, cancellationToken));
        }

        var problems = new List<string>();
        if (sandboxIntegration is not null)
        {
            sandboxIntegration.LastSyncedAt = now;
            sandboxIntegration.LastSyncError = null;
        }

        foreach (var integration in integrations.Where(i => i.Provider != OnboardingRules.Sandbox && (onlyProvider is null || i.Provider == onlyProvider)))
        {
            integration.LastSyncError = $"Tranche cannot read the {integration.Provider} commitment inventory through the integration yet; the sandbox cloud is the only account it syncs from in this version.";
            problems.Add(integration.LastSyncError);
        }

        foreach (var result in synced)
        {
            db.Record(orgId, actor, "commitments.synced", result.Provider, result, now);
        }

        return new IntegrationSyncResult(synced, problems);
    }
}
