using System.CommandLine;
using Tranche.Data;

namespace Tranche.Cli;

/// <summary>Options every command understands: where the data is, and whether to answer in JSON.</summary>
public sealed class CommonOptions
{
    public const string DataDirVariable = "TRANCHE_DATA_DIR";
    public const string DatabaseVariable = "TRANCHE_DATABASE";
    public const string DefaultDataDir = ".tranche";

    public CommonOptions(CliEnvironment environment)
    {
        Environment = environment;
        DataDir = new Option<string>("--data-dir")
        {
            Description = $"Directory for Tranche's files and its default SQLite database [env: {DataDirVariable}] [default: ./{DefaultDataDir}]",
            Recursive = true,
            HelpName = "path",
        };
        Database = new Option<string>("--database")
        {
            Description = $"SQLite file path, or a PostgreSQL connection string or postgres:// URL [env: {DatabaseVariable}] [default: <data-dir>/{DatabaseTarget.SqliteFileName}]",
            Recursive = true,
            HelpName = "path|connection-string",
        };
        Json = new Option<bool>("--json")
        {
            Description = "Write machine-readable JSON to standard output instead of tables and text",
            Recursive = true,
        };
    }

    public CliEnvironment Environment { get; }

    public Option<string> DataDir { get; }

    public Option<string> Database { get; }

    public Option<bool> Json { get; }

    public void AddTo(Command root)
    {
        root.Options.Add(DataDir);
        root.Options.Add(Database);
        root.Options.Add(Json);
    }

    public string ResolveDataDir(ParseResult result)
    {
        var value = result.GetValue(DataDir) ?? Environment.Variables(DataDirVariable);
        return Path.GetFullPath(string.IsNullOrWhiteSpace(value) ? DefaultDataDir : value, Environment.CurrentDirectory);
    }

    public DatabaseTarget ResolveDatabase(ParseResult result)
    {
        var value = result.GetValue(Database) ?? Environment.Variables(DatabaseVariable);
        if (!string.IsNullOrWhiteSpace(value) && !value.Contains('=', StringComparison.Ordinal) && !value.Contains("://", StringComparison.Ordinal))
        {
            value = Path.GetFullPath(value, Environment.CurrentDirectory);
        }

        return DatabaseTarget.Resolve(value, ResolveDataDir(result));
    }

    public bool IsJson(ParseResult result) => result.GetValue(Json);
}
