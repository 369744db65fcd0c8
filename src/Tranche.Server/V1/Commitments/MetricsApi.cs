using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Reporting;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1.Commitments;

/// <summary>Headline figures of an org's commitments for one provider, as published (<c>PublicMetrics</c>).</summary>
[ApiSchema("PublicMetrics")]
public sealed record PublicMetricsResponse(
    decimal LifetimeSavings,
    decimal LifetimeGriSavings,
    decimal MtdSavings,
    decimal MtdGriSavings,
    bool PurchaseAutomationEnabled,
    bool BuybackAutomationEnabled,
    bool HasActionedPlan,
    bool HasPendingActions,
    DateOnly LatestExecutionDate,
    decimal PurchaseMissedSavings,
    decimal BuybackMissedSavings,
    decimal TotalDailyMissedSavings,
    decimal HourlyMissedSavings,
    DateOnly MissedSavingsStartDate,
    DateOnly MissedSavingsEndDate,
    decimal ExpiringSavings,
    double Coverage,
    double Utilization);

/// <summary><c>GET /v1/org/{org_id}/metrics</c>: savings, coverage and utilization from the same facts as the inventory.</summary>
internal static class MetricsApi
{
    /// <summary>Coverage and utilization look at the last 30 days of billing data, as commitment dashboards do.</summary>
    public const int RecentDays = 30;

    public static void MapMetrics(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v1/org/{org_id}/metrics").ForOrg().WithTags("Metrics").WithApiErrors()
            .MapGet("", Get)
            .WithSummary("/metrics")
            .WithDescription(
                "Savings to date (`lifetime_savings`) and this calendar month (`mtd_savings`): on-demand cost of the usage commitments covered minus what they cost. " +
                $"`coverage` (covered on-demand-equivalent spend over all coverable spend) and `utilization` (cost-weighted share of commitment cost used) over the last {RecentDays} days of billing data. " +
                "`expiring_savings`: monthly (730-hour) savings of commitments ending in the next 30 days. " +
                "Missed savings are 0 until a recommended plan exists; `missed_savings_start_date` and `missed_savings_end_date` give the window they are measured over. " +
                "`latest_execution_date` is the start of the latest commitment Tranche bought, or the last day of billing data when it has bought none.")
            .Produces<PublicMetricsResponse>();
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db, InventoryStore store, TimeProvider time)
    {
        var query = new QueryArgs(context.Request);
        var provider = query.OneOf("provider", ["aws", "azure", "gcp"], required: true)!;
        query.ThrowIfInvalid();

        var snapshot = await store.GetAsync(db, context.Org().OrgId, context.RequestAborted);
        var now = time.GetUtcNow().UtcDateTime;
        var today = DateOnly.FromDateTime(now);
        var items = snapshot.Items.Where(i => i.Provider == provider).ToList();
        var lastDay = items.Where(i => i.SeenInBilling).Select(i => i.Days.LastDay).DefaultIfEmpty(today).Max();
        var recentFrom = lastDay.AddDays(-(RecentDays - 1));
        var monthStart = new DateOnly(today.Year, today.Month, 1);

        long lifetime = 0, monthToDate = 0, recentCost = 0, recentUnused = 0;
        decimal expiring = 0;
        foreach (var item in items)
        {
            lifetime += item.Days.Sum(DateOnly.MinValue, DateOnly.MaxValue).Savings;
            monthToDate += item.Days.Sum(monthStart, today).Savings;
            var recent = item.Days.Sum(recentFrom, lastDay);
            recentCost += recent.Cost;
            recentUnused += recent.UnusedCost;
            if (item.End is { } end && end > now && end <= now.AddDays(30) && recent.Days > 0)
            {
                expiring += new CommitmentView(item, recent, recentFrom, lastDay, now).MonthlySavings ?? 0;
            }
        }

        var purchased = items.Where(i => i.FromPurchase && i.Start is not null).Select(i => DateOnly.FromDateTime(i.Start!.Value)).ToList();
        return TypedResults.Ok(new PublicMetricsResponse(
            ApiMoney.Of(lifetime), 0, ApiMoney.Of(monthToDate), 0, false, false, purchased.Count > 0, false,
            purchased.Count > 0 ? purchased.Max() : lastDay, 0, 0, 0, 0, recentFrom, lastDay, ApiMoney.Round(expiring),
            await CoverageAsync(db, provider, recentFrom, lastDay, context.RequestAborted),
            recentCost > 0 ? (double)(recentCost - recentUnused) / recentCost : 0));
    }

    /// <summary>Covered on-demand-equivalent cost over the on-demand-equivalent cost of all coverable usage.</summary>
    private static async Task<double> CoverageAsync(TrancheDbContext db, string provider, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var categories = CoverableUsage.Categories.ToList();
        var pools = db.UsagePools.Where(p => p.Provider == provider && p.ServiceCategory != null && categories.Contains(p.ServiceCategory)).Select(p => p.Id);
        var eligible = await db.UsageDays.Where(d => d.Day >= from && d.Day <= to && pools.Contains(d.PoolId)).SumAsync(d => (decimal?)d.ListCost, cancellationToken) ?? 0;
        var covered = await db.CommitmentCoverage.Where(c => c.Day >= from && c.Day <= to && pools.Contains(c.PoolId)).SumAsync(c => (decimal?)c.CoveredListCost, cancellationToken) ?? 0;
        return eligible > 0 ? (double)Math.Min(1, covered / eligible) : 0;
    }
}
