using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Tranche.Data;
using Tranche.Providers.Sandbox;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// The database goes away in the middle of a purchase while the provider call is in flight: on PostgreSQL every session
/// is cut and new ones refused; on SQLite the database file is gone. The request answers 503 with the documented body,
/// nothing is lost, and once the database is back the recovery job finishes the purchase with every line ordered
/// exactly once.
/// </summary>
public abstract class StoreOutageTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private async Task WaitForSubmittedLineAsync(Guid orgId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using (var db = Server.Db(orgId))
            {
                if (await db.PurchaseLines.AnyAsync(l => l.State == PurchaseLineStates.Submitted, Cancel))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "No purchase line was submitted within a minute.");
            await Task.Delay(50, Cancel);
        }
    }

    /// <summary>Takes the database away from the server.</summary>
    protected abstract Task CutAsync();

    /// <summary>Gives it back.</summary>
    protected abstract Task RestoreAsync();

    [Fact]
    public async Task A_purchase_cut_off_from_its_database_answers_503_and_is_finished_exactly_once_when_it_returns()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var plan = await partner.PlanWithPurchasesAsync(tenants.Child.Id);
        var planId = plan.GetProperty("plan").GetProperty("id").GetString();
        var lineCount = plan.GetProperty("line_items").GetArrayLength();
        var faults = Server.App.Services.GetRequiredService<SandboxFaults>();

        faults.Latency = TimeSpan.FromSeconds(5);
        HttpResponseMessage response;
        try
        {
            var purchase = partner.PostAsync(
                $"/v2/org/{tenants.Child.Id}/partners/plans/purchase", Http.Json($$"""{"plan_id":"{{planId}}","confirm":true}"""), Cancel);
            // Cut while the first line is with the provider: recorded as submitted, its order not yet answered.
            await WaitForSubmittedLineAsync(tenants.Child.Id);
            await CutAsync();
            response = await purchase;
        }
        finally
        {
            faults.Latency = TimeSpan.Zero;
            await RestoreAsync();
        }

        var error = await response.AssertApiErrorAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("store_unavailable", error.GetProperty("code").GetString());
        Assert.True(response.Headers.RetryAfter is not null);

        // The ledger kept the purchase and its lines; nothing was half-written.
        Guid purchaseId;
        await using (var db = Server.Db(tenants.Child.Id))
        {
            var kept = await db.Purchases.AsNoTracking().SingleAsync(Cancel);
            Assert.Equal(PurchaseStates.InProgress, kept.Status);
            Assert.Equal(lineCount, await db.PurchaseLines.CountAsync(Cancel));
            purchaseId = kept.Id;
        }

        var resumed = await Server.App.Services.GetRequiredService<PurchaseRecovery>().ResumeAsync(TimeSpan.Zero, Cancel);

        Assert.Equal(1, resumed);
        var done = await (await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/purchases/{purchaseId}", Cancel)).JsonAsync();
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        await using (var cloud = Server.Db(tenants.Child.Id))
        {
            var orders = await new SandboxMarket(cloud, new SandboxFaults()).OrdersAsync(tenants.Child.Id, Cancel);
            Assert.Equal(lineCount, orders.Count);
            Assert.Equal(
                done.GetProperty("line_items").EnumerateArray().Select(l => l.GetProperty("provider_order_id").GetString()).Order(StringComparer.Ordinal),
                orders.Select(o => o.OrderId).Order(StringComparer.Ordinal));
        }
    }
}

public sealed class StoreOutageOnSqlite(SqliteTranche fixture) : StoreOutageTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>
{
    private string File => new SqliteConnectionStringBuilder(Server.Database.ConnectionString).DataSource;

    // The file is moved aside with every pooled connection closed, so the server's next connection finds no database.
    protected override Task CutAsync()
    {
        SqliteConnection.ClearAllPools();
        System.IO.File.Move(File, File + ".away");
        return Task.CompletedTask;
    }

    protected override Task RestoreAsync()
    {
        if (System.IO.File.Exists(File + ".away"))
        {
            System.IO.File.Move(File + ".away", File);
        }

        SqliteConnection.ClearAllPools();
        return Task.CompletedTask;
    }
}

public sealed class StoreOutageOnPostgres(PostgresTranche fixture) : StoreOutageTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>
{
    private string Database => new NpgsqlConnectionStringBuilder(Server.Database.ConnectionString).Database!;

    private string Admin => new NpgsqlConnectionStringBuilder(Server.Database.ConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;

    protected override async Task CutAsync()
    {
        await AdminAsync($"""ALTER DATABASE "{Database}" WITH ALLOW_CONNECTIONS false""");
        await AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{Database}' AND pid <> pg_backend_pid()");
    }

    protected override async Task RestoreAsync()
    {
        await AdminAsync($"""ALTER DATABASE "{Database}" WITH ALLOW_CONNECTIONS true""");
        NpgsqlConnection.ClearAllPools();
    }

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(Admin);
        await connection.OpenAsync(Cancel);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancel);
    }
}
