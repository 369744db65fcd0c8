using Microsoft.EntityFrameworkCore;
using Tranche.Data;

namespace Tranche.Cli.Tests;

/// <summary>
/// <c>tranche onboarding</c> and the operator's nested-partner switch: an org goes from nothing to ready through the
/// sandbox cloud, billing data and a sync, and <c>onboarding.completed</c> is raised once.
/// </summary>
public sealed class OnboardingCommandTests
{
    [Fact]
    public async Task An_org_becomes_ready_through_the_sandbox_cloud_billing_data_and_a_sync()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var end = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await cli.RunAsync("generate", "--provider", "gcp", "--days", "20", "--end", end, "--instances", "5", "--seed", "3", "--out", "gen");

        var before = (await cli.RunAsync("onboarding", "status", "--org", org, "--json")).Json();
        var connected = await cli.RunAsync("onboarding", "sandbox", "--org", org, "--json");
        Assert.Equal(0, (await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org)).ExitCode);
        var billed = (await cli.RunAsync("onboarding", "status", "--org", org, "--json")).Json();
        Assert.Equal(0, (await cli.RunAsync("sync", "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sync", "--org", org)).ExitCode);
        var after = await cli.RunAsync("onboarding", "status", "--org", org);
        var ready = (await cli.RunAsync("onboarding", "status", "--org", org, "--json")).Json();

        Assert.False(before.GetProperty("ready").GetBoolean());
        Assert.All(before.GetProperty("steps").EnumerateArray().Where(s => s.GetProperty("step").GetString() != "billing_data_received"),
            s => Assert.Equal("missing", s.GetProperty("status").GetString()));
        Assert.Equal(0, connected.ExitCode);
        Assert.Equal(("sandbox", "verified"), (connected.Json().GetProperty("provider").GetString(), connected.Json().GetProperty("state").GetString()));
        Assert.Equal(["complete", "complete", "complete", "missing"], billed.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.True(ready.GetProperty("ready").GetBoolean());
        Assert.Contains("Ready", after.Out, StringComparison.Ordinal);
        var database = DatabaseTarget.Resolve(null, Path.Combine(cli.WorkingDirectory, ".tranche"));
        await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(Guid.Parse(org)));
        Assert.Equal(1, await db.OrgEvents.CountAsync(e => e.Type == OrgEventTypes.OnboardingCompleted, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task The_operator_allows_and_withdraws_nested_partners()
    {
        var cli = new CliRunner();

        var created = (await cli.RunAsync("orgs", "create", "--name", "Reseller", "--partner", "--allow-nested-partners", "--json")).Json();
        var partner = created.GetProperty("org_id").GetString()!;
        var withdrawn = (await cli.RunAsync("orgs", "update", partner, "--allow-nested-partners", "false", "--json")).Json();
        var direct = (await cli.RunAsync("orgs", "create", "--name", "Plain", "--json")).Json().GetProperty("org_id").GetString()!;
        var notPartner = await cli.RunAsync("orgs", "update", direct, "--allow-nested-partners", "true");
        var nothing = await cli.RunAsync("orgs", "update", direct);
        var noFlag = await cli.RunAsync("orgs", "create", "--name", "Odd", "--allow-nested-partners");

        Assert.True(created.GetProperty("allow_nested_partners").GetBoolean());
        Assert.False(withdrawn.GetProperty("allow_nested_partners").GetBoolean());
        Assert.True(withdrawn.GetProperty("is_partner").GetBoolean());
        Assert.Equal(1, notPartner.ExitCode);
        Assert.Contains("not a partner org", notPartner.Error, StringComparison.Ordinal);
        Assert.Equal(1, nothing.ExitCode);
        Assert.Equal(1, noFlag.ExitCode);
    }
}
