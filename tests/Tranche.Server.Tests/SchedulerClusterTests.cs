using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Tranche.Data;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// Two server replicas on one PostgreSQL database, both running the clustered scheduler: every firing of a policy is
/// run by exactly one of them, and neither ever finds a firing the other already ran.
/// </summary>
public sealed class SchedulerClusterTests(PostgresTranche fixture) : ApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>
{
    [Fact]
    public async Task Two_replicas_run_each_scheduled_firing_once()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        var secondLogs = new CollectedLogs();
        await using var second = TrancheServer.Build(
            new TrancheServerOptions
            {
                Urls = ["http://127.0.0.1:0"],
                Database = Server.Database,
                DataDirectory = TestDatabases.NewTempDirectory("replica"),
                MinimumLogLevel = LogLevel.Warning,
            },
            configureServices: services => services.AddLogging(logging => logging.AddProvider(secondLogs)));
        await second.StartAsync(Cancel);

        // The policy is set through the second replica; the first (the fixture's) must see it through the shared schedule.
        using var partner = new HttpClient { BaseAddress = new Uri(second.Urls.First()) };
        partner.DefaultRequestHeaders.Add("x-api-key", tenants.Partner.Key);
        var body = JsonSerializer.Serialize(new { schedule = "*/2 * * * * ?", plan = "high_savings", max_loss_probability = 1.0, approval_mode = "notify_only" });
        await AssertStatusAsync(HttpStatusCode.OK, await partner.PutAsync($"/v2/org/{tenants.Child.Id}/partners/automation-policy", Http.Json(body), Cancel));

        var runs = await AutomationApiTests<PostgresTranche>.WaitForRunsAsync(Server, tenants.Child.Id, 6, TimeSpan.FromSeconds(90));
        await AssertStatusAsync(HttpStatusCode.NoContent, await partner.DeleteAsync($"/v2/org/{tenants.Child.Id}/partners/automation-policy", Cancel));
        await second.StopAsync(Cancel);

        Assert.Equal(runs.Count, runs.Select(r => r.ScheduledFor).Distinct().Count());
        Assert.All(runs, r => Assert.Equal(AutomationDecisions.ApprovalRequested, r.Decision));
        var twice = Server.Logs.Entries.Concat(secondLogs.Entries).Where(e => e.Contains("was already run", StringComparison.Ordinal)).ToList();
        Assert.True(twice.Count == 0, string.Join(Environment.NewLine, twice));

        // Both replicas took part in the cluster.
        await using var connection = new NpgsqlConnection(Server.Database.ConnectionString);
        await connection.OpenAsync(Cancel);
        await using var members = new NpgsqlCommand("SELECT count(DISTINCT instance_name) FROM qrtz_scheduler_state", connection);
        Assert.Equal(2L, (long)(await members.ExecuteScalarAsync(Cancel))!);
        await using var db = Server.Db(tenants.Child.Id);
        Assert.Equal(runs.Count, await db.OrgEvents.CountAsync(e => e.Type == OrgEventTypes.AutomationApprovalRequested, Cancel));
    }
}
