using System.Globalization;
using System.Text.Json;

namespace Tranche.Cli.Tests;

/// <summary><c>tranche generate</c> and <c>tranche ingest</c> as an operator uses them: files in, summary out, exit codes that scripts can trust.</summary>
public sealed class BillingCommandTests
{
    [Fact]
    public async Task Generated_billing_ingests_with_a_summary_that_matches_the_manifest_and_a_reload_replaces_it()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;

        var generated = await cli.RunAsync("generate", "--provider", "aws", "--days", "40", "--end", "2025-10-10", "--instances", "4", "--seed", "3", "--out", "gen", "--json");
        var manifest = generated.Json();
        var files = manifest.GetProperty("files").EnumerateArray().ToList();
        var first = await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org, "--json");
        var again = await cli.RunAsync("ingest", Path.Combine(cli.WorkingDirectory, "gen"), "--org", org);

        Assert.Equal(0, generated.ExitCode);
        Assert.Equal(3, files.Count); // 31 Aug to 9 Oct: one file per billing month
        Assert.True(File.Exists(Path.Combine(cli.WorkingDirectory, "gen", "manifest.json")));
        Assert.Equal(0, first.ExitCode);
        var report = first.Json();
        Assert.Equal("loaded", report.GetProperty("outcome").GetString());
        Assert.Equal(files.Sum(f => f.GetProperty("rows").GetInt64()), report.GetProperty("rows_read").GetInt64());
        Assert.Equal(report.GetProperty("rows_read").GetInt64(), report.GetProperty("rows_stored").GetInt64());
        Assert.Equal(files.Sum(f => f.GetProperty("billed_cost").GetDecimal()), report.GetProperty("billed_cost").GetDecimal(), 2);
        Assert.Equal(["aws"], report.GetProperty("providers").EnumerateArray().Select(p => p.GetString()));
        Assert.All(report.GetProperty("billing_periods").EnumerateArray(), p => Assert.False(p.GetProperty("replaced_earlier_load").GetBoolean()));

        Assert.Equal(0, again.ExitCode);
        Assert.Contains("replaced earlier load", again.Out, StringComparison.Ordinal);
        Assert.Equal(files.Count, again.Out.Split("replaced earlier load").Length - 1);
        Assert.Contains($"Read {report.GetProperty("rows_read").GetInt64().ToString("N0", CultureInfo.InvariantCulture)} rows", again.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_row_fails_the_ingest_with_exit_1_naming_file_row_and_column_and_max_errors_lets_it_through()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var manifest = (await cli.RunAsync("generate", "--provider", "azure", "--days", "2", "--end", "2025-06-03", "--instances", "2", "--out", "gen", "--json")).Json();
        var source = manifest.GetProperty("files")[0].GetProperty("path").GetString()!;
        var lines = File.ReadAllLines(source);
        var billedCost = Array.IndexOf(lines[0].Split(','), "BilledCost");
        lines[3] = ReplaceField(lines[3], billedCost, "twelve");
        var broken = Path.Combine(cli.WorkingDirectory, "broken.csv");
        File.WriteAllLines(broken, lines);

        var human = await cli.RunAsync("ingest", broken, "--org", org);
        var json = await cli.RunAsync("ingest", broken, "--org", org, "--json");
        var tolerated = await cli.RunAsync("ingest", broken, "--org", org, "--max-errors", "1", "--json");

        Assert.True(billedCost >= 0, "the generated file has a BilledCost column");
        Assert.Equal(1, human.ExitCode);
        Assert.Contains("broken.csv row 3, BilledCost = 'twelve'", human.Out, StringComparison.Ordinal);
        Assert.StartsWith("error:", human.Error.Trim(), StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        var rejected = json.Json();
        Assert.Equal("rejected", rejected.GetProperty("outcome").GetString());
        Assert.Equal(0, rejected.GetProperty("rows_stored").GetInt64());
        var error = Assert.Single(rejected.GetProperty("errors").EnumerateArray());
        Assert.Equal((3L, "BilledCost", "twelve"), (error.GetProperty("row").GetInt64(), error.GetProperty("column").GetString(), error.GetProperty("value").GetString()));

        Assert.Equal(0, tolerated.ExitCode);
        var loaded = tolerated.Json();
        Assert.Equal("loaded", loaded.GetProperty("outcome").GetString());
        Assert.Equal((lines.Length - 2L, 1L), (loaded.GetProperty("rows_stored").GetInt64(), loaded.GetProperty("rows_rejected").GetInt64()));
    }

    [Fact]
    public async Task Missing_files_unknown_orgs_and_bad_options_are_one_clear_line()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;
        var stranger = Guid.NewGuid().ToString();
        File.WriteAllText(Path.Combine(cli.WorkingDirectory, "x.csv"), "a,b\n1,2\n");

        var noFile = await cli.RunAsync("ingest", "nowhere.csv", "--org", org);
        var noOrg = await cli.RunAsync("ingest", "x.csv", "--org", stranger, "--json");
        var negative = await cli.RunAsync("ingest", "x.csv", "--org", org, "--max-errors", "-1");
        var noDays = await cli.RunAsync("generate", "--provider", "aws", "--days", "0", "--out", "g");
        var badCloud = await cli.RunAsync("generate", "--provider", "oracle", "--out", "g");

        Assert.Equal(1, noFile.ExitCode);
        Assert.Contains("nowhere.csv", noFile.Error, StringComparison.Ordinal);
        Assert.Equal(1, noOrg.ExitCode);
        Assert.Contains(stranger, noOrg.Json().GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(0, negative.ExitCode);
        Assert.Contains("--max-errors must be 0 or more", negative.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, noDays.ExitCode);
        Assert.Contains("--days must be between 1 and 3660", noDays.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, badCloud.ExitCode);
        Assert.Contains("oracle", badCloud.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(cli.WorkingDirectory, "g")));
        foreach (var result in new[] { noFile, noOrg, negative, noDays, badCloud })
        {
            Assert.DoesNotContain("   at ", result.Error + result.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Same_seed_writes_the_same_files_and_a_different_seed_does_not()
    {
        var cli = new CliRunner();
        string[] common = ["generate", "--provider", "gcp", "--days", "3", "--end", "2025-03-04", "--instances", "3", "--json"];

        var a = (await cli.RunAsync([.. common, "--seed", "9", "--out", "a"])).Json();
        var b = (await cli.RunAsync([.. common, "--seed", "9", "--out", "b"])).Json();
        var c = (await cli.RunAsync([.. common, "--seed", "10", "--out", "c"])).Json();

        static string Content(JsonElement manifest) => string.Concat(manifest.GetProperty("files").EnumerateArray().Select(f => File.ReadAllText(f.GetProperty("path").GetString()!)));
        Assert.Equal(Content(a), Content(b));
        Assert.NotEqual(Content(a), Content(c));
    }

    /// <summary>Replaces one field of a CSV line, stepping over quoted fields that hold commas (tags, price details).</summary>
    private static string ReplaceField(string line, int index, string value)
    {
        var start = 0;
        for (var field = 0; ; field++)
        {
            var end = start;
            var quoted = false;
            while (end < line.Length && (quoted || line[end] != ','))
            {
                quoted ^= line[end] == '"';
                end++;
            }

            if (field == index)
            {
                return string.Concat(line.AsSpan(0, start), value, line.AsSpan(end));
            }

            start = end + 1;
        }
    }
}
