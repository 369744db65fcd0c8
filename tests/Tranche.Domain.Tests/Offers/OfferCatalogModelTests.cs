using CsCheck;
using Tranche.Domain.Offers;

namespace Tranche.Domain.Tests.Offers;

/// <summary>The catalog model on its own: lookups, groups, discount arithmetic and the rules a catalog must keep.</summary>
public sealed class OfferCatalogModelTests
{
    private static CatalogOffer MakeOffer(
        string provider, string region, string type, decimal onDemand, string kind, string? cls, string? plan, int months, string payment, decimal ratio)
    {
        var hours = months * Offer.HoursPerMonth;
        var effective = onDemand * ratio;
        var (upfront, hourly) = payment switch
        {
            PaymentOptions.AllUpfront => (effective * hours, 0m),
            PaymentOptions.PartialUpfront => (effective * hours / 2, effective / 2),
            _ => (0m, effective),
        };
        var id = $"{provider}:{region}:{type}:{kind}:{cls ?? plan}:{months}:{PaymentOptions.ToSnakeCase(payment)}";
        return new CatalogOffer(
            new Offer(id, provider, provider + "/Compute", kind, months, payment, upfront, hourly, OfferUnits.InstanceHours),
            region, type, type.Split('.')[0], cls, plan, "Linux/UNIX", "default", IsFlexible: true, onDemand);
    }

    private static CatalogEntry Aws(string region, string type, decimal onDemand, decimal ratio = 0.6m)
    {
        var offers = new List<CatalogOffer>();
        foreach (var months in new[] { 12, 36 })
        {
            var termRatio = months == 12 ? ratio : ratio * 0.7m;
            offers.Add(MakeOffer("aws", region, type, onDemand, OfferKinds.ReservedInstance, OfferingClasses.Standard, null, months, PaymentOptions.NoUpfront, termRatio));
            offers.Add(MakeOffer("aws", region, type, onDemand, OfferKinds.ReservedInstance, OfferingClasses.Standard, null, months, PaymentOptions.PartialUpfront, termRatio - 0.02m));
            offers.Add(MakeOffer("aws", region, type, onDemand, OfferKinds.ReservedInstance, OfferingClasses.Standard, null, months, PaymentOptions.AllUpfront, termRatio - 0.03m));
            offers.Add(MakeOffer("aws", region, type, onDemand, OfferKinds.SavingsPlan, null, PlanTypes.Compute, months, PaymentOptions.NoUpfront, termRatio + 0.1m));
        }

        return new CatalogEntry("aws", region, type, NormalizationFactors.AwsFamily(type), NormalizationFactors.AwsFamily(type), "Linux/UNIX", "default",
            onDemand, "USD", NormalizationFactors.ForAwsInstanceType(type)!.Value, 2, 8, offers);
    }

    private static readonly CatalogSource Source = new("aws-ec2", "aws", "EC2 pricing", "https://aws.amazon.com/ec2/pricing/", new DateOnly(2025, 6, 1), "prices");

    private static OfferCatalog Sample(params CatalogEntry[] extra) =>
        new("test-1", "USD", [Source], [Aws("us-east-1", "m5.large", 0.096m), Aws("us-east-1", "m5.xlarge", 0.192m), Aws("us-east-1", "m5.2xlarge", 0.384m), .. extra]);

    [Fact]
    public void Aws_normalization_factors_follow_the_size_name()
    {
        Assert.Equal(0.25m, NormalizationFactors.ForAwsSize("nano"));
        Assert.Equal(0.5m, NormalizationFactors.ForAwsSize("micro"));
        Assert.Equal(1m, NormalizationFactors.ForAwsSize("small"));
        Assert.Equal(2m, NormalizationFactors.ForAwsSize("medium"));
        Assert.Equal(4m, NormalizationFactors.ForAwsSize("large"));
        Assert.Equal(8m, NormalizationFactors.ForAwsSize("xlarge"));
        Assert.Equal(16m, NormalizationFactors.ForAwsInstanceType("m5.2xlarge"));
        Assert.Equal(96m, NormalizationFactors.ForAwsInstanceType("c5.12xlarge"));
        Assert.Equal(192m, NormalizationFactors.ForAwsInstanceType("r5.24xlarge"));
        Assert.Null(NormalizationFactors.ForAwsInstanceType("m5.metal"));
        Assert.Null(NormalizationFactors.ForAwsInstanceType("m5"));
        Assert.Null(NormalizationFactors.ForAwsSize("0xlarge"));
        Assert.Equal("m5", NormalizationFactors.AwsFamily("m5.large"));
    }

    [Fact]
    public void An_offer_knows_its_discount_duration_and_total()
    {
        var offer = MakeOffer("aws", "us-east-1", "m5.large", 0.096m, OfferKinds.ReservedInstance, OfferingClasses.Standard, null, 12, PaymentOptions.AllUpfront, 0.6m);

        Assert.Equal(31_536_000, offer.DurationSeconds);
        Assert.Equal(0.0576m, offer.EffectiveHourlyPerUnit);
        Assert.Equal(0.6m, offer.DiscountRatio);
        Assert.Equal(0.0384m, offer.SavingsPerUnitHour);
        Assert.Equal(0.0576m * 8760, offer.TotalCostPerUnit);
        Assert.Equal(94_608_000, (offer with { Offer = offer.Offer with { TermMonths = 36 } }).DurationSeconds);
    }

    [Fact]
    public void Rescaling_keeps_the_discount_and_a_commitment_dollar_costs_one_dollar_an_hour()
    {
        var offer = MakeOffer("aws", "us-east-1", "m5.large", 0.096m, OfferKinds.SavingsPlan, null, PlanTypes.Compute, 12, PaymentOptions.PartialUpfront, 0.72m);

        var perUnit = offer.Rescaled(0.25m, OfferUnits.NormalizedUnitHours, ":nu");
        Assert.Equal(0.024m, perUnit.OnDemandHourlyPerUnit);
        Assert.Equal(offer.DiscountRatio, perUnit.DiscountRatio);
        Assert.EndsWith(":nu", perUnit.Offer.OfferId, StringComparison.Ordinal);

        var perDollar = offer.PerCommitmentUnit("USD");
        Assert.Equal("USD/h", perDollar.Offer.Unit);
        Assert.Equal(1m, perDollar.EffectiveHourlyPerUnit, 12);
        Assert.Equal(1m / 0.72m, perDollar.OnDemandHourlyPerUnit, 12);
        Assert.Equal(0.72m, perDollar.DiscountRatio, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => offer.Rescaled(0, "x", ""));
    }

    [Fact]
    public void Lookups_find_pools_case_insensitively_and_answer_nothing_for_unknown_ones()
    {
        var catalog = Sample();

        Assert.Equal(0.192m, catalog.OnDemandHourly("aws", "us-east-1", "m5.xlarge"));
        Assert.Equal(0.192m, catalog.OnDemandHourly("AWS", "US-EAST-1", "M5.XLARGE", "linux/unix", "DEFAULT"));
        Assert.Same(catalog.Find("aws", "us-east-1", "m5.large"), catalog.Find(new PoolKey("aws", "us-east-1", "m5.large", "Linux/UNIX", "default")));
        Assert.Null(catalog.Find("aws", "us-east-1", "m5.large", "Windows"));
        Assert.Null(catalog.Find("aws", "eu-west-1", "m5.large"));
        Assert.Empty(catalog.OffersFor("aws", "us-east-1", "c5.large"));
        Assert.Equal(8, catalog.OffersFor("aws", "us-east-1", "m5.large").Count);
        Assert.Equal(24, catalog.AllOffers.Count());
        Assert.Equal(["us-east-1"], catalog.Regions("aws"));
        var first = catalog.AllOffers.First();
        Assert.Same(first, catalog.FindOffer(first.Offer.OfferId));
        Assert.Null(catalog.FindOffer("nope"));
        Assert.Equal("aws/us-east-1/m5.large/Linux/UNIX/default", catalog.Find("aws", "us-east-1", "m5.large")!.Key.ToString());
    }

    [Fact]
    public void A_group_prices_per_normalized_unit_from_its_smallest_member()
    {
        var catalog = Sample();
        var group = catalog.GroupOf("aws", "us-east-1", "m5.2xlarge")!;

        Assert.Equal("m5", group.SizeGroup);
        Assert.Equal(["m5.large", "m5.xlarge", "m5.2xlarge"], group.Members.Select(m => m.InstanceType));
        Assert.Equal(0.024m, group.OnDemandPerUnit);
        Assert.Equal(16m, group.UnitsOf("m5.2xlarge"));
        Assert.Null(group.UnitsOf("c5.large"));
        Assert.Equal(8, group.Offers.Count);
        Assert.All(group.Offers, o => Assert.Equal(OfferUnits.NormalizedUnitHours, o.Offer.Unit));
        Assert.All(group.Offers, o => Assert.Null(o.InstanceType));
        var large = catalog.Find("aws", "us-east-1", "m5.large")!;
        Assert.Equal(large.Offers.Select(o => o.DiscountRatio), group.Offers.Select(o => o.DiscountRatio));
        Assert.Null(catalog.Group("aws", "us-east-1", "c5"));
        Assert.Null(catalog.Group("aws", "us-east-1", "m5", platform: "Windows"));
    }

    [Fact]
    public void A_valid_catalog_has_no_problems()
    {
        Assert.Empty(OfferCatalogRules.Problems(Sample()));
        Assert.NotNull(OfferCatalogRules.EnsureValid(Sample(), "sample"));
    }

    [Fact]
    public void The_rules_name_each_bad_pool_and_offer()
    {
        var good = Aws("eu-west-1", "c5.large", 0.085m);
        var o = good.Offers[0];
        CatalogEntry WithOffer(CatalogOffer offer) => good with { Offers = [offer] };
        // Every problem of a bad entry names that one pool (the text before the first ": "); they are joined for the checks.
        string Problem(CatalogEntry entry) =>
            string.Join(" | ", Assert.Single(OfferCatalogRules.Problems(Sample(entry)).GroupBy(p => p[..p.IndexOf(": ", StringComparison.Ordinal)])));

        Assert.Contains("more than once", Problem(Aws("us-east-1", "m5.large", 0.096m)), StringComparison.Ordinal);
        Assert.Contains("aws/eu-west-1/c5.large", Problem(good with { OnDemandHourly = 0, Offers = [] }), StringComparison.Ordinal);
        Assert.Contains("term of 24 months", Problem(WithOffer(o with { Offer = o.Offer with { TermMonths = 24 } })), StringComparison.Ordinal);
        Assert.Contains("unknown payment option", Problem(WithOffer(o with { Offer = o.Offer with { PaymentOption = "no_upfront" } })), StringComparison.Ordinal);
        Assert.Contains("unknown kind", Problem(WithOffer(o with { Offer = o.Offer with { Kind = "reservation" } })), StringComparison.Ordinal);
        Assert.Contains("not less than on-demand", Problem(WithOffer(o with { Offer = o.Offer with { HourlyPerUnit = 0.085m } })), StringComparison.Ordinal);
        Assert.Contains("do not match 'No Upfront'", Problem(WithOffer(o with { Offer = o.Offer with { UpfrontPerUnit = 1m, HourlyPerUnit = 0.01m } })), StringComparison.Ordinal);
        Assert.Contains("provider or region", Problem(WithOffer(o with { Region = "us-west-2" })), StringComparison.Ordinal);
        Assert.Contains("same kind", Problem(good with { Offers = [o, o with { Offer = o.Offer with { OfferId = "other" } }] }), StringComparison.Ordinal);
        var problems = OfferCatalogRules.Problems(Sample(good with { Offers = [o, o] }));
        Assert.Contains(problems, p => p.Contains("offer id is used more than once", StringComparison.Ordinal));

        var unsourced = new OfferCatalog(" ", "usd", [Source with { Url = "file:///tmp/prices" }, Source], [good]);
        var catalogProblems = OfferCatalogRules.Problems(unsourced);
        Assert.Contains(catalogProblems, p => p.Contains("version", StringComparison.Ordinal));
        Assert.Contains(catalogProblems, p => p.Contains("ISO 4217", StringComparison.Ordinal));
        Assert.Contains(catalogProblems, p => p.Contains("http(s)", StringComparison.Ordinal));
        Assert.Contains(catalogProblems, p => p.Contains("listed 2 times", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidDataException>(() => OfferCatalogRules.EnsureValid(unsourced, "broken.json"));
        Assert.StartsWith("broken.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Machine_types_with_gpus_are_sold_only_as_bundled_gcp_resource_commitments()
    {
        CatalogOffer Cud(string plan, int months, string? bundle) =>
            MakeOffer("gcp", "us-central1", "g2-standard-4", 0.706832m, OfferKinds.CommittedUseDiscount, null, plan, months, PaymentOptions.NoUpfront, months == 12 ? 0.63m : 0.45m)
                with { Bundle = bundle };
        CatalogEntry G2(params CatalogOffer[] offers) =>
            new("gcp", "us-central1", "g2-standard-4", "g2", "g2-standard", "Linux", null, 0.706832m, "USD", 4, 4, 16, offers) { Accelerator = new CatalogAccelerator("nvidia-l4", 1) };
        IReadOnlyList<string> Problems(CatalogEntry entry) => OfferCatalogRules.Problems(Sample(entry));

        var bundled = Cud(PlanTypes.Resource, 12, "GRAPHICS_OPTIMIZED");
        Assert.Empty(Problems(G2(bundled, Cud(PlanTypes.Resource, 36, "GRAPHICS_OPTIMIZED"))));
        Assert.Equal("gcp/us-central1/GRAPHICS_OPTIMIZED", bundled.BundleKey);
        Assert.Null(Cud(PlanTypes.Resource, 12, null).BundleKey);

        // GPUs are committed only with the vCPUs and memory of their series, in one commitment: no offer of their own.
        Assert.Contains(Problems(G2(bundled, Cud(PlanTypes.Resource, 36, null))), p => p.Contains("must be bundled", StringComparison.Ordinal));
        Assert.Contains(Problems(G2(bundled, Cud(PlanTypes.Flexible, 36, "GRAPHICS_OPTIMIZED"))), p => p.Contains("only GCP resource-based CUDs are bundled", StringComparison.Ordinal));
        Assert.Contains(Problems(G2(bundled) with { Accelerator = new CatalogAccelerator("", 0) }), p => p.Contains("type and a positive count", StringComparison.Ordinal));
        var awsBundled = Aws("eu-west-1", "c5.large", 0.085m);
        Assert.Contains(Problems(awsBundled with { Offers = [awsBundled.Offers[0] with { Bundle = "GRAPHICS_OPTIMIZED" }] }),
            p => p.Contains("only GCP resource-based CUDs are bundled", StringComparison.Ordinal));
    }

    /// <summary>An offer drawn at random: on-demand rate, term, payment option, a target ratio and how the total is split.</summary>
    private sealed record Drawn(decimal OnDemand, int Months, string Payment, decimal Ratio, decimal UpfrontShare);

    private static readonly Gen<Drawn> GenDrawn =
        Gen.Select(Gen.Int[1, 5_000_000], Gen.Int[0, 1].Select(i => i == 0 ? 12 : 36), Gen.Int[0, 2].Select(i => PaymentOptions.All[i]), Gen.Int[1, 999], Gen.Int[1, 99],
            (od, months, payment, ratio, share) => new Drawn(od / 1_000_000m, months, payment, ratio / 1000m, share / 100m));

    [Fact]
    public void Offers_sorted_by_effective_rate_agree_with_a_reference_discount_calculation()
    {
        GenDrawn.List[1, 30].Sample(drawn =>
        {
            var offers = drawn.Select((d, i) =>
            {
                var hours = d.Months * 730m;
                var total = d.OnDemand * d.Ratio * hours;
                var (upfront, hourly) = d.Payment switch
                {
                    PaymentOptions.AllUpfront => (total, 0m),
                    PaymentOptions.PartialUpfront => (total * d.UpfrontShare, total * (1 - d.UpfrontShare) / hours),
                    _ => (0m, total / hours),
                };
                var offer = new Offer($"o{i}", "aws", "aws/AmazonEC2", OfferKinds.ReservedInstance, d.Months, d.Payment, upfront, hourly, OfferUnits.InstanceHours);
                return (Drawn: d, Offer: new CatalogOffer(offer, "r", "t", "f", null, null, null, null, true, d.OnDemand), Upfront: upfront, Hourly: hourly);
            }).ToList();

            // Reference: total paid over the term, divided by what the same hours cost on demand.
            static double Reference(decimal upfront, decimal hourly, int months, decimal onDemand) =>
                ((double)upfront + (double)hourly * months * 730) / ((double)onDemand * months * 730);

            foreach (var (d, o, upfront, hourly) in offers)
            {
                Assert.Equal(Reference(upfront, hourly, d.Months, d.OnDemand), (double)o.DiscountRatio, 9);
                Assert.Equal((double)d.Ratio, (double)o.DiscountRatio, 9);
                Assert.True(o.DiscountRatio < 1 == o.SavingsPerUnitHour > 0);
            }

            // Among offers on the same on-demand rate, the cheapest effective rate is the deepest discount.
            foreach (var sameRate in offers.GroupBy(x => x.Drawn.OnDemand))
            {
                var byRate = sameRate.OrderBy(x => x.Offer.EffectiveHourlyPerUnit).Select(x => x.Offer.DiscountRatio).ToList();
                Assert.Equal(byRate.Order(), byRate);
            }

            // Priced per commitment dollar, every offer costs 1 an hour and keeps its discount, so the order by discount holds.
            foreach (var (_, o, _, _) in offers)
            {
                var perDollar = o.PerCommitmentUnit("USD");
                Assert.Equal(1.0, (double)perDollar.EffectiveHourlyPerUnit, 9);
                Assert.Equal((double)o.DiscountRatio, (double)perDollar.DiscountRatio, 9);
            }
        });
    }
}
