using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1;

/// <summary>An org's purchase guardrails. Null (or an empty list) means no limit.</summary>
public sealed record PurchasePolicyBody(
    IReadOnlyList<string>? AllowedProviders,
    IReadOnlyList<string>? AllowedCommitmentTypes,
    decimal? MaxUpfrontPerPurchase,
    decimal? MaxNewMonthlyCommitmentPerMonth,
    int? MaxTermMonths,
    bool? DryRun) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        PolicyLists.CheckProviders(errors, "allowed_providers", AllowedProviders);
        PolicyLists.CheckCommitmentTypes(errors, "allowed_commitment_types", AllowedCommitmentTypes);

        if (MaxUpfrontPerPurchase < 0)
        {
            errors.Add("json", "max_upfront_per_purchase", "Must be greater than or equal to 0.");
        }

        if (MaxNewMonthlyCommitmentPerMonth < 0)
        {
            errors.Add("json", "max_new_monthly_commitment_per_month", "Must be greater than or equal to 0.");
        }

        if (MaxTermMonths is < 1 or > 60)
        {
            errors.Add("json", "max_term_months", "Must be between 1 and 60.");
        }
    }
}

/// <summary>
/// <c>GET, PUT /v1/org/{org_id}/purchase-policy</c> (a Tranche extension): the guardrails every purchase of the org is
/// checked against, set by the org's admin key or its partner's. Breaking one refuses the purchase with 409 naming the
/// limit and the figure; in dry-run mode purchases are checked and described but nothing is bought.
/// </summary>
internal static class PurchasePolicyApi
{
    public static void MapPurchasePolicy(this IEndpointRouteBuilder routes)
    {
        var policy = routes.MapGroup("/v1/org/{org_id}/purchase-policy").ForOrg().WithTags("Purchasing").WithApiErrors();

        policy.MapGet("", Get)
            .WithSummary("The org's purchase guardrails")
            .Produces<PurchasePolicyBody>();

        policy.MapPut("", Put)
            .WithSummary("Set the org's purchase guardrails")
            .WithDescription("Allowed providers and commitment types (`ri`, `savings_plan`, `cud`), most upfront per purchase, most new monthly commitment (730-hour month) per calendar month, longest term in months, and dry-run. Null or empty means no limit. Needs an admin key (the org's or its partner's); recorded in the audit log.")
            .WithBody<PurchasePolicyBody>("application/json")
            .Produces<PurchasePolicyBody>();
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db) =>
        TypedResults.Ok(ToBody(await db.PurchasePolicies.AsNoTracking().SingleOrDefaultAsync(context.RequestAborted)));

    private static async Task<IResult> Put(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (context.RequireAdmin("Setting purchase guardrails") is { } denied)
        {
            return denied;
        }

        var caller = context.Caller();

        var body = await RequestJson.ReadAsync<PurchasePolicyBody>(context.Request);
        var orgId = context.Org().OrgId;
        var now = time.StorageNow();
        var actor = caller.AsActor(context);
        var policy = await db.PurchasePolicies.SingleOrDefaultAsync(context.RequestAborted);
        if (policy is null)
        {
            policy = new PurchasePolicy { OrgId = orgId, UpdatedBy = actor.Name };
            db.PurchasePolicies.Add(policy);
        }

        policy.AllowedProviders = PolicyLists.Csv(body.AllowedProviders);
        policy.AllowedCommitmentTypes = PolicyLists.Csv(body.AllowedCommitmentTypes);
        policy.MaxUpfrontPerPurchase = body.MaxUpfrontPerPurchase;
        policy.MaxNewMonthlyCommitmentPerMonth = body.MaxNewMonthlyCommitmentPerMonth;
        policy.MaxTermMonths = body.MaxTermMonths;
        policy.DryRun = body.DryRun ?? false;
        policy.UpdatedAt = now;
        policy.UpdatedBy = actor.Name;
        var result = ToBody(policy);
        db.Record(orgId, actor, "purchase_policy.changed", orgId.ToString(), result, now);
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok(result);
    }

    private static PurchasePolicyBody ToBody(PurchasePolicy? p) => p is null
        ? new PurchasePolicyBody(null, null, null, null, null, false)
        : new PurchasePolicyBody(PolicyLists.List(p.AllowedProviders), PolicyLists.List(p.AllowedCommitmentTypes), p.MaxUpfrontPerPurchase, p.MaxNewMonthlyCommitmentPerMonth, p.MaxTermMonths, p.DryRun);
}

/// <summary>
/// The provider and commitment-type lists that purchase guardrails and automation policies share: how they are
/// checked, and how they are kept (comma-separated, null for no limit).
/// </summary>
internal static class PolicyLists
{
    public static void CheckProviders(RequestErrors errors, string field, IReadOnlyList<string>? providers)
    {
        foreach (var provider in providers ?? [])
        {
            if (provider is not ("aws" or "azure" or "gcp"))
            {
                errors.Add("json", field, $"'{provider}' is not one of: aws, azure, gcp.");
            }
        }
    }

    public static void CheckCommitmentTypes(RequestErrors errors, string field, IReadOnlyList<string>? types)
    {
        foreach (var type in types ?? [])
        {
            if (type is not (OfferKinds.ReservedInstance or OfferKinds.SavingsPlan or OfferKinds.CommittedUseDiscount))
            {
                errors.Add("json", field, $"'{type}' is not one of: ri, savings_plan, cud.");
            }
        }
    }

    public static string? Csv(IReadOnlyList<string>? values) => values is { Count: > 0 } ? string.Join(',', values.Distinct(StringComparer.Ordinal)) : null;

    public static IReadOnlyList<string>? List(string? csv) => csv?.Split(',');
}
