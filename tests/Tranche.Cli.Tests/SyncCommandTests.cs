using Tranche.Data;
using Tranche.Domain.Commitments;
using Tranche.Providers.Sandbox;

namespace Tranche.Cli.Tests;

/// <summary><c>tranche sync</c>: the org's inventory follows its cloud account, and says what changed.</summary>
public sealed class SyncCommandTests
{
    [Fact]
    public async Task Sync_adds_then_updates_and_marks_what_the_account_no_longer_lists()
    {
        var cli = new CliRunner();
        var org = Guid.Parse((await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!);
        var database = DatabaseTarget.Resolve(null, Path.Combine(cli.WorkingDirectory, ".tranche"));
        var start = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(org)))
        {
            await new SandboxCloud(db).AddAsync(org, [Ri("ri-1", start), Ri("ri-2", start), Ri("ri-3", start) with { Provider = "azure", Type = "Reservation" }], start, TestContext.Current.CancellationToken);
        }

        var nothing = await cli.RunAsync("sync", "--org", Guid.NewGuid().ToString());
        var first = await cli.RunAsync("sync", "--org", org.ToString(), "--json");
        var human = await cli.RunAsync("sync", "--org", org.ToString(), "--provider", "aws");
        await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(org)))
        {
            await new SandboxCloud(db).CancelAsync(org, "aws", "ri-2", TestContext.Current.CancellationToken);
            db.SandboxCommitments.Remove(db.SandboxCommitments.Single(c => c.ProviderCommitmentId == "ri-1"));
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var after = await cli.RunAsync("sync", "--org", org.ToString(), "--provider", "aws", "--json");

        Assert.Equal(1, nothing.ExitCode);
        Assert.Equal(0, first.ExitCode);
        Assert.Equal(
            [("aws", 2, 2, 0, 0), ("azure", 1, 1, 0, 0)],
            first.Json().EnumerateArray().Select(r => (r.GetProperty("provider").GetString(), r.GetProperty("listed").GetInt32(), r.GetProperty("added").GetInt32(),
                r.GetProperty("updated").GetInt32(), r.GetProperty("removed").GetInt32())));
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("aws", human.Out, StringComparison.Ordinal);
        var row = Assert.Single(after.Json().EnumerateArray());
        Assert.Equal((1, 0, 1, 1), (row.GetProperty("listed").GetInt32(), row.GetProperty("added").GetInt32(), row.GetProperty("updated").GetInt32(), row.GetProperty("removed").GetInt32()));
        await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(org)))
        {
            var states = db.Commitments.OrderBy(c => c.ProviderCommitmentId).Select(c => c.ProviderState).ToList();
            Assert.Equal(["removed", "cancelled", "active"], states);
            Assert.Equal(CommitmentIds.For(org, "aws", "ri-1"), db.Commitments.Single(c => c.ProviderCommitmentId == "ri-1").Id);
        }
    }

    private static ProviderCommitment Ri(string id, DateTime start) => new()
    {
        Provider = "aws", ProviderCommitmentId = id, Type = "Reserved Instance", Category = "Usage", InstanceType = "m5.large", InstanceCount = 2, Quantity = 2,
        Unit = "Hours", StartsAt = start, EndsAt = start.AddYears(1), RecurringHourlyCost = 0.12m, Currency = "USD", State = "active", PaymentOption = "No Upfront",
    };
}
