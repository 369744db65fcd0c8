using Tranche.Domain.Commitments;

namespace Tranche.Providers.Sandbox;

/// <summary>A commitment a generated fleet owns, as its billing data names it (the generator's record, without its fleet).</summary>
public sealed record FleetCommitment(
    string Provider, string Id, string Name, string Type, string Category, string BillingAccountId, string? InstanceType, string? InstanceFamily,
    string? Region, double Quantity, decimal HourlyFee, DateTime Start, DateTime End);

/// <summary>
/// The terms the sandbox account gives the commitments of a generated fleet, the way each provider's inventory API would
/// describe them. Payment options rotate so a demo inventory shows each kind; amounts split the generator's hourly fee
/// between upfront and recurring so the amortized price stays what the billing data charges.
/// </summary>
public static class SandboxTerms
{
    private static readonly string[] PaymentOptions = ["No Upfront", "Partial Upfront", "All Upfront"];

    public static IReadOnlyList<ProviderCommitment> For(IReadOnlyList<FleetCommitment> commitments) =>
        [.. commitments.Select((c, i) => For(c, PaymentOptions[i % PaymentOptions.Length]))];

    public static ProviderCommitment For(FleetCommitment c, string paymentOption)
    {
        var spend = c.Category == "Spend";
        var hours = (decimal)(c.End - c.Start).TotalHours;
        var upfrontShare = paymentOption switch { "All Upfront" => 1m, "Partial Upfront" => 0.5m, _ => 0m };
        var upfront = decimal.Round(c.HourlyFee * hours * upfrontShare, 2);
        var recurring = decimal.Round(c.HourlyFee * (1 - upfrontShare), 6);
        var count = spend ? (int?)null : (int)Math.Round(c.Quantity);
        return new ProviderCommitment
        {
            Provider = c.Provider,
            ProviderCommitmentId = c.Id,
            Type = c.Type,
            Category = c.Category,
            Name = c.Name,
            AccountId = c.BillingAccountId,
            BillingAccountId = c.BillingAccountId,
            RegionId = c.Region,
            InstanceType = c.InstanceType,
            InstanceFamily = c.InstanceFamily,
            ProductDescription = spend ? null : c.Provider switch { "aws" => "Linux/UNIX", "azure" => "Linux", _ => "Compute" },
            Tenancy = c.Provider == "aws" && !spend ? "default" : null,
            IsMultiAz = c.Provider == "aws" && !spend ? false : null,
            PlanType = (c.Provider, spend) switch
            {
                ("aws", true) => "Compute",
                ("gcp", _) => (c.End - c.Start).TotalDays > 400 ? "THIRTY_SIX_MONTH" : "TWELVE_MONTH",
                _ => null,
            },
            Scope = c.Provider == "azure" ? "shared" : null,
            OrderId = c.Provider == "azure" ? c.Id : null,
            OfferingClass = c.Provider == "aws" && !spend ? "standard" : null,
            PaymentOption = c.Provider == "gcp" ? "No Upfront" : paymentOption,
            InstanceCount = count,
            Quantity = spend ? (double)c.HourlyFee : c.Quantity,
            Unit = spend ? "USD" : "Hours",
            IsFlexible = c.Provider is "aws" or "azure" && !spend ? true : null,
            StartsAt = DateTime.SpecifyKind(c.Start, DateTimeKind.Utc),
            EndsAt = DateTime.SpecifyKind(c.End, DateTimeKind.Utc),
            UpfrontCost = c.Provider == "gcp" ? 0 : upfront,
            RecurringHourlyCost = c.Provider == "gcp" ? c.HourlyFee : recurring,
            Currency = "USD",
            State = "active",
        };
    }
}
