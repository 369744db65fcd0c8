using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Domain.Onboarding;

namespace Tranche.Providers.Offerings;

/// <summary>What one catalog read did: the version stored (null when nothing was), the pools asked and priced, and why it failed.</summary>
public sealed record CatalogReadResult(
    string Provider, string? Version, int PoolsAsked, int PoolsPriced, IReadOnlyList<string> Unpriced, string? Error);

/// <summary>
/// Reads an org's offer catalogs from the providers' offering APIs, one per verified cloud integration, for the pools
/// the org's billing shows it runs, and stores each in place of the one read before. Plans for that provider are
/// computed from the stored catalog from then on (<see cref="OfferCatalogs"/>). A pool whose figures break a catalog
/// rule is left out and listed with the problem; a failed read keeps the catalog read before it and records why.
/// </summary>
public static class ProviderCatalogs
{
    public const string Currency = "USD";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Reads the catalog of every verified integration of a real cloud (or only <paramref name="onlyProvider"/>'s).</summary>
    public static async Task<IReadOnlyList<CatalogReadResult>> ReadAsync(
        TrancheDbContext db, Guid orgId, IEnumerable<IOfferingReader> readers, string? onlyProvider, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var integrations = await db.CloudIntegrations.AsNoTracking()
            .Where(i => i.OrgId == orgId && i.VerifiedAt != null && i.Provider != OnboardingRules.Sandbox)
            .OrderBy(i => i.Provider)
            .ToListAsync(cancellationToken);
        var results = new List<CatalogReadResult>();
        foreach (var integration in integrations.Where(i => onlyProvider is null || i.Provider == onlyProvider))
        {
            if (readers.FirstOrDefault(r => r.Provider == integration.Provider) is { } reader)
            {
                results.Add(await ReadOneAsync(db, integration, reader, actor, now, cancellationToken));
            }
        }

        return results;
    }

    /// <summary>Reads one provider's catalog through one integration and stores what was read (or why it could not be).</summary>
    public static async Task<CatalogReadResult> ReadOneAsync(
        TrancheDbContext db, CloudIntegration integration, IOfferingReader reader, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var orgId = integration.OrgId;
        var provider = integration.Provider;
        var pools = await PoolsAsync(db, orgId, provider, cancellationToken);
        var row = await db.ProviderOfferCatalogs.SingleOrDefaultAsync(c => c.OrgId == orgId && c.Provider == provider, cancellationToken);
        if (row is null)
        {
            row = new ProviderOfferCatalog { Id = Guid.CreateVersion7(now), OrgId = orgId, Provider = provider };
            db.ProviderOfferCatalogs.Add(row);
        }

        row.AttemptedAt = now;
        CatalogReadResult result;
        if (pools.Count == 0)
        {
            row.LastError = $"The org's billing shows no {provider} instance usage yet, so there is nothing to price.";
            result = new CatalogReadResult(provider, null, 0, 0, [], row.LastError);
        }
        else
        {
            try
            {
                var offerings = await reader.ReadAsync(integration, pools, cancellationToken);
                var version = $"{provider}-offerings-{now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
                var (catalog, unpriced) = Build(version, offerings);
                row.Version = version;
                row.ReadAt = now;
                row.Catalog = Write(catalog);
                row.PoolsAsked = pools.Count;
                row.PoolsPriced = catalog.Entries.Count;
                row.Unpriced = JsonSerializer.Serialize(unpriced, s_json);
                row.LastError = null;
                result = new CatalogReadResult(provider, version, pools.Count, catalog.Entries.Count, unpriced, null);
            }
            catch (OfferingReadException e)
            {
                row.LastError = Truncate(e.Message, 2000);
                result = new CatalogReadResult(provider, null, pools.Count, 0, [], row.LastError);
            }
        }

        db.Record(orgId, actor, result.Error is null ? "offer_catalog.read" : "offer_catalog.read_failed", provider,
            new { provider, result.Version, pools_asked = result.PoolsAsked, pools_priced = result.PoolsPriced, unpriced = result.Unpriced.Count, result.Error }, now);
        await db.SaveChangesAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The instance pools of the org's billing for one provider: region, instance type and operating system, the
    /// catalog keys plans look offers up by.
    /// </summary>
    public static async Task<IReadOnlyList<PricedPool>> PoolsAsync(TrancheDbContext db, Guid orgId, string provider, CancellationToken cancellationToken)
    {
        var pools = await db.UsagePools.AsNoTracking()
            .Where(p => p.OrgId == orgId && p.Provider == provider && p.InstanceType != null && p.RegionId != null)
            .Select(p => new { p.RegionId, p.InstanceType, p.Platform })
            .Distinct()
            .ToListAsync(cancellationToken);
        return [.. pools
            .Select(p => new PricedPool(p.RegionId!, p.InstanceType!, p.Platform?.Contains("windows", StringComparison.OrdinalIgnoreCase) == true ? "Windows" : null))
            .Distinct()
            .OrderBy(p => p.Region, StringComparer.Ordinal).ThenBy(p => p.InstanceType, StringComparer.Ordinal).ThenBy(p => p.Platform, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The catalog of what was read, keeping each pool only when its figures pass every catalog rule on their own: a
    /// price the provider lists oddly costs that pool its offers, not the org its catalog.
    /// </summary>
    public static (OfferCatalog Catalog, IReadOnlyList<string> Unpriced) Build(string version, ProviderOfferings offerings)
    {
        var unpriced = new List<string>(offerings.Unpriced);
        var entries = new List<CatalogEntry>();
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in offerings.Entries)
        {
            var problems = OfferCatalogRules.Problems(new OfferCatalog(version, Currency, offerings.Sources, [entry]));
            if (problems.Count > 0)
            {
                unpriced.Add($"{entry.Key}: {problems[0]}");
            }
            else if (!keys.Add(entry.Key.ToString()))
            {
                unpriced.Add($"{entry.Key}: listed more than once; the first listing is kept");
            }
            else
            {
                entries.Add(entry);
            }
        }

        var pools = new List<CatalogResourcePool>();
        foreach (var pool in offerings.ResourcePools)
        {
            var problems = OfferCatalogRules.Problems(new OfferCatalog(version, Currency, offerings.Sources, [], [pool]));
            if (problems.Count > 0)
            {
                unpriced.Add($"{pool.Provider}/{pool.Region}/{pool.Series}/{pool.Resource}: {problems[0]}");
            }
            else
            {
                pools.Add(pool);
            }
        }

        // Offer ids must be unique across the catalog, not only within a pool.
        var catalog = new OfferCatalog(version, Currency, offerings.Sources, entries, pools);
        return (OfferCatalogRules.EnsureValid(catalog, $"The {version} catalog"), unpriced);
    }

    public static string Write(OfferCatalog catalog) =>
        JsonSerializer.Serialize(new StoredCatalog(catalog.Version, catalog.Currency, catalog.Sources, catalog.Entries, catalog.ResourcePools), s_json);

    public static OfferCatalog Read(string json) =>
        JsonSerializer.Deserialize<StoredCatalog>(json, s_json) is { } stored
            ? new OfferCatalog(stored.Version, stored.Currency, stored.Sources, stored.Entries, stored.ResourcePools)
            : throw new InvalidDataException("A stored offer catalog is empty.");

    public static IReadOnlyList<string> ReadUnpriced(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json, s_json) ?? [];

    /// <summary>The catalog as stored: the domain model's records, without the indexes the catalog builds over them.</summary>
    private sealed record StoredCatalog(
        string Version, string Currency, IReadOnlyList<CatalogSource> Sources, IReadOnlyList<CatalogEntry> Entries, IReadOnlyList<CatalogResourcePool> ResourcePools);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
