using System.CommandLine;
using Spectre.Console;
using Tranche.Ingest.Generation;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche generate</c>: synthetic FOCUS billing data for a realistic fleet, deterministic per seed.</summary>
internal static class GenerateCommand
{
    public static Command Create(CommonOptions common)
    {
        var provider = new Option<string>("--provider") { Description = "Cloud to imitate", Required = true };
        provider.AcceptOnlyFromAmong("aws", "azure", "gcp");
        var days = new Option<int>("--days") { Description = "Days of data, ending the day before --end", DefaultValueFactory = _ => 90 };
        var seed = new Option<int>("--seed") { Description = "Same seed, same data", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Folder to write the monthly files and manifest.json to", Required = true, HelpName = "folder" };
        var end = new Option<DateOnly?>("--end") { Description = "Day after the last generated day (default: today, UTC)", HelpName = "yyyy-mm-dd" };
        var instances = new Option<int>("--instances") { Description = "Average instances running (about 24 rows per instance per day)", DefaultValueFactory = _ => 60 };
        var parquet = new Option<bool>("--parquet") { Description = "Write Parquet instead of CSV" };
        days.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 3660)
            {
                r.AddError("--days must be between 1 and 3660.");
            }
        });
        instances.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000)
            {
                r.AddError("--instances must be between 1 and 1,000,000.");
            }
        });

        var command = new Command("generate", "Write synthetic FOCUS 1.2 billing data for a realistic fleet (cycles, growth, shutdowns, commitments)")
        {
            provider, days, seed, output, end, instances, parquet,
        };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var request = new GenerateRequest(result.GetValue(provider)!, result.GetValue(days), result.GetValue(seed),
                Path.GetFullPath(result.GetValue(output)!, common.Environment.CurrentDirectory))
            {
                End = result.GetValue(end) ?? DateOnly.FromDateTime(common.Environment.Time.GetUtcNow().UtcDateTime),
                Instances = result.GetValue(instances),
                Parquet = result.GetValue(parquet),
            };

            GenerationManifest manifest;
            if (common.IsJson(result) || !common.Environment.Console.Profile.Capabilities.Interactive)
            {
                manifest = await Task.Run(() => FocusGenerator.Generate(request), cancellationToken);
            }
            else
            {
                manifest = await common.Environment.Console.Progress().AutoClear(true).StartAsync(async context =>
                {
                    var task = context.AddTask($"Generating {request.Days} days of {request.Provider}", maxValue: 1);
                    var progress = new Progress<double>(p => task.Value = p);
                    var done = await Task.Run(() => FocusGenerator.Generate(request, progress), cancellationToken);
                    task.Value = 1;
                    return done;
                });
            }

            if (common.IsJson(result))
            {
                common.Environment.WriteJson(manifest);
                return 0;
            }

            var table = new Table().AddColumn("File").AddColumn(new TableColumn("Rows").RightAligned()).AddColumn(new TableColumn("Billed cost").RightAligned());
            foreach (var file in manifest.Files)
            {
                table.AddRow(Markup.Escape(file.Path), file.Rows.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), $"{file.BilledCost:N2} USD");
            }

            common.Environment.Console.Write(table);
            common.Environment.Console.MarkupLine(
                $"{manifest.Rows:N0} rows from {manifest.Start:yyyy-MM-dd} to {manifest.End:yyyy-MM-dd}: {manifest.Workloads.Count} workloads, " +
                $"{manifest.Commitments.Count} commitments. Manifest: {Markup.Escape(Path.Combine(request.OutputDirectory, GenerationManifest.FileName))}");
            return 0;
        });
        return command;
    }
}
