using Tranche.Data;

namespace Tranche.Testing;

/// <summary>The two stores every API test runs on.</summary>
public enum StoreKind
{
    Sqlite,
    Postgres,
}

/// <summary>Fresh, empty databases for one fixture; nothing is shared between fixtures.</summary>
public static class TestDatabases
{
    /// <summary>A new database of <paramref name="kind"/>; skips the calling test when that store cannot run here.</summary>
    public static async Task<DatabaseTarget> CreateOrSkipAsync(StoreKind kind, string name)
    {
        try
        {
            return await CreateAsync(kind, name);
        }
        catch (StoreUnavailableException e)
        {
            Assert.Skip(e.Message);
            throw;
        }
    }

    /// <summary>A new database of <paramref name="kind"/>; throws <see cref="StoreUnavailableException"/> when no PostgreSQL server can run here.</summary>
    public static async Task<DatabaseTarget> CreateAsync(StoreKind kind, string name)
    {
        if (kind == StoreKind.Sqlite)
        {
            return DatabaseTarget.Sqlite(Path.Combine(NewTempDirectory(name), "tranche.db"));
        }

        var cluster = await PostgresCluster.SharedAsync();
        if (cluster.UnavailableReason is { } reason)
        {
            throw new StoreUnavailableException(reason);
        }

        return DatabaseTarget.Resolve(await cluster.CreateDatabaseAsync(name), ".");
    }

    public static string NewTempDirectory(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "tranche-tests", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>This store cannot run on this machine; tests that need it are skipped with this message.</summary>
public sealed class StoreUnavailableException(string reason) : Exception(reason);
