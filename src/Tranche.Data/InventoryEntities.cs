using System.Security.Cryptography;
using System.Text;

namespace Tranche.Data;

/// <summary>Where Tranche learnt of a commitment's terms.</summary>
public static class CommitmentSources
{
    /// <summary>The provider's inventory API (or the sandbox cloud's) listed it.</summary>
    public const string Sync = "sync";

    /// <summary>Tranche bought it.</summary>
    public const string Purchase = "purchase";
}

/// <summary>What the provider says about a commitment it lists: in force, cancelled (refunded, exchanged), or no longer listed.</summary>
public static class ProviderCommitmentStates
{
    public const string Active = "active";

    /// <summary>Ordered but not yet in force (an RI in <c>payment-pending</c>, a queued Savings Plan).</summary>
    public const string Pending = "pending";

    public const string Cancelled = "cancelled";

    /// <summary>A sync no longer finds it (account disconnected, exchanged, transferred away).</summary>
    public const string Removed = "removed";
}

/// <summary>
/// A commitment's terms as a provider inventory or Tranche's own purchase knows them: the dates, counts, prices and
/// scope that billing exports do not carry. Billing facts (<see cref="BilledCommitment"/>, <see cref="CommitmentDay"/>)
/// attach to it by provider and provider id, so a commitment seen by several sources is one commitment.
/// </summary>
public sealed class Commitment : IOrgOwned
{
    /// <summary>Derived from org, provider and provider id (<see cref="CommitmentIds"/>), so every source names it the same.</summary>
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    /// <summary>The provider's id (an ARN, an Azure reservation resource id, a CUD self-link), as billing data writes it.</summary>
    public required string ProviderCommitmentId { get; set; }

    /// <summary><see cref="CommitmentSources"/>.</summary>
    public required string Source { get; set; }

    /// <summary>The provider's kind of commitment: <c>Reserved Instance</c>, <c>Savings Plan</c>, <c>Reservation</c>, <c>Committed Use Discount</c>.</summary>
    public required string Type { get; set; }

    /// <summary><c>Usage</c> (counted in units of a resource) or <c>Spend</c> (counted in currency per hour).</summary>
    public required string Category { get; set; }

    public string? Name { get; set; }

    public string? AccountId { get; set; }

    public string? BillingAccountId { get; set; }

    public string? RegionId { get; set; }

    public string? AvailabilityZone { get; set; }

    public string? InstanceType { get; set; }

    public string? InstanceFamily { get; set; }

    /// <summary>Platform as the provider describes it (<c>Linux/UNIX</c>, <c>Windows</c>).</summary>
    public string? ProductDescription { get; set; }

    public string? Tenancy { get; set; }

    public bool? IsMultiAz { get; set; }

    /// <summary>Savings Plan type (<c>Compute</c>, <c>EC2Instance</c>, <c>SageMaker</c>) or CUD plan (<c>12 month</c>).</summary>
    public string? PlanType { get; set; }

    /// <summary><c>shared</c>, <c>subscription</c>, <c>resource_group</c> or <c>management_group</c> (Azure); null elsewhere.</summary>
    public string? Scope { get; set; }

    public string? OrderId { get; set; }

    public string? ResourceGroup { get; set; }

    /// <summary><c>standard</c> or <c>convertible</c>.</summary>
    public string? OfferingClass { get; set; }

    public string? OfferingId { get; set; }

    /// <summary><c>No Upfront</c>, <c>Partial Upfront</c> or <c>All Upfront</c>.</summary>
    public string? PaymentOption { get; set; }

    public int? InstanceCount { get; set; }

    /// <summary>How much was committed, in <see cref="Unit"/>: instances, normalized units, or currency per hour.</summary>
    public double Quantity { get; set; }

    public required string Unit { get; set; }

    /// <summary>Whether the discount floats across sizes (size-flexible RIs, Azure instance size flexibility).</summary>
    public bool? IsFlexible { get; set; }

    public DateTime StartsAt { get; set; }

    public DateTime EndsAt { get; set; }

    /// <summary>Paid once, at purchase.</summary>
    public decimal UpfrontCost { get; set; }

    /// <summary>Billed every hour of the term, used or not.</summary>
    public decimal RecurringHourlyCost { get; set; }

    public required string Currency { get; set; }

    /// <summary><see cref="ProviderCommitmentStates"/>.</summary>
    public required string ProviderState { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }
}

/// <summary>The API ids of commitments: the same for a commitment whichever source (billing, sync, purchase) saw it first.</summary>
public static class CommitmentIds
{
    public static Guid For(Guid orgId, string provider, string providerCommitmentId) => NameBasedIds.For($"{orgId:N}\n{provider}\n{providerCommitmentId}");
}

/// <summary>Ids derived from a name (RFC 9562 version 8 from SHA-256), for things whose identity is a name: the same name, the same id.</summary>
public static class NameBasedIds
{
    public static Guid For(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}

/// <summary>
/// The sandbox cloud's own record of a commitment it sold: what its inventory API lists. It plays the provider's side,
/// so Tranche's <see cref="Commitment"/> rows are only ever filled from it by a sync or a purchase.
/// </summary>
public sealed class SandboxCommitment : IOrgOwned
{
    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    public required string ProviderCommitmentId { get; set; }

    /// <summary>The commitment as the sandbox's inventory API returns it (JSON).</summary>
    public required string Document { get; set; }

    public DateTime CreatedAt { get; set; }
}
