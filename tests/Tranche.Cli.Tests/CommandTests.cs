using System.CommandLine;
using System.Net;
using Tranche.Data;
using Tranche.Server;
using Tranche.Testing;

namespace Tranche.Cli.Tests;

public sealed class CommandTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string> EveryCommand()
    {
        var data = new TheoryData<string>();
        void Walk(Command command, string path)
        {
            data.Add(path);
            foreach (var sub in command.Subcommands)
            {
                Walk(sub, $"{path} {sub.Name}".Trim());
            }
        }

        Walk(TrancheCli.Build(CliEnvironment.System), "");
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Every_command_has_help_that_offers_json(string command)
    {
        var result = await new CliRunner().RunAsync([.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--help"]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:", result.Out, StringComparison.Ordinal);
        Assert.Contains("--json", result.Out, StringComparison.Ordinal);
        Assert.Contains("--data-dir", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Operator_bootstraps_a_partner_a_customer_and_a_key_that_the_server_accepts_until_revoked()
    {
        var cli = new CliRunner();

        var partner = await cli.RunAsync("orgs", "create", "--name", "Reseller", "--partner", "--json");
        var partnerId = partner.Json().GetProperty("org_id").GetString()!;
        var customer = await cli.RunAsync("orgs", "create", "--name", "Shop", "--parent", partnerId, "--json");
        var customerId = customer.Json().GetProperty("org_id").GetString()!;
        var key = (await cli.RunAsync("keys", "create", "--org", partnerId, "--name", "automation", "--json")).Json();
        var listed = (await cli.RunAsync("orgs", "list", "--json")).Json();

        Assert.Equal("partnership", customer.Json().GetProperty("kind").GetString());
        Assert.Equal(2, listed.GetArrayLength());
        Assert.Equal(1, listed.EnumerateArray().Single(o => o.GetProperty("org_id").GetString() == partnerId).GetProperty("active_keys").GetInt32());

        await using var server = await StartServerAsync(Path.Combine(cli.WorkingDirectory, ".tranche"));
        using var client = new HttpClient { BaseAddress = new Uri(server.Urls.First()) };
        client.DefaultRequestHeaders.Add("x-api-key", key.GetProperty("api_key").GetString());
        var orgs = await client.GetStringAsync("/v1/orgs", Cancel);
        Assert.Contains(customerId, orgs, StringComparison.Ordinal);

        var revoked = await cli.RunAsync("keys", "revoke", key.GetProperty("key_id").GetString()!, "--json");
        Assert.Equal(0, revoked.ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/v1/orgs", Cancel)).StatusCode);
        var keys = (await cli.RunAsync("keys", "list", "--org", partnerId, "--json")).Json();
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, Assert.Single(keys.EnumerateArray()).GetProperty("revoked_at").ValueKind);
    }

    [Fact]
    public async Task Human_output_prints_tables_and_the_secret_once()
    {
        var cli = new CliRunner();
        var org = (await cli.RunAsync("orgs", "create", "--name", "Acme", "--json")).Json().GetProperty("org_id").GetString()!;

        var created = await cli.RunAsync("keys", "create", "--org", org, "--name", "laptop");
        var list = await cli.RunAsync("keys", "list", "--org", org);
        var orgs = await cli.RunAsync("orgs", "list");

        var secret = created.Out.Split('\n').Single(l => l.StartsWith("trk_", StringComparison.Ordinal)).Trim();
        Assert.Contains("not shown again", created.Out, StringComparison.Ordinal);
        Assert.Contains("laptop", list.Out, StringComparison.Ordinal);
        Assert.Contains(secret[..12], list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list.Out, StringComparison.Ordinal);
        Assert.Contains("Acme", orgs.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mistakes_are_one_clear_line_and_exit_1_or_json_with_json()
    {
        var cli = new CliRunner();
        var missing = Guid.NewGuid();
        var direct = (await cli.RunAsync("orgs", "create", "--name", "Plain", "--json")).Json().GetProperty("org_id").GetString()!;

        var noOrg = await cli.RunAsync("keys", "create", "--org", missing.ToString(), "--name", "x");
        var noOrgJson = await cli.RunAsync("keys", "create", "--org", missing.ToString(), "--name", "x", "--json");
        var notPartner = await cli.RunAsync("orgs", "create", "--name", "Child", "--parent", direct);
        var badRole = await cli.RunAsync("keys", "create", "--org", direct, "--name", "x", "--role", "root");
        var noSuchKey = await cli.RunAsync("keys", "revoke", Guid.NewGuid().ToString());
        var notAGuid = await cli.RunAsync("keys", "revoke", "abc");

        Assert.Equal(1, noOrg.ExitCode);
        Assert.Equal($"error: There is no org {missing}. See `tranche orgs list`.", noOrg.Error.Trim());
        Assert.Equal(1, noOrgJson.ExitCode);
        Assert.StartsWith("There is no org", noOrgJson.Json().GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("not a partner org", notPartner.Error, StringComparison.Ordinal);
        Assert.NotEqual(0, badRole.ExitCode);
        Assert.Contains("root", badRole.Error, StringComparison.Ordinal);
        Assert.Equal(1, noSuchKey.ExitCode);
        Assert.NotEqual(0, notAGuid.ExitCode);
        foreach (var result in new[] { noOrg, notPartner, badRole, noSuchKey, notAGuid })
        {
            Assert.DoesNotContain("   at ", result.Error + result.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Data_dir_and_database_come_from_the_environment_when_not_given()
    {
        var cli = new CliRunner();
        var elsewhere = TestDatabases.NewTempDirectory("env");
        cli.Variables["TRANCHE_DATA_DIR"] = elsewhere;

        await cli.RunAsync("orgs", "create", "--name", "Env", "--json");

        Assert.True(File.Exists(Path.Combine(elsewhere, "tranche.db")));
        Assert.False(Directory.Exists(Path.Combine(cli.WorkingDirectory, ".tranche")));

        var explicitDb = Path.Combine(elsewhere, "other.db");
        cli.Variables["TRANCHE_DATABASE"] = explicitDb;
        await cli.RunAsync("orgs", "create", "--name", "Other", "--json");
        Assert.True(File.Exists(explicitDb));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [InlineData(StoreKind.Postgres)]
    public async Task Db_migrate_applies_once_then_reports_up_to_date(StoreKind store)
    {
        var database = await TestDatabases.CreateOrSkipAsync(store, "climigrate");

        var setting = store == StoreKind.Sqlite ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(database.ConnectionString).DataSource : database.ConnectionString;
        var cli = new CliRunner();

        var first = await cli.RunAsync("db", "migrate", "--database", setting, "--json");
        var second = await cli.RunAsync("db", "migrate", "--database", setting);

        Assert.Equal(0, first.ExitCode);
        Assert.NotEmpty(first.Json().GetProperty("applied").EnumerateArray());
        Assert.Contains("is up to date", second.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_an_unmigrated_PostgreSQL_database_and_says_what_to_run()
    {
        var database = await TestDatabases.CreateOrSkipAsync(StoreKind.Postgres, "cliserve");

        var result = await new CliRunner().RunAsync("serve", "--database", database.ConnectionString, "--urls", "http://127.0.0.1:0");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("tranche db migrate", result.Error, StringComparison.Ordinal);
        Assert.Contains("--migrate", result.Error, StringComparison.Ordinal);
    }

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
