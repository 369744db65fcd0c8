using Tranche.Data;
using Microsoft.EntityFrameworkCore;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox;

namespace Tranche.Providers.Purchasing;

/// <summary>Runs a purchase's ledger against the org's cloud account: the sandbox cloud, in its own unit of work, as a provider's API would be.</summary>
public static class PurchaseRunner
{
    public static async Task<PurchaseRecord> RunAsync(
        DatabaseTarget database, TrancheDbContext db, Guid orgId, Guid purchaseId, OfferCatalogs catalogs, SandboxFaults faults, TimeProvider time, CancellationToken cancellationToken)
    {
        // The catalog the purchase's plan was computed from: its offer ids are that catalog's.
        var provider = await db.Purchases.Where(p => p.Id == purchaseId).Select(p => p.Provider).SingleAsync(cancellationToken);
        var catalog = await catalogs.ForAsync(db, orgId, provider, cancellationToken);
        await using var cloud = TrancheDatabase.CreateContext(database, OrgScope.For(orgId));
        return await new PurchaseLedger(db, new SandboxMarket(cloud, faults), catalog).RunAsync(purchaseId, time.StorageNow, cancellationToken);
    }
}
