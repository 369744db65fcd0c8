using System.Text.Json;
using System.Text.Json.Serialization;
using Tranche.Domain.Billing;
using Tranche.Domain.Offers;

namespace Tranche.Providers.Sandbox.Catalog;

/// <summary>
/// The bundled offer catalog of the sandbox cloud: a versioned JSON file embedded in this assembly, read into an
/// <see cref="OfferCatalog"/>. The file holds first-region on-demand prices, regional factors and per-family discount
/// ratios (with the published figures they were read from); this loader turns them into explicit offers per instance
/// type and region, and refuses a file with any bad entry, naming it. A family may be priced in some regions only, and a
/// GCP family may be bundled (GPU machine types: every offer is bought within one commitment per region and term, see
/// <see cref="CatalogOffer.Bundle"/>). Nothing is fetched from the network.
/// </summary>
public static class SandboxCatalog
{
    public const string FileName = "sandbox-catalog-2026-11.json";

    private const string ResourcePrefix = "Tranche.Providers.Sandbox.Catalog.";

    private static readonly Lazy<OfferCatalog> s_bundled = new(() => Parse(ReadEmbedded(FileName), FileName));

    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>The bundled catalog, read and checked once per process.</summary>
    public static OfferCatalog Load() => s_bundled.Value;

    /// <summary>The text of an embedded catalog file.</summary>
    public static string ReadEmbedded(string fileName)
    {
        using var stream = typeof(SandboxCatalog).Assembly.GetManifestResourceStream(ResourcePrefix + fileName)
            ?? throw new FileNotFoundException($"The sandbox catalog {fileName} is not embedded in {typeof(SandboxCatalog).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// Reads a catalog file. Throws <see cref="InvalidDataException"/> listing every problem, each naming its source,
    /// family, instance type or offer, when the file is malformed or any offer breaks <see cref="OfferCatalogRules"/>.
    /// </summary>
    public static OfferCatalog Parse(string json, string name)
    {
        CatalogFile file;
        try
        {
            file = JsonSerializer.Deserialize<CatalogFile>(json, s_json) ?? throw new InvalidDataException($"{name} is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name} is not a valid catalog file: {e.Message}", e);
        }

        var problems = new List<string>();
        var catalog = Build(file, problems);
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{name} is not a valid offer catalog:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", problems));
        }

        return OfferCatalogRules.EnsureValid(catalog, name);
    }

    private static OfferCatalog Build(CatalogFile file, List<string> problems)
    {
        var currency = file.Currency ?? "";
        if (string.IsNullOrWhiteSpace(file.Version))
        {
            problems.Add("catalog: 'version' is missing");
        }

        var sources = new List<CatalogSource>();
        foreach (var s in file.Sources ?? [])
        {
            if (s.Id is null || s.Provider is null || s.Title is null || s.Url is null || s.AsOf is null)
            {
                problems.Add($"source {s.Id ?? "(no id)"}: id, provider, title, url and as_of are required");
                continue;
            }

            sources.Add(new CatalogSource(s.Id, s.Provider, s.Title, s.Url, s.AsOf.Value, s.Covers ?? ""));
        }

        var sourceIds = sources.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var entries = new List<CatalogEntry>();
        var pools = new List<CatalogResourcePool>();
        foreach (var provider in file.Providers ?? [])
        {
            var code = provider.Provider ?? "";
            if (code is not (CloudProviders.Aws or CloudProviders.Azure or CloudProviders.Gcp))
            {
                problems.Add($"provider '{code}': expected aws, azure or gcp");
                continue;
            }

            if (string.IsNullOrWhiteSpace(provider.CommitmentType) || string.IsNullOrWhiteSpace(provider.Platform))
            {
                problems.Add($"provider {code}: 'commitment_type' and 'platform' are required");
                continue;
            }

            if (provider.Regions is not { Count: > 0 })
            {
                problems.Add($"provider {code}: no regions");
                continue;
            }

            foreach (var region in provider.Regions.Where(r => string.IsNullOrWhiteSpace(r.Region) || r.PriceFactor is not > 0))
            {
                problems.Add($"provider {code}: region '{region.Region}' needs a name and a positive price_factor");
            }

            foreach (var family in provider.Families ?? [])
            {
                BuildFamily(file, provider, family, currency, sourceIds, entries, pools, problems);
            }
        }

        return new OfferCatalog(file.Version ?? "", currency, sources, entries, pools);
    }

    private static void BuildFamily(
        CatalogFile file, ProviderSection provider, FamilySection family, string currency, HashSet<string> sourceIds,
        List<CatalogEntry> entries, List<CatalogResourcePool> pools, List<string> problems)
    {
        var code = provider.Provider!;
        var where = $"{code} family {family.Family ?? "(no name)"}";
        if (string.IsNullOrWhiteSpace(family.Family))
        {
            problems.Add($"{where}: 'family' is missing");
            return;
        }

        if (family.Sources is not { Count: > 0 } || string.IsNullOrWhiteSpace(family.Copied))
        {
            problems.Add($"{where}: cite 'sources' and quote the 'copied' figures");
        }

        foreach (var missing in (family.Sources ?? []).Where(s => !sourceIds.Contains(s)))
        {
            problems.Add($"{where}: source '{missing}' is not listed in 'sources'");
        }

        // A bundled family is sold under one commitment type per region: the commitment plan names it.
        var bundle = family.Bundled == true ? family.CommitmentPlan : null;
        if (family.Bundled == true && (code != CloudProviders.Gcp || string.IsNullOrWhiteSpace(family.CommitmentPlan)))
        {
            problems.Add($"{where}: only a GCP family with a 'commitment_plan' can be bundled");
        }

        // A family priced in some of the provider's regions only (the sources quote those).
        var regions = provider.Regions!.Where(r => !string.IsNullOrWhiteSpace(r.Region) && r.PriceFactor > 0).ToList();
        if (family.Regions is { } only)
        {
            foreach (var unknown in only.Where(r => !regions.Any(p => p.Region == r)))
            {
                problems.Add($"{where}: region '{unknown}' is not one of the provider's regions");
            }

            regions = [.. regions.Where(r => only.Contains(r.Region!))];
        }

        var rows = new List<(OfferRow Row, string Payment, decimal Ratio)>();
        foreach (var row in family.Offers ?? [])
        {
            var rowName = $"{where}: offer {row.Kind} {row.OfferingClass ?? row.PlanType} {row.TermMonths}m";
            if (!OfferCatalogRules.Kinds.Contains(row.Kind ?? ""))
            {
                problems.Add($"{rowName}: unknown kind '{row.Kind}'");
                continue;
            }

            if (!OfferCatalogRules.TermsInMonths.Contains(row.TermMonths))
            {
                problems.Add($"{rowName}: term of {row.TermMonths} months (expected 12 or 36)");
                continue;
            }

            foreach (var (payment, ratio) in row.Ratios ?? [])
            {
                if (!PaymentOptions.All.Contains(payment))
                {
                    problems.Add($"{rowName}: unknown payment option '{payment}'");
                }
                else if (ratio is <= 0 or >= 1)
                {
                    problems.Add($"{rowName} {payment}: ratio {ratio} is not between 0 and 1");
                }
                else
                {
                    rows.Add((row, payment, ratio));
                }
            }
        }

        if (rows.Count == 0)
        {
            problems.Add($"{where}: no offers");
        }

        foreach (var region in regions)
        {
            var factor = region.PriceFactor!.Value;
            foreach (var size in family.Sizes ?? [])
            {
                var type = size.InstanceType ?? "";
                var entryName = $"{code}/{region.Region}/{type}";
                if (string.IsNullOrWhiteSpace(type) || size.OnDemand is not > 0 || size.Vcpus is not > 0 || size.MemoryGb is not > 0)
                {
                    problems.Add($"{where}: size '{type}' needs an instance_type and positive on_demand, vcpus and memory_gb");
                    continue;
                }

                decimal? normalization = code switch
                {
                    CloudProviders.Aws => NormalizationFactors.ForAwsInstanceType(type),
                    CloudProviders.Azure => size.IsfRatio,
                    _ => size.Vcpus,
                };
                if (normalization is not > 0)
                {
                    problems.Add($"{entryName}: no normalization factor (AWS size name, Azure isf_ratio)");
                    continue;
                }

                CatalogAccelerator? accelerator = null;
                if (size.AcceleratorType is not null || size.Accelerators is not null)
                {
                    if (string.IsNullOrWhiteSpace(size.AcceleratorType) || size.Accelerators is not > 0)
                    {
                        problems.Add($"{entryName}: attached GPUs need an accelerator_type and a positive accelerators count");
                        continue;
                    }

                    accelerator = new CatalogAccelerator(size.AcceleratorType, size.Accelerators.Value);
                }

                var onDemand = decimal.Round(size.OnDemand.Value * factor, 6);
                var offers = rows
                    .Select(r => MakeOffer(provider, family, region.Region!, type, onDemand, r.Row, r.Payment, r.Ratio, OfferUnits.InstanceHours, type) with { Bundle = bundle })
                    .ToList();
                entries.Add(new CatalogEntry(
                    code, region.Region!, type, family.Family, size.SizeGroup ?? family.SizeGroup ?? family.Family, provider.Platform!,
                    provider.Tenancy, onDemand, currency, normalization.Value, size.Vcpus.Value, size.MemoryGb.Value, offers)
                {
                    Accelerator = accelerator,
                });
            }

            if (family.Resources is { } resources)
            {
                foreach (var (resource, unit, rate) in new[] { ("vcpu", OfferUnits.VcpuHours, resources.Vcpu), ("memory_gb", OfferUnits.MemoryGbHours, resources.MemoryGb) })
                {
                    if (rate is not > 0)
                    {
                        problems.Add($"{where}: resource {resource} needs a positive on-demand rate");
                        continue;
                    }

                    var onDemand = decimal.Round(rate.Value * factor, 6);
                    var offers = rows
                        .Where(r => r.Row.PlanType == PlanTypes.Resource)
                        .Select(r => MakeOffer(provider, family, region.Region!, null, onDemand, r.Row, r.Payment, r.Ratio, unit, family.Family + "-" + resource))
                        .ToList();
                    pools.Add(new CatalogResourcePool(code, region.Region!, family.Family, resource, unit, onDemand, currency, offers));
                }
            }
        }
    }

    private static CatalogOffer MakeOffer(
        ProviderSection provider, FamilySection family, string region, string? instanceType, decimal onDemand, OfferRow row,
        string payment, decimal ratio, string unit, string poolName)
    {
        var termHours = row.TermMonths * Offer.HoursPerMonth;
        var effective = onDemand * ratio;
        var upfrontShare = payment switch
        {
            PaymentOptions.AllUpfront => 1m,
            PaymentOptions.PartialUpfront => provider.PartialUpfrontShare ?? 0.5m,
            _ => 0m,
        };
        var upfront = decimal.Round(effective * termHours * upfrontShare, 2);
        var hourly = payment == PaymentOptions.AllUpfront ? 0m : decimal.Round(effective - upfront / termHours, 6);
        var variant = row.OfferingClass ?? row.PlanType ?? "reservation";
        var id = $"sandbox:{provider.Provider}:{region}:{poolName}:{row.Kind}:{variant}:{row.TermMonths}m:{PaymentOptions.ToSnakeCase(payment)}".ToLowerInvariant();
        var offer = new Offer(id, provider.Provider!, provider.CommitmentType!, row.Kind!, row.TermMonths, payment, upfront, hourly, unit);
        return new CatalogOffer(
            offer, region, instanceType, family.Family, row.OfferingClass, row.PlanType ?? family.CommitmentPlan, provider.Platform, provider.Tenancy,
            IsFlexible: true, onDemand);
    }

    private sealed record CatalogFile(string? Version, string? Currency, List<SourceRow>? Sources, List<ProviderSection>? Providers);

    private sealed record SourceRow(string? Id, string? Provider, string? Title, string? Url, DateOnly? AsOf, string? Covers);

    private sealed record ProviderSection(
        string? Provider, string? CommitmentType, string? Platform, string? Tenancy, decimal? PartialUpfrontShare,
        List<RegionRow>? Regions, List<FamilySection>? Families);

    private sealed record RegionRow(string? Region, string? Name, decimal? PriceFactor, string? Note);

    private sealed record FamilySection(
        string? Family, string? SizeGroup, string? CommitmentPlan, bool? Bundled, List<string>? Regions, List<string>? Sources, string? Copied,
        string? Derived, ResourceRates? Resources, List<SizeRow>? Sizes, List<OfferRow>? Offers);

    private sealed record ResourceRates(decimal? Vcpu, decimal? MemoryGb);

    private sealed record SizeRow(
        string? InstanceType, string? SizeGroup, int? Vcpus, decimal? MemoryGb, decimal? IsfRatio, decimal? OnDemand, string? AcceleratorType, int? Accelerators);

    private sealed record OfferRow(string? Kind, string? OfferingClass, string? PlanType, int TermMonths, Dictionary<string, decimal>? Ratios);
}
