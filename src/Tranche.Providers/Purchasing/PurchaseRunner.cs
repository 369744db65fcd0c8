using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Providers.Sandbox;

namespace Tranche.Providers.Purchasing;

/// <summary>Runs a purchase's ledger against the org's cloud account: the sandbox cloud, in its own unit of work, as a provider's API would be.</summary>
public static class PurchaseRunner
{
    public static async Task<PurchaseRecord> RunAsync(
        DatabaseTarget database, TrancheDbContext db, Guid orgId, Guid purchaseId, OfferCatalog catalog, SandboxFaults faults, TimeProvider time, CancellationToken cancellationToken)
    {
        await using var cloud = TrancheDatabase.CreateContext(database, OrgScope.For(orgId));
        return await new PurchaseLedger(db, new SandboxMarket(cloud, faults), catalog).RunAsync(purchaseId, time.StorageNow, cancellationToken);
    }
}
