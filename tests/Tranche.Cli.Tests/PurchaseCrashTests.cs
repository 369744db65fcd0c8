using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Providers.Sandbox;

namespace Tranche.Cli.Tests;

/// <summary>
/// The server runs as a child process and is cut down at the two moments a purchase can be cut: after a line was
/// written submitted but before the order, and after the order but before its answer. Restarted, it finishes the
/// purchase, and the sandbox's order log shows every line ordered exactly once.
/// </summary>
public sealed class PurchaseCrashTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("crash-before-order")]
    [InlineData("crash-after-order")]
    public async Task A_purchase_cut_by_a_crash_is_finished_after_restart_with_every_line_ordered_once(string fault)
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var key = (await cli.RunAsync("keys", "create", "--org", org, "--name", "admin", "--json")).Json().GetProperty("api_key").GetString()!;
        var end = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await cli.RunAsync("generate", "--provider", "aws", "--days", "100", "--end", end, "--instances", "30", "--seed", "11", "--out", "gen");
        Assert.Equal(0, (await cli.RunAsync("onboarding", "sandbox", "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sync", "--org", org)).ExitCode);
        var plans = (await cli.RunAsync("plans", "--org", org, "--json")).Json().EnumerateArray().ToList();
        var plan = plans.Last(p => p.GetProperty("line_items").GetArrayLength() > 0);
        var planId = plan.GetProperty("plan_id").GetString()!;
        var lineCount = plan.GetProperty("line_items").GetArrayLength();

        await using (var doomed = TrancheProcess.Start(cli.WorkingDirectory, new Dictionary<string, string> { ["TRANCHE_SANDBOX_FAULTS"] = $"{fault}:*" },
            "serve", "--urls", "http://127.0.0.1:0", "--json"))
        {
            using var client = await ClientAsync(doomed, key);
            await Assert.ThrowsAnyAsync<Exception>(async () =>
                (await client.PostAsync($"/v1/org/{org}/commitment-plans/{planId}/apply", null, Cancel)).EnsureSuccessStatusCode());
            Assert.NotEqual(0, await doomed.WaitForExitAsync(s_timeout));
        }

        await using (var restarted = TrancheProcess.Start(cli.WorkingDirectory, new Dictionary<string, string> { ["TRANCHE_PURCHASE_RECOVERY_QUIET_SECONDS"] = "0" },
            "serve", "--urls", "http://127.0.0.1:0", "--json"))
        {
            using var client = await ClientAsync(restarted, key);
            var deadline = DateTime.UtcNow + s_timeout;
            string? status = null;
            while (DateTime.UtcNow < deadline && status != "completed")
            {
                status = (await client.GetFromJsonAsync<JsonElement>($"/v1/org/{org}/commitment-plans/{planId}", Cancel)).GetProperty("status").GetString();
                await Task.Delay(200, Cancel);
            }

            Assert.Equal("completed", status);
            Assert.Equal(0, await restarted.StopAsync(s_timeout));
        }

        var database = DatabaseTarget.Resolve(null, Path.Combine(cli.WorkingDirectory, ".tranche"));
        await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(Guid.Parse(org)));
        var lines = await db.PurchaseLines.ToListAsync(Cancel);
        var orders = await new SandboxMarket(db, new SandboxFaults()).OrdersAsync(Guid.Parse(org), Cancel);
        Assert.Equal(lineCount, lines.Count);
        Assert.All(lines, l => Assert.Equal(PurchaseLineStates.Succeeded, l.State));
        Assert.Equal(lines.Select(l => l.ProviderOrderId).Order(StringComparer.Ordinal), orders.Select(o => o.OrderId).Order(StringComparer.Ordinal));
    }

    private static async Task<HttpClient> ClientAsync(TrancheProcess server, string key)
    {
        var started = await server.WaitForEventAsync("started", s_timeout);
        var client = new HttpClient { BaseAddress = new Uri(started.GetProperty("urls")[0].GetString()!), Timeout = s_timeout };
        client.DefaultRequestHeaders.Add("x-api-key", key);
        return client;
    }
}
