using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Tenancy;
using Tranche.Testing;

namespace Tranche.Data.Tests;

/// <summary>The tenancy filter on every org-owned table: scoped contexts see their org only, unscoped ones see nothing.</summary>
public sealed class OrgScopeTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Org_owned_rows_are_visible_only_inside_their_org(StoreKind store)
    {
        var database = await TestDatabases.CreateOrSkipAsync(store, "migrations");
        await TrancheDatabase.MigrateAsync(database, Cancel);
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var now = TimeProvider.System.StorageNow();
        await using (var db = TrancheDatabase.CreateContext(database))
        {
            db.Orgs.AddRange(new Org { Id = a, Name = "A", CreatedAt = now }, new Org { Id = b, Name = "B", CreatedAt = now });
            db.IssueApiKey(a, "a1", OrgRole.Admin, Actor.System, now);
            db.IssueApiKey(a, "a2", OrgRole.User, Actor.System, now);
            db.IssueApiKey(b, "b1", OrgRole.Admin, Actor.System, now);
            await db.SaveChangesAsync(Cancel);
        }

        await using var scopedToA = TrancheDatabase.CreateContext(database, OrgScope.For(a));
        await using var unscoped = TrancheDatabase.CreateContext(database);

        Assert.Equal(["a1", "a2"], await scopedToA.ApiKeys.OrderBy(k => k.Name).Select(k => k.Name).ToListAsync(Cancel));
        Assert.Equal(2, await scopedToA.AuditEvents.CountAsync(Cancel));
        Assert.Empty(await unscoped.ApiKeys.ToListAsync(Cancel));
        Assert.Empty(await unscoped.AuditEvents.ToListAsync(Cancel));
        Assert.Equal(3, await unscoped.ApiKeys.IgnoreQueryFilters().CountAsync(Cancel));
    }

    [Fact]
    public void Every_org_owned_entity_has_the_filter()
    {
        using var db = TrancheDatabase.CreateContext(DatabaseTarget.Sqlite(":memory:"));

        var owned = db.Model.GetEntityTypes().Where(e => typeof(IOrgOwned).IsAssignableFrom(e.ClrType)).ToList();

        Assert.NotEmpty(owned);
        Assert.All(owned, e => Assert.NotEmpty(e.GetDeclaredQueryFilters()));
    }

    [Fact]
    public void A_scope_cannot_move_to_another_org()
    {
        var scope = OrgScope.For(Guid.NewGuid());

        Assert.Throws<InvalidOperationException>(() => scope.Enter(Guid.NewGuid()));
    }
}
