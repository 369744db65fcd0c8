namespace Tranche.Domain.Tenancy;

/// <summary>
/// The role an API key acts with inside the orgs it can reach. The names are the published
/// <c>Org.role</c> values; only <see cref="Admin"/> may manage keys, and only roles that
/// <see cref="OrgRoles.CanPurchase"/> may buy commitments.
/// </summary>
public enum OrgRole
{
    Admin,
    User,
    Support,
    CloudRep,
    RestrictedUser,
}

public static class OrgRoles
{
    public static bool CanManageKeys(this OrgRole role) => role == OrgRole.Admin;

    public static bool CanPurchase(this OrgRole role) => role is OrgRole.Admin or OrgRole.User;
}

/// <summary>The published spelling of each role (<c>cloud_rep</c>, <c>restricted_user</c>, ...).</summary>
public static class OrgRoleNames
{
    private static readonly Dictionary<string, OrgRole> s_byWireName = new(StringComparer.Ordinal)
    {
        ["admin"] = OrgRole.Admin,
        ["user"] = OrgRole.User,
        ["support"] = OrgRole.Support,
        ["cloud_rep"] = OrgRole.CloudRep,
        ["restricted_user"] = OrgRole.RestrictedUser,
    };

    public static IReadOnlyCollection<string> All => s_byWireName.Keys;

    public static string ToWire(OrgRole role) => role switch
    {
        OrgRole.Admin => "admin",
        OrgRole.User => "user",
        OrgRole.Support => "support",
        OrgRole.CloudRep => "cloud_rep",
        OrgRole.RestrictedUser => "restricted_user",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };

    public static bool TryParse(string? text, out OrgRole role) => s_byWireName.TryGetValue(text ?? "", out role);

    public static OrgRole Parse(string text) =>
        TryParse(text, out var role) ? role : throw new FormatException($"'{text}' is not an org role; expected one of {string.Join(", ", All)}.");
}
