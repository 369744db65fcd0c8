using System.CommandLine;
using Spectre.Console;
using Tranche.Cli.Demo;
using Tranche.Data;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche demo</c>: everything <c>serve</c> does on a local SQLite database, plus a demo partner org with three
/// customer orgs and their keys, printed and written to <c>&lt;data-dir&gt;/demo-credentials.json</c>.
/// </summary>
internal static class DemoCommand
{
    public const int DefaultPort = 5080;

    public static Command Create(CommonOptions common)
    {
        var port = new Option<int>("--port")
        {
            Description = "Port to listen on (localhost)",
            DefaultValueFactory = _ => DefaultPort,
        };
        port.Validators.Add(r =>
        {
            var value = r.GetValueOrDefault<int>();
            if (value is < 0 or > 65535)
            {
                r.AddError($"--port must be between 0 and 65535, not {value}.");
            }
        });
        var server = new ServerOptions(common);

        var command = new Command("demo", "Run Tranche with a demo partner, three customer orgs and their data; no cloud account needed");
        command.Options.Add(port);
        server.AddTo(command);
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            // Port 0 (any free port) needs an address: Kestrel cannot pick one port for both localhost addresses.
            var listenPort = result.GetValue(port);
            var options = server.Build(result, [listenPort == 0 ? "http://127.0.0.1:0" : $"http://localhost:{listenPort}"], migrate: true);
            return await ServerHost.RunAsync(common, result, options, async seedCancellation =>
            {
                var now = common.Environment.Time.StorageNow();
                var say = common.IsJson(result) ? null : new Action<string>(line => common.Environment.Console.MarkupLine($"[grey]{Markup.Escape(line)}[/]"));
                var credentials = await DemoSeed.EnsureAsync(options.Database, options.DataDirectory, now, say, seedCancellation);
                var credentialsPath = Path.Combine(options.DataDirectory, DemoSeed.CredentialsFileName);
                return urls => Announce(common, result, credentials, credentialsPath, urls[0].TrimEnd('/'));
            }, cancellationToken);
        });
        return command;
    }

    private static void Announce(CommonOptions common, ParseResult result, DemoCredentials credentials, string credentialsPath, string baseUrl)
    {
        var environment = common.Environment;
        if (common.IsJson(result))
        {
            environment.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                new { @event = "demo_ready", credentials_file = credentialsPath, credentials }).ReplaceLineEndings(" "));
            return;
        }

        // Keys go out as plain lines: a table would wrap them at the terminal's width and break copy and paste.
        var output = environment.Out;
        output.WriteLine();
        output.WriteLine($"Demo orgs and API keys (saved to {credentialsPath}):");
        output.WriteLine($"  {DemoSeed.PartnerName} (partner)");
        output.WriteLine($"    org id   {credentials.PartnerOrgId}");
        output.WriteLine($"    api key  {credentials.PartnerApiKey}");
        foreach (var org in credentials.Orgs)
        {
            output.WriteLine($"  {org.Name}");
            output.WriteLine($"    org id   {org.OrgId}");
            output.WriteLine($"    api key  {org.ApiKey}");
        }

        output.WriteLine();
        output.WriteLine("Try:");
        output.WriteLine($"  curl -H 'x-api-key: {credentials.PartnerApiKey}' {baseUrl}/v1/orgs");
        output.WriteLine();
    }
}
