using System.CommandLine;
using System.Data.Common;
using Tranche.Cli.Commands;
using Tranche.Data;

namespace Tranche.Cli;

/// <summary>The <c>tranche</c> command line: this file lists its commands.</summary>
public static class TrancheCli
{
    public static async Task<int> RunAsync(string[] args, CliEnvironment environment)
    {
        var root = Build(environment);
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration
        {
            Output = environment.Out,
            Error = environment.Error,
        });
    }

    public static RootCommand Build(CliEnvironment environment)
    {
        var common = new CommonOptions(environment);
        var root = new RootCommand(
            "Tranche: see the cloud commitments you own, plan what to buy, and buy it safely. " +
            "Run `tranche demo` to try it with demo data and no cloud account.");
        common.AddTo(root);
        root.Subcommands.Add(ServeCommand.Create(common));
        root.Subcommands.Add(DemoCommand.Create(common));
        root.Subcommands.Add(OrgsCommands.Create(common));
        root.Subcommands.Add(KeysCommands.Create(common));
        root.Subcommands.Add(IngestCommand.Create(common));
        root.Subcommands.Add(GenerateCommand.Create(common));
        root.Subcommands.Add(OnboardingCommands.Create(common));
        root.Subcommands.Add(SyncCommand.Create(common));
        root.Subcommands.Add(PlansCommand.Create(common));
        root.Subcommands.Add(CatalogCommands.Create(common));
        foreach (var command in PurchaseCommands.Create(common))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(AutomationCommands.Create(common));
        root.Subcommands.Add(ReportCommand.Create(common));
        root.Subcommands.Add(BacktestCommand.Create(common));
        root.Subcommands.Add(DbCommands.Create(common));
        return root;
    }

    /// <summary>
    /// Runs a command body and turns the failures a user can act on into one clear line (or a JSON
    /// <c>{"error": ...}</c> with <c>--json</c>) and exit code 1, instead of a stack trace.
    /// </summary>
    internal static void SetGuardedAction(this Command command, CommonOptions common, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                return await body(result, cancellationToken);
            }
            catch (CliException e)
            {
                return Fail(common, result, e.Message);
            }
            catch (DatabaseNotReadyException e)
            {
                return Fail(common, result, e.Message);
            }
            catch (DbException e)
            {
                return Fail(common, result, $"Database error on {common.ResolveDatabase(result).Describe()}: {e.Message}");
            }
            catch (IOException e)
            {
                return Fail(common, result, e.Message);
            }
            catch (UnauthorizedAccessException e)
            {
                return Fail(common, result, e.Message);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return 130;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A bug, not a user mistake: say what failed in one line; the trace is there for whoever asks.
                var details = common.Environment.Variables(DebugVariable) is { Length: > 0 } ? Environment.NewLine + e : $" (set {DebugVariable}=1 for details)";
                return Fail(common, result, $"{e.GetType().Name}: {e.Message}{details}");
            }
        });

    /// <summary>Set to print the full exception of an unexpected failure.</summary>
    public const string DebugVariable = "TRANCHE_DEBUG";

    private static int Fail(CommonOptions common, ParseResult result, string message)
    {
        if (common.IsJson(result))
        {
            common.Environment.WriteJson(new { error = message });
        }
        else
        {
            common.Environment.Error.WriteLine($"error: {message}");
        }

        return 1;
    }
}

/// <summary>A failure the user caused and can fix; its message says how.</summary>
public sealed class CliException(string message) : Exception(message);
