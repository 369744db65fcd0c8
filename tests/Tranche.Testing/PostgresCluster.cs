using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Tranche.Testing;

/// <summary>
/// A throwaway PostgreSQL server for the test run, started from the local <c>initdb</c>/<c>pg_ctl</c> on a free
/// loopback port (as the <c>postgres</c> user when the tests run as root, since PostgreSQL refuses root), or the
/// server named by <c>TRANCHE_TEST_POSTGRES</c>. Each test fixture gets a fresh database of its own.
/// </summary>
public sealed class PostgresCluster
{
    public const string ServerVariable = "TRANCHE_TEST_POSTGRES";

    private static readonly Lazy<Task<PostgresCluster>> s_cluster = new(StartAsync);
    private readonly string _adminConnectionString;
    private readonly List<string> _created = [];
    private readonly bool _external;

    private PostgresCluster(string adminConnectionString, string? unavailableReason, bool external = false)
    {
        _adminConnectionString = adminConnectionString;
        UnavailableReason = unavailableReason;
        _external = external;
    }

    /// <summary>Why PostgreSQL tests cannot run here, or null when they can.</summary>
    public string? UnavailableReason { get; }

    public static Task<PostgresCluster> SharedAsync() => s_cluster.Value;

    /// <summary>Makes an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        if (UnavailableReason is not null)
        {
            throw new InvalidOperationException(UnavailableReason);
        }

        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 33, 63)].ToLowerInvariant();
        await using var connection = new NpgsqlConnection(_adminConnectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        lock (_created)
        {
            if (_external && _created.Count == 0)
            {
                AppDomain.CurrentDomain.ProcessExit += (_, _) => DropCreatedDatabases();
            }

            _created.Add(name);
        }

        return new NpgsqlConnectionStringBuilder(_adminConnectionString) { Database = name, Pooling = true, MaxPoolSize = 20 }.ConnectionString;
    }

    /// <summary>
    /// A shared server (CI's, or a developer's) keeps what the run made otherwise: every database this process
    /// created is dropped when it ends, so runs do not pile up on that server's disk.
    /// </summary>
    private void DropCreatedDatabases()
    {
        try
        {
            NpgsqlConnection.ClearAllPools();
            using var connection = new NpgsqlConnection(_adminConnectionString);
            connection.Open();
            string[] names;
            lock (_created)
            {
                names = [.. _created];
            }

            foreach (var name in names)
            {
                using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                command.ExecuteNonQuery();
            }
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // A server that is already stopping takes its databases with it.
        }
    }

    private static async Task<PostgresCluster> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(ServerVariable) is { Length: > 0 } existing)
        {
            return new PostgresCluster(existing, null, external: true);
        }

        var bin = FindBinaries();
        if (bin is null)
        {
            return new PostgresCluster("", "PostgreSQL tests skipped: no initdb/pg_ctl found (install the postgresql package, or set TRANCHE_TEST_POSTGRES).");
        }

        var asRoot = Environment.UserName == "root";
        // Servers of test processes that were killed before they could stop theirs leave their folders behind.
        foreach (var stale in Directory.EnumerateDirectories(Path.GetTempPath(), "tranche-pg-*"))
        {
            if (Path.GetFileName(stale).Split('-') is [_, _, var pid, _] && int.TryParse(pid, out var id) && !TestRunFiles.IsRunning(id))
            {
                TestRunFiles.TryDelete(stale);
            }
        }

        var root = Path.Combine(Path.GetTempPath(), $"tranche-pg-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
        var data = Path.Combine(root, "data");
        var socket = Path.Combine(root, "socket");
        Directory.CreateDirectory(socket);
        if (asRoot)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", root], asPostgres: false);
            await RunAsync("chmod", ["755", root], asPostgres: false);
        }

        await RunAsync(Path.Combine(bin, "initdb"), ["-D", data, "-U", "tranche", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], asRoot);
        var port = FreePort();
        var settings = $"-p {port} -k {socket} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
        await RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-o", settings, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "start"], asRoot);

        void Stop()
        {
            try
            {
                RunAsync(Path.Combine(bin, "pg_ctl"), ["-D", data, "-m", "immediate", "-w", "stop"], asRoot).GetAwaiter().GetResult();
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
            {
                // The run is ending; a leftover temp directory is not worth failing it for.
            }
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => Stop();
        var admin = $"Host=127.0.0.1;Port={port};Username=tranche;Database=postgres;Pooling=false";
        return new PostgresCluster(admin, null);
    }

    private static string? FindBinaries()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Concat(Directory.Exists("/usr/lib/postgresql")
                ? Directory.GetDirectories("/usr/lib/postgresql").OrderByDescending(d => d, StringComparer.Ordinal).Select(d => Path.Combine(d, "bin"))
                : []);
        foreach (var directory in candidates)
        {
            var initdb = Path.Combine(directory, "initdb");
            if (File.Exists(initdb) && File.Exists(Path.Combine(directory, "pg_ctl")))
            {
                // Resolve symlinks such as /usr/local/bin/initdb so that pg_ctl finds the server next to it.
                return Path.GetDirectoryName(new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? initdb);
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = asPostgres
            ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", file, .. arguments])
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
