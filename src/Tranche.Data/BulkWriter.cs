using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace Tranche.Data;

/// <summary>
/// Writes many rows fast, inside the context's current transaction: PostgreSQL's binary COPY, or one prepared
/// INSERT reused for every row on SQLite. The seam exists because the two stores' fast paths share nothing.
/// Column names are the stored (snake_case) names; money goes in as nano-units (<see cref="Money"/>).
/// </summary>
public abstract class BulkWriter
{
    public static BulkWriter For(TrancheDbContext db) => db.Database.IsNpgsql() ? new PostgresBulkWriter(db) : new SqliteBulkWriter(db);

    public abstract Task<long> WriteAsync(string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>Runs a statement with positional parameters <c>@p0</c>, <c>@p1</c>, ... in the current transaction.</summary>
    /// <summary>A key as a raw SQL parameter: PostgreSQL takes the uuid, SQLite the text EF Core's provider stores.</summary>
    public static object KeyParameter(TrancheDbContext db, Guid id) => db.Database.IsNpgsql() ? id : id.ToString().ToUpperInvariant();

    public static async Task<int> ExecuteAsync(TrancheDbContext db, string sql, CancellationToken cancellationToken, params object?[] parameters)
    {
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = sql;
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = $"@p{i}";
            parameter.Value = parameters[i] ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class SqliteBulkWriter(TrancheDbContext db) : BulkWriter
    {
        public override async Task<long> WriteAsync(string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
        {
            var connection = (SqliteConnection)db.Database.GetDbConnection();
            await using var command = connection.CreateCommand();
            command.Transaction = (SqliteTransaction?)db.Database.CurrentTransaction?.GetDbTransaction();
            command.CommandText = $"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => $"@p{i}"))})";
            var parameters = columns.Select((_, i) => command.Parameters.Add(new SqliteParameter($"@p{i}", null))).ToArray();
            await command.PrepareAsync(cancellationToken);
            long written = 0;
            foreach (var row in rows)
            {
                for (var i = 0; i < parameters.Length; i++)
                {
                    parameters[i].Value = Sqlite(row[i]);
                }

                await command.ExecuteNonQueryAsync(cancellationToken);
                written++;
            }

            return written;
        }

        /// <summary>The same text forms EF Core's SQLite provider writes, so rows read back through the model.</summary>
        private static object Sqlite(object? value) => value switch
        {
            null => DBNull.Value,
            Guid guid => guid.ToString().ToUpperInvariant(),
            DateOnly date => date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            DateTime time => time.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture),
            bool flag => flag ? 1 : 0,
            _ => value,
        };
    }

    private sealed class PostgresBulkWriter(TrancheDbContext db) : BulkWriter
    {
        public override async Task<long> WriteAsync(string table, IReadOnlyList<string> columns, IEnumerable<object?[]> rows, CancellationToken cancellationToken)
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var importer = await connection.BeginBinaryImportAsync(
                $"COPY {table} ({string.Join(", ", columns)}) FROM STDIN (FORMAT BINARY)", cancellationToken);
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken);
                foreach (var value in row)
                {
                    if (value is null)
                    {
                        await importer.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await importer.WriteAsync(value, cancellationToken);
                    }
                }
            }

            return (long)await importer.CompleteAsync(cancellationToken);
        }
    }
}

/// <summary>Serializes writers of one org's billing facts (PostgreSQL; SQLite has a single writer anyway).</summary>
public static class OrgWriteLock
{
    public static async Task AcquireAsync(TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            await BulkWriter.ExecuteAsync(db, "SELECT pg_advisory_xact_lock(hashtextextended(@p0, 0))", cancellationToken, "ingest:" + orgId);
        }
    }
}
