using Tranche.Domain.Tenancy;

namespace Tranche.Data;

/// <summary>Rows that belong to exactly one org. Every query over them is filtered to the request's org.</summary>
public interface IOrgOwned
{
    Guid OrgId { get; }
}

/// <summary>A tenant. A partner org may own customer orgs (<see cref="ParentOrgId"/> points at the partner).</summary>
public sealed class Org
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    /// <summary>Set for a customer org held through a partner.</summary>
    public Guid? ParentOrgId { get; set; }

    /// <summary>Whether this org may own customer orgs and act on them with its keys.</summary>
    public bool IsPartner { get; set; }

    /// <summary>May this partner register customer orgs that are partners themselves (set by the operator).</summary>
    public bool AllowNestedPartners { get; set; }

    /// <summary>The org's contact address, as given when a partner registered it.</summary>
    public string? Email { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When the partner offboarded this customer org; its keys were revoked then and it answers no partner route since.</summary>
    public DateTime? OffboardedAt { get; set; }

    public string? OffboardReason { get; set; }

    public Org? Parent { get; set; }

    public OrgKind Kind => ParentOrgId is null ? OrgKind.Direct : OrgKind.Partnership;
}

/// <summary>
/// An API key. Only the SHA-256 of the secret is stored: the secret is shown once, when the key is made.
/// </summary>
public sealed class ApiKey : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public required string Name { get; set; }

    /// <summary>The first characters of the secret, safe to show, so people can tell their keys apart.</summary>
    public required string Prefix { get; set; }

    public required byte[] SecretHash { get; set; }

    public OrgRole Role { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>Who made the key: an actor string as in the audit log.</summary>
    public required string CreatedBy { get; set; }

    public DateTime? LastUsedAt { get; set; }

    public DateTime? RevokedAt { get; set; }

    public Org? Org { get; set; }
}

/// <summary>One entry of an org's audit log: who did what, when, and under which request.</summary>
public sealed class AuditEvent : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public DateTime OccurredAt { get; set; }

    /// <summary><c>key:&lt;id&gt;</c> for API callers, <c>cli</c> for operators on the command line, <c>system</c> for jobs.</summary>
    public required string Actor { get; set; }

    public Guid? ActorKeyId { get; set; }

    /// <summary>A dotted verb such as <c>api_key.created</c>.</summary>
    public required string Action { get; set; }

    public string? TargetId { get; set; }

    public string? RequestId { get; set; }

    /// <summary>Extra facts of the event as a JSON object.</summary>
    public string? Details { get; set; }
}

/// <summary>Small named values the installation keeps about itself (for example, which orgs the demo seeded).</summary>
public sealed class InstallationSetting
{
    public required string Key { get; set; }

    public required string Value { get; set; }
}
