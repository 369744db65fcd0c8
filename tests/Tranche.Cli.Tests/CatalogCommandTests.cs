using Tranche.Data;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Cli.Tests;

/// <summary><c>tranche catalog</c>: which offer catalog each provider's plans come from, and what it priced.</summary>
public sealed class CatalogCommandTests
{
    [Fact]
    public async Task Catalog_shows_the_bundled_catalog_until_one_is_read_from_the_provider_then_that_one_with_what_it_could_not_price()
    {
        var cli = new CliRunner();
        var org = Guid.Parse((await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!);
        var before = await cli.RunAsync("catalog", "--org", org.ToString(), "--json");
        var read = await cli.RunAsync("catalog", "read", "--org", org.ToString(), "--json");

        var bundled = SandboxCatalog.Load();
        var database = DatabaseTarget.Resolve(null, Path.Combine(cli.WorkingDirectory, ".tranche"));
        await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(org)))
        {
            var offerings = new ProviderOfferings(bundled.Sources, [bundled.Find("aws", "us-east-1", "m5.large")!], [], ["aws/us-east-1/x9.large: no on-demand price"]);
            var (catalog, unpriced) = ProviderCatalogs.Build("aws-offerings-20261124T000000Z", offerings);
            db.ProviderOfferCatalogs.Add(new ProviderOfferCatalog
            {
                Id = Guid.NewGuid(), OrgId = org, Provider = "aws", Version = catalog.Version, ReadAt = DateTime.UtcNow, AttemptedAt = DateTime.UtcNow,
                Catalog = ProviderCatalogs.Write(catalog), PoolsAsked = 2, PoolsPriced = 1, Unpriced = System.Text.Json.JsonSerializer.Serialize(unpriced),
            });
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var after = await cli.RunAsync("catalog", "--org", org.ToString(), "--provider", "aws", "--json");
        var human = await cli.RunAsync("catalog", "--org", org.ToString());

        Assert.Equal(0, before.ExitCode);
        Assert.Equal(
            [("aws", "bundled sandbox catalog", bundled.Version), ("azure", "bundled sandbox catalog", bundled.Version), ("gcp", "bundled sandbox catalog", bundled.Version)],
            before.Json().EnumerateArray().Select(r => (r.GetProperty("provider").GetString(), r.GetProperty("source").GetString(), r.GetProperty("version").GetString())));
        Assert.Equal(bundled.Entries.Count(e => e.Provider == "aws"), before.Json()[0].GetProperty("prices").GetArrayLength());
        Assert.Equal((0, 0), (read.ExitCode, read.Json().GetArrayLength()));
        var row = Assert.Single(after.Json().EnumerateArray());
        Assert.Equal(("provider offering APIs", "aws-offerings-20261124T000000Z", 1, 2), (row.GetProperty("source").GetString(), row.GetProperty("version").GetString(), row.GetProperty("pools").GetInt32(), row.GetProperty("pools_asked").GetInt32()));
        Assert.Equal(["aws/us-east-1/x9.large: no on-demand price"], row.GetProperty("unpriced").EnumerateArray().Select(u => u.GetString()));
        var prices = Assert.Single(row.GetProperty("prices").EnumerateArray());
        Assert.Equal(("m5.large", 0.096m), (prices.GetProperty("instance_type").GetString(), prices.GetProperty("on_demand_hourly").GetDecimal()));
        Assert.True(prices.GetProperty("best_three_year_discount").GetDecimal() > prices.GetProperty("best_one_year_discount").GetDecimal());
        Assert.Equal(0, human.ExitCode);
        Assert.Contains("x9.large: no on-demand price", human.Out, StringComparison.Ordinal);
        Assert.Contains("bundled sandbox catalog", human.Out, StringComparison.Ordinal);
    }
}
