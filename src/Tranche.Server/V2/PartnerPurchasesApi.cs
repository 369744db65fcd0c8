using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Providers.Offerings;
using Tranche.Providers.Purchasing;
using Tranche.Providers.Sandbox;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V2;

/// <summary><c>{"plan_id": "...", "confirm": true}</c>: <c>confirm</c> must be the literal <c>true</c>, or nothing is bought.</summary>
public sealed record PurchasePlanRequest(string? PlanId, bool? Confirm) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        if (PlanId is null)
        {
            errors.Add("json", "plan_id", "Missing data for required field.");
        }
        else if (!Guid.TryParseExact(PlanId, "D", out _))
        {
            errors.Add("json", "plan_id", "Not a valid UUID (take it from the `plan.id` of the default plans).");
        }

        if (Confirm is not true)
        {
            errors.Add("json", "confirm", "Must be true to buy: this purchases commitments in the customer's cloud account. Nothing was bought.");
        }
    }
}

/// <summary>One commitment of a purchase and what became of it.</summary>
public sealed record PurchaseLineResponse(
    Guid Id, Guid PlanLineItemId, string Type, string ProviderOfferingId, int Quantity, decimal Commitment, decimal UpfrontCost, decimal MonthlyCost, string Status,
    string? ProviderOrderId, string? Error, int Attempts, DateTime? SubmittedAt, DateTime? FinishedAt);

/// <summary>A purchase: the plan it carried out, its status, totals and lines.</summary>
public sealed record PurchaseResponse(
    Guid Id, Guid OrgId, Guid PlanId, string Provider, string Status, DateTime CreatedAt, DateTime? CompletedAt, decimal TotalUpfrontCost, decimal TotalMonthlyCost,
    IReadOnlyList<PurchaseLineResponse> LineItems);

/// <summary>
/// <c>POST /v2/org/{child_org_id}/partners/plans/purchase</c> buys a plan in the customer's cloud account (the sandbox
/// cloud until a real account is connected), and <c>GET .../partners/purchases</c> lists what was bought.
/// </summary>
internal static class PartnerPurchasesApi
{
    public static void MapPartnerPurchases(this IEndpointRouteBuilder routes)
    {
        var partner = routes.MapGroup("/v2/org/{child_org_id}/partners").ForOrg("child_org_id", OrgReach.ChildOfPartner).WithTags("Partner").WithApiErrors();

        partner.MapPost("/plans/purchase", Purchase)
            .WithSummary("Purchase a commitment plan")
            .WithDescription("Buys every selected line item of the plan in the customer's cloud account. `confirm` must be `true`. 404 for a plan the org does not have; 409 when the plan is stale (older than 24 hours, replaced (a replaced plan nobody acted on reads `cancelled`), or computed before newer billing data) or already purchased. An `Idempotency-Key` header makes a repeated request return the same purchase. Each line is recorded before the provider is called and carries an idempotency token derived from the purchase and line, so retries never buy twice. 201 with the purchase.")
            .WithBody<PurchasePlanRequest>("application/json")
            .Produces<PurchaseResponse>(StatusCodes.Status201Created)
            .Produces<PurchaseResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        // The same history for the org itself (v1): its own keys, or its partner's.
        var own = routes.MapGroup("/v1/org/{org_id}/purchases").ForOrg().WithTags("Purchasing").WithApiErrors();
        own.MapGet("", List)
            .WithSummary("Purchases of the org")
            .WithDescription("Newest first; paged by `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<PurchaseResponse[]>();
        own.MapGet("/{purchase_id}", Get)
            .WithSummary("A purchase with its line items")
            .Produces<PurchaseResponse>();

        partner.MapGet("/purchases", List)
            .WithSummary("Purchases of a customer org")
            .WithDescription("Newest first; paged by `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<PurchaseResponse[]>();

        partner.MapGet("/purchases/{purchase_id}", Get)
            .WithSummary("A purchase with its line items")
            .Produces<PurchaseResponse>();
    }

    private static async Task<IResult> Purchase(
        HttpContext context, TrancheDbContext db, TrancheServerOptions options, OfferCatalogs catalogs, SandboxFaults faults, TimeProvider time)
    {
        var request = await RequestJson.ReadAsync<PurchasePlanRequest>(context.Request);
        var orgId = context.Org().OrgId;
        var planId = Guid.Parse(request.PlanId!);
        var key = context.Request.Headers["Idempotency-Key"].FirstOrDefault();
        if (key is { Length: > 255 })
        {
            throw RequestValidationException.For("headers", "Idempotency-Key", "Longer than maximum length 255.");
        }

        if (key is not null && await db.Purchases.AsNoTracking().SingleOrDefaultAsync(p => p.IdempotencyKey == key, context.RequestAborted) is { } repeated)
        {
            return repeated.PlanId == planId
                ? TypedResults.Ok(await ResponseAsync(db, repeated, context.RequestAborted))
                : ApiResults.Conflict($"Idempotency-Key '{key}' was used for a purchase of plan {repeated.PlanId}, not {planId}.", "idempotency_key_reused");
        }

        var (purchase, refusal) = await PurchaseOrders.CreateAsync(db, orgId, planId, key, context.Caller().AsActor(context), time.StorageNow(), context.RequestAborted);
        if (refusal is not null)
        {
            return ApiResults.Refused(refusal);
        }

        // The sandbox plays the cloud: its own unit of work, as a provider's API would be.
        await PurchaseRunner.RunAsync(options.Database, db, orgId, purchase!.Id, catalogs, faults, time, context.RequestAborted);
        return TypedResults.Created($"/v2/org/{orgId}/partners/purchases/{purchase.Id}", await ResponseAsync(db, purchase, context.RequestAborted));
    }

    private static async Task<IResult> List(HttpContext context, TrancheDbContext db)
    {
        var query = new QueryArgs(context.Request);
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        query.ThrowIfInvalid();
        var total = await db.Purchases.CountAsync(context.RequestAborted);
        var purchases = await db.Purchases.AsNoTracking().OrderByDescending(p => p.CreatedAt).ThenByDescending(p => p.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);
        var result = new List<PurchaseResponse>();
        foreach (var purchase in purchases)
        {
            result.Add(await ResponseAsync(db, purchase, context.RequestAborted));
        }

        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(result);
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db, string purchase_id)
    {
        var id = PathIds.Parse(purchase_id, nameof(purchase_id));
        var purchase = await db.Purchases.AsNoTracking().SingleOrDefaultAsync(p => p.Id == id, context.RequestAborted);
        return purchase is null
            ? ApiResults.NotFound($"Org {context.Org().OrgId} has no purchase {id}.", "purchase_not_found")
            : TypedResults.Ok(await ResponseAsync(db, purchase, context.RequestAborted));
    }

    internal static async Task<PurchaseResponse> ResponseAsync(TrancheDbContext db, PurchaseRecord purchase, CancellationToken cancellationToken)
    {
        var lines = await db.PurchaseLines.AsNoTracking().Where(l => l.PurchaseId == purchase.Id).OrderBy(l => l.Sequence).ToListAsync(cancellationToken);
        return new PurchaseResponse(
            purchase.Id, purchase.OrgId, purchase.PlanId, purchase.Provider, purchase.Status, purchase.CreatedAt, purchase.CompletedAt, purchase.TotalUpfrontCost,
            purchase.TotalMonthlyCost,
            [.. lines.Select(l => new PurchaseLineResponse(
                l.Id, l.PlanLineItemId, l.OfferType, l.ProviderOfferingId, l.Quantity, l.Commitment, l.UpfrontCost, l.MonthlyCost, l.State, l.ProviderOrderId, l.Error,
                l.Attempts, l.SubmittedAt, l.FinishedAt))]);
    }
}
