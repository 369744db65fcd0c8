using Tranche.Domain.Tenancy;

namespace Tranche.Data;

/// <summary>A person of an org, registered or invited by its partner. Users hold no keys: keys are made per org.</summary>
public sealed class OrgUser : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    /// <summary>Stored lower-case, so one address is one user.</summary>
    public required string Email { get; set; }

    public string? Name { get; set; }

    public OrgRole Role { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Who added the user: an actor string as in the audit log.</summary>
    public required string CreatedBy { get; set; }
}

/// <summary>The states of a <see cref="CloudIntegration"/>.</summary>
public static class CloudIntegrationStates
{
    /// <summary>Set up on Tranche's side (template, consent URL, instructions handed out); not yet shown to work.</summary>
    public const string Created = "created";

    /// <summary>The last verification reached the account with every permission it needs.</summary>
    public const string Verified = "verified";

    /// <summary>The last verification failed; its validations say why.</summary>
    public const string Failed = "failed";
}

/// <summary>
/// How Tranche reaches one cloud account of an org: the provider, the ids of the account, the secret-free handles
/// the customer granted (role ARNs, tenant, service account), and what the last verification and sync found.
/// </summary>
public sealed class CloudIntegration : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    /// <summary><c>aws</c>, <c>azure</c>, <c>gcp</c> or <c>sandbox</c>.</summary>
    public required string Provider { get; set; }

    public required string State { get; set; }

    /// <summary>
    /// A random value the customer's trust policy requires (AWS <c>sts:ExternalId</c>) or the Azure consent
    /// <c>state</c>: it binds what the customer set up to this integration and to no one else's.
    /// </summary>
    public required string ExternalId { get; set; }

    /// <summary>AWS account id.</summary>
    public string? AccountId { get; set; }

    /// <summary>AWS role Tranche reads with.</summary>
    public string? RoleArn { get; set; }

    /// <summary>AWS role Tranche buys commitments with.</summary>
    public string? PurchaseRoleArn { get; set; }

    public string? TenantId { get; set; }

    public string? SubscriptionId { get; set; }

    /// <summary>GCP organization id.</summary>
    public string? OrganizationId { get; set; }

    public string? ProjectId { get; set; }

    public string? BillingAccountId { get; set; }

    /// <summary>Other provider values as a JSON object (the GCP export datasets).</summary>
    public string? Settings { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When a verification first succeeded.</summary>
    public DateTime? VerifiedAt { get; set; }

    public DateTime? LastVerifiedAt { get; set; }

    /// <summary>The validations of the last verification, as a JSON array.</summary>
    public string? LastVerification { get; set; }

    /// <summary>The last commitment inventory sync that succeeded.</summary>
    public DateTime? LastSyncedAt { get; set; }

    /// <summary>Why the last sync could not run, or null.</summary>
    public string? LastSyncError { get; set; }
}

/// <summary>
/// The offer catalog read from a provider's offering APIs for one org through its cloud integration: the catalog
/// plans for that provider are computed from instead of the bundled sandbox catalog. One row per org and provider
/// holds the last catalog read and what the last attempt found; a failed attempt keeps the catalog read before it.
/// </summary>
public sealed class ProviderOfferCatalog : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    /// <summary><c>aws</c>, <c>azure</c> or <c>gcp</c>.</summary>
    public required string Provider { get; set; }

    /// <summary>The catalog's version, recorded by every plan computed from it; null until a read succeeded.</summary>
    public string? Version { get; set; }

    /// <summary>When the stored catalog was read.</summary>
    public DateTime? ReadAt { get; set; }

    /// <summary>The catalog as JSON (the domain model's shape); null until a read succeeded.</summary>
    public string? Catalog { get; set; }

    /// <summary>Pools of the org's billing the last successful read asked for, and how many it priced.</summary>
    public int PoolsAsked { get; set; }

    public int PoolsPriced { get; set; }

    /// <summary>The pools the last successful read could not price, each with the reason, as a JSON array.</summary>
    public string? Unpriced { get; set; }

    public DateTime AttemptedAt { get; set; }

    /// <summary>Why the last attempt failed, or null when it succeeded.</summary>
    public string? LastError { get; set; }
}
