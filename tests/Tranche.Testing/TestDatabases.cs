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
        var path = Path.Combine(TestRunFiles.Root, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>
/// Every file a test process writes lives under one folder of its own, removed when the process ends, and
/// folders left by earlier runs that were killed are removed when the next one starts: test runs must not fill
/// the disk of the machine they run on.
/// </summary>
public static class TestRunFiles
{
    private static readonly Lazy<string> s_root = new(CreateRoot);

    public static string Root => s_root.Value;

    private static string CreateRoot()
    {
        var parent = Path.Combine(Path.GetTempPath(), "tranche-tests");
        Directory.CreateDirectory(parent);
        RemoveFoldersOfEndedRuns(parent);
        var root = Path.Combine(parent, $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    }

    private static void RemoveFoldersOfEndedRuns(string parent)
    {
        foreach (var folder in Directory.EnumerateDirectories(parent))
        {
            var parts = Path.GetFileName(folder).Split('-');
            var ended = parts is ["run", var pid, _] && int.TryParse(pid, out var id) && !IsRunning(id);
            var legacy = parts[0] != "run" && Directory.GetLastWriteTimeUtc(folder) < DateTime.UtcNow.AddHours(-6);
            if (ended || legacy)
            {
                TryDelete(folder);
            }
        }
    }

    internal static bool IsRunning(int processId)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another run may still hold a file open there; the next run tries again.
        }
    }
}

/// <summary>This store cannot run on this machine; tests that need it are skipped with this message.</summary>
public sealed class StoreUnavailableException(string reason) : Exception(reason);
