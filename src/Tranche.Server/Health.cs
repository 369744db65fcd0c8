using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Server.Api;

namespace Tranche.Server;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: it can reach its database and may take traffic.</summary>
internal static class Health
{
    public sealed record HealthStatus(string Status);

    public static void MapHealth(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", static () => TypedResults.Ok(new HealthStatus("alive")))
            .WithTags("Operations")
            .WithSummary("Liveness: the process is up.")
            .AllowAnonymous();

        routes.MapGet("/readyz", static async (TrancheDbContext db, CancellationToken cancellationToken) =>
            {
                bool reachable;
                try
                {
                    reachable = await db.Database.CanConnectAsync(cancellationToken) && SqliteFileExists(db);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    reachable = false;
                }

                return reachable
                    ? TypedResults.Ok(new HealthStatus("ready"))
                    : ApiResults.Error(System.Net.HttpStatusCode.ServiceUnavailable, "The database is not reachable.", "database_unreachable");
            })
            .WithTags("Operations")
            .WithSummary("Readiness: the database is reachable.")
            .Produces<HealthStatus>()
            .Produces<ApiErrorResponse>(StatusCodes.Status503ServiceUnavailable)
            .AllowAnonymous();
    }

    /// <summary>
    /// A SQLite file deleted under a running server still answers through connections opened before (they hold the
    /// unlinked file), but everything written there is lost: the store is gone all the same.
    /// </summary>
    private static bool SqliteFileExists(TrancheDbContext db) =>
        db.Database.GetDbConnection() is not Microsoft.Data.Sqlite.SqliteConnection sqlite ||
        sqlite.DataSource is "" or ":memory:" ||
        File.Exists(sqlite.DataSource);
}
