namespace Tranche.Domain.Commitments;

/// <summary>
/// A commitment as a provider's inventory API describes it (or as Tranche bought it): the terms billing exports leave
/// out. Money is in <see cref="Currency"/>; times are UTC.
/// </summary>
public sealed record ProviderCommitment
{
    public required string Provider { get; init; }

    public required string ProviderCommitmentId { get; init; }

    /// <summary><c>Reserved Instance</c>, <c>Savings Plan</c>, <c>Reservation</c>, <c>Committed Use Discount</c>.</summary>
    public required string Type { get; init; }

    /// <summary><c>Usage</c> or <c>Spend</c>.</summary>
    public required string Category { get; init; }

    public string? Name { get; init; }

    public string? AccountId { get; init; }

    public string? BillingAccountId { get; init; }

    public string? RegionId { get; init; }

    public string? AvailabilityZone { get; init; }

    public string? InstanceType { get; init; }

    public string? InstanceFamily { get; init; }

    public string? ProductDescription { get; init; }

    public string? Tenancy { get; init; }

    public bool? IsMultiAz { get; init; }

    public string? PlanType { get; init; }

    public string? Scope { get; init; }

    public string? OrderId { get; init; }

    public string? ResourceGroup { get; init; }

    public string? OfferingClass { get; init; }

    public string? OfferingId { get; init; }

    public string? PaymentOption { get; init; }

    public int? InstanceCount { get; init; }

    public double Quantity { get; init; }

    public required string Unit { get; init; }

    public bool? IsFlexible { get; init; }

    public DateTime StartsAt { get; init; }

    public DateTime EndsAt { get; init; }

    public decimal UpfrontCost { get; init; }

    public decimal RecurringHourlyCost { get; init; }

    public required string Currency { get; init; }

    /// <summary><c>active</c>, <c>pending</c> or <c>cancelled</c>, as the provider reports it.</summary>
    public required string State { get; init; }

    /// <summary>
    /// What a GCP resource-based commitment holds, as its <c>resources</c> list it; null when the provider does not
    /// describe the commitment by resources.
    /// </summary>
    public IReadOnlyList<CommitmentResource>? Resources { get; init; }
}

/// <summary>Kinds of resource a GCP resource-based commitment holds (<c>Commitment.resources[].type</c>).</summary>
public static class CommitmentResourceTypes
{
    public const string Vcpu = "VCPU";

    /// <summary>Memory, in MB.</summary>
    public const string Memory = "MEMORY";

    /// <summary>GPUs of one <see cref="CommitmentResource.AcceleratorType"/>.</summary>
    public const string Accelerator = "ACCELERATOR";
}

/// <summary>One resource of a GCP resource-based commitment: VCPU (count), MEMORY (MB) or ACCELERATOR (count of one accelerator type).</summary>
public sealed record CommitmentResource(string Type, long Amount, string? AcceleratorType = null);
