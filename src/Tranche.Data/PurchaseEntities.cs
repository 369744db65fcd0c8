namespace Tranche.Data;

/// <summary>States of a purchase line item: written before every provider call, so a crash leaves a line that says where it stopped.</summary>
public static class PurchaseLineStates
{
    public const string Pending = "pending";

    /// <summary>The provider call was made (or was about to be): its outcome is not known until recorded or recovered.</summary>
    public const string Submitted = "submitted";

    public const string Succeeded = "succeeded";

    public const string Failed = "failed";
}

/// <summary>States of a purchase as a whole, from its lines.</summary>
public static class PurchaseStates
{
    public const string InProgress = "in_progress";
    public const string Succeeded = "succeeded";
    public const string PartiallyFailed = "partially_failed";
    public const string Failed = "failed";
}

/// <summary>The execution of a plan: one row per purchase, its lines in <see cref="PurchaseLineRecord"/>.</summary>
public sealed class PurchaseRecord : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public Guid PlanId { get; set; }

    public required string Provider { get; set; }

    /// <summary><see cref="PurchaseStates"/>.</summary>
    public required string Status { get; set; }

    /// <summary>The client's <c>Idempotency-Key</c>: the same key returns the same purchase.</summary>
    public string? IdempotencyKey { get; set; }

    public Guid? RequestedByKeyId { get; set; }

    public string? RequestId { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? CompletedAt { get; set; }

    public decimal TotalUpfrontCost { get; set; }

    public decimal TotalMonthlyCost { get; set; }
}

/// <summary>One commitment to buy: the offer, the quantity, the token that makes the provider call safe to repeat, and what came of it.</summary>
public sealed class PurchaseLineRecord : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public Guid PurchaseId { get; set; }

    public Guid PlanLineItemId { get; set; }

    public int Sequence { get; set; }

    public required string Provider { get; set; }

    /// <summary><c>ri</c>, <c>savings_plan</c> or <c>cud</c>.</summary>
    public required string OfferType { get; set; }

    public required string ProviderOfferingId { get; set; }

    public int Quantity { get; set; }

    /// <summary>Currency per hour for spend commitments; 0 for instance commitments.</summary>
    public decimal Commitment { get; set; }

    public decimal UpfrontCost { get; set; }

    public decimal MonthlyCost { get; set; }

    /// <summary>Derived from the purchase and line: the provider's idempotency token, or the tag that marks an EC2 Reserved Instance as this line's.</summary>
    public required string IdempotencyToken { get; set; }

    /// <summary><see cref="PurchaseLineStates"/>.</summary>
    public required string State { get; set; }

    public int Attempts { get; set; }

    public string? ProviderOrderId { get; set; }

    public string? Error { get; set; }

    public DateTime? SubmittedAt { get; set; }

    public DateTime? FinishedAt { get; set; }
}

/// <summary>The sandbox cloud's order log: every commitment it sold, with the token or tags it was sold under.</summary>
public sealed class SandboxOrder : IOrgOwned
{
    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    /// <summary>The id of what was bought (the commitment's provider id).</summary>
    public required string OrderId { get; set; }

    public required string OfferType { get; set; }

    public required string OfferingId { get; set; }

    public int Quantity { get; set; }

    public decimal Commitment { get; set; }

    /// <summary>The caller's idempotency token, for the kinds of order that take one.</summary>
    public string? ClientToken { get; set; }

    /// <summary>Tags as JSON (EC2 Reserved Instances are tagged after the purchase).</summary>
    public string? Tags { get; set; }

    public DateTime CreatedAt { get; set; }
}

/// <summary>
/// An org's purchase guardrails, set by the org or its partner. Null limits do not apply; with <see cref="DryRun"/> on,
/// purchases are checked and described but nothing is bought.
/// </summary>
public sealed class PurchasePolicy : IOrgOwned
{
    public Guid OrgId { get; set; }

    /// <summary>Providers purchases may go to, comma-separated (<c>aws,azure</c>); null allows all.</summary>
    public string? AllowedProviders { get; set; }

    /// <summary>Commitment kinds that may be bought (<c>ri,savings_plan,cud</c>); null allows all.</summary>
    public string? AllowedCommitmentTypes { get; set; }

    /// <summary>Most one purchase may pay upfront.</summary>
    public decimal? MaxUpfrontPerPurchase { get; set; }

    /// <summary>Most new commitment (monthly cost, 730 hours) the org may add within one calendar month.</summary>
    public decimal? MaxNewMonthlyCommitmentPerMonth { get; set; }

    public int? MaxTermMonths { get; set; }

    public bool DryRun { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}
