using System.CommandLine;
using Spectre.Console;
using Tranche.Data;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche db migrate</c>: bring a database's schema up to this build (PostgreSQL under an advisory lock).</summary>
internal static class DbCommands
{
    public sealed record MigrateResult(string Database, IReadOnlyList<string> Applied);

    public static Command Create(CommonOptions common)
    {
        var migrate = new Command("migrate", "Apply pending schema migrations; safe to run from several replicas at once");
        migrate.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var database = common.ResolveDatabase(result);
            var applied = await TrancheDatabase.MigrateAsync(database, cancellationToken);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(new MigrateResult(database.Describe(), applied));
            }
            else if (applied.Count == 0)
            {
                common.Environment.Console.MarkupLine($"{Markup.Escape(database.Describe())} is up to date.");
            }
            else
            {
                common.Environment.Console.MarkupLine($"Applied {applied.Count} migration(s) to {Markup.Escape(database.Describe())}:");
                foreach (var name in applied)
                {
                    common.Environment.Console.MarkupLine($"  {Markup.Escape(name)}");
                }
            }

            return 0;
        });

        var db = new Command("db", "Database maintenance");
        db.Subcommands.Add(migrate);
        return db;
    }
}
