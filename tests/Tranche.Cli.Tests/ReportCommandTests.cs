using System.Globalization;
using System.Text.Json;
using Tranche.Data;
using Tranche.Server;

namespace Tranche.Cli.Tests;

/// <summary><c>tranche report</c>: the ROI report the API serves, from the same database, as JSON, a table or CSV.</summary>
public sealed class ReportCommandTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Report_json_is_the_apis_report_and_the_partner_report_sums_its_customers()
    {
        var cli = new CliRunner();
        var partner = (await cli.RunAsync("orgs", "create", "--name", "Reseller", "--partner", "--json")).Json().GetProperty("org_id").GetString()!;
        var org = (await cli.RunAsync("orgs", "create", "--name", "Shop", "--parent", partner, "--json")).Json().GetProperty("org_id").GetString()!;
        var key = (await cli.RunAsync("keys", "create", "--org", partner, "--name", "api", "--json")).Json().GetProperty("api_key").GetString()!;
        var end = DateOnly.FromDateTime(DateTime.UtcNow).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        await cli.RunAsync("generate", "--provider", "aws", "--days", "45", "--end", end, "--instances", "12", "--seed", "3", "--out", "gen");
        Assert.Equal(0, (await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org)).ExitCode);

        var report = await cli.RunAsync("report", "--org", org, "--json");
        var partnerReport = await cli.RunAsync("report", "--partner", partner, "--provider", "aws", "--json", "--csv", "roi.csv");
        var table = await cli.RunAsync("report", "--partner", partner);

        Assert.Equal(0, report.ExitCode);
        var json = report.Json();
        Assert.Equal(12, json.GetProperty("months").GetArrayLength());
        Assert.NotEqual(0m, json.GetProperty("lifetime_savings").GetDecimal());
        Assert.Equal(json.GetProperty("lifetime_savings").GetDecimal(), json.GetProperty("totals").GetProperty("net_savings").GetDecimal());

        await using (var server = await StartServerAsync(Path.Combine(cli.WorkingDirectory, ".tranche")))
        {
            using var client = new HttpClient { BaseAddress = new Uri(server.Urls.First()) };
            client.DefaultRequestHeaders.Add("x-api-key", key);
            using var api = JsonDocument.Parse(await client.GetStringAsync($"/v1/org/{org}/reports/roi", Cancel));
            Assert.Equal(Normalize(api.RootElement), Normalize(json));
        }

        Assert.Equal(0, partnerReport.ExitCode);
        var combined = partnerReport.Json();
        Assert.Equal(1, combined.GetProperty("org_count").GetInt32());
        Assert.Equal("aws", combined.GetProperty("provider").GetString());
        Assert.Equal(json.GetProperty("totals").GetRawText(), combined.GetProperty("totals").GetRawText());
        var csv = await File.ReadAllLinesAsync(Path.Combine(cli.WorkingDirectory, "roi.csv"), Cancel);
        Assert.Equal(13, csv.Length);
        Assert.StartsWith("org_id,org_name,month,", csv[0], StringComparison.Ordinal);
        Assert.All(csv.Skip(1), line => Assert.StartsWith($"{org},Shop,", line, StringComparison.Ordinal));

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("Lifetime savings", table.Out, StringComparison.Ordinal);
        Assert.Contains("Shop", table.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mistakes_are_one_line_and_exit_1()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Plain", "--json")).Json().GetProperty("org_id").GetString()!;

        var neither = await cli.RunAsync("report");
        var both = await cli.RunAsync("report", "--org", org, "--partner", org);
        var notPartner = await cli.RunAsync("report", "--partner", org, "--json");
        var badMonth = await cli.RunAsync("report", "--org", org, "--start-month", "2026-13");
        var reversed = await cli.RunAsync("report", "--org", org, "--start-month", "2026-05", "--end-month", "2026-01");
        var unknown = await cli.RunAsync("report", "--org", Guid.NewGuid().ToString());

        Assert.All(new[] { neither, both, notPartner, badMonth, reversed, unknown }, r => Assert.Equal(1, r.ExitCode));
        Assert.Contains("--org or --partner", neither.Error, StringComparison.Ordinal);
        Assert.Contains("not a partner org", notPartner.Json().GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("--start-month", badMonth.Error, StringComparison.Ordinal);
        Assert.Contains("--start-month (2026-05) is after --end-month (2026-01)", reversed.Error, StringComparison.Ordinal);
    }

    /// <summary>The same document whatever the indentation.</summary>
    private static string Normalize(JsonElement element) => JsonSerializer.Serialize(element);

    private static async Task<Microsoft.AspNetCore.Builder.WebApplication> StartServerAsync(string dataDir)
    {
        var app = TrancheServer.Build(new TrancheServerOptions
        {
            Urls = ["http://127.0.0.1:0"],
            Database = DatabaseTarget.Resolve(null, dataDir),
            DataDirectory = dataDir,
            MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
        });
        await app.StartAsync(Cancel);
        return app;
    }
}
