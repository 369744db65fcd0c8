using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Tranche.Data;
using Tranche.Data.Reporting;
using Tranche.Domain.Reporting;
using Tranche.Server.Api;
using Tranche.Server.Auth;
using Tranche.Server.V1.Commitments;

namespace Tranche.Server.Reports;

/// <summary>
/// Savings, spend and rates over some days. Money sums; rates are computed from the sums (null when their
/// denominator is zero), so the rate of a total is never an average of rates.
/// </summary>
[ApiSchema("RoiFigures")]
public sealed record RoiFiguresResponse(
    decimal OnDemandCost,
    decimal CoveredCost,
    decimal GrossSavings,
    decimal CommitmentCost,
    decimal UpfrontPaid,
    decimal UnusedCommitmentCost,
    decimal NetSavings,
    double? Coverage,
    double? Utilization,
    double? EffectiveSavingsRate,
    double? Roi)
{
    public static RoiFiguresResponse Of(RoiFigures f) => new(
        ApiMoney.Round(f.OnDemandCost), ApiMoney.Round(f.CoveredCost), ApiMoney.Round(f.GrossSavings), ApiMoney.Round(f.CommitmentCost),
        ApiMoney.Round(f.UpfrontPaid), ApiMoney.Round(f.UnusedCommitmentCost), ApiMoney.Round(f.NetSavings), f.Coverage, f.Utilization, f.EffectiveSavingsRate, f.Roi);
}

/// <summary>Commitments Tranche bought: purchases, commitments (succeeded lines), what they cost and what their plans projected.</summary>
[ApiSchema("RoiPurchases")]
public sealed record RoiPurchasesResponse(int Purchases, int Commitments, decimal UpfrontCost, decimal NewMonthlyCommitment, decimal ProjectedMonthlySavings)
{
    public static RoiPurchasesResponse Of(PurchaseFigures p) => new(
        p.Purchases, p.Commitments, ApiMoney.Round(p.UpfrontCost), ApiMoney.Round(p.NewMonthlyCommitment), ApiMoney.Round(p.ProjectedMonthlySavings));
}

/// <summary>One calendar month (<c>YYYY-MM</c>).</summary>
[ApiSchema("RoiMonth")]
public sealed record RoiMonthResponse(string Month, RoiFiguresResponse Figures, RoiPurchasesResponse Purchases);

/// <summary>One org's return on its commitments over a range of months.</summary>
[ApiSchema("OrgRoiReport")]
public sealed record OrgRoiReportResponse(
    Guid OrgId,
    string Name,
    string? Provider,
    string StartMonth,
    string EndMonth,
    decimal LifetimeSavings,
    decimal MonthToDateSavings,
    RoiFiguresResponse Totals,
    RoiPurchasesResponse Purchases,
    IReadOnlyList<RoiMonthResponse> Months);

/// <summary>One customer org in a partner's report: its totals over the range.</summary>
[ApiSchema("PartnerRoiReportOrg")]
public sealed record PartnerRoiOrgResponse(Guid OrgId, string Name, decimal LifetimeSavings, decimal MonthToDateSavings, RoiFiguresResponse Totals, RoiPurchasesResponse Purchases);

/// <summary>A partner's customer orgs together: totals and months summed over them, and each org's own totals.</summary>
[ApiSchema("PartnerRoiReport")]
public sealed record PartnerRoiReportResponse(
    Guid PartnerOrgId,
    string Name,
    string? Provider,
    string StartMonth,
    string EndMonth,
    int OrgCount,
    decimal LifetimeSavings,
    decimal MonthToDateSavings,
    RoiFiguresResponse Totals,
    RoiPurchasesResponse Purchases,
    IReadOnlyList<RoiMonthResponse> Months,
    IReadOnlyList<PartnerRoiOrgResponse> Orgs);

/// <summary>An org's report with the name it is shown under.</summary>
public sealed record NamedRoiReport(Guid OrgId, string Name, RoiReport Report);

/// <summary>What a report covers: the provider (or all) and the calendar months, first day of each.</summary>
public sealed record RoiReportRange(string? Provider, DateOnly FirstMonth, DateOnly LastMonth)
{
    /// <summary>Longest range one report may span.</summary>
    public const int MaxMonths = 120;

    public static string MonthText(DateOnly month) => month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The last 12 months up to the current one.</summary>
    public static (DateOnly First, DateOnly Last) Default(DateOnly today) =>
        (RoiReports.MonthOf(today).AddMonths(-11), RoiReports.MonthOf(today));

    /// <summary>Why a range cannot be reported, or null.</summary>
    public static string? Problem(DateOnly first, DateOnly last) =>
        first > last ? $"start_month ({MonthText(first)}) is after end_month ({MonthText(last)})."
        : (last.Year - first.Year) * 12 + last.Month - first.Month + 1 > MaxMonths ? $"start_month to end_month spans more than {MaxMonths} months."
        : null;
}

/// <summary>Loads reports and turns them into the API's records and CSV; the command line uses the same.</summary>
public static class RoiReportViews
{
    public static async Task<IReadOnlyList<NamedRoiReport>> LoadAsync(
        TrancheDbContext db, IReadOnlyList<(Guid Id, string Name)> orgs, RoiReportRange range, DateOnly today, CancellationToken cancellationToken,
        RoiDaysCache? cache = null)
    {
        var reports = await RoiFacts.ReportsAsync(db, [.. orgs.Select(o => o.Id)], range.Provider, range.FirstMonth, range.LastMonth, today, cancellationToken, cache);
        return [.. orgs.Select(o => new NamedRoiReport(o.Id, o.Name, reports[o.Id]))];
    }

    /// <summary>A partner's customer orgs, by name: the orgs its report covers.</summary>
    public static async Task<IReadOnlyList<(Guid Id, string Name)>> ChildrenAsync(TrancheDbContext db, Guid partnerId, CancellationToken cancellationToken) =>
        [.. (await db.Orgs.AsNoTracking().Where(o => o.ParentOrgId == partnerId).Select(o => new { o.Id, o.Name }).ToListAsync(cancellationToken))
            .OrderBy(o => o.Name, StringComparer.Ordinal).ThenBy(o => o.Id).Select(o => (o.Id, o.Name))];

    public static OrgRoiReportResponse ToResponse(NamedRoiReport org, RoiReportRange range) => new(
        org.OrgId, org.Name, range.Provider, RoiReportRange.MonthText(range.FirstMonth), RoiReportRange.MonthText(range.LastMonth),
        ApiMoney.Round(org.Report.LifetimeSavings), ApiMoney.Round(org.Report.MonthToDateSavings), RoiFiguresResponse.Of(org.Report.Total),
        RoiPurchasesResponse.Of(org.Report.Purchases), Months(org.Report));

    public static PartnerRoiReportResponse ToPartnerResponse(Guid partnerId, string name, IReadOnlyList<NamedRoiReport> orgs, RoiReportRange range)
    {
        var all = RoiReports.Combine(range.FirstMonth, range.LastMonth, [.. orgs.Select(o => o.Report)]);
        return new PartnerRoiReportResponse(
            partnerId, name, range.Provider, RoiReportRange.MonthText(range.FirstMonth), RoiReportRange.MonthText(range.LastMonth), orgs.Count,
            ApiMoney.Round(all.LifetimeSavings), ApiMoney.Round(all.MonthToDateSavings), RoiFiguresResponse.Of(all.Total), RoiPurchasesResponse.Of(all.Purchases),
            Months(all),
            [.. orgs.Select(o => new PartnerRoiOrgResponse(
                o.OrgId, o.Name, ApiMoney.Round(o.Report.LifetimeSavings), ApiMoney.Round(o.Report.MonthToDateSavings), RoiFiguresResponse.Of(o.Report.Total),
                RoiPurchasesResponse.Of(o.Report.Purchases)))]);
    }

    private static RoiMonthResponse[] Months(RoiReport report) =>
        [.. report.Months.Select(m => new RoiMonthResponse(RoiReportRange.MonthText(m.Month), RoiFiguresResponse.Of(m.Figures), RoiPurchasesResponse.Of(m.Purchases)))];
}

/// <summary>
/// The CSV export: a header row, then one row per org and month, in the invariant culture, quoted as RFC 4180 says
/// (fields with a comma, quote or line break in double quotes, quotes doubled, lines ended by CRLF). An empty rate
/// field means the rate has no denominator that month.
/// </summary>
public static class RoiCsv
{
    public static readonly IReadOnlyList<string> Columns =
    [
        "org_id", "org_name", "month", "on_demand_cost", "covered_cost", "gross_savings", "commitment_cost", "upfront_paid", "unused_commitment_cost",
        "net_savings", "coverage", "utilization", "effective_savings_rate", "roi", "purchases", "commitments_bought", "purchase_upfront_cost",
        "new_monthly_commitment", "projected_monthly_savings",
    ];

    public static string Write(IEnumerable<NamedRoiReport> orgs)
    {
        var text = new StringBuilder();
        Line(text, Columns);
        foreach (var org in orgs)
        {
            foreach (var month in org.Report.Months)
            {
                var f = RoiFiguresResponse.Of(month.Figures);
                var p = RoiPurchasesResponse.Of(month.Purchases);
                Line(text,
                [
                    org.OrgId.ToString(), org.Name, RoiReportRange.MonthText(month.Month), Money(f.OnDemandCost), Money(f.CoveredCost), Money(f.GrossSavings),
                    Money(f.CommitmentCost), Money(f.UpfrontPaid), Money(f.UnusedCommitmentCost), Money(f.NetSavings), Rate(f.Coverage), Rate(f.Utilization),
                    Rate(f.EffectiveSavingsRate), Rate(f.Roi), p.Purchases.ToString(CultureInfo.InvariantCulture), p.Commitments.ToString(CultureInfo.InvariantCulture),
                    Money(p.UpfrontCost), Money(p.NewMonthlyCommitment), Money(p.ProjectedMonthlySavings),
                ]);
            }
        }

        return text.ToString();
    }

    /// <summary>A file name for the export: what it covers, safe in any file system.</summary>
    public static string FileName(string scope, Guid id, RoiReportRange range) =>
        $"roi-{scope}-{id}-{RoiReportRange.MonthText(range.FirstMonth)}-to-{RoiReportRange.MonthText(range.LastMonth)}{(range.Provider is { } p ? "-" + p : "")}.csv";

    private static string Money(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Rate(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static void Line(StringBuilder text, IReadOnlyList<string> fields)
    {
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            var field = fields[i];
            if (field.AsSpan().IndexOfAny(",\"\r\n") >= 0)
            {
                text.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
            else
            {
                text.Append(field);
            }
        }

        text.Append("\r\n");
    }
}

/// <summary>
/// ROI and lifetime-savings reports (a Tranche extension): <c>GET /v2/partners/{partner_org_id}/reports/roi</c> for a
/// partner's customer orgs together, <c>GET /v2/org/{child_org_id}/partners/reports/roi</c> for one of them, and
/// <c>GET /v1/org/{org_id}/reports/roi</c> for an org's own; JSON, or CSV with <c>format=csv</c> or <c>Accept: text/csv</c>.
/// </summary>
internal static class RoiReportsApi
{
    private static readonly string[] Providers = ["aws", "azure", "gcp"];

    private const string Figures =
        "Per month and in total: `on_demand_cost` (on-demand-equivalent cost of coverable usage: compute, databases, analytics, machine learning), " +
        "`covered_cost` (the part commitments covered), `gross_savings` (on-demand-equivalent cost of what commitments covered less the cost of their used part), " +
        "`commitment_cost` (recurring fees plus amortized upfront, used or not), `upfront_paid` (one-time fees billed in the month), `unused_commitment_cost`, " +
        "`net_savings` (gross savings less unused commitment: the bill reduction), and rates computed from those sums, null without a denominator: " +
        "`coverage` (covered_cost / on_demand_cost), `utilization` (used share of commitment_cost), `effective_savings_rate` (net_savings / on_demand_cost) and " +
        "`roi` (net_savings / commitment_cost). `lifetime_savings` (every day of billing data) and `month_to_date_savings` (this calendar month) do not depend on " +
        "the range and equal `/metrics`' `lifetime_savings` and `mtd_savings`; coverage and utilization follow `/metrics`' definitions over the same days. " +
        "`purchases`: commitments Tranche bought in each month (succeeded purchase lines): purchases, commitments, upfront, new monthly (730-hour) commitment and " +
        "the monthly savings their plans projected, there at once, before billing data shows what they save. " +
        "Query: `provider` (aws, azure, gcp; default all), `start_month` and `end_month` (`YYYY-MM`; default the last 12 months up to the current one; at most 120 months), " +
        "`format=csv` (or `Accept: text/csv`) for a CSV download, one row per org and month.";

    public static void MapRoiReports(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v2/partners/{partner_org_id}/reports").ForOrg("partner_org_id", OrgReach.PartnerItself).WithTags("Partner").WithApiErrors()
            .MapGet("/roi", Partner)
            .WithSummary("ROI and lifetime savings of the partner's customer orgs")
            .WithDescription("The partner's customer orgs together: money summed over them, rates recomputed from the sums, and each org's totals in `orgs`. The partner's own key only. " + Figures)
            .Produces<PartnerRoiReportResponse>(StatusCodes.Status200OK, "application/json", "text/csv");

        routes.MapGroup("/v2/org/{child_org_id}/partners/reports").ForOrg("child_org_id", OrgReach.ChildOfPartner).WithTags("Partner").WithApiErrors()
            .MapGet("/roi", OneOrg)
            .WithSummary("ROI and lifetime savings of a customer org")
            .WithDescription("One customer org, month by month, with a partner key (403 for an org that is not the partner's customer). " + Figures)
            .Produces<OrgRoiReportResponse>(StatusCodes.Status200OK, "application/json", "text/csv");

        routes.MapGroup("/v1/org/{org_id}/reports").ForOrg().WithTags("Reports").WithApiErrors()
            .MapGet("/roi", OneOrg)
            .WithSummary("ROI and lifetime savings of the org")
            .WithDescription("The org's own report, month by month (Tranche extension). " + Figures)
            .Produces<OrgRoiReportResponse>(StatusCodes.Status200OK, "application/json", "text/csv");
    }

    private static async Task<IResult> OneOrg(HttpContext context, TrancheDbContext db, RoiDaysCache cache, TimeProvider time)
    {
        var (range, csv, today) = ReadQuery(context, time);
        var orgId = context.Org().OrgId;
        var name = await db.Orgs.Where(o => o.Id == orgId).Select(o => o.Name).SingleAsync(context.RequestAborted);
        var reports = await RoiReportViews.LoadAsync(db, [(orgId, name)], range, today, context.RequestAborted, cache);
        return csv
            ? Csv(RoiCsv.Write(reports), RoiCsv.FileName("org", orgId, range))
            : TypedResults.Ok(RoiReportViews.ToResponse(reports[0], range));
    }

    private static async Task<IResult> Partner(HttpContext context, TrancheDbContext db, RoiDaysCache cache, TimeProvider time)
    {
        var (range, csv, today) = ReadQuery(context, time);
        var partnerId = context.Org().OrgId;
        var name = await db.Orgs.Where(o => o.Id == partnerId).Select(o => o.Name).SingleAsync(context.RequestAborted);
        var children = await RoiReportViews.ChildrenAsync(db, partnerId, context.RequestAborted);
        var reports = await RoiReportViews.LoadAsync(db, children, range, today, context.RequestAborted, cache);
        return csv
            ? Csv(RoiCsv.Write(reports), RoiCsv.FileName("partner", partnerId, range))
            : TypedResults.Ok(RoiReportViews.ToPartnerResponse(partnerId, name, reports, range));
    }

    private static (RoiReportRange Range, bool Csv, DateOnly Today) ReadQuery(HttpContext context, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var query = new QueryArgs(context.Request);
        var provider = query.OneOf("provider", Providers);
        var format = query.OneOf("format", ["json", "csv"]);
        var start = query.Month("start_month");
        var end = query.Month("end_month");
        var (defaultFirst, defaultLast) = RoiReportRange.Default(today);
        var last = end ?? defaultLast;
        var first = start ?? (end is { } e ? e.AddMonths(-11) : defaultFirst);
        // A month that did not parse is already reported; the range is checked only between months that did.
        var parsed = (start is not null || !context.Request.Query.ContainsKey("start_month")) && (end is not null || !context.Request.Query.ContainsKey("end_month"));
        if (parsed && RoiReportRange.Problem(first, last) is { } problem)
        {
            query.Fail("start_month", problem);
            query.Fail("end_month", problem);
        }

        query.ThrowIfInvalid();
        return (new RoiReportRange(provider, first, last), format == "csv" || format is null && AcceptsCsv(context.Request), today);
    }

    /// <summary>Whether the client asked for CSV: <c>text/csv</c> in <c>Accept</c>, not ranked below JSON.</summary>
    private static bool AcceptsCsv(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        var csv = accepted.Where(a => a.MediaType.Equals("text/csv", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        var json = accepted.Where(a => a.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)).Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        return csv > 0 && csv >= json;
    }

    private static IResult Csv(string text, string fileName) =>
        TypedResults.File(Encoding.UTF8.GetBytes(text), "text/csv; charset=utf-8", fileName);
}
