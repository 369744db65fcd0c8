using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Tranche.Data;

/// <summary>Opens <see cref="TrancheDbContext"/>s on a <see cref="DatabaseTarget"/> and keeps its schema current.</summary>
public static class TrancheDatabase
{
    /// <summary>Any constant works as long as every replica uses the same one; this is "tranche" in ASCII.</summary>
    private const long MigrationLockKey = 0x7472616e636865;

    public static IServiceCollection AddTrancheDatabase(this IServiceCollection services, DatabaseTarget target)
    {
        services.AddSingleton(target);
        services.AddScoped<OrgScope>();
        return target.Provider switch
        {
            DatabaseProvider.Sqlite => AddPooled<SqliteTrancheDbContext>(services, target),
            _ => AddPooled<PostgresTrancheDbContext>(services, target),
        };
    }

    /// <summary>
    /// Contexts come from a pool (building one per request costs more than the query it runs); each request's
    /// context is handed that request's <see cref="OrgScope"/>.
    /// </summary>
    private static IServiceCollection AddPooled<TContext>(IServiceCollection services, DatabaseTarget target)
        where TContext : TrancheDbContext
    {
        services.AddPooledDbContextFactory<TContext>(options => Configure(options, target));
        services.AddScoped<TrancheDbContext>(provider =>
        {
            var context = provider.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
            context.OrgScope = provider.GetRequiredService<OrgScope>();
            return context;
        });
        return services;
    }

    /// <summary>A context outside dependency injection, for the command line and jobs.</summary>
    public static TrancheDbContext CreateContext(DatabaseTarget target, OrgScope? scope = null)
    {
        TrancheDbContext context = target.Provider switch
        {
            DatabaseProvider.Sqlite => new SqliteTrancheDbContext(Options<SqliteTrancheDbContext>(target)),
            _ => new PostgresTrancheDbContext(Options<PostgresTrancheDbContext>(target)),
        };
        context.OrgScope = scope ?? new OrgScope();
        return context;
    }

    public static void Configure(DbContextOptionsBuilder options, DatabaseTarget target)
    {
        switch (target.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(target.ConnectionString);
                options.AddInterceptors(SqlitePragmas.Instance);
                break;
            case DatabaseProvider.Postgres:
                options.UseNpgsql(target.ConnectionString);
                break;
        }

        // Migrations are applied by `db migrate` or on start; a pending model change is a bug caught by tests.
        options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }

    /// <summary>Applies every pending migration. On PostgreSQL, replicas that start together wait on one advisory lock.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(DatabaseTarget target, CancellationToken cancellationToken = default)
    {
        if (target.Provider == DatabaseProvider.Sqlite)
        {
            EnsureSqliteDirectory(target);
            await using var context = CreateContext(target.CreatingSqliteFile());
            var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await context.Database.MigrateAsync(cancellationToken);
            return pending;
        }

        await EnsurePostgresDatabaseExistsAsync(target, cancellationToken);
        await using var lockConnection = new NpgsqlConnection(target.ConnectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await ExecuteAsync(lockConnection, $"SELECT pg_advisory_lock({MigrationLockKey})", cancellationToken);
        try
        {
            await using var context = CreateContext(target);
            var pending = (await context.Database.GetPendingMigrationsAsync(cancellationToken)).ToList();
            await context.Database.MigrateAsync(cancellationToken);
            return pending;
        }
        finally
        {
            await ExecuteAsync(lockConnection, $"SELECT pg_advisory_unlock({MigrationLockKey})", CancellationToken.None);
        }
    }

    /// <summary>
    /// Makes the schema current where that is this process's job (always on SQLite, on PostgreSQL when asked),
    /// and otherwise checks that a deploy step did it.
    /// </summary>
    /// <returns>The migrations this call applied.</returns>
    /// <exception cref="DatabaseNotReadyException">PostgreSQL has pending migrations and <paramref name="migrate"/> is false.</exception>
    public static async Task<IReadOnlyList<string>> PrepareAsync(DatabaseTarget target, bool migrate, CancellationToken cancellationToken = default)
    {
        if (target.Provider == DatabaseProvider.Sqlite || migrate)
        {
            return await MigrateAsync(target, cancellationToken);
        }

        var pending = await PendingMigrationsAsync(target, cancellationToken);
        if (pending.Count > 0)
        {
            throw new DatabaseNotReadyException(
                $"{target.Describe()} is missing {pending.Count} migration(s) ({string.Join(", ", pending)}). " +
                "Run `tranche db migrate` on it, or start the server with --migrate.");
        }

        return [];
    }

    public static async Task<IReadOnlyList<string>> PendingMigrationsAsync(DatabaseTarget target, CancellationToken cancellationToken = default)
    {
        await using var context = CreateContext(target);
        return [.. await context.Database.GetPendingMigrationsAsync(cancellationToken)];
    }

    private static DbContextOptions<T> Options<T>(DatabaseTarget target)
        where T : DbContext
    {
        var builder = new DbContextOptionsBuilder<T>();
        Configure(builder, target);
        return builder.Options;
    }

    private static void EnsureSqliteDirectory(DatabaseTarget target)
    {
        var path = new SqliteConnectionStringBuilder(target.ConnectionString).DataSource;
        if (path != ":memory:" && Path.GetDirectoryName(path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }

    private static async Task EnsurePostgresDatabaseExistsAsync(DatabaseTarget target, CancellationToken cancellationToken)
    {
        try
        {
            await using var probe = new NpgsqlConnection(target.ConnectionString);
            await probe.OpenAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            var builder = new NpgsqlConnectionStringBuilder(target.ConnectionString);
            var database = builder.Database!;
            builder.Database = "postgres";
            await using var admin = new NpgsqlConnection(builder.ConnectionString);
            await admin.OpenAsync(cancellationToken);
            try
            {
                await ExecuteAsync(admin, $"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", cancellationToken);
            }
            catch (PostgresException created) when (created.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another replica created it first.
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// WAL lets readers run beside the one writer; NORMAL sync is durable across process crashes in WAL mode
    /// and much faster than FULL. WAL mode is a property of the file (set once); the sync level belongs to each
    /// native connection, so it is set the first time a pooled connection is opened, not on every open.
    /// </summary>
    private sealed class SqlitePragmas : DbConnectionInterceptor
    {
        public static readonly SqlitePragmas Instance = new();

        private readonly ConditionalWeakTable<object, object> _configured = [];

        public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Apply(connection);

        public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Apply(connection);
            return Task.CompletedTask;
        }

        private void Apply(DbConnection connection)
        {
            var native = (connection as SqliteConnection)?.Handle;
            if (native is null || _configured.TryGetValue(native, out _))
            {
                return;
            }

            using var command = connection.CreateCommand();
            // 8 KB pages for a new database (an existing one keeps its own): a resource's month of daily arrays is about
            // 2.5 KB, and 4 KB pages held one each; with 8 KB, loading them costs a fifth less and the file a third less.
            command.CommandText = "PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
            command.ExecuteNonQuery();
            _configured.AddOrUpdate(native, native);
        }
    }
}

/// <summary>The database exists but its schema is behind this build of Tranche.</summary>
public sealed class DatabaseNotReadyException(string message) : Exception(message);
