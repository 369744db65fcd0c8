using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tranche.Data;

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Which database Tranche uses, decided from one setting: nothing (a SQLite file in the data directory),
/// a SQLite path or <c>Data Source=</c> string, or a PostgreSQL connection string or <c>postgres://</c> URL.
/// </summary>
public sealed record DatabaseTarget(DatabaseProvider Provider, string ConnectionString)
{
    public const string SqliteFileName = "tranche.db";

    public static DatabaseTarget Resolve(string? database, string dataDirectory)
    {
        if (string.IsNullOrWhiteSpace(database))
        {
            return Sqlite(Path.Combine(dataDirectory, SqliteFileName));
        }

        database = database.Trim();
        if (database.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase) ||
            database.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return new DatabaseTarget(DatabaseProvider.Postgres, FromPostgresUrl(database));
        }

        if (LooksLikeKeywordString(database, "host") || LooksLikeKeywordString(database, "server"))
        {
            return new DatabaseTarget(DatabaseProvider.Postgres, new NpgsqlConnectionStringBuilder(database).ConnectionString);
        }

        if (LooksLikeKeywordString(database, "data source") || LooksLikeKeywordString(database, "filename"))
        {
            var builder = new SqliteConnectionStringBuilder(database);
            return Sqlite(builder.DataSource);
        }

        return Sqlite(database);
    }

    /// <summary>
    /// A SQLite file, opened only if it exists: the file is made by migrating (<see cref="TrancheDatabase.MigrateAsync"/>),
    /// so a server whose database file vanished reports it instead of quietly starting an empty one in its place.
    /// </summary>
    public static DatabaseTarget Sqlite(string path)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path == ":memory:" ? path : Path.GetFullPath(path),
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
            DefaultTimeout = 30,
        };
        return new DatabaseTarget(DatabaseProvider.Sqlite, builder.ConnectionString);
    }

    /// <summary>The same SQLite database, made if it does not exist yet (for migrating).</summary>
    internal DatabaseTarget CreatingSqliteFile() => Provider != DatabaseProvider.Sqlite ? this
        : this with { ConnectionString = new SqliteConnectionStringBuilder(ConnectionString) { Mode = SqliteOpenMode.ReadWriteCreate }.ConnectionString };

    /// <summary>Where the data lives, for logs and messages; never includes a password.</summary>
    public string Describe() => Provider switch
    {
        DatabaseProvider.Sqlite => $"SQLite {new SqliteConnectionStringBuilder(ConnectionString).DataSource}",
        _ => DescribePostgres(),
    };

    private string DescribePostgres()
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        return $"PostgreSQL {builder.Username}@{builder.Host}:{builder.Port}/{builder.Database}";
    }

    private static bool LooksLikeKeywordString(string value, string keyword) =>
        value.Contains('=', StringComparison.Ordinal) &&
        value.Split(';').Any(part => part.Split('=')[0].Trim().Equals(keyword, StringComparison.OrdinalIgnoreCase));

    private static string FromPostgresUrl(string url)
    {
        var uri = new Uri(url);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var parts = uri.UserInfo.Split(':', 2);
            builder.Username = Uri.UnescapeDataString(parts[0]);
            if (parts.Length == 2)
            {
                builder.Password = Uri.UnescapeDataString(parts[1]);
            }
        }

        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
        }

        return builder.ConnectionString;
    }
}
