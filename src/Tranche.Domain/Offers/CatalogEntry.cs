using System.Text.Json.Serialization;

namespace Tranche.Domain.Offers;

/// <summary>Where figures came from: a public price page or price-list API, and the date the figures were read.</summary>
public sealed record CatalogSource(string Id, string Provider, string Title, string Url, DateOnly AsOf, string Covers);

/// <summary>
/// GPUs attached to a machine type (GCP accelerator-optimized series): the accelerator type as the Compute Engine API
/// names it (<c>nvidia-l4</c>, <c>nvidia-tesla-a100</c>) and how many one machine has.
/// </summary>
public sealed record CatalogAccelerator(string Type, int Count);

/// <summary>The key of an instance pool: provider, region, instance type, platform and (AWS) tenancy.</summary>
public sealed record PoolKey(string Provider, string Region, string InstanceType, string Platform, string? Tenancy = null)
{
    public override string ToString() =>
        $"{Provider}/{Region}/{InstanceType}/{Platform}" + (Tenancy is null ? "" : "/" + Tenancy);
}

/// <summary>
/// One instance type in one region: its on-demand rate, its place in a size-flexible group and the offers that cover it,
/// priced per instance-hour (<see cref="OfferUnits.InstanceHours"/>). Savings plans and flexible CUDs appear here at their
/// rate for this instance type; <see cref="CatalogOffer.PerCommitmentUnit"/> turns them into a per-$1/h commitment.
/// <see cref="Vcpus"/> and <see cref="MemoryGb"/> are zero where the provider's price list does not publish them.
/// </summary>
public sealed record CatalogEntry(
    string Provider,
    string Region,
    string InstanceType,
    string Family,
    string SizeGroup,
    string Platform,
    string? Tenancy,
    decimal OnDemandHourly,
    string Currency,
    decimal NormalizationFactor,
    int Vcpus,
    decimal MemoryGb,
    IReadOnlyList<CatalogOffer> Offers)
{
    [JsonIgnore]
    public PoolKey Key => new(Provider, Region, InstanceType, Platform, Tenancy);

    /// <summary>The GPUs each machine of the type has, or null for a machine type without attached GPUs.</summary>
    public CatalogAccelerator? Accelerator { get; init; }

    /// <summary>On-demand per normalized unit-hour (AWS normalization factor, Azure ISF ratio, GCP vCPU).</summary>
    [JsonIgnore]
    public decimal OnDemandPerNormalizedUnit => OnDemandHourly / NormalizationFactor;

    /// <summary>The offers of one kind, cheapest effective rate first.</summary>
    public IEnumerable<CatalogOffer> OffersOfKind(string kind) =>
        Offers.Where(o => o.Offer.Kind == kind).OrderBy(o => o.EffectiveHourlyPerUnit);
}

/// <summary>
/// A resource priced on its own in one region: GCP resource-based CUDs commit vCPUs and memory of a machine series
/// separately, each with its own on-demand and committed rate per unit-hour.
/// </summary>
public sealed record CatalogResourcePool(
    string Provider,
    string Region,
    string Series,
    string Resource,
    string Unit,
    decimal OnDemandHourly,
    string Currency,
    IReadOnlyList<CatalogOffer> Offers);

/// <summary>
/// A size-flexible group in one region (an AWS instance family with its normalization factors, an Azure instance size
/// flexibility group with its ratios): the on-demand rate and the size-flexible offers per normalized unit-hour.
/// </summary>
public sealed record CatalogGroup(
    string Provider,
    string Region,
    string SizeGroup,
    string Platform,
    string? Tenancy,
    decimal OnDemandPerUnit,
    string Currency,
    IReadOnlyList<CatalogEntry> Members,
    IReadOnlyList<CatalogOffer> Offers)
{
    /// <summary>Normalized units of one instance of <paramref name="instanceType"/>, or null when it is not in the group.</summary>
    public decimal? UnitsOf(string instanceType) =>
        Members.FirstOrDefault(m => string.Equals(m.InstanceType, instanceType, StringComparison.OrdinalIgnoreCase))?.NormalizationFactor;
}
