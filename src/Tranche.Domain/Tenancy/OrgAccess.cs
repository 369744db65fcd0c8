namespace Tranche.Domain.Tenancy;

/// <summary>How a caller reaches an org, seen from the caller's own org.</summary>
public enum OrgRelation
{
    /// <summary>The caller has no business with the org (or the org does not exist).</summary>
    None,

    /// <summary>The org is the caller's own org.</summary>
    Own,

    /// <summary>The org is a customer org of the caller's partner org.</summary>
    Child,
}

/// <summary>
/// The tenancy rule in one place: a key acts on its own org, and a partner org's key also acts
/// on the partner's customer orgs. Nobody reaches anything else, grandchildren included.
/// </summary>
public static class OrgAccess
{
    public static OrgRelation Relation(Guid callerOrgId, bool callerIsPartner, Guid targetOrgId, Guid? targetParentOrgId)
    {
        if (targetOrgId == callerOrgId)
        {
            return OrgRelation.Own;
        }

        return callerIsPartner && targetParentOrgId == callerOrgId ? OrgRelation.Child : OrgRelation.None;
    }

    /// <summary>The published <c>Org.kind</c> of a reachable org, from the caller's point of view.</summary>
    public static OrgKind KindSeenBy(OrgRelation relation) => relation switch
    {
        OrgRelation.Own => OrgKind.Direct,
        OrgRelation.Child => OrgKind.Partnership,
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "An unreachable org has no kind for this caller."),
    };
}
