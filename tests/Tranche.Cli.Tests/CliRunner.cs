using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace Tranche.Cli.Tests;

public sealed record CliResult(int ExitCode, string Out, string Error)
{
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Out);
        return document.RootElement.Clone();
    }
}

/// <summary>Runs <c>tranche</c> in-process with its own console, environment and working directory.</summary>
public sealed class CliRunner
{
    public CliRunner(string? workingDirectory = null)
    {
        WorkingDirectory = workingDirectory ?? Testing.TestDatabases.NewTempDirectory("cli");
    }

    public string WorkingDirectory { get; }

    public Dictionary<string, string> Variables { get; } = [];

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 240;
        var environment = new CliEnvironment
        {
            Console = console,
            Out = output,
            Error = error,
            Variables = name => Variables.GetValueOrDefault(name),
            CurrentDirectory = WorkingDirectory,
        };
        var exitCode = await TrancheCli.RunAsync(args, environment);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>The real <c>tranche</c> executable as a child process, for what only a process can show (start-up, signals).</summary>
public sealed class TrancheProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _lineArrived = new(0);

    private TrancheProcess(Process process)
    {
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Errors
    {
        get
        {
            lock (_output)
            {
                return _error.ToString();
            }
        }
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancel.Token);
        return _process.ExitCode;
    }

    public static TrancheProcess Start(string workingDirectory, params string[] args) => Start(workingDirectory, null, args);

    public static TrancheProcess Start(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "tranche.dll"), .. args])
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment.Remove("TRANCHE_DATABASE");
        start.Environment.Remove("TRANCHE_DATA_DIR");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var tranche = new TrancheProcess(process);
        process.OutputDataReceived += (_, e) => tranche.Append(e.Data, tranche._output);
        process.ErrorDataReceived += (_, e) => tranche.Append(e.Data, tranche._error);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return tranche;
    }

    /// <summary>Waits for a JSON line on standard output whose <c>event</c> is <paramref name="name"/>.</summary>
    public async Task<JsonElement> WaitForEventAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var seen = 0;
        while (DateTime.UtcNow < deadline)
        {
            string[] lines;
            lock (_output)
            {
                lines = [.. _lines.Skip(seen)];
            }

            foreach (var line in lines)
            {
                seen++;
                if (line.StartsWith('{') && TryParse(line) is { } json && json.TryGetProperty("event", out var e) && e.GetString() == name)
                {
                    return json;
                }
            }

            if (_process.HasExited)
            {
                break;
            }

            await _lineArrived.WaitAsync(TimeSpan.FromMilliseconds(200));
        }

        throw new TimeoutException($"No '{name}' event. Exit: {(_process.HasExited ? _process.ExitCode : "running")}\nOut:\n{Output}\nErr:\n{_error}");
    }

    /// <summary>Asks the process to stop as a service manager would (SIGTERM) and waits for it.</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _lineArrived.Dispose();
    }

    private void Append(string? line, StringBuilder target)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            target.AppendLine(line);
            if (target == _output)
            {
                _lines.Add(line);
            }
        }

        _lineArrived.Release();
    }

    private static JsonElement? TryParse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
