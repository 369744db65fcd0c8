namespace Tranche.Data;

/// <summary>
/// The org that the current unit of work acts on. The <see cref="TrancheDbContext"/> filters every
/// <see cref="IOrgOwned"/> query by it, so no query has to remember to. It is empty until someone
/// who checked access sets it, and an empty scope matches no rows: forgetting it fails closed.
/// </summary>
public sealed class OrgScope
{
    public Guid? OrgId { get; private set; }

    public static OrgScope For(Guid orgId)
    {
        var scope = new OrgScope();
        scope.Enter(orgId);
        return scope;
    }

    /// <summary>Sets the org once per unit of work; moving a scope to another org is a programming error.</summary>
    public void Enter(Guid orgId)
    {
        if (OrgId is { } current && current != orgId)
        {
            throw new InvalidOperationException($"This unit of work is already scoped to org {current}; it cannot act on {orgId} too.");
        }

        OrgId = orgId;
    }
}
