using Tranche.Data;

namespace Tranche.Cli.Tests;

/// <summary><c>tranche automation run|runs</c>: a policy run from the command line buys as a scheduled run would, and is listed.</summary>
public sealed class AutomationCommandTests
{
    [Fact]
    public async Task A_policy_run_from_the_command_line_buys_once_and_its_runs_are_listed()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var orgId = Guid.Parse(org);
        var end = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await cli.RunAsync("generate", "--provider", "aws", "--days", "100", "--end", end, "--instances", "30", "--seed", "11", "--out", "gen");
        Assert.Equal(0, (await cli.RunAsync("onboarding", "sandbox", "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sync", "--org", org)).ExitCode);

        var missing = await cli.RunAsync("automation", "run", "--org", org);
        var database = DatabaseTarget.Resolve(null, Path.Combine(cli.WorkingDirectory, ".tranche"));
        await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(orgId)))
        {
            var now = DateTime.UtcNow;
            db.AutomationPolicies.Add(new AutomationPolicy
            {
                Id = Guid.NewGuid(), OrgId = orgId, Scope = AutomationScopes.Org, Name = "Weekly", Schedule = "0 6 * * 1", TimeZone = "UTC", Plan = PlanKinds.HighSavings,
                MaxLossProbability = 1.0, ApprovalMode = AutomationApprovalModes.AutoPurchase, Enabled = true, RenewalLeadDays = 14, CreatedAt = now, UpdatedAt = now,
                UpdatedBy = "test",
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var first = await cli.RunAsync("automation", "run", "--org", org, "--json");
        var second = await cli.RunAsync("automation", "run", "--org", org, "--json");
        var listed = await cli.RunAsync("automation", "runs", "--org", org, "--json");
        var table = await cli.RunAsync("automation", "runs", "--org", org);
        var both = await cli.RunAsync("automation", "run", "--org", org, "--partner", org);
        var purchases = await cli.RunAsync("purchases", "--org", org, "--json");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("has no automation policy", missing.Error, StringComparison.Ordinal);
        Assert.Equal(0, first.ExitCode);
        var bought = Assert.Single(first.Json().EnumerateArray());
        Assert.Equal(("manual", "purchased"), (bought.GetProperty("trigger").GetString(), bought.GetProperty("decision").GetString()));
        var skipped = Assert.Single(second.Json().EnumerateArray());
        Assert.Equal("skipped", skipped.GetProperty("decision").GetString());
        Assert.Contains("was already purchased", skipped.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(
            [skipped.GetProperty("run_id").GetString(), bought.GetProperty("run_id").GetString()],
            listed.Json().EnumerateArray().Select(r => r.GetProperty("run_id").GetString()));
        Assert.Contains("purchased", table.Out, StringComparison.Ordinal);
        Assert.Equal(1, both.ExitCode);
        Assert.Contains("exactly one of --org", both.Error, StringComparison.Ordinal);
        Assert.Equal(bought.GetProperty("purchase_id").GetString(), Assert.Single(purchases.Json().EnumerateArray()).GetProperty("purchase_id").GetString());
    }
}
