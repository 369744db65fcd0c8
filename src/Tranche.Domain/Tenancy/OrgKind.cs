namespace Tranche.Domain.Tenancy;

/// <summary>How an org is held: on its own, or as a customer org owned by a partner org.</summary>
public enum OrgKind
{
    Direct,
    Partnership,
}
