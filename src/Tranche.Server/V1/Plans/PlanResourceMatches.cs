using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1.Plans;

/// <summary>A resource and what the plan would do for it, as published (<c>CommitmentPlanResourceMatch</c>). Money and units per hour unless named monthly.</summary>
[ApiSchema("CommitmentPlanResourceMatch")]
public sealed record CommitmentPlanResourceMatchResponse(
    Guid Id,
    double TotalUnits,
    double BeforeUncoveredUnits,
    double AfterCoveredUnits,
    double AfterUncoveredUnits,
    double OndemandPrice,
    decimal IfAllOndemandCost,
    decimal BeforeOndemandCost,
    decimal AfterOndemandCost,
    decimal CoveredOndemandCost,
    decimal BeforeReservedCost,
    decimal AfterReservedCost,
    decimal BeforeCost,
    decimal AfterCost,
    decimal MonthlyBeforeCost,
    decimal MonthlyAfterCost,
    decimal MonthlyAfterReservedCost,
    decimal MonthlyAfterOndemandCost,
    decimal AverageSavings,
    decimal AverageMonthlySavings,
    string UsageType,
    double Coverage,
    ResourceSkuResponse? Resource);

/// <summary>
/// <c>GET /v1/org/{org_id}/commitment-plans/{plan_id}/resource-matches</c>: the resources behind the plan's pools
/// (instance type and region) and, per hour of the window, how much of each the plan would cover and what it would
/// cost before and after. A pool's new coverage is shared among its resources by what each runs uncovered.
/// </summary>
internal static class PlanResourceMatches
{
    private static readonly string[] Orders =
    [
        "id", "unmatched_units", "total_units", "ondemand_price", "reserved_cost", "explanation_unmatched", "coverage", "ondemand_cost", "covered_ondemand_cost",
        "before_cost", "after_cost", "covered_units", "average_savings", "average_monthly_savings", "monthly_after_cost", "null",
    ];

    public static void MapPlanResourceMatches(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v1/org/{org_id}/commitment-plans").ForOrg().WithTags("Commitment Plans").WithApiErrors()
            .MapGet("/{plan_id}/resource-matches", List)
            .WithSummary("/commitment-plans/{plan_id}/resource-matches")
            .WithDescription("Per resource of the plan's pools, averaged per hour over `start_date`..`end_date` (both included): units running, covered today, covered by the plan and left on demand, with costs before and after (monthly: 730 hours). `line_item_ids` narrows to those line items' pools. Sorted by `order_by` (default `covered_ondemand_cost`, `desc` default true); paged (`page_size` 1 to 100, default 20), totals in `X-Pagination`.")
            .Produces<CommitmentPlanResourceMatchResponse[]>();
    }

    /// <summary>The id of a resource's match in a plan: the same on every request, so line items can be narrowed by it.</summary>
    public static Guid MatchId(Guid planId, Guid resourceId) => NameBasedIds.For($"match\n{planId}\n{resourceId}");

    private sealed record Figures(
        Guid Id, BilledResource Resource, DateOnly Start, DateOnly End, double Total, double Uncovered, double Covered, double Price, double Reserved,
        double NewCovered, double NewReserved);

    private static async Task<IResult> List(HttpContext context, TrancheDbContext db, string plan_id)
    {
        var id = PathIds.Parse(plan_id, nameof(plan_id));
        var query = new QueryArgs(context.Request);
        var from = query.Date("start_date");
        var to = query.Date("end_date");
        var orderBy = query.OneOf("order_by", Orders, defaultValue: "covered_ondemand_cost")!;
        var desc = query.Bool("desc", true);
        var lineIds = query.UuidList("line_item_ids");
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        if (from != default && to != default && to < from)
        {
            query.Fail("start_date", $"Must not be after end_date ({to:yyyy-MM-dd}).");
            query.Fail("end_date", $"Must not be before start_date ({from:yyyy-MM-dd}).");
        }

        query.ThrowIfInvalid();
        var plan = await db.CommitmentPlans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, context.RequestAborted);
        if (plan is null)
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no plan {id}.", "plan_not_found");
        }

        var lines = await db.PlanLineItems.AsNoTracking().Where(i => i.PlanId == id && i.IsSelected).ToListAsync(context.RequestAborted);
        if (lineIds.Count > 0)
        {
            lines = [.. lines.Where(l => lineIds.Contains(l.Id))];
        }

        var matches = await MatchesAsync(db, plan, lines, from, to, context.RequestAborted);
        Func<Figures, IComparable?> key = orderBy switch
        {
            "id" => f => f.Id,
            "unmatched_units" => f => f.Uncovered - f.NewCovered,
            "total_units" => f => f.Total,
            "ondemand_price" => f => f.Price,
            "reserved_cost" => f => f.Reserved + f.NewReserved,
            "explanation_unmatched" => f => f.Uncovered - f.NewCovered > 0 ? 1 : 0,
            "coverage" => f => f.Total > 0 ? (f.Covered + f.NewCovered) / f.Total : 0,
            "ondemand_cost" => f => f.Total * f.Price,
            "before_cost" => f => f.Uncovered * f.Price + f.Reserved,
            "after_cost" => f => After(f),
            "monthly_after_cost" => f => After(f),
            "covered_units" => f => f.NewCovered,
            "average_savings" or "average_monthly_savings" => f => f.Uncovered * f.Price + f.Reserved - After(f),
            "null" => f => f.Id,
            _ => f => f.NewCovered * f.Price,
        };
        var ordered = (desc ? matches.OrderByDescending(key) : matches.OrderBy(key)).ThenBy(f => f.Id).ToList();
        PaginationMetadata.For(ordered.Count, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(ordered.Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).Select(ToResponse));
    }

    private static double After(Figures f) => (f.Uncovered - f.NewCovered) * f.Price + f.Reserved + f.NewReserved;

    private static async Task<List<Figures>> MatchesAsync(
        TrancheDbContext db, CommitmentPlanRecord plan, List<PlanLineItemRecord> lines, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        var hours = (to.DayNumber - from.DayNumber + 1) * 24.0;
        var pools = lines.GroupBy(l => (l.RegionId, l.InstanceType)).ToDictionary(g => g.Key, g => (
            Covered: g.Sum(l => l.AfterCoveredUnits),
            CostPerCoveredUnit: g.Sum(l => l.AfterCoveredUnits) > 0 ? (double)g.Sum(l => l.AfterAmortizedCost) / g.Sum(l => l.AfterCoveredUnits) : 0));
        var regions = pools.Keys.Select(k => k.RegionId).Distinct().ToList();
        var types = pools.Keys.Select(k => k.InstanceType).Distinct().ToList();
        var resources = await db.BilledResources.AsNoTracking()
            .Where(r => r.Provider == plan.Provider && regions.Contains(r.RegionId) && types.Contains(r.InstanceType))
            .ToListAsync(cancellationToken);
        resources = [.. resources.Where(r => pools.ContainsKey((r.RegionId, r.InstanceType)))];
        var resourceIds = resources.Select(r => r.Id).ToList();
        var periods = (await db.ResourcePeriods.AsNoTracking()
            .Where(p => resourceIds.Contains(p.ResourceId) && p.FirstUsageDay <= to && p.LastUsageDay >= from)
            .ToListAsync(cancellationToken)).ToLookup(p => p.ResourceId);

        var figures = new List<Figures>();
        foreach (var resource in resources)
        {
            var days = periods[resource.Id].SelectMany(ResourcesApi.Unfold).Where(d => d.Day >= from && d.Day <= to).ToList();
            if (days.Count == 0)
            {
                continue;
            }

            var quantity = days.Sum(d => d.Quantity);
            var covered = days.Sum(d => d.Covered);
            var list = (double)days.Sum(d => d.List);
            figures.Add(new Figures(
                MatchId(plan.Id, resource.Id), resource, days.Min(d => d.Day), days.Max(d => d.Day), quantity / hours, Math.Max(0, quantity - covered) / hours,
                covered / hours, quantity > 0 ? list / quantity : 0, (double)days.Sum(d => d.CoveredEffective) / hours, 0, 0));
        }

        // Each pool's new coverage goes to its resources in proportion to what they run uncovered, never beyond it.
        var uncoveredByPool = figures.GroupBy(f => (f.Resource.RegionId, f.Resource.InstanceType)).ToDictionary(g => g.Key, g => g.Sum(f => f.Uncovered));
        for (var i = 0; i < figures.Count; i++)
        {
            var f = figures[i];
            var key = (f.Resource.RegionId, f.Resource.InstanceType);
            var (poolCovered, costPerUnit) = pools[key];
            var share = uncoveredByPool[key] > 0 ? Math.Min(f.Uncovered, poolCovered * f.Uncovered / uncoveredByPool[key]) : 0;
            figures[i] = f with { NewCovered = share, NewReserved = share * costPerUnit };
        }

        return figures;
    }

    private static CommitmentPlanResourceMatchResponse ToResponse(Figures f)
    {
        var before = f.Uncovered * f.Price + f.Reserved;
        var afterOnDemand = (f.Uncovered - f.NewCovered) * f.Price;
        var afterReserved = f.Reserved + f.NewReserved;
        var after = afterOnDemand + afterReserved;
        return new CommitmentPlanResourceMatchResponse(
            f.Id, f.Total, f.Uncovered, f.NewCovered, f.Uncovered - f.NewCovered, f.Price, Money.FromDouble(f.Total * f.Price), Money.FromDouble(f.Uncovered * f.Price), Money.FromDouble(afterOnDemand),
            Money.FromDouble(f.NewCovered * f.Price), Money.FromDouble(f.Reserved), Money.FromDouble(afterReserved), Money.FromDouble(before), Money.FromDouble(after), Money.FromDouble(before * Offer.HoursPerMonth),
            Money.FromDouble(after * Offer.HoursPerMonth), Money.FromDouble(afterReserved * Offer.HoursPerMonth), Money.FromDouble(afterOnDemand * Offer.HoursPerMonth), Money.FromDouble(before - after),
            Money.FromDouble((before - after) * Offer.HoursPerMonth), "running", f.Total > 0 ? Math.Min(1, (f.Covered + f.NewCovered) / f.Total) : 0,
            ResourcesApi.ToResponse(f.Resource, f.Start, f.End));
    }

}
