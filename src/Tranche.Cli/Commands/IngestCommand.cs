using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tranche.Data;
using Tranche.Ingest;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche ingest</c>: load FOCUS or CUR 2.0 billing files into an org, with live progress and a summary.</summary>
internal static class IngestCommand
{
    public static Command Create(CommonOptions common)
    {
        var paths = new Argument<string[]>("paths")
        {
            Description = "Billing files (.csv, .csv.gz, .parquet) or folders of export parts",
            Arity = ArgumentArity.OneOrMore,
        };
        var org = new Option<Guid>("--org") { Description = "Org the billing data belongs to", Required = true, HelpName = "org-id" };
        var maxErrors = new Option<int>("--max-errors")
        {
            Description = "Skip and report up to this many bad rows instead of refusing the whole load",
            DefaultValueFactory = _ => 0,
            HelpName = "count",
        };
        maxErrors.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--max-errors must be 0 or more.");
            }
        });

        var command = new Command("ingest", "Load billing exports (FOCUS 1.0-1.2, AWS CUR 2.0) into an org; a period loaded again is replaced") { paths, org, maxErrors };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(result.GetValue(org))))
            {
                // Before reading what may be gigabytes, so a mistyped org id is a one-line answer.
                await CommandDatabase.RequireOrgAsync(db, result.GetValue(org), cancellationToken);
            }

            var request = new IngestRequest(result.GetValue(org), result.GetValue(paths)!)
            {
                MaxErrors = result.GetValue(maxErrors),
                WorkDirectory = Path.Combine(common.ResolveDataDir(result), "tmp"),
            };
            var environment = common.Environment;
            var json = common.IsJson(result);

            IngestReport report;
            if (json || !environment.Console.Profile.Capabilities.Interactive)
            {
                report = await BillingIngest.RunAsync(database, request, environment.Time, progress: null, cancellationToken);
            }
            else
            {
                report = await environment.Console.Progress()
                    .AutoClear(true)
                    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new ElapsedTimeColumn())
                    .StartAsync(async context =>
                    {
                        var task = context.AddTask("Reading", maxValue: 1);
                        var progress = new Progress<ScanProgress>(p =>
                        {
                            task.MaxValue = Math.Max(1, p.BytesTotal);
                            task.Value = p.BytesRead;
                            var rate = p.Elapsed.TotalSeconds > 0 ? p.RowsRead / p.Elapsed.TotalSeconds : 0;
                            task.Description = $"{p.RowsRead:N0} rows, {rate:N0} rows/s";
                        });
                        var done = await BillingIngest.RunAsync(database, request, environment.Time, progress, cancellationToken);
                        task.Value = task.MaxValue;
                        return done;
                    });
            }

            if (report.Outcome == IngestOutcome.Loaded)
            {
                // Billing data may be the last onboarding step the org was waiting for.
                await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(request.OrgId));
                await Tranche.Providers.Onboarding.OnboardingStatus.CompleteIfReadyAsync(db, request.OrgId, environment.Time.StorageNow(), cancellationToken);
            }

            if (json)
            {
                environment.WriteJson(report);
            }
            else
            {
                Print(environment, report);
            }

            return report.Outcome == IngestOutcome.Loaded ? 0 : 1;
        });
        return command;
    }

    private static void Print(CliEnvironment environment, IngestReport report)
    {
        var console = environment.Console;
        if (report.Errors.Count > 0)
        {
            console.MarkupLine($"[yellow]{report.RowsRejected:N0} bad row(s){(report.RowsRejected > report.Errors.Count ? $", the first {report.Errors.Count} shown" : "")}:[/]");
            foreach (var error in report.Errors)
            {
                console.MarkupLine($"  {Markup.Escape(error.ToString())}");
            }
        }

        if (report.Outcome == IngestOutcome.Rejected)
        {
            environment.Error.WriteLine($"error: {report.Problem}");
            return;
        }

        var periods = new Table().AddColumn("Provider").AddColumn("Billing account").AddColumn("Period").AddColumn(new TableColumn("Rows").RightAligned())
            .AddColumn(new TableColumn("Billed cost").RightAligned()).AddColumn(new TableColumn("Effective cost").RightAligned()).AddColumn("");
        foreach (var period in report.BillingPeriods)
        {
            periods.AddRow(
                period.Provider,
                Markup.Escape(period.BillingAccountId),
                $"{period.PeriodStart:yyyy-MM-dd} to {period.PeriodEnd:yyyy-MM-dd}",
                period.Rows.ToString("N0", CultureInfo.InvariantCulture),
                $"{period.BilledCost:N2} {period.Currency}",
                $"{period.EffectiveCost:N2} {period.Currency}",
                period.ReplacedEarlierLoad ? "[grey]replaced earlier load[/]" : "[green]new[/]");
        }

        console.Write(periods);
        var rate = report.Elapsed.TotalSeconds > 0 ? report.RowsRead / report.Elapsed.TotalSeconds : 0;
        console.MarkupLine(
            $"Read [bold]{report.RowsRead:N0}[/] rows ({Markup.Escape(string.Join(", ", report.Formats))}) in {report.Elapsed.TotalSeconds:N1} s ({rate:N0} rows/s); " +
            $"stored {report.RowsStored:N0}{(report.RowsRejected > 0 ? $", skipped {report.RowsRejected:N0}" : "")}.");
        console.MarkupLine(
            $"{report.BillingPeriods.Count} billing period(s), providers {string.Join(", ", report.Providers)}, {report.BillingAccounts} billing account(s), " +
            $"{report.SubAccounts} sub account(s), {report.Pools:N0} usage pool(s), {report.Commitments:N0} commitment(s), {report.Resources:N0} resource(s).");
        console.MarkupLine($"Billed cost [bold]{report.BilledCost:N2} {report.Currency}[/], effective cost [bold]{report.EffectiveCost:N2} {report.Currency}[/].");
    }
}
