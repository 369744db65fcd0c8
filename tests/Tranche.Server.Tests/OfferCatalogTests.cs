using System.Reflection;
using System.Text.Json.Nodes;
using Tranche.Domain.Offers;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Server.Tests;

/// <summary>The bundled sandbox catalog: it loads, it covers what the demo generator bills, and its offers are coherent.</summary>
public sealed class OfferCatalogTests
{
    private static readonly OfferCatalog Catalog = SandboxCatalog.Load();

    /// <summary>The demo generator's price list (internal to Tranche.Ingest), read by reflection so the two cannot drift.</summary>
    private static IEnumerable<(string Provider, string Region, string Type, decimal Price, string Family)> GeneratorPrices()
    {
        var profileType = Assembly.Load("Tranche.Ingest").GetType("Tranche.Ingest.Generation.ProviderProfile", throwOnError: true)!;
        var forProvider = profileType.GetMethod("For", BindingFlags.Public | BindingFlags.Static)!;
        foreach (var provider in new[] { "aws", "azure", "gcp" })
        {
            var profile = forProvider.Invoke(null, [provider])!;
            var regions = (IEnumerable<(string Id, string Name, decimal PriceFactor)>)profileType.GetProperty("Regions")!.GetValue(profile)!;
            var instances = (IEnumerable<object>)profileType.GetProperty("Instances")!.GetValue(profile)!;
            foreach (var region in regions)
            {
                foreach (var instance in instances)
                {
                    var t = instance.GetType();
                    var type = (string)t.GetProperty("Type")!.GetValue(instance)!;
                    var price = (decimal)t.GetProperty("OnDemandHourly")!.GetValue(instance)!;
                    var family = (string)t.GetProperty("Family")!.GetValue(instance)!;
                    yield return (provider, region.Id, type, decimal.Round(price * region.PriceFactor, 6), family);
                }
            }
        }
    }

    [Fact]
    public void The_bundled_catalog_loads_and_passes_every_rule()
    {
        Assert.Equal("sandbox-2026-11", Catalog.Version);
        Assert.Equal("USD", Catalog.Currency);
        Assert.Empty(OfferCatalogRules.Problems(Catalog));
        Assert.Equal(["aws", "azure", "gcp"], Catalog.Providers.Order(StringComparer.Ordinal));
        Assert.All(Catalog.Sources, s => Assert.StartsWith("https://", s.Url, StringComparison.Ordinal));
        Assert.All(["aws", "azure", "gcp"], p => Assert.Contains(Catalog.Sources, s => s.Provider == p));
        Assert.Same(Catalog, SandboxCatalog.Load());
    }

    [Fact]
    public void Every_instance_type_and_region_the_generator_bills_has_its_price_and_offers()
    {
        var prices = GeneratorPrices().ToList();
        Assert.Equal(8 * 3 + 5 * 2 + 5 * 2, prices.Count);
        foreach (var (provider, region, type, price, family) in prices)
        {
            var entry = Catalog.Find(provider, region, type);
            Assert.True(entry is not null, $"{provider}/{region}/{type} is not in the catalog");
            Assert.Equal(price, entry.OnDemandHourly);
            Assert.Equal(price, Catalog.OnDemandHourly(provider, region, type));
            Assert.Equal(family, entry.Family, StringComparer.OrdinalIgnoreCase);
            Assert.NotEmpty(Catalog.OffersFor(provider, region, type));
            Assert.All(entry.Offers, o => Assert.Equal(price, o.OnDemandHourlyPerUnit));
        }
    }

    [Fact]
    public void Every_offer_is_cheaper_than_on_demand_and_positive()
    {
        Assert.All(Catalog.AllOffers, o =>
        {
            Assert.True(o.EffectiveHourlyPerUnit > 0, o.Offer.OfferId);
            Assert.True(o.EffectiveHourlyPerUnit < o.OnDemandHourlyPerUnit, o.Offer.OfferId);
            Assert.True(o.TotalCostPerUnit < o.OnDemandHourlyPerUnit * o.Offer.TermHours, o.Offer.OfferId);
            Assert.InRange(o.DiscountRatio, 0.3m, 0.8m);
            Assert.Contains(o.DurationSeconds, new[] { 31_536_000L, 94_608_000L });
        });
    }

    [Fact]
    public void More_upfront_is_cheaper_on_aws_and_the_same_price_on_azure()
    {
        foreach (var entry in Catalog.Entries)
        {
            foreach (var shape in entry.Offers.GroupBy(o => (o.Offer.Kind, o.OfferingClass, o.PlanType, o.Offer.TermMonths)))
            {
                var rate = shape.ToDictionary(o => o.Offer.PaymentOption, o => o.EffectiveHourlyPerUnit);
                var where = $"{entry.Key} {shape.Key}";
                if (entry.Provider == "aws")
                {
                    Assert.True(rate[PaymentOptions.AllUpfront] < rate[PaymentOptions.PartialUpfront], where);
                    Assert.True(rate[PaymentOptions.PartialUpfront] < rate[PaymentOptions.NoUpfront], where);
                }
                else if (rate.TryGetValue(PaymentOptions.AllUpfront, out var all) && rate.TryGetValue(PaymentOptions.NoUpfront, out var none))
                {
                    // Azure bills monthly or upfront at the same total; rates are rounded to 6 decimals, upfront to the cent.
                    Assert.True(all - none <= 0.000001m, where);
                }
            }
        }
    }

    [Fact]
    public void Three_years_cost_less_per_hour_than_one_year()
    {
        foreach (var entry in Catalog.Entries)
        {
            foreach (var shape in entry.Offers.GroupBy(o => (o.Offer.Kind, o.OfferingClass, o.PlanType, o.Offer.PaymentOption)))
            {
                var oneYear = shape.Single(o => o.Offer.TermMonths == 12);
                var threeYears = shape.Single(o => o.Offer.TermMonths == 36);
                Assert.True(threeYears.EffectiveHourlyPerUnit < oneYear.EffectiveHourlyPerUnit, $"{entry.Key} {shape.Key}");
            }
        }
    }

    [Fact]
    public void Offer_kinds_match_each_provider()
    {
        var m5 = Catalog.Find("aws", "us-east-1", "m5.large")!;
        Assert.Equal(24, m5.Offers.Count);
        Assert.Equal(12, m5.Offers.Count(o => o.Offer.Kind == OfferKinds.ReservedInstance));
        Assert.Equal(6, m5.Offers.Count(o => o.PlanType == PlanTypes.Compute));
        Assert.Equal(6, m5.Offers.Count(o => o.PlanType == PlanTypes.Ec2Instance));
        Assert.All(m5.Offers, o => Assert.Equal("aws/AmazonEC2", o.Offer.CommitmentType));
        Assert.Equal("Linux/UNIX", m5.Platform);
        Assert.Equal("default", m5.Tenancy);

        var d2 = Catalog.Find("azure", "eastus", "Standard_D2s_v3")!;
        Assert.Equal(8, d2.Offers.Count);
        Assert.Equal([OfferKinds.ReservedInstance, OfferKinds.SavingsPlan], d2.Offers.Select(o => o.Offer.Kind).Distinct().Order(StringComparer.Ordinal));
        Assert.DoesNotContain(d2.Offers, o => o.Offer.PaymentOption == PaymentOptions.PartialUpfront);

        var n2 = Catalog.Find("gcp", "us-central1", "n2-standard-4")!;
        Assert.Equal(4, n2.Offers.Count);
        Assert.All(n2.Offers, o => Assert.Equal((OfferKinds.CommittedUseDiscount, PaymentOptions.NoUpfront, 0m), (o.Offer.Kind, o.Offer.PaymentOption, o.Offer.UpfrontPerUnit)));
        Assert.Equal([PlanTypes.Flexible, PlanTypes.Resource], n2.Offers.Select(o => o.PlanType!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Gpu_machine_types_are_sold_as_bundled_resource_commitments_of_their_series()
    {
        var g2 = Catalog.Find("gcp", "us-central1", "g2-standard-4")!;
        Assert.Equal(new CatalogAccelerator("nvidia-l4", 1), g2.Accelerator);
        Assert.Equal((4, 16m, 0.706832m), (g2.Vcpus, g2.MemoryGb, g2.OnDemandHourly));
        Assert.Equal([12, 36], g2.Offers.Select(o => o.Offer.TermMonths).Order());
        Assert.All(g2.Offers, o => Assert.Equal(
            (OfferKinds.CommittedUseDiscount, PlanTypes.Resource, PaymentOptions.NoUpfront, "GRAPHICS_OPTIMIZED", "gcp/us-central1/GRAPHICS_OPTIMIZED"),
            (o.Offer.Kind, o.PlanType, o.Offer.PaymentOption, o.Bundle, o.BundleKey)));
        // 37% off for one year, 55% for three, on the whole machine: GPU, vCPUs and memory.
        Assert.Equal(0.706832m * 0.63m, g2.Offers.Single(o => o.Offer.TermMonths == 12).Offer.HourlyPerUnit, 6);
        Assert.Equal(0.706832m * 0.45m, g2.Offers.Single(o => o.Offer.TermMonths == 36).Offer.HourlyPerUnit, 6);
        Assert.Equal(g2.Offers[0].BundleKey, Catalog.Find("gcp", "us-central1", "g2-standard-8")!.Offers[0].BundleKey);

        var a2 = Catalog.Find("gcp", "us-central1", "a2-highgpu-1g")!;
        Assert.Equal(new CatalogAccelerator("nvidia-tesla-a100", 1), a2.Accelerator);
        // The published machine price is the A100's plus 12 vCPUs and 85 GB at the A2 (and N2) rates.
        Assert.Equal(2.933908m + 12 * 0.031611m + 85 * 0.004237m, a2.OnDemandHourly);
        Assert.All(a2.Offers, o => Assert.Equal("gcp/us-central1/ACCELERATOR_OPTIMIZED", o.BundleKey));

        // Priced where the sources quote them; machine types without GPUs are not bundled.
        Assert.Null(Catalog.Find("gcp", "europe-west1", "g2-standard-4"));
        Assert.All(Catalog.Entries.Where(e => e.Accelerator is null), e => Assert.All(e.Offers, o => Assert.Null(o.Bundle)));
        Assert.All(Catalog.Entries.Where(e => e.Accelerator is not null), e => Assert.All(e.Offers, o => Assert.NotNull(o.Bundle)));
        Assert.Contains(Catalog.Sources, s => s.Id == "gcp-cud-gpus" && s.Url.StartsWith("https://cloud.google.com/", StringComparison.Ordinal));
    }

    [Fact]
    public void Published_anchor_figures_come_out_of_the_ratios()
    {
        var offers = Catalog.OffersFor("aws", "us-east-1", "m5.large");
        CatalogOffer Pick(string cls, int months, string payment) =>
            offers.Single(o => o.OfferingClass == cls && o.Offer.TermMonths == months && o.Offer.PaymentOption == payment);

        Assert.Equal(0.060m, Pick(OfferingClasses.Standard, 12, PaymentOptions.NoUpfront).Offer.HourlyPerUnit);
        Assert.Equal(505m, Pick(OfferingClasses.Standard, 12, PaymentOptions.AllUpfront).Offer.UpfrontPerUnit, 0);
        Assert.Equal(1003m, Pick(OfferingClasses.Standard, 36, PaymentOptions.AllUpfront).Offer.UpfrontPerUnit, 0);
        var partial = Pick(OfferingClasses.Standard, 12, PaymentOptions.PartialUpfront).Offer;
        Assert.InRange(partial.UpfrontPerUnit, 250m, 265m);
        Assert.InRange(partial.HourlyPerUnit, 0.028m, 0.030m);
        Assert.Equal(0.0971m * 1.10m, Catalog.OnDemandHourly("gcp", "europe-west1", "n2-standard-2"));
        var vcpu = Catalog.ResourcePoolsOf("gcp", "us-central1", "n2").Single(p => p.Resource == "vcpu");
        Assert.Equal(0.031611m, vcpu.OnDemandHourly);
        Assert.Equal(0.019915m, vcpu.Offers.Single(o => o.Offer.TermMonths == 12).EffectiveHourlyPerUnit, 5);
    }

    [Fact]
    public void Normalization_factors_and_size_flexible_groups()
    {
        Assert.Equal(4m, Catalog.Find("aws", "us-east-1", "m5.large")!.NormalizationFactor);
        Assert.Equal(16m, Catalog.Find("aws", "us-east-1", "m5.2xlarge")!.NormalizationFactor);
        Assert.Equal(2m, Catalog.Find("aws", "eu-west-1", "t3.medium")!.NormalizationFactor);
        Assert.Equal(2m, Catalog.Find("azure", "eastus", "Standard_D4s_v3")!.NormalizationFactor);
        Assert.Equal("DSv3 Series", Catalog.Find("azure", "eastus", "Standard_D4s_v3")!.SizeGroup);

        var m5 = Catalog.GroupOf("aws", "us-east-1", "m5.xlarge")!;
        Assert.Equal("m5", m5.SizeGroup);
        Assert.Equal(0.024m, m5.OnDemandPerUnit);
        Assert.Equal(8m, m5.UnitsOf("m5.xlarge"));
        Assert.All(m5.Members, e => Assert.Equal(m5.OnDemandPerUnit, e.OnDemandPerNormalizedUnit));
        Assert.All(m5.Offers, o => Assert.Equal(OfferUnits.NormalizedUnitHours, o.Offer.Unit));
        var perUnit = m5.Offers.Single(o => o.OfferingClass == OfferingClasses.Standard && o.Offer.TermMonths == 12 && o.Offer.PaymentOption == PaymentOptions.NoUpfront);
        Assert.Equal(0.015m, perUnit.EffectiveHourlyPerUnit);

        var dsv3 = Catalog.Group("azure", "westeurope", "DSv3 Series")!;
        Assert.Equal(3, dsv3.Members.Count);
        Assert.Equal(0.1056m, dsv3.OnDemandPerUnit);
    }

    [Fact]
    public void Savings_plan_rates_turn_into_a_discount_per_dollar_of_commitment()
    {
        var rate = Catalog.OffersFor("aws", "us-east-1", "m5.large")
            .Single(o => o.PlanType == PlanTypes.Compute && o.Offer.TermMonths == 12 && o.Offer.PaymentOption == PaymentOptions.NoUpfront);
        var perDollar = rate.PerCommitmentUnit(Catalog.Currency);

        Assert.Equal("USD/h", perDollar.Offer.Unit);
        Assert.Equal(1m, perDollar.EffectiveHourlyPerUnit, 9);
        Assert.Equal(rate.DiscountRatio, perDollar.DiscountRatio, 9);
        Assert.Equal(1m / 0.7188m, perDollar.OnDemandHourlyPerUnit, 3);
    }

    [Fact]
    public void Unknown_pools_answer_nothing()
    {
        Assert.Null(Catalog.Find("aws", "us-east-1", "m5.metal"));
        Assert.Empty(Catalog.OffersFor("aws", "ap-south-1", "m5.large"));
        Assert.Null(Catalog.OnDemandHourly("azure", "eastus", "Standard_D2s_v3", platform: "Windows"));
        Assert.NotNull(Catalog.Find("AWS", "US-EAST-1", "M5.LARGE", "linux/unix", "DEFAULT"));
        Assert.Null(Catalog.Group("aws", "us-east-1", "p4d"));
    }

    private static string Mutate(Action<JsonNode> change)
    {
        var root = JsonNode.Parse(SandboxCatalog.ReadEmbedded(SandboxCatalog.FileName))!;
        change(root);
        return root.ToJsonString();
    }

    private static JsonNode Family(JsonNode root, string provider, string family) =>
        root["providers"]!.AsArray().Single(p => (string)p!["provider"]! == provider)!["families"]!.AsArray().Single(f => (string)f!["family"]! == family)!;

    [Fact]
    public void A_bad_file_fails_naming_the_entry()
    {
        void Fails(string json, params string[] expected)
        {
            var error = Assert.Throws<InvalidDataException>(() => SandboxCatalog.Parse(json, "bad.json"));
            Assert.Contains("bad.json", error.Message, StringComparison.Ordinal);
            Assert.All(expected, e => Assert.Contains(e, error.Message, StringComparison.Ordinal));
        }

        Fails(Mutate(r => Family(r, "aws", "m5")["offers"]![0]!["ratios"]!["No Upfront"] = 1.02), "aws family m5", "ratio 1.02");
        Fails(Mutate(r => Family(r, "aws", "c5")["offers"]![1]!["term_months"] = 24), "aws family c5", "24 months");
        Fails(Mutate(r => Family(r, "azure", "ESv3")["offers"]![0]!["ratios"]!["Half Upfront"] = 0.5), "azure family ESv3", "'Half Upfront'");
        Fails(Mutate(r => Family(r, "gcp", "n2")["offers"]!.AsArray().Add(JsonNode.Parse("""{"kind":"cud","plan_type":"Resource","term_months":12,"ratios":{"No Upfront":0.6}}"""))),
            "gcp/us-central1/n2-standard-2", "same kind");
        Fails(Mutate(r => Family(r, "aws", "r5")["sizes"]!.AsArray().Add(JsonNode.Parse("""{"instance_type":"r5.large","vcpus":2,"memory_gb":16,"on_demand":0.126}"""))),
            "aws/us-east-1/r5.large", "more than once");
        Fails(Mutate(r => Family(r, "aws", "t3")["sizes"]![0]!["on_demand"] = 0), "aws family t3", "t3.small");
        Fails(Mutate(r => Family(r, "aws", "m6i")["sizes"]![0]!["instance_type"] = "m6i.metal"), "aws/us-east-1/m6i.metal", "normalization");
        Fails(Mutate(r => Family(r, "azure", "BS")["sources"]![0] = "nowhere"), "azure family BS", "'nowhere'");
        Fails(Mutate(r => Family(r, "gcp", "g2")["bundled"] = false), "gcp/us-central1/g2-standard-4", "must be bundled");
        Fails(Mutate(r => Family(r, "gcp", "g2")["sizes"]![0]!["accelerators"] = 0), "gcp/us-central1/g2-standard-4", "accelerator_type");
        Fails(Mutate(r => Family(r, "gcp", "a2")["offers"]!.AsArray().Add(JsonNode.Parse("""{"kind":"cud","plan_type":"Flexible","term_months":12,"ratios":{"No Upfront":0.72}}"""))),
            "a2-highgpu-1g", "only GCP resource-based CUDs are bundled");
        Fails(Mutate(r => Family(r, "gcp", "a2")["regions"]![0] = "asia-east1"), "gcp family a2", "'asia-east1'");
        Fails(Mutate(r => Family(r, "gcp", "a2").AsObject().Remove("commitment_plan")), "gcp family a2", "commitment_plan");
        Fails(Mutate(r => r["version"] = ""), "version");
        Fails("{ not json", "not a valid catalog file");
    }
}
