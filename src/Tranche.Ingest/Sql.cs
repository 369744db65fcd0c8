using DuckDB.NET.Data;

namespace Tranche.Ingest;

/// <summary>Small helpers for writing DuckDB SQL by hand.</summary>
internal static class Sql
{
    public static string Literal(string value) => "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";

    public static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}

internal static class DuckErrors
{
    /// <summary>DuckDB's message without its error-class prefix and internal hints.</summary>
    public static string Clean(DuckDBException e)
    {
        var message = e.Message.Trim();
        var colon = message.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && colon < 40 && message[..colon].EndsWith("Error", StringComparison.Ordinal))
        {
            message = message[(colon + 2)..];
        }

        var hint = message.IndexOf("\n\nPossible Solution", StringComparison.Ordinal);
        return (hint > 0 ? message[..hint] : message).ReplaceLineEndings(" ").Trim();
    }
}
