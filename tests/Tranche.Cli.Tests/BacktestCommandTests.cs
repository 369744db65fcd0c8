using System.Globalization;
using System.Text;

namespace Tranche.Cli.Tests;

public sealed class BacktestCommandTests
{
    private const string Offers = "pool,term_months,payment_option,upfront_per_unit,hourly_per_unit\n*,12,No Upfront,0,0.62\n*,12,all_upfront,5080.8,0\n*,36,All Upfront,10512,0\n";

    /// <summary>A steady pool of about 20 units and one that stops right after the plan date, hourly from 2023-01-01 to three years after the plan date.</summary>
    private static string Usage(bool withRate = true)
    {
        var text = new StringBuilder(withRate ? "hour,pool,quantity,on_demand_rate\n" : "hour,pool,quantity\n");
        var start = new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        for (var h = 0; h < 24 * (731 + 1100); h++)
        {
            var hour = start.AddHours(h).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            var steady = 20 + (h % 24 < 12 ? 1 : -1);
            var stopping = h < 24 * 740 ? 10 : 0;
            text.Append(CultureInfo.InvariantCulture, $"{hour},steady,{steady}{(withRate ? ",1" : "")}\n");
            text.Append(CultureInfo.InvariantCulture, $"{hour},stopping,{stopping}{(withRate ? ",1" : "")}\n");
        }

        return text.ToString();
    }

    private static async Task<CliResult> Run(string usage, string offers, params string[] extra)
    {
        var cli = new CliRunner();
        await File.WriteAllTextAsync(Path.Combine(cli.WorkingDirectory, "usage.csv"), usage, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(cli.WorkingDirectory, "offers.csv"), offers, TestContext.Current.CancellationToken);
        return await cli.RunAsync(["backtest", "--usage", "usage.csv", "--offers", "offers.csv", .. extra]);
    }

    [Fact]
    public async Task Json_lists_every_strategy_with_its_figures_and_line_items()
    {
        var result = await Run(Usage(), Offers, "--plan-at", "2025-01-01", "--lookback-days", "30", "--json");

        Assert.Equal(0, result.ExitCode);
        var strategies = result.Json().GetProperty("strategies").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["recommended", "balanced", "high_savings", "baseline_lookback", "hindsight_optimal"], strategies.Keys);
        foreach (var s in strategies.Values)
        {
            foreach (var field in new[] { "net_savings", "on_demand_cost", "commitment_cost", "utilization", "coverage", "line_items" })
            {
                Assert.True(s.TryGetProperty(field, out _), field);
            }
        }

        Assert.Equal(System.Text.Json.JsonValueKind.Number, strategies["recommended"].GetProperty("predicted_loss_probability").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, strategies["hindsight_optimal"].GetProperty("predicted_loss_probability").ValueKind);
        var hindsight = strategies["hindsight_optimal"];
        Assert.True(hindsight.GetProperty("net_savings").GetDouble() > 0);
        Assert.DoesNotContain(hindsight.GetProperty("line_items").EnumerateArray(), l => l.GetProperty("pool").GetString() == "stopping");
        // The steady pool is worth committing to for three years; the recommended plan saves more than the lookback rule here.
        Assert.True(strategies["recommended"].GetProperty("net_savings").GetDouble() > strategies["baseline_lookback"].GetProperty("net_savings").GetDouble());
        Assert.True(hindsight.GetProperty("net_savings").GetDouble() >= strategies["baseline_lookback"].GetProperty("net_savings").GetDouble());
        var line = strategies["hindsight_optimal"].GetProperty("line_items")[0];
        Assert.Equal("steady", line.GetProperty("pool").GetString());
        Assert.Equal(36, line.GetProperty("term_months").GetInt32());
        Assert.Equal("All Upfront", line.GetProperty("payment_option").GetString());
    }

    [Fact]
    public async Task Traces_without_a_rate_column_take_the_on_demand_rate_option_and_print_a_table()
    {
        var missing = await Run(Usage(withRate: false), Offers, "--plan-at", "2025-01-01");
        var given = await Run(Usage(withRate: false), Offers, "--plan-at", "2025-01-01", "--on-demand-rate", "1");

        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--on-demand-rate", missing.Error, StringComparison.Ordinal);
        Assert.Equal(0, given.ExitCode);
        Assert.Contains("hindsight_optimal", given.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hour,pool,quantity,on_demand_rate\n2025-01-01T00:00:00Z,a,NaN,1\n", "row 2, column quantity")]
    [InlineData("hour,pool,quantity,on_demand_rate\n2025-01-01T00:00:00Z,a,-3,1\n", "row 2, column quantity")]
    [InlineData("hour,pool,quantity,on_demand_rate\n2025-01-01T00:00:00Z,a,1,1\nnot-a-time,a,1,1\n", "row 3, column hour")]
    [InlineData("hour,pool,quantity,on_demand_rate\n", "no usage rows")]
    [InlineData("when,pool,quantity\n", "header")]
    public async Task Bad_usage_is_reported_by_file_row_and_column(string usage, string expected)
    {
        var result = await Run(usage, Offers, "--plan-at", "2025-01-01", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("usage.csv", result.Json().GetProperty("error").GetString()!, StringComparison.Ordinal);
        Assert.Contains(expected, result.Json().GetProperty("error").GetString()!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pool,term_months,payment_option,upfront_per_unit,hourly_per_unit\n*,12,No Upfront,0,-0.1\n", "row 2, column hourly_per_unit")]
    [InlineData("pool,term_months,payment_option,upfront_per_unit,hourly_per_unit\n*,12,No Upfront,0,0\n", "free")]
    [InlineData("pool,term_months,payment_option,upfront_per_unit,hourly_per_unit\n*,12,Sometimes,0,0.5\n", "column payment_option")]
    public async Task Bad_offers_are_reported_by_file_row_and_column(string offers, string expected)
    {
        var result = await Run(Usage(), offers, "--plan-at", "2025-01-01", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("offers.csv", result.Json().GetProperty("error").GetString()!, StringComparison.Ordinal);
        Assert.Contains(expected, result.Json().GetProperty("error").GetString()!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_hour_of_history_or_a_pool_without_offers_gives_an_explained_empty_plan()
    {
        var usage = "hour,pool,quantity,on_demand_rate\n2025-01-01T00:00:00Z,a,5,1\n2025-01-01T01:00:00Z,a,5,1\n2025-01-01T00:00:00Z,b,5,1\n";
        var offers = "pool,term_months,payment_option,upfront_per_unit,hourly_per_unit\na,12,No Upfront,0,0.62\n";

        var result = await Run(usage, offers, "--plan-at", "2025-01-01T01:00:00Z", "--json");

        Assert.Equal(0, result.ExitCode);
        var json = result.Json();
        Assert.Empty(json.GetProperty("strategies")[0].GetProperty("line_items").EnumerateArray());
        Assert.Contains("history", json.GetProperty("explanation").GetString()!, StringComparison.Ordinal);
        var pools = json.GetProperty("pools").EnumerateArray().ToDictionary(p => p.GetProperty("pool").GetString()!, p => p.GetProperty("reason").GetString());
        Assert.Contains("no offers", pools["b"], StringComparison.Ordinal);
    }
}
