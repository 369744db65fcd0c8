namespace Tranche.Domain.Offers;

/// <summary>
/// What makes a catalog usable by the planner, whatever filled it: positive prices, terms of 12 or 36 months, known
/// payment options whose split matches their name, every offer cheaper than on-demand over its term, unique pools and
/// offer ids, and machine types with GPUs sold only as bundled GCP resource-based CUDs. Each problem names the pool or
/// offer it is about.
/// </summary>
public static class OfferCatalogRules
{
    public static readonly IReadOnlyList<int> TermsInMonths = [12, 36];

    public static readonly IReadOnlyList<string> Kinds = [OfferKinds.ReservedInstance, OfferKinds.SavingsPlan, OfferKinds.CommittedUseDiscount];

    /// <summary>Every problem found, in catalog order; empty when the catalog is valid.</summary>
    public static IReadOnlyList<string> Problems(OfferCatalog catalog)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(catalog.Version))
        {
            problems.Add("catalog: the version is empty");
        }

        if (catalog.Currency.Length != 3 || !catalog.Currency.All(char.IsAsciiLetterUpper))
        {
            problems.Add($"catalog: currency '{catalog.Currency}' is not an ISO 4217 code");
        }

        if (catalog.Sources.Count == 0)
        {
            problems.Add("catalog: no sources are cited");
        }

        foreach (var source in catalog.Sources)
        {
            if (!Uri.TryCreate(source.Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                problems.Add($"source {source.Id}: '{source.Url}' is not an http(s) address");
            }
        }

        foreach (var duplicate in catalog.Sources.GroupBy(s => s.Id, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            problems.Add($"source {duplicate.Key}: listed {duplicate.Count()} times");
        }

        var pools = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var offerIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in catalog.Entries)
        {
            var name = entry.Key.ToString();
            if (!pools.Add("instance " + name))
            {
                problems.Add($"{name}: the pool is listed more than once");
            }

            if (entry.OnDemandHourly <= 0)
            {
                problems.Add($"{name}: on-demand price {entry.OnDemandHourly} is not positive");
            }

            if (entry.NormalizationFactor <= 0)
            {
                problems.Add($"{name}: normalization factor {entry.NormalizationFactor} is not positive");
            }

            // Zero is "not published" (Azure's price list names no memory size); GCP commitments are bought in vCPUs
            // and memory, so its machine types need both.
            if (entry.Vcpus < 0 || entry.MemoryGb < 0 || (entry.Provider == Billing.CloudProviders.Gcp && (entry.Vcpus == 0 || entry.MemoryGb == 0)))
            {
                problems.Add($"{name}: vCPUs and memory must be positive (zero, for not published, only outside GCP)");
            }

            if (entry.Accelerator is { } accelerator)
            {
                if (string.IsNullOrWhiteSpace(accelerator.Type) || accelerator.Count <= 0)
                {
                    problems.Add($"{name}: an accelerator needs a type and a positive count");
                }

                // GPUs are committed only together with the vCPUs and memory of their machine series, in one commitment.
                if (entry.Offers.FirstOrDefault(o => o.Bundle is null) is { } alone)
                {
                    problems.Add($"{name}: offer {alone.Offer.OfferId}: the machine type has GPUs attached, so its offers must be bundled");
                }
            }

            CheckOffers(catalog, name, entry.Provider, entry.Region, entry.Currency, entry.Offers, offerIds, problems);
        }

        foreach (var pool in catalog.ResourcePools)
        {
            var name = $"{pool.Provider}/{pool.Region}/{pool.Series}/{pool.Resource}";
            if (!pools.Add("resource " + name))
            {
                problems.Add($"{name}: the pool is listed more than once");
            }

            if (pool.OnDemandHourly <= 0)
            {
                problems.Add($"{name}: on-demand price {pool.OnDemandHourly} is not positive");
            }

            CheckOffers(catalog, name, pool.Provider, pool.Region, pool.Currency, pool.Offers, offerIds, problems);
        }

        return problems;
    }

    /// <summary>Throws <see cref="InvalidDataException"/> listing every problem, or returns the catalog unchanged.</summary>
    public static OfferCatalog EnsureValid(OfferCatalog catalog, string what)
    {
        var problems = Problems(catalog);
        return problems.Count == 0
            ? catalog
            : throw new InvalidDataException($"{what} is not a valid offer catalog:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
    }

    private static void CheckOffers(
        OfferCatalog catalog, string name, string provider, string region, string currency, IReadOnlyList<CatalogOffer> offers,
        HashSet<string> offerIds, List<string> problems)
    {
        if (currency != catalog.Currency)
        {
            problems.Add($"{name}: currency {currency} differs from the catalog's {catalog.Currency}");
        }

        if (offers.Count == 0)
        {
            problems.Add($"{name}: no offers");
        }

        var shapes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var o in offers)
        {
            var offer = o.Offer;
            var label = $"{name}: offer {offer.OfferId}";
            if (!offerIds.Add(offer.OfferId))
            {
                problems.Add($"{label}: the offer id is used more than once");
            }

            var shape = $"{offer.Kind}|{o.OfferingClass}|{o.PlanType}|{offer.TermMonths}|{offer.PaymentOption}|{offer.Unit}";
            if (!shapes.Add(shape))
            {
                problems.Add($"{label}: another offer of this pool has the same kind, class, plan type, term and payment option");
            }

            if (offer.Provider != provider || o.Region != region)
            {
                problems.Add($"{label}: provider or region differs from its pool's");
            }

            if (!Kinds.Contains(offer.Kind))
            {
                problems.Add($"{label}: unknown kind '{offer.Kind}'");
            }

            if (!TermsInMonths.Contains(offer.TermMonths))
            {
                problems.Add($"{label}: term of {offer.TermMonths} months (expected 12 or 36)");
            }

            if (!PaymentOptions.All.Contains(offer.PaymentOption))
            {
                problems.Add($"{label}: unknown payment option '{offer.PaymentOption}'");
            }

            if (string.IsNullOrWhiteSpace(offer.CommitmentType) || string.IsNullOrWhiteSpace(offer.Unit))
            {
                problems.Add($"{label}: commitment type and unit are required");
            }

            if (offer.UpfrontPerUnit < 0 || offer.HourlyPerUnit < 0 || offer.EffectiveHourlyPerUnit <= 0)
            {
                problems.Add($"{label}: prices must be positive (upfront {offer.UpfrontPerUnit}, hourly {offer.HourlyPerUnit})");
            }

            var split = offer.PaymentOption switch
            {
                PaymentOptions.NoUpfront => offer.UpfrontPerUnit == 0,
                PaymentOptions.AllUpfront => offer.HourlyPerUnit == 0,
                PaymentOptions.PartialUpfront => offer.UpfrontPerUnit > 0 && offer.HourlyPerUnit > 0,
                _ => true,
            };
            if (!split)
            {
                problems.Add($"{label}: upfront {offer.UpfrontPerUnit} and hourly {offer.HourlyPerUnit} do not match '{offer.PaymentOption}'");
            }

            if (o.Bundle is not null && (offer.Provider != Billing.CloudProviders.Gcp || offer.Kind != OfferKinds.CommittedUseDiscount || o.PlanType != PlanTypes.Resource))
            {
                problems.Add($"{label}: only GCP resource-based CUDs are bundled");
            }

            if (o.OnDemandHourlyPerUnit <= 0)
            {
                problems.Add($"{label}: on-demand rate {o.OnDemandHourlyPerUnit} is not positive");
            }
            else if (offer.TermMonths > 0 && o.TotalCostPerUnit >= o.OnDemandHourlyPerUnit * offer.TermHours)
            {
                problems.Add($"{label}: costs {o.TotalCostPerUnit} over its term, not less than on-demand {o.OnDemandHourlyPerUnit * offer.TermHours}");
            }
        }
    }
}
