namespace Tranche.Cli.Tests;

/// <summary><c>tranche plans</c>: the default plans of an org from its billing data, the same plans the API serves.</summary>
public sealed class PlansCommandTests
{
    [Fact]
    public async Task Plans_are_computed_once_per_data_and_listed_per_provider()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var empty = await cli.RunAsync("plans", "--org", org);
        var end = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        await cli.RunAsync("generate", "--provider", "gcp", "--days", "60", "--end", end, "--instances", "12", "--seed", "5", "--out", "gen");
        Assert.Equal(0, (await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org)).ExitCode);

        var first = await cli.RunAsync("plans", "--org", org, "--json");
        var again = await cli.RunAsync("plans", "--org", org, "--provider", "gcp", "--json");
        var table = await cli.RunAsync("plans", "--org", org);
        var unknown = await cli.RunAsync("plans", "--org", Guid.NewGuid().ToString());

        Assert.Equal(0, empty.ExitCode);
        Assert.Contains("no billing data", empty.Out, StringComparison.Ordinal);
        Assert.Equal(0, first.ExitCode);
        var rows = first.Json().EnumerateArray().ToList();
        Assert.Equal(["Recommended", "Balanced", "High Savings"], rows.Select(r => r.GetProperty("name").GetString()));
        Assert.All(rows, r => Assert.Equal("gcp", r.GetProperty("provider").GetString()));
        Assert.All(rows, r => Assert.InRange(r.GetProperty("loss_probability").GetDouble(), 0, 1));
        Assert.Equal(rows.Select(r => r.GetProperty("plan_id").GetString()), again.Json().EnumerateArray().Select(r => r.GetProperty("plan_id").GetString()));
        Assert.Contains("High Savings", table.Out, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
    }
}
