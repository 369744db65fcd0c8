using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Domain.Reporting;
using Tranche.Server.Reports;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche report --org | --partner</c>: the ROI and lifetime-savings report the API serves
/// (<c>/v1/org/{org_id}/reports/roi</c>, <c>/v2/partners/{partner_org_id}/reports/roi</c>), read from the same database,
/// as a table, as the API's JSON, or as its CSV export.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(CommonOptions common)
    {
        var org = new Option<Guid?>("--org") { Description = "Org to report on", HelpName = "org-id" };
        var partner = new Option<Guid?>("--partner") { Description = "Partner org: its customer orgs together, and each one's totals", HelpName = "org-id" };
        var provider = new Option<string?>("--provider") { Description = "Only this provider (default: all)" };
        provider.AcceptOnlyFromAmong("aws", "azure", "gcp");
        var start = new Option<string?>("--start-month") { Description = "First month, YYYY-MM (default: 11 months before --end-month)", HelpName = "YYYY-MM" };
        var end = new Option<string?>("--end-month") { Description = "Last month, YYYY-MM (default: the current month)", HelpName = "YYYY-MM" };
        var csv = new Option<string?>("--csv") { Description = "Also write the CSV export (one row per org and month) to this file", HelpName = "file" };
        var command = new Command("report", "Show return on commitments and lifetime savings, month by month, for an org or a partner's customer orgs")
        {
            org, partner, provider, start, end, csv,
        };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var (orgId, partnerId) = (result.GetValue(org), result.GetValue(partner));
            if (orgId is null == partnerId is null)
            {
                throw new CliException("Give one of --org or --partner.");
            }

            var today = DateOnly.FromDateTime(common.Environment.Time.GetUtcNow().UtcDateTime);
            var range = Range(result.GetValue(provider), Month(result.GetValue(start), "--start-month"), Month(result.GetValue(end), "--end-month"), today);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, (orgId ?? partnerId)!.Value, cancellationToken);
            var target = await db.Orgs.AsNoTracking().SingleAsync(o => o.Id == (orgId ?? partnerId), cancellationToken);
            IReadOnlyList<NamedRoiReport> reports;
            object json;
            if (partnerId is { } id)
            {
                if (!target.IsPartner)
                {
                    throw new CliException($"Org {id} is not a partner org; use --org for one org's report.");
                }

                reports = await RoiReportViews.LoadAsync(db, await RoiReportViews.ChildrenAsync(db, id, cancellationToken), range, today, cancellationToken);
                json = RoiReportViews.ToPartnerResponse(id, target.Name, reports, range);
            }
            else
            {
                reports = await RoiReportViews.LoadAsync(db, [(target.Id, target.Name)], range, today, cancellationToken);
                json = RoiReportViews.ToResponse(reports[0], range);
            }

            if (result.GetValue(csv) is { } file)
            {
                var path = Path.GetFullPath(file, common.Environment.CurrentDirectory);
                await File.WriteAllTextAsync(path, RoiCsv.Write(reports), cancellationToken);
                if (!common.IsJson(result))
                {
                    common.Environment.Console.MarkupLine($"Wrote {reports.Sum(r => r.Report.Months.Count)} rows to [bold]{Markup.Escape(path)}[/].");
                }
            }

            if (common.IsJson(result))
            {
                common.Environment.WriteJson(json);
                return 0;
            }

            Write(common.Environment.Console, target.Name, partnerId is not null, reports, range);
            return 0;
        });
        return command;
    }

    private static DateOnly? Month(string? text, string option) =>
        text is null ? null
        : text.Length == 7 && DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) && month.Year is >= 2000 and <= 2999
            ? month
            : throw new CliException($"{option} must be a month as YYYY-MM (years 2000 to 2999), not '{text}'.");

    private static RoiReportRange Range(string? provider, DateOnly? start, DateOnly? end, DateOnly today)
    {
        var last = end ?? RoiReportRange.Default(today).Last;
        var first = start ?? last.AddMonths(-11);
        if (first > last)
        {
            throw new CliException($"--start-month ({RoiReportRange.MonthText(first)}) is after --end-month ({RoiReportRange.MonthText(last)}).");
        }

        return RoiReportRange.Problem(first, last) is { } problem
            ? throw new CliException(problem.Replace("start_month", "--start-month", StringComparison.Ordinal).Replace("end_month", "--end-month", StringComparison.Ordinal))
            : new RoiReportRange(provider, first, last);
    }

    private static void Write(IAnsiConsole console, string name, bool partner, IReadOnlyList<NamedRoiReport> reports, RoiReportRange range)
    {
        var all = RoiReports.Combine(range.FirstMonth, range.LastMonth, [.. reports.Select(r => r.Report)]);
        var scope = partner ? $"{Markup.Escape(name)}: {reports.Count} customer org(s)" : Markup.Escape(name);
        console.MarkupLine($"[bold]{scope}[/], {RoiReportRange.MonthText(range.FirstMonth)} to {RoiReportRange.MonthText(range.LastMonth)}{(range.Provider is { } p ? ", " + p : "")}");
        var months = new Table().AddColumns("Month", "On-demand", "Covered", "Coverage", "Commitment cost", "Unused", "Net savings", "Utilization", "ESR", "ROI", "Bought", "Projected / month");
        foreach (var column in months.Columns.Skip(1))
        {
            column.RightAligned();
        }

        foreach (var month in all.Months)
        {
            months.AddRow(Row(RoiReportRange.MonthText(month.Month), month.Figures, month.Purchases));
        }

        months.AddRow(Row("[bold]Total[/]", all.Total, all.Purchases));
        console.Write(months);
        console.MarkupLine($"Lifetime savings: [bold]{all.LifetimeSavings:N2}[/]   This month so far: [bold]{all.MonthToDateSavings:N2}[/]");
        if (partner && reports.Count > 0)
        {
            var orgs = new Table().AddColumns("Org", "On-demand", "Coverage", "Net savings", "ESR", "ROI", "Lifetime savings", "Bought");
            foreach (var r in reports)
            {
                var t = r.Report.Total;
                orgs.AddRow(Markup.Escape(r.Name), $"{t.OnDemandCost:N2}", Percent(t.Coverage), $"{t.NetSavings:N2}", Percent(t.EffectiveSavingsRate), Percent(t.Roi),
                    $"{r.Report.LifetimeSavings:N2}", $"{r.Report.Purchases.Commitments}");
            }

            console.Write(orgs);
        }
    }

    private static string[] Row(string label, RoiFigures f, PurchaseFigures p) =>
    [
        label, $"{f.OnDemandCost:N2}", $"{f.CoveredCost:N2}", Percent(f.Coverage), $"{f.CommitmentCost:N2}", $"{f.UnusedCommitmentCost:N2}", $"{f.NetSavings:N2}",
        Percent(f.Utilization), Percent(f.EffectiveSavingsRate), Percent(f.Roi), $"{p.Commitments}", $"{p.ProjectedMonthlySavings:N2}",
    ];

    private static string Percent(double? rate) => rate is { } r ? r.ToString("P1", CultureInfo.InvariantCulture) : "-";
}
