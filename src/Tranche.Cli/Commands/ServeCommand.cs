using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Tranche.Data;
using Tranche.Server;
using Tranche.Server.Auth;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche serve</c>: the HTTP API server.</summary>
internal static class ServeCommand
{
    public static Command Create(CommonOptions common)
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses to listen on, separated by ';' [env: TRANCHE_URLS]",
            HelpName = "urls",
        };
        var migrate = new Option<bool>("--migrate")
        {
            Description = "On PostgreSQL, apply pending migrations before serving (replicas wait on an advisory lock). SQLite always migrates on start.",
        };
        var server = new ServerOptions(common);

        var command = new Command("serve", "Run the Tranche HTTP API");
        command.Options.Add(urls);
        command.Options.Add(migrate);
        server.AddTo(command);
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var listenOn = result.GetValue(urls) ?? common.Environment.Variables("TRANCHE_URLS") ?? TrancheServerOptions.DefaultUrl;
            var options = server.Build(result, listenOn.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), result.GetValue(migrate));
            return await ServerHost.RunAsync(common, result, options, afterMigrate: null, cancellationToken);
        });
        return command;
    }
}

/// <summary>The options <c>serve</c> and <c>demo</c> share.</summary>
internal sealed class ServerOptions
{
    private readonly CommonOptions _common;
    private readonly Option<int> _rateLimit = new("--rate-limit")
    {
        Description = "Requests per second each API key may make, with bursts of twice that; 0 turns limiting off",
        DefaultValueFactory = _ => new RateLimitOptions().PermitsPerSecond,
        HelpName = "per-second",
    };

    private readonly Option<LogLevel> _logLevel = new("--log-level")
    {
        Description = "Least severe log events to write",
        DefaultValueFactory = _ => LogLevel.Information,
    };

    public ServerOptions(CommonOptions common)
    {
        _common = common;
        _rateLimit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--rate-limit must be 0 (off) or a positive number of requests per second.");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_rateLimit);
        command.Options.Add(_logLevel);
    }

    public TrancheServerOptions Build(ParseResult result, IReadOnlyList<string> urls, bool migrate)
    {
        var perSecond = result.GetValue(_rateLimit);
        return new TrancheServerOptions
        {
            Urls = urls,
            Database = _common.ResolveDatabase(result),
            DataDirectory = _common.ResolveDataDir(result),
            Migrate = migrate,
            RateLimit = new RateLimitOptions { PermitsPerSecond = perSecond, Burst = perSecond * 2 },
            LogFormat = _common.IsJson(result) ? LogFormat.Json : LogFormat.Text,
            MinimumLogLevel = result.GetValue(_logLevel),
            Time = _common.Environment.Time,
        };
    }
}

/// <summary>Starts the server, says where it listens, and runs until Ctrl+C or SIGTERM.</summary>
internal static class ServerHost
{
    public sealed record Started(string Event, IReadOnlyList<string> Urls, string Database, string Docs, string OpenApi);

    public static async Task<int> RunAsync(
        CommonOptions common,
        ParseResult result,
        TrancheServerOptions options,
        Func<CancellationToken, Task<Action<IReadOnlyList<string>>>>? afterMigrate,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.DataDirectory);
        await TrancheDatabase.PrepareAsync(options.Database, options.Migrate, cancellationToken);
        var announce = afterMigrate is null ? null : await afterMigrate(cancellationToken);

        await using var app = TrancheServer.Build(options);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new CliException($"Cannot listen on {string.Join(", ", options.Urls)}: {e.Message}");
        }

        var urls = app.Urls.ToList();
        var environment = common.Environment;
        var baseUrl = urls[0].TrimEnd('/');
        if (common.IsJson(result))
        {
            environment.Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(
                new Started("started", urls, options.Database.Describe(), $"{baseUrl}/docs", $"{baseUrl}/openapi/v1.json"),
                CliEnvironment.Json).ReplaceLineEndings(" "));
        }
        else
        {
            var grid = new Grid().AddColumn().AddColumn();
            grid.AddRow("[bold]API[/]", Markup.Escape($"{baseUrl}/v1"));
            grid.AddRow("[bold]Docs[/]", Markup.Escape($"{baseUrl}/docs"));
            grid.AddRow("[bold]OpenAPI[/]", Markup.Escape($"{baseUrl}/openapi/v1.json"));
            grid.AddRow("[bold]Database[/]", Markup.Escape(options.Database.Describe()));
            environment.Console.Write(new Panel(grid).Header($"Tranche listening on {Markup.Escape(string.Join(", ", urls))}"));
        }

        announce?.Invoke(urls);

        if (!common.IsJson(result))
        {
            environment.Console.MarkupLine("[grey]Press Ctrl+C to stop.[/]");
        }

        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }

        await app.StopAsync(CancellationToken.None);
        return 0;
    }
}
