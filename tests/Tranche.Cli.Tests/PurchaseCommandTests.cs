namespace Tranche.Cli.Tests;

/// <summary><c>tranche purchase</c> and <c>tranche purchases</c>: nothing is bought without --yes, a plan is bought once.</summary>
public sealed class PurchaseCommandTests
{
    [Fact]
    public async Task A_plan_is_bought_once_and_only_with_yes()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var end = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await cli.RunAsync("generate", "--provider", "aws", "--days", "100", "--end", end, "--instances", "30", "--seed", "11", "--out", "gen");
        Assert.Equal(0, (await cli.RunAsync("onboarding", "sandbox", "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org)).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("sync", "--org", org)).ExitCode);
        var plans = (await cli.RunAsync("plans", "--org", org, "--json")).Json().EnumerateArray().ToList();
        var plan = plans.Last(p => p.GetProperty("line_items").GetArrayLength() > 0).GetProperty("plan_id").GetString()!;

        var unconfirmed = await cli.RunAsync("purchase", "--org", org, "--plan", plan);
        var none = await cli.RunAsync("purchases", "--org", org, "--json");
        var bought = await cli.RunAsync("purchase", "--org", org, "--plan", plan, "--yes", "--json");
        var again = await cli.RunAsync("purchase", "--org", org, "--plan", plan, "--yes");
        var listed = await cli.RunAsync("purchases", "--org", org, "--json");

        Assert.Equal(1, unconfirmed.ExitCode);
        Assert.Contains("--yes", unconfirmed.Error, StringComparison.Ordinal);
        Assert.Equal(0, none.Json().GetArrayLength());
        Assert.Equal(0, bought.ExitCode);
        var purchase = Assert.Single(bought.Json().EnumerateArray());
        Assert.Equal("succeeded", purchase.GetProperty("status").GetString());
        Assert.All(purchase.GetProperty("lines").EnumerateArray(), l => Assert.Equal("succeeded", l.GetProperty("state").GetString()));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already purchased", again.Error, StringComparison.Ordinal);
        Assert.Equal(purchase.GetProperty("purchase_id").GetString(), Assert.Single(listed.Json().EnumerateArray()).GetProperty("purchase_id").GetString());
    }
}
