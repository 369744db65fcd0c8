using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Providers.Offerings;
using Tranche.Providers.Onboarding;
using Tranche.Providers.Plans;
using Tranche.Server.Api;
using Tranche.Server.Auth;
using Tranche.Server.V1.Plans;

namespace Tranche.Server.V2;

/// <summary>How sure a plan is, from simulated usage paths over its terms.</summary>
public sealed record PartnerPlanRisk(
    decimal ExpectedNetSavings, double LossProbability, decimal TailSavings5Percent, double ExpectedUtilization, double BreakevenHours, int SimulatedPaths);

/// <summary>What a plan was computed from and with.</summary>
/// <remarks>
/// The survival figures say how long the org's usage was judged to last, learned from its own history: a level that
/// has lasted <c>age</c> is still used <c>t</c> later with probability (age/(age+t))^exponent · exp(-hazard · t in years);
/// <c>SurvivalEvidenceWeeks</c> is how many pool-weeks of history the fit rests on (0: the cautious prior alone), and
/// <c>SurvivalEvidenceDays</c> the longest horizon that history showed, beyond which the cautious prior takes over.
/// </remarks>
public sealed record PartnerPlanConfiguration(
    double CoverageTarget, int LookbackDays, double UptimeThreshold, double RiskLimit, DateOnly DataFrom, DateOnly DataTo, string CatalogVersion, string? MaxTerm,
    double? SurvivalExponent, double? SurvivalHazardPerYear, int? SurvivalEvidenceWeeks, int? SurvivalEvidenceDays);

/// <summary>A recommended purchase: the offer and how much of it.</summary>
public sealed record PartnerPlanLine(
    Guid Id, string Pool, Guid OfferId, string ProviderOfferingId, string CommitmentType, string Type, string? Region, string? InstanceType, int TermMonths,
    string PaymentOption, int Quantity, decimal HourlyCommitment, decimal UpfrontCost, decimal MonthlyCost, decimal MonthlySavings, double BreakevenHours);

/// <summary>One default plan of a customer org for one provider.</summary>
public sealed record PartnerPlan(
    string Provider, bool IsRecommended, CommitmentPlanResponse Plan, PartnerPlanRisk Risk, PartnerPlanConfiguration Configuration, IReadOnlyList<PartnerPlanLine> LineItems);

public sealed record PartnerPlansResponse(Guid OrgId, IReadOnlyList<PartnerPlan> Plans);

/// <summary>
/// <c>GET /v2/org/{child_org_id}/partners/plans/default</c>: a partner's view of a customer org's default plans for
/// every provider it has billing data for: amounts to buy, projected savings, breakeven, risk and configuration. Buy one
/// with <c>POST .../partners/plans/purchase</c> and its <c>plan.id</c>.
/// </summary>
internal static class PartnerPlansApi
{
    public static void MapPartnerPlans(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v2/org/{child_org_id}/partners/plans").ForOrg("child_org_id", OrgReach.ChildOfPartner).WithTags("Partner").WithApiErrors()
            .MapGet("/default", Defaults)
            .WithSummary("Default commitment plans of a customer org")
            .WithDescription("Recommended, Balanced and High Savings per provider the customer org has billing data for, each with its line items (offer and quantity), projected savings, breakeven, risk from simulated usage paths (expected net savings, probability of a net loss, mean of the worst 5% of outcomes, expected utilization) and the configuration it was computed with. A partner key only; 403 for an org that is not the partner's customer; 409 naming the first onboarding step not complete (`onboarding_cloud_integration_missing`, `onboarding_permissions_not_verified`, `onboarding_no_billing_data`, `onboarding_not_synced`; see `GET /v2/org/{child_org_id}/partners/onboarding`).")
            .Produces<PartnerPlansResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> Defaults(HttpContext context, TrancheDbContext db, OfferCatalogs catalogs, TimeProvider time)
    {
        var orgId = context.Org().OrgId;
        if (await OnboardingStatus.RefusalAsync(db, orgId, context.RequestAborted) is { } notReady)
        {
            return ApiResults.Refused(notReady);
        }

        var providers = await db.BillingPeriods.Select(p => p.Provider).Distinct().ToListAsync(context.RequestAborted);
        providers = [.. providers.Where(p => PlansApi.Providers.Contains(p)).Order(StringComparer.Ordinal)];
        var result = new List<PartnerPlan>();
        foreach (var provider in providers)
        {
            var plans = await PlanGeneration.CurrentAsync(db, orgId, provider, catalogs, time.GetUtcNow().UtcDateTime, context.RequestAborted);
            var planIds = plans.Select(p => p.Id).ToList();
            var lines = (await db.PlanLineItems.AsNoTracking().Where(i => planIds.Contains(i.PlanId)).ToListAsync(context.RequestAborted)).ToLookup(i => i.PlanId);
            foreach (var plan in plans)
            {
                using var settings = JsonDocument.Parse(plan.Settings);
                var s = settings.RootElement;
                result.Add(new PartnerPlan(
                    provider, plan.IsRecommended, PlansApi.ToResponse(plan),
                    new PartnerPlanRisk(plan.ExpectedNetSavings, plan.LossProbability, plan.TailSavings, plan.ExpectedUtilization, plan.BreakevenHours, plan.SimulatedPaths),
                    new PartnerPlanConfiguration(
                        s.GetProperty("coverage_target").GetDouble(), s.GetProperty("lookback_days").GetInt32(), s.GetProperty("uptime_threshold").GetDouble(),
                        s.GetProperty("risk_limit").GetDouble(), plan.DataFrom, plan.DataTo, plan.CatalogVersion, plan.MaxTerm,
                        // Plans computed before survival was learned have no such figures.
                        s.TryGetProperty("survival_exponent", out var exponent) ? exponent.GetDouble() : null,
                        s.TryGetProperty("survival_hazard_per_year", out var hazard) ? hazard.GetDouble() : null,
                        s.TryGetProperty("survival_evidence_weeks", out var weeks) ? weeks.GetInt32() : null,
                        s.TryGetProperty("survival_evidence_days", out var days) ? days.GetInt32() : null),
                    [.. lines[plan.Id].OrderByDescending(i => i.MonthlySavings).ThenBy(i => i.Id).Select(i => new PartnerPlanLine(
                        i.Id, i.PoolKey, i.OfferId, i.ProviderOfferingId, i.CommitmentType, i.OfferType, i.RegionId, i.InstanceType, i.TermMonths, i.PaymentOption,
                        i.SelectedQuantity, i.SelectedCommitment, i.UpfrontCost, i.MonthlyCost, i.MonthlySavings, i.BreakevenHours))]));
            }
        }

        return TypedResults.Ok(new PartnerPlansResponse(orgId, result));
    }
}
