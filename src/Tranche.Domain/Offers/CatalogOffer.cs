using System.Text.Json.Serialization;

namespace Tranche.Domain.Offers;

/// <summary>Offering classes of AWS Reserved Instances, as <c>CommitmentOffer.offering_class</c> spells them.</summary>
public static class OfferingClasses
{
    public const string Standard = "standard";
    public const string Convertible = "convertible";
}

/// <summary>Plan types: AWS Savings Plans and Azure savings plans as their APIs name them, GCP CUDs by how they apply.</summary>
public static class PlanTypes
{
    /// <summary>AWS Compute Savings Plan or Azure savings plan for compute: any family, size and region.</summary>
    public const string Compute = "Compute";

    /// <summary>AWS EC2 Instance Savings Plan: one instance family in one region.</summary>
    public const string Ec2Instance = "EC2Instance";

    /// <summary>GCP resource-based CUD: vCPU and memory of one machine series in one region.</summary>
    public const string Resource = "Resource";

    /// <summary>GCP compute flexible (spend-based) CUD: an hourly spend across eligible series and regions.</summary>
    public const string Flexible = "Flexible";
}

/// <summary>Units an offer's price is per, and the usage it is measured against.</summary>
public static class OfferUnits
{
    /// <summary>One instance (VM) running for an hour.</summary>
    public const string InstanceHours = "Hrs";

    /// <summary>One normalized unit of a size-flexible group for an hour (AWS normalization factor, Azure ISF ratio).</summary>
    public const string NormalizedUnitHours = "NormalizedUnitHrs";

    /// <summary>One vCPU for an hour (GCP resource CUDs).</summary>
    public const string VcpuHours = "vCPU-Hrs";

    /// <summary>One GB of memory for an hour (GCP resource CUDs).</summary>
    public const string MemoryGbHours = "GB-Hrs";

    /// <summary>One currency unit per hour of spend commitment (savings plans, flexible CUDs); the currency follows.</summary>
    public static string CommitmentPerHour(string currency) => currency + "/h";
}

/// <summary>
/// An offer as the catalog sells it for one pool: the <see cref="Offer"/> (term, payment option, price per unit) with the
/// attributes the published <c>CommitmentOffer</c> carries (region, instance type and family, offering class, plan type)
/// and the on-demand price of the same unit, so every offer answers its own discount.
/// </summary>
public sealed record CatalogOffer(
    Offer Offer,
    string Region,
    string? InstanceType,
    string? InstanceFamily,
    string? OfferingClass,
    string? PlanType,
    string? Platform,
    string? Tenancy,
    bool IsFlexible,
    decimal OnDemandHourlyPerUnit)
{
    /// <summary>
    /// The commitment the offer is bought within, shared with other offers, or null when it is bought on its own. GCP
    /// accelerator-optimized machine types (A2, G2: GPUs attached to the machine type) are committed with a
    /// resource-based CUD whose one commitment holds the GPUs together with the vCPUs and memory of the machine series,
    /// with one term; the value is that commitment's type (<c>ACCELERATOR_OPTIMIZED</c>, <c>GRAPHICS_OPTIMIZED</c>).
    /// Offers of one bundle, region, term and payment option are bought as one commitment (<see cref="BundleKey"/>).
    /// </summary>
    public string? Bundle { get; init; }

    /// <summary>Provider, region and bundle: offers with the same key (and term and payment option) go into one commitment; null when not bundled.</summary>
    [JsonIgnore]
    public string? BundleKey => Bundle is null ? null : $"{Offer.Provider}/{Region}/{Bundle}";

    /// <summary>Seconds in a 730-hour month, so a 12-month term is 31,536,000 s as the providers' APIs write it.</summary>
    public const long SecondsPerMonth = Offer.HoursPerMonth * 3600L;

    /// <summary>The term as <c>duration_seconds</c> (providers count a year as 365 days: 12 x 730 h).</summary>
    [JsonIgnore]
    public long DurationSeconds => Offer.TermMonths * SecondsPerMonth;

    [JsonIgnore]
    public decimal EffectiveHourlyPerUnit => Offer.EffectiveHourlyPerUnit;

    /// <summary>r / p: the effective commitment rate over the on-demand rate of the same unit (below 1 for a saving).</summary>
    [JsonIgnore]
    public decimal DiscountRatio => OnDemandHourlyPerUnit == 0 ? 0 : EffectiveHourlyPerUnit / OnDemandHourlyPerUnit;

    /// <summary>What one fully used unit-hour saves against on-demand.</summary>
    [JsonIgnore]
    public decimal SavingsPerUnitHour => OnDemandHourlyPerUnit - EffectiveHourlyPerUnit;

    /// <summary>Upfront plus every recurring hour of the term, per unit.</summary>
    [JsonIgnore]
    public decimal TotalCostPerUnit => Offer.UpfrontPerUnit + Offer.HourlyPerUnit * Offer.TermHours;

    /// <summary>
    /// The same offer priced per a larger unit (<paramref name="factor"/> of the current units make one new unit) or, with a
    /// factor below 1, per a smaller one: prices and the on-demand rate scale together, so the discount ratio is unchanged.
    /// </summary>
    public CatalogOffer Rescaled(decimal factor, string unit, string offerIdSuffix)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(factor);
        return this with
        {
            Offer = Offer with
            {
                OfferId = Offer.OfferId + offerIdSuffix,
                UpfrontPerUnit = Offer.UpfrontPerUnit * factor,
                HourlyPerUnit = Offer.HourlyPerUnit * factor,
                Unit = unit,
            },
            OnDemandHourlyPerUnit = OnDemandHourlyPerUnit * factor,
        };
    }

    /// <summary>
    /// The offer per one currency unit per hour of commitment, the way savings plans and flexible CUDs are bought: an
    /// effective price of exactly 1 per hour, covering usage worth <c>1 / DiscountRatio</c> at on-demand rates. Savings
    /// plan rates are published per hour of usage of each instance type; this turns that rate into the commitment's
    /// discount for the instance type.
    /// </summary>
    public CatalogOffer PerCommitmentUnit(string currency) =>
        Rescaled(1m / EffectiveHourlyPerUnit, OfferUnits.CommitmentPerHour(currency), ":per-commitment");
}
