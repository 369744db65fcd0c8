namespace Tranche.Domain.Offers;

/// <summary>
/// A versioned catalog of on-demand prices and commitment offers: instance pools per provider, region, instance type and
/// platform (with tenancy on AWS), resource pools for GCP resource-based CUDs, and the sources the figures come from.
/// The bundled sandbox catalog fills it from a data file; a real cloud integration fills the same model from the
/// provider's offering APIs. Lookups are case-insensitive on provider, region, instance type, platform and tenancy.
/// </summary>
public sealed class OfferCatalog
{
    private readonly Dictionary<(string, string, string), List<CatalogEntry>> _byType = [];
    private readonly Dictionary<(string, string, string), List<CatalogEntry>> _byGroup = [];
    private readonly Dictionary<string, CatalogOffer> _byOfferId = new(StringComparer.Ordinal);

    public OfferCatalog(
        string version,
        string currency,
        IEnumerable<CatalogSource> sources,
        IEnumerable<CatalogEntry> entries,
        IEnumerable<CatalogResourcePool>? resourcePools = null)
    {
        Version = version;
        Currency = currency;
        Sources = [.. sources];
        Entries = [.. entries];
        ResourcePools = [.. resourcePools ?? []];
        foreach (var entry in Entries)
        {
            Add(_byType, (Norm(entry.Provider), Norm(entry.Region), Norm(entry.InstanceType)), entry);
            Add(_byGroup, (Norm(entry.Provider), Norm(entry.Region), Norm(entry.SizeGroup)), entry);
        }

        foreach (var offer in AllOffers)
        {
            _byOfferId.TryAdd(offer.Offer.OfferId, offer);
        }
    }

    /// <summary>The catalog's version (the bundled one names its data file's month, e.g. <c>sandbox-2026-11</c>).</summary>
    public string Version { get; }

    /// <summary>The currency every price in the catalog is in.</summary>
    public string Currency { get; }

    public IReadOnlyList<CatalogSource> Sources { get; }

    public IReadOnlyList<CatalogEntry> Entries { get; }

    public IReadOnlyList<CatalogResourcePool> ResourcePools { get; }

    /// <summary>Every offer: those of the instance pools, then those of the resource pools.</summary>
    public IEnumerable<CatalogOffer> AllOffers => Entries.SelectMany(e => e.Offers).Concat(ResourcePools.SelectMany(p => p.Offers));

    public IEnumerable<string> Providers => Entries.Select(e => e.Provider).Distinct(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Regions(string provider) =>
        Entries.Where(e => Same(e.Provider, provider)).Select(e => e.Region).Distinct(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The pool of one instance type, or null when the catalog has none. A null platform or tenancy matches any, taking the
    /// catalog's first listing (the data lists Linux, default tenancy first).
    /// </summary>
    public CatalogEntry? Find(string provider, string region, string instanceType, string? platform = null, string? tenancy = null) =>
        _byType.TryGetValue((Norm(provider), Norm(region), Norm(instanceType)), out var entries)
            ? entries.FirstOrDefault(e => Matches(e, platform, tenancy))
            : null;

    public CatalogEntry? Find(PoolKey key) => Find(key.Provider, key.Region, key.InstanceType, key.Platform, key.Tenancy);

    /// <summary>The offers that cover a usage pool, priced per instance-hour; empty when the pool is not in the catalog.</summary>
    public IReadOnlyList<CatalogOffer> OffersFor(string provider, string region, string instanceType, string? platform = null, string? tenancy = null) =>
        Find(provider, region, instanceType, platform, tenancy)?.Offers ?? [];

    /// <summary>The on-demand rate per instance-hour of a pool, or null when the pool is not in the catalog.</summary>
    public decimal? OnDemandHourly(string provider, string region, string instanceType, string? platform = null, string? tenancy = null) =>
        Find(provider, region, instanceType, platform, tenancy)?.OnDemandHourly;

    /// <summary>An offer by its id.</summary>
    public CatalogOffer? FindOffer(string offerId) => _byOfferId.GetValueOrDefault(offerId);

    /// <summary>
    /// A size-flexible group (AWS family such as <c>m5</c>, Azure group such as <c>DSv3 Series</c>, GCP shape such as
    /// <c>n2-standard</c>) in one region, priced per normalized unit-hour: the on-demand rate and the size-flexible offers
    /// of its smallest member, divided by that member's normalization factor.
    /// </summary>
    public CatalogGroup? Group(string provider, string region, string sizeGroup, string? platform = null, string? tenancy = null)
    {
        if (!_byGroup.TryGetValue((Norm(provider), Norm(region), Norm(sizeGroup)), out var entries))
        {
            return null;
        }

        var members = entries.Where(e => Matches(e, platform, tenancy)).ToList();
        if (members.Count == 0)
        {
            return null;
        }

        var first = members[0];
        members = [.. members.Where(e => Same(e.Platform, first.Platform) && Same(e.Tenancy ?? "", first.Tenancy ?? "")).OrderBy(e => e.NormalizationFactor)];
        var smallest = members[0];
        var perUnit = 1m / smallest.NormalizationFactor;
        var offers = smallest.Offers
            .Where(o => o.IsFlexible)
            .Select(o => o.Rescaled(perUnit, OfferUnits.NormalizedUnitHours, ":per-unit") with { InstanceType = null })
            .ToList();
        return new CatalogGroup(
            smallest.Provider, smallest.Region, smallest.SizeGroup, smallest.Platform, smallest.Tenancy,
            smallest.OnDemandPerNormalizedUnit, smallest.Currency, members, offers);
    }

    /// <summary>The size-flexible group an instance type belongs to, or null when the type is not in the catalog.</summary>
    public CatalogGroup? GroupOf(string provider, string region, string instanceType, string? platform = null, string? tenancy = null) =>
        Find(provider, region, instanceType, platform, tenancy) is { } entry
            ? Group(entry.Provider, entry.Region, entry.SizeGroup, entry.Platform, entry.Tenancy)
            : null;

    /// <summary>The resource pools (vCPU, memory) of a machine series in one region (GCP resource-based CUDs).</summary>
    public IReadOnlyList<CatalogResourcePool> ResourcePoolsOf(string provider, string region, string series) =>
        [.. ResourcePools.Where(p => Same(p.Provider, provider) && Same(p.Region, region) && Same(p.Series, series))];

    private static bool Matches(CatalogEntry entry, string? platform, string? tenancy) =>
        (string.IsNullOrEmpty(platform) || Same(entry.Platform, platform))
        && (string.IsNullOrEmpty(tenancy) || Same(entry.Tenancy ?? "", tenancy));

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static string Norm(string value) => value.ToUpperInvariant();

    private static void Add(Dictionary<(string, string, string), List<CatalogEntry>> index, (string, string, string) key, CatalogEntry entry)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        list.Add(entry);
    }
}
