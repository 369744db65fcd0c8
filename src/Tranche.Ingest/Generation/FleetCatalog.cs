namespace Tranche.Ingest.Generation;

/// <summary>An instance size and its on-demand price, per hour, in the provider's first region.</summary>
internal sealed record InstanceOffer(string Type, decimal OnDemandHourly, string Family);

/// <summary>What the generator knows of a provider: names as its FOCUS export writes them, regions, sizes and prices.</summary>
internal sealed record ProviderProfile(
    string Code,
    string ProviderName,
    string ServiceName,
    string BillingAccountId,
    string BillingAccountName,
    IReadOnlyList<(string Id, string Name)> SubAccounts,
    IReadOnlyList<(string Id, string Name, decimal PriceFactor)> Regions,
    IReadOnlyList<InstanceOffer> Instances,
    string UsageCommitmentType,
    string SpendCommitmentType,
    bool DailyRows)
{
    /// <summary>
    /// On-demand Linux prices per hour as the providers list them for their first region (AWS us-east-1, Azure East US,
    /// Google us-central1), 2024-2025 public price pages; other regions carry the factor beside them.
    /// </summary>
    public static ProviderProfile For(string provider) => provider switch
    {
        "aws" => new ProviderProfile(
            "aws", "AWS", "Amazon Elastic Compute Cloud", "123456789012", "Example Payer",
            [("210987654321", "prod"), ("345678901234", "staging"), ("456789012345", "data")],
            [("us-east-1", "US East (N. Virginia)", 1.00m), ("us-west-2", "US West (Oregon)", 1.00m), ("eu-west-1", "Europe (Ireland)", 1.07m)],
            [new("m5.large", 0.096m, "m5"), new("m5.xlarge", 0.192m, "m5"), new("m5.2xlarge", 0.384m, "m5"), new("c5.large", 0.085m, "c5"),
             new("c5.xlarge", 0.17m, "c5"), new("r5.large", 0.126m, "r5"), new("r5.xlarge", 0.252m, "r5"), new("t3.medium", 0.0416m, "t3")],
            "Reserved Instance", "Savings Plan", DailyRows: false),
        "azure" => new ProviderProfile(
            "azure", "Microsoft", "Virtual Machines", "/providers/Microsoft.Billing/billingAccounts/86115370", "Example EA",
            [("/subscriptions/0f2c5c9e-3d4a-4b8e-9c1d-2a7b6e5f4d3c", "prod"), ("/subscriptions/6a1b2c3d-4e5f-4a7b-8c9d-0e1f2a3b4c5d", "dev")],
            [("eastus", "East US", 1.00m), ("westeurope", "West Europe", 1.10m)],
            [new("Standard_D2s_v3", 0.096m, "DSv3"), new("Standard_D4s_v3", 0.192m, "DSv3"), new("Standard_E4s_v3", 0.252m, "ESv3"),
             new("Standard_F4s_v2", 0.169m, "FSv2"), new("Standard_B2ms", 0.0832m, "BS")],
            "Reservation", "Savings Plan", DailyRows: true),
        "gcp" => new ProviderProfile(
            "gcp", "Google Cloud", "Compute Engine", "01A2B3-C4D5E6-F7A8B9", "Example Billing",
            [("example-prod", "Example Prod"), ("example-analytics", "Example Analytics")],
            [("us-central1", "Iowa", 1.00m), ("europe-west1", "Belgium", 1.10m)],
            [new("n2-standard-2", 0.0971m, "n2"), new("n2-standard-4", 0.1942m, "n2"), new("e2-standard-4", 0.134m, "e2"),
             new("c2-standard-8", 0.4176m, "c2"), new("n2-highmem-4", 0.262m, "n2")],
            "Committed Use Discount", "Committed Use Discount", DailyRows: false),
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Expected aws, azure or gcp."),
    };
}
