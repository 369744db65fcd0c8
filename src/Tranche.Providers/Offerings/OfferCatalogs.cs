using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;

namespace Tranche.Providers.Offerings;

/// <summary>
/// The offer catalog in effect for an org and provider: the one read from the provider's offering APIs through the
/// org's cloud integration when there is one, else the bundled sandbox catalog. Read catalogs are kept in memory by
/// version, so a request pays one small query to learn the version and parses a catalog only when it changed.
/// </summary>
public sealed class OfferCatalogs(OfferCatalog bundled)
{
    private readonly ConcurrentDictionary<(Guid OrgId, string Provider), OfferCatalog> _read = new();

    /// <summary>The bundled sandbox catalog: every org's catalog until one is read for it.</summary>
    public OfferCatalog Bundled => bundled;

    public async Task<OfferCatalog> ForAsync(TrancheDbContext db, Guid orgId, string provider, CancellationToken cancellationToken)
    {
        var version = await db.ProviderOfferCatalogs
            .Where(c => c.OrgId == orgId && c.Provider == provider && c.Version != null)
            .Select(c => c.Version)
            .FirstOrDefaultAsync(cancellationToken);
        if (version is null)
        {
            return bundled;
        }

        if (_read.TryGetValue((orgId, provider), out var cached) && cached.Version == version)
        {
            return cached;
        }

        // Version and catalog are written together; read both, in case a newer read landed since the first query.
        var stored = await db.ProviderOfferCatalogs
            .Where(c => c.OrgId == orgId && c.Provider == provider)
            .Select(c => c.Catalog)
            .FirstAsync(cancellationToken);
        if (stored is not { } json)
        {
            return bundled;
        }

        var catalog = ProviderCatalogs.Read(json);
        _read[(orgId, provider)] = catalog;
        return catalog;
    }
}
