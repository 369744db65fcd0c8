using Tranche.Data;
using Tranche.Domain.Offers;

namespace Tranche.Providers.Offerings;

/// <summary>
/// A pool whose prices are wanted: one instance type in one region, as the org's billing names them, with the
/// operating system where the bill says it (null: Linux).
/// </summary>
public sealed record PricedPool(string Region, string InstanceType, string? Platform = null)
{
    public override string ToString() => $"{Region}/{InstanceType}" + (Platform is null ? "" : "/" + Platform);
}

/// <summary>
/// What a provider's offering APIs answered for a set of pools, in the catalog's model: the pools priced (on-demand
/// rate and the commitment offers that cover them, per instance-hour), resource pools where the provider commits
/// resources rather than instances (GCP vCPU and memory), the calls the figures came from, and every asked-for pool
/// the provider had no usable price for, each with the reason.
/// </summary>
public sealed record ProviderOfferings(
    IReadOnlyList<CatalogSource> Sources,
    IReadOnlyList<CatalogEntry> Entries,
    IReadOnlyList<CatalogResourcePool> ResourcePools,
    IReadOnlyList<string> Unpriced);

/// <summary>
/// Reads on-demand prices and commitment offers from one provider's offering APIs through an org's cloud integration:
/// AWS EC2 Reserved Instance offerings, Savings Plans offering rates and the Price List; Azure retail prices; the GCP
/// Cloud Billing catalog. Prices are in USD.
/// </summary>
public interface IOfferingReader
{
    /// <summary><c>aws</c>, <c>azure</c> or <c>gcp</c>.</summary>
    string Provider { get; }

    /// <summary>
    /// Prices <paramref name="pools"/>. Throws <see cref="OfferingReadException"/> when the provider cannot be read
    /// (credentials, permissions, throttling that outlasts the retries, an answer that cannot be parsed).
    /// </summary>
    Task<ProviderOfferings> ReadAsync(CloudIntegration integration, IReadOnlyList<PricedPool> pools, CancellationToken cancellationToken);
}

/// <summary>A provider's offering API could not be read; the message names the call and what the provider said.</summary>
public sealed class OfferingReadException : Exception
{
    public OfferingReadException()
    {
    }

    public OfferingReadException(string message)
        : base(message)
    {
    }

    public OfferingReadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
