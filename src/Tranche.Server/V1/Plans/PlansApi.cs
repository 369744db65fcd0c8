using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Providers.Offerings;
using Tranche.Providers.Plans;
using Tranche.Providers.Purchasing;
using Tranche.Providers.Sandbox;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1.Plans;

/// <summary>A commitment plan, as published (<c>CommitmentPlan</c>). Money per hour unless named monthly or total.</summary>
[ApiSchema("CommitmentPlan")]
public sealed record CommitmentPlanResponse(
    Guid Id,
    string Name,
    string? Description,
    Guid OrgId,
    DateTime CreatedAt,
    bool IsCalculating,
    [property: Description(
        "`new` when computed; `in_progress` while it is being bought, then `completed`, or `needs_review` when a line failed; " +
        "`cancelled` (newer Archera documentation) when a newer computation replaced it before anyone acted on it. " +
        "The published `reviewed`, `scheduled` and `draft` are not produced.")]
    string Status,
    string? MaxTerm,
    decimal CoveredOndemandCostHourly,
    decimal BeforeOndemandCostHourly,
    decimal BeforeReservedCostHourly,
    decimal AmortizedCostHourly,
    decimal RecurringCostHourly,
    decimal UpfrontCostHourly,
    decimal BeforeCostHourly,
    decimal AfterCostHourly,
    decimal TotalCostHourly,
    decimal SavingsHourly,
    decimal FeeHourly,
    double CommitmentCoverage,
    decimal MinimumCommitmentCost,
    double BreakevenHours,
    decimal TotalSavings,
    decimal MonthlySavings,
    decimal TotalMonthlyBeforeCost);

/// <summary>The commitment an offer sells, as published (<c>PublicCommitmentOffer</c>), with the newer <c>commitment_type</c>.</summary>
[ApiSchema("PublicCommitmentOffer")]
public sealed record PublicCommitmentOfferResponse(
    Guid Id,
    string Provider,
    string ProviderOfferingId,
    string Type,
    string CommitmentType,
    string? DisplayName,
    string? LeasedDisplayName,
    string? Region,
    double DurationSeconds,
    decimal UpfrontCost,
    decimal RecurringCost,
    string? OfferingClass,
    string? PaymentOption,
    string? OfferingId,
    string? ProductDescription,
    string? InstanceFamily,
    string? InstanceType,
    string? Tenancy,
    string? Az,
    bool? IsMultiAz,
    bool? IsFlexible,
    string? PlanType);

/// <summary>What a line item buys, as published (<c>PurchasePlanContractSpec</c>).</summary>
[ApiSchema("PurchasePlanContractSpec")]
public sealed record PurchasePlanContractSpecResponse(string CommitmentType, IReadOnlyDictionary<string, object?> Properties, string? Term, string? PaymentOption);

/// <summary>One purchase of a plan, as published (<c>CommitmentPlanLineItem_Exclude_CoveredServices</c>). Money per hour unless named otherwise.</summary>
[ApiSchema("CommitmentPlanLineItem_Exclude_CoveredServices")]
public sealed record CommitmentPlanLineItemResponse(
    Guid Id,
    Guid PlanId,
    Guid OfferId,
    Guid? LeaseMenuItemId,
    string? AccountId,
    int RecommendedQuantity,
    int SelectedQuantity,
    decimal RecommendedCommitment,
    decimal SelectedCommitment,
    bool IsSelected,
    decimal AfterAmortizedCost,
    decimal UpfrontCost,
    decimal RecurringCost,
    decimal BeforeCost,
    decimal BeforeOndemandCost,
    decimal BeforeReservedCost,
    decimal CoveredOndemandCost,
    double AfterCoveredUnits,
    decimal TotalCost,
    decimal MonthlyCost,
    decimal Savings,
    decimal MonthlySavings,
    decimal TotalSavings,
    decimal Fee,
    double DiscountRate,
    double BreakevenHours,
    string ContractTerm,
    string PaymentOption,
    PurchasePlanContractSpecResponse ContractSpec,
    PublicCommitmentOfferResponse Offer);

/// <summary>
/// <c>/v1/org/{org_id}/commitment-plans</c>: the default plans (Recommended, Balanced, High Savings), the one recommended,
/// a plan by id and its line items. Plans are computed from the org's billing data and the offer catalog, and computed
/// again when newer billing data has been loaded; each plan records the data window and catalog version behind it.
/// </summary>
internal static class PlansApi
{
    public static readonly string[] Providers = ["aws", "azure", "gcp"];

    private static readonly string[] LineItemOrders =
    [
        "id", "plan_id", "offer_id", "account_id", "amortized_cost", "upfront_cost", "recurring_cost", "total_cost", "savings", "fee",
        "covered_ondemand_cost", "before_ondemand_cost", "before_reserved_cost", "covered_units", "before_cost", "monthly_savings", "breakeven_hours",
        "discount_rate", "monthly_cost", "selected_quantity", "null", "offer.type", "offer.duration_seconds",
    ];

    public static void MapPlans(this IEndpointRouteBuilder routes)
    {
        var plans = routes.MapGroup("/v1/org/{org_id}/commitment-plans").ForOrg().WithTags("Commitment Plans").WithApiErrors();

        plans.MapGet("/default", Defaults)
            .WithSummary("/commitment-plans/default")
            .WithDescription("The three default plans for the provider, Recommended, Balanced and High Savings (coverage targets near 0.70, 0.85 and 0.95), computed from the org's billing data and the offer catalog, and again whenever newer billing data is loaded. Empty when the org has no billing data for the provider. Money is per hour unless named monthly or total; `total_savings` is over the plan's terms.")
            .Produces<CommitmentPlanResponse[]>();

        plans.MapGet("/recommended", Recommended)
            .WithSummary("/commitment-plans/recommended")
            .WithDescription("The plan with the best expected net savings whose probability of a net loss (from simulated usage paths over the terms) is within the org's risk limit. 204 when nothing is worth buying or there is no billing data.")
            .Produces<CommitmentPlanResponse>()
            .Produces(StatusCodes.Status204NoContent);

        plans.MapGet("/{plan_id}", Get)
            .WithSummary("/commitment-plans/{plan_id}")
            .WithDescription("A plan by id, current or replaced: replaced plans stay readable because purchases point at them. `status` is `new`, `in_progress`, `completed` or `needs_review` as the plan is bought; a plan replaced by a newer computation (newer billing data, the periodic refresh) before anyone acted on it is `cancelled`, and cannot be bought.")
            .Produces<CommitmentPlanResponse>();

        plans.MapPost("/{plan_id}/apply", Apply)
            .WithSummary("/commitment-plans/{plan_id}/apply")
            .WithDescription("Buys the plan's selected line items in the org's cloud account (the sandbox cloud until a real account is connected) and answers with the plan, whose status moves to `in_progress` and then `completed` (or `needs_review` when a line failed). 404 for a plan the org does not have; 409 when it is stale (older than 24 hours, replaced (a replaced plan nobody acted on reads `cancelled`), or computed before newer billing data), already purchased, or has nothing to buy. Every line is recorded before the provider is called and carries an idempotency token, so nothing is bought twice; the purchase is listed under `/v2/org/{org_id}/partners/purchases` for partners.")
            .Produces<CommitmentPlanResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        plans.MapGet("/{plan_id}/line-items", LineItems)
            .WithSummary("/commitment-plans/{plan_id}/line-items")
            .WithDescription("What the plan buys: one line per offer and pool, with hourly cost and savings, the offer and the contract. Paged (`page_size` 1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<CommitmentPlanLineItemResponse[]>();
    }

    private static async Task<IResult> Defaults(HttpContext context, TrancheDbContext db, OfferCatalogs catalogs, TimeProvider time)
    {
        var query = new QueryArgs(context.Request);
        var provider = query.OneOf("provider", Providers, required: true)!;
        query.ThrowIfInvalid();
        var plans = await PlanGeneration.CurrentAsync(db, context.Org().OrgId, provider, catalogs, time.GetUtcNow().UtcDateTime, context.RequestAborted);
        return TypedResults.Ok(plans.Select(ToResponse));
    }

    private static async Task<IResult> Recommended(HttpContext context, TrancheDbContext db, OfferCatalogs catalogs, TimeProvider time)
    {
        var query = new QueryArgs(context.Request);
        var provider = query.OneOf("provider", Providers, required: true)!;
        query.ThrowIfInvalid();
        var plans = await PlanGeneration.CurrentAsync(db, context.Org().OrgId, provider, catalogs, time.GetUtcNow().UtcDateTime, context.RequestAborted);
        return plans.FirstOrDefault(p => p.IsRecommended) is { } plan ? TypedResults.Ok(ToResponse(plan)) : TypedResults.NoContent();
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db, string plan_id)
    {
        var id = PathIds.Parse(plan_id, nameof(plan_id));
        var plan = await db.CommitmentPlans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, context.RequestAborted);
        return plan is null ? ApiResults.NotFound($"Org {context.Org().OrgId} has no plan {id}.", "plan_not_found") : TypedResults.Ok(ToResponse(plan));
    }

    private static async Task<IResult> Apply(
        HttpContext context, TrancheDbContext db, TrancheServerOptions options, OfferCatalogs catalogs, SandboxFaults faults, TimeProvider time, string plan_id)
    {
        var id = PathIds.Parse(plan_id, nameof(plan_id));
        var orgId = context.Org().OrgId;
        var (purchase, refusal) = await PurchaseOrders.CreateAsync(db, orgId, id, null, context.Caller().AsActor(context), time.StorageNow(), context.RequestAborted);
        if (refusal is not null)
        {
            return ApiResults.Refused(refusal);
        }

        await PurchaseRunner.RunAsync(options.Database, db, orgId, purchase!.Id, catalogs, faults, time, context.RequestAborted);
        var plan = await db.CommitmentPlans.AsNoTracking().SingleAsync(p => p.Id == id, context.RequestAborted);
        return TypedResults.Ok(ToResponse(plan));
    }

    private static async Task<IResult> LineItems(HttpContext context, TrancheDbContext db, string plan_id)
    {
        var id = PathIds.Parse(plan_id, nameof(plan_id));
        var query = new QueryArgs(context.Request);
        var orderBy = query.OneOf("order_by", LineItemOrders, defaultValue: "id")!;
        var desc = query.NullableBool("desc") ?? false;
        var segment = query.Uuid("segment_id");
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        var matches = query.UuidList("resource_match_ids");
        query.ThrowIfInvalid();
        if (!await db.CommitmentPlans.AnyAsync(p => p.Id == id, context.RequestAborted))
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no plan {id}.", "plan_not_found");
        }

        if (segment is { } segmentId)
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no segment {segmentId}.", "segment_not_found");
        }

        var items = await db.PlanLineItems.AsNoTracking().Where(i => i.PlanId == id).ToListAsync(context.RequestAborted);
        if (matches.Count > 0)
        {
            // A resource match stands for a resource of one of the plan's pools: keep the line items of those pools.
            var resources = await db.BilledResources.AsNoTracking().Select(r => new { r.Id, r.RegionId, r.InstanceType }).ToListAsync(context.RequestAborted);
            var pools = resources.Where(r => matches.Contains(PlanResourceMatches.MatchId(id, r.Id))).Select(r => (r.RegionId, r.InstanceType)).ToHashSet();
            items = [.. items.Where(i => pools.Contains((i.RegionId, i.InstanceType)))];
        }

        Func<PlanLineItemRecord, IComparable?> key = orderBy switch
        {
            "plan_id" => i => i.PlanId,
            "offer_id" => i => i.OfferId,
            "account_id" => i => i.AccountId,
            "amortized_cost" => i => i.AfterAmortizedCost,
            "upfront_cost" => i => i.UpfrontCost,
            "recurring_cost" => i => i.RecurringCost,
            "total_cost" => i => i.TotalCost,
            "savings" => i => i.Savings,
            "fee" => i => i.Fee,
            "covered_ondemand_cost" => i => i.CoveredOnDemandCost,
            "before_ondemand_cost" => i => i.BeforeOnDemandCost,
            "before_reserved_cost" => i => i.BeforeReservedCost,
            "covered_units" => i => i.AfterCoveredUnits,
            "before_cost" => i => i.BeforeCost,
            "monthly_savings" => i => i.MonthlySavings,
            "breakeven_hours" => i => i.BreakevenHours,
            "discount_rate" => i => i.DiscountRate,
            "monthly_cost" => i => i.MonthlyCost,
            "selected_quantity" => i => i.SelectedQuantity,
            "offer.type" => i => i.OfferType,
            "offer.duration_seconds" => i => i.TermMonths,
            _ => i => i.Id,
        };
        var ordered = (desc ? items.OrderByDescending(key) : items.OrderBy(key)).ThenBy(i => i.Id).ToList();
        PaginationMetadata.For(ordered.Count, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(ordered.Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).Select(ToResponse));
    }

    public static CommitmentPlanResponse ToResponse(CommitmentPlanRecord p) => new(
        p.Id, p.Name, p.Description, p.OrgId, p.CreatedAt, false, p.Status, p.MaxTerm, p.CoveredOnDemandCostHourly, p.BeforeOnDemandCostHourly,
        p.BeforeReservedCostHourly, p.AmortizedCostHourly, p.RecurringCostHourly, p.UpfrontCostHourly, p.BeforeCostHourly, p.AfterCostHourly,
        p.TotalCostHourly, p.SavingsHourly, p.FeeHourly, p.CommitmentCoverage, p.MinimumCommitmentCost, p.BreakevenHours, p.TotalSavings,
        p.MonthlySavings, p.TotalMonthlyBeforeCost);

    public static CommitmentPlanLineItemResponse ToResponse(PlanLineItemRecord i)
    {
        var term = i.TermMonths switch { 12 => "one_year", 24 => "two_year", 36 => "three_year", 60 => "five_year", _ => "one_year" };
        var properties = new Dictionary<string, object?>
        {
            ["region"] = i.RegionId,
            ["instance_type"] = i.InstanceType,
            ["instance_family"] = i.InstanceFamily,
            ["offering_class"] = i.OfferingClass,
            ["plan_type"] = i.PlanType,
            ["quantity"] = i.SelectedQuantity,
            ["commitment"] = i.SelectedCommitment,
        };
        var offer = new PublicCommitmentOfferResponse(
            i.OfferId, ProviderOf(i.CommitmentType), i.ProviderOfferingId, i.OfferType, i.CommitmentType, i.DisplayName, i.DisplayName, i.RegionId,
            i.TermMonths * Offer.HoursPerMonth * 3600.0, i.UpfrontPerUnit, i.HourlyPerUnit, i.OfferingClass, i.PaymentOption, i.ProviderOfferingId,
            i.ProductDescription, i.InstanceFamily, i.InstanceType, i.Tenancy, null, i.OfferType == OfferKinds.ReservedInstance ? false : null, i.IsFlexible, i.PlanType);
        return new CommitmentPlanLineItemResponse(
            i.Id, i.PlanId, i.OfferId, null, i.AccountId, i.RecommendedQuantity, i.SelectedQuantity, i.RecommendedCommitment, i.SelectedCommitment,
            i.IsSelected, i.AfterAmortizedCost, i.UpfrontCost, i.RecurringCost, i.BeforeCost, i.BeforeOnDemandCost, i.BeforeReservedCost,
            i.CoveredOnDemandCost, i.AfterCoveredUnits, i.TotalCost, i.MonthlyCost, i.Savings, i.MonthlySavings, i.TotalSavings, i.Fee, i.DiscountRate,
            i.BreakevenHours, term, i.PaymentOption, new PurchasePlanContractSpecResponse(i.CommitmentType, properties, term, PaymentOptions.ToSnakeCase(i.PaymentOption)),
            offer);
    }

    private static string ProviderOf(string commitmentType) => commitmentType.Split('/')[0];
}
