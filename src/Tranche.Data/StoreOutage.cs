using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Tranche.Data;

/// <summary>
/// Tells a database that is unreachable for now (restarting, refusing connections, out of connections, locked) from a
/// bug. Callers answer the first with "try again shortly" rather than as an internal error; nothing about the request
/// was wrong, and the ledger's idempotency makes repeating it safe.
/// </summary>
public static class StoreOutage
{
    public static bool IsOutage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                // FATAL is the connection-level severity: the server shut down, refused the database, or dropped the session.
                case PostgresException pg when pg.Severity is "FATAL" or "PANIC"
                    || pg.SqlState.StartsWith("08", StringComparison.Ordinal)   // connection exception
                    || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)  // operator intervention: shutdown, cannot connect now
                    || pg.SqlState.StartsWith("53", StringComparison.Ordinal):  // insufficient resources: too many connections
                    return true;
                case NpgsqlException { IsTransient: true }:
                case SocketException:
                case TimeoutException:
                    return true;
                case SqliteException { SqliteErrorCode: 5 or 6 or 14 }: // busy, locked, cannot open
                    return true;
            }
        }

        return false;
    }
}
