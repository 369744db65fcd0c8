using CsCheck;
using Tranche.Domain.Tenancy;

namespace Tranche.Domain.Tests;

public sealed class OrgAccessTests
{
    private static readonly Gen<Guid> s_ids = Gen.Int[0, 3].Select(i => new Guid(i, 0, 0, [0, 0, 0, 0, 0, 0, 0, 0]));

    [Fact]
    public void Relation_matches_the_rule_written_out()
    {
        Gen.Select(s_ids, Gen.Bool, s_ids, Gen.Select(s_ids, Gen.Bool, (id, present) => present ? id : (Guid?)null)).Sample((caller, isPartner, target, parent) =>
        {
            // The rule: yourself; or, for a partner, an org whose parent is you. Nothing else, ever.
            var expected = target == caller ? OrgRelation.Own
                : isPartner && parent is { } p && p == caller ? OrgRelation.Child
                : OrgRelation.None;
            Assert.Equal(expected, OrgAccess.Relation(caller, isPartner, target, parent));
        });
    }

    [Fact]
    public void A_grandchild_is_not_reachable()
    {
        var (partner, child, grandchild) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());

        Assert.Equal(OrgRelation.Child, OrgAccess.Relation(partner, true, child, partner));
        Assert.Equal(OrgRelation.None, OrgAccess.Relation(partner, true, grandchild, child));
    }

    [Fact]
    public void Kind_is_direct_for_your_own_org_and_partnership_for_a_customer()
    {
        Assert.Equal(OrgKind.Direct, OrgAccess.KindSeenBy(OrgRelation.Own));
        Assert.Equal(OrgKind.Partnership, OrgAccess.KindSeenBy(OrgRelation.Child));
        Assert.Throws<ArgumentOutOfRangeException>(() => OrgAccess.KindSeenBy(OrgRelation.None));
    }
}

public sealed class OrgRoleTests
{
    [Fact]
    public void Wire_names_round_trip_and_unknown_names_are_refused()
    {
        foreach (var role in Enum.GetValues<OrgRole>())
        {
            Assert.Equal(role, OrgRoleNames.Parse(OrgRoleNames.ToWire(role)));
        }

        Assert.Equal(["admin", "user", "support", "cloud_rep", "restricted_user"], OrgRoleNames.All);
        Assert.False(OrgRoleNames.TryParse("root", out _));
        Assert.Throws<FormatException>(() => OrgRoleNames.Parse("Admin"));
    }

    [Fact]
    public void Only_admins_manage_keys_and_restricted_roles_cannot_buy()
    {
        Assert.Equal([OrgRole.Admin], Enum.GetValues<OrgRole>().Where(r => r.CanManageKeys()));
        Assert.Equal([OrgRole.Admin, OrgRole.User], Enum.GetValues<OrgRole>().Where(r => r.CanPurchase()));
    }
}
