using System.Text.Json;
using System.Text.Json.Serialization;
using Spectre.Console;

namespace Tranche.Cli;

/// <summary>What a command talks to: the terminal, the environment and the clock. Tests hand in their own.</summary>
public sealed class CliEnvironment
{
    public static CliEnvironment System { get; } = new()
    {
        Console = AnsiConsole.Console,
        Out = global::System.Console.Out,
        Error = global::System.Console.Error,
        Variables = Environment.GetEnvironmentVariable,
        CurrentDirectory = Environment.CurrentDirectory,
    };

    /// <summary>Human output: tables, progress, colour.</summary>
    public required IAnsiConsole Console { get; init; }

    /// <summary>Machine output (<c>--json</c>).</summary>
    public required TextWriter Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> Variables { get; init; }

    public required string CurrentDirectory { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public void WriteJson<T>(T value) => Out.WriteLine(JsonSerializer.Serialize(value, Json));
}
