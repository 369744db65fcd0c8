using Tranche.Domain.Offers;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Providers.Tests;

public sealed class ProviderCatalogsTests
{
    private static readonly OfferCatalog Bundled = SandboxCatalog.Load();

    [Fact]
    public void A_stored_catalog_reads_back_as_the_catalog_that_was_written()
    {
        var json = ProviderCatalogs.Write(Bundled);
        var read = ProviderCatalogs.Read(json);

        Assert.Equal(json, ProviderCatalogs.Write(read));
        Assert.Empty(OfferCatalogRules.Problems(read));
        Assert.Equal((Bundled.Version, Bundled.Currency, Bundled.Entries.Count, Bundled.ResourcePools.Count, Bundled.AllOffers.Count()),
            (read.Version, read.Currency, read.Entries.Count, read.ResourcePools.Count, read.AllOffers.Count()));
        var g2 = read.Find("gcp", "us-central1", "g2-standard-4")!;
        Assert.Equal(Bundled.Find("gcp", "us-central1", "g2-standard-4")!.Accelerator, g2.Accelerator);
        Assert.All(g2.Offers, o => Assert.Equal("GRAPHICS_OPTIMIZED", o.Bundle));
        var offer = Bundled.FindOffer(Bundled.Entries[0].Offers[0].Offer.OfferId)!;
        Assert.Equal(offer, read.FindOffer(offer.Offer.OfferId));
    }

    [Fact]
    public void A_pool_whose_figures_break_a_catalog_rule_is_left_out_and_listed_with_the_problem()
    {
        var good = Bundled.Find("aws", "us-east-1", "m5.large")!;
        var dearer = Bundled.Find("aws", "us-east-1", "m5.xlarge")!;
        // An offer dearer than on-demand over its term: the provider listed something odd for this pool.
        dearer = dearer with { Offers = [.. dearer.Offers.Select((o, i) => i == 0 ? o with { Offer = o.Offer with { HourlyPerUnit = dearer.OnDemandHourly * 2 } } : o)] };
        var offerings = new ProviderOfferings(Bundled.Sources, [good, dearer, good], [], ["aws/us-east-1/x9.large: the price list has no on-demand price"]);

        var (catalog, unpriced) = ProviderCatalogs.Build("aws-offerings-test", offerings);

        Assert.Equal(["m5.large"], catalog.Entries.Select(e => e.InstanceType));
        Assert.Equal(3, unpriced.Count);
        Assert.Equal("aws/us-east-1/x9.large: the price list has no on-demand price", unpriced[0]);
        Assert.StartsWith("aws/us-east-1/m5.xlarge/Linux/UNIX/default: ", unpriced[1], StringComparison.Ordinal);
        Assert.Contains("not less than on-demand", unpriced[1], StringComparison.Ordinal);
        Assert.Contains("listed more than once", unpriced[2], StringComparison.Ordinal);
    }
}
