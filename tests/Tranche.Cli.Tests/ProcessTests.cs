using System.Text.Json;

namespace Tranche.Cli.Tests;

/// <summary>The executable itself, as a newcomer and an operator run it.</summary>
public sealed class ProcessTests
{
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Demo_seeds_a_partner_with_three_customers_once_and_serves_them()
    {
        var directory = Testing.TestDatabases.NewTempDirectory("demo");
        string firstKey;
        string[] firstOrgs;

        await using (var demo = TrancheProcess.Start(directory, "demo", "--port", "0", "--json"))
        {
            var started = await demo.WaitForEventAsync("started", s_startTimeout);
            var ready = await demo.WaitForEventAsync("demo_ready", s_startTimeout);
            var url = started.GetProperty("urls")[0].GetString()!;

            var file = Path.Combine(directory, ".tranche", "demo-credentials.json");
            using var credentials = JsonDocument.Parse(await File.ReadAllTextAsync(file, Cancel));
            var root = credentials.RootElement;
            Assert.Equal(["partner_org_id", "partner_api_key", "orgs"], root.EnumerateObject().Select(p => p.Name));
            Assert.Equal(3, root.GetProperty("orgs").GetArrayLength());
            Assert.All(root.GetProperty("orgs").EnumerateArray(), o => Assert.Equal(["org_id", "name", "api_key"], o.EnumerateObject().Select(p => p.Name)));
            Assert.Equal(root.GetProperty("partner_api_key").GetString(), ready.GetProperty("credentials").GetProperty("partner_api_key").GetString());
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            }

            firstKey = root.GetProperty("partner_api_key").GetString()!;
            using var client = new HttpClient { BaseAddress = new Uri(url) };
            client.DefaultRequestHeaders.Add("x-api-key", firstKey);
            var orgs = JsonDocument.Parse(await client.GetStringAsync("/v1/orgs", Cancel)).RootElement;
            Testing.Contract.AssertMatches(orgs, "Org[]");
            firstOrgs = [.. orgs.EnumerateArray().Select(o => o.GetProperty("org_id").GetString()!)];
            Assert.Equal(4, firstOrgs.Length);

            using var customer = new HttpClient { BaseAddress = new Uri(url) };
            customer.DefaultRequestHeaders.Add("x-api-key", root.GetProperty("orgs")[0].GetProperty("api_key").GetString());
            Assert.Single(JsonDocument.Parse(await customer.GetStringAsync("/v1/orgs", Cancel)).RootElement.EnumerateArray());

            Assert.Equal(0, await demo.StopAsync(TimeSpan.FromSeconds(30)));
        }

        await using (var again = TrancheProcess.Start(directory, "demo", "--port", "0", "--json"))
        {
            var started = await again.WaitForEventAsync("started", s_startTimeout);
            await again.WaitForEventAsync("demo_ready", s_startTimeout);
            using var client = new HttpClient { BaseAddress = new Uri(started.GetProperty("urls")[0].GetString()!) };
            client.DefaultRequestHeaders.Add("x-api-key", firstKey);
            var orgs = JsonDocument.Parse(await client.GetStringAsync("/v1/orgs", Cancel)).RootElement;
            Assert.Equal(firstOrgs, orgs.EnumerateArray().Select(o => o.GetProperty("org_id").GetString()!));
        }
    }

    [Fact]
    public async Task Serve_starts_answers_ready_and_stops_cleanly_on_sigterm()
    {
        var directory = Testing.TestDatabases.NewTempDirectory("serve");
        await using var serve = TrancheProcess.Start(directory, "serve", "--urls", "http://127.0.0.1:0", "--json");

        var started = await serve.WaitForEventAsync("started", s_startTimeout);
        using var client = new HttpClient { BaseAddress = new Uri(started.GetProperty("urls")[0].GetString()!) };
        var ready = await client.GetAsync("/readyz", Cancel);

        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
        Assert.True(File.Exists(Path.Combine(directory, ".tranche", "tranche.db")));
        Assert.Equal(0, await serve.StopAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_port_in_use_is_one_clear_error()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var directory = Testing.TestDatabases.NewTempDirectory("busy");

        await using var serve = TrancheProcess.Start(directory, "serve", "--urls", $"http://127.0.0.1:{port}");
        var exit = await serve.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, exit);
        Assert.Contains($"Cannot listen on http://127.0.0.1:{port}", serve.Errors, StringComparison.Ordinal);
    }
}
