using Microsoft.EntityFrameworkCore;
using Tranche.Testing;

namespace Tranche.Data.Tests;

public sealed class MigrationTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Migrations_build_the_current_model_on_each_store(StoreKind store)
    {
        var database = await TestDatabases.CreateOrSkipAsync(store, "migrations");

        var applied = await TrancheDatabase.MigrateAsync(database, Cancel);

        Assert.NotEmpty(applied);
        await using var db = TrancheDatabase.CreateContext(database);
        Assert.False(db.Database.HasPendingModelChanges(), "The model changed without a migration: run `dotnet ef migrations add` for both contexts.");
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Cancel));
        Assert.Empty(await TrancheDatabase.MigrateAsync(database, Cancel));
    }

    [Fact]
    public async Task Replicas_migrating_one_PostgreSQL_database_at_once_all_succeed()
    {
        var database = await TestDatabases.CreateOrSkipAsync(StoreKind.Postgres, "migrations");

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => TrancheDatabase.MigrateAsync(database, Cancel), Cancel)));

        // Exactly one replica applied the migrations; the others waited on the lock and found nothing to do.
        Assert.Single(runs, applied => applied.Count > 0);
        Assert.Empty(await TrancheDatabase.PendingMigrationsAsync(database, Cancel));
    }

    [Fact]
    public async Task PostgreSQL_is_not_migrated_unless_asked_and_says_how()
    {
        var database = await TestDatabases.CreateOrSkipAsync(StoreKind.Postgres, "migrations");

        var refused = await Assert.ThrowsAsync<DatabaseNotReadyException>(() => TrancheDatabase.PrepareAsync(database, migrate: false, Cancel));

        Assert.Contains("tranche db migrate", refused.Message, StringComparison.Ordinal);
        Assert.NotEmpty(await TrancheDatabase.PrepareAsync(database, migrate: true, Cancel));
        Assert.Empty(await TrancheDatabase.PrepareAsync(database, migrate: false, Cancel));
    }

    [Fact]
    public async Task Migrate_creates_a_missing_PostgreSQL_database()
    {
        var existing = await TestDatabases.CreateOrSkipAsync(StoreKind.Postgres, "migrations");
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(existing.ConnectionString) { Database = $"fresh_{Guid.NewGuid():N}" };
        var missing = DatabaseTarget.Resolve(builder.ConnectionString, ".");

        Assert.NotEmpty(await TrancheDatabase.MigrateAsync(missing, Cancel));
    }

    [Fact]
    public async Task SQLite_is_created_in_a_directory_that_does_not_exist_yet()
    {
        var path = Path.Combine(TestDatabases.NewTempDirectory("nested"), "a", "b", "tranche.db");

        await TrancheDatabase.PrepareAsync(DatabaseTarget.Sqlite(path), migrate: false, Cancel);

        Assert.True(File.Exists(path));
    }
}
