using Microsoft.EntityFrameworkCore;
using Tranche.Data;

namespace Tranche.Providers.Purchasing;

/// <summary>Why a plan cannot be bought: a code for clients and a message for people; a plan the org does not have is a not-found, the rest conflicts.</summary>
public sealed record PurchaseRefusal(string Code, string Message, bool NotFound = false, object? Detail = null);

/// <summary>
/// Turns a plan into a purchase ready to run: checks it may be bought (the org onboarded, the plan this org's, fresh,
/// not bought before, not empty) and writes the purchase with its lines, all pending, in one save. The API (v1 apply, v2 purchase) and the
/// command line share it.
/// </summary>
public static class PurchaseOrders
{
    /// <summary>A plan older than this is stale: prices and usage move.</summary>
    public static readonly TimeSpan PlanLifetime = TimeSpan.FromHours(24);

    /// <summary>The purchase of a plan, or why not; <paramref name="share"/> is the share of every line to buy: 1 for the whole plan, less for one rung of a ladder (<see cref="ScaleToRung"/>).</summary>
    public static async Task<(PurchaseRecord? Purchase, PurchaseRefusal? Refusal)> CreateAsync(
        TrancheDbContext db, Guid orgId, Guid planId, string? idempotencyKey, Actor actor, DateTime now, CancellationToken cancellationToken, double share = 1)
    {
        var plan = await db.CommitmentPlans.SingleOrDefaultAsync(p => p.Id == planId, cancellationToken);
        if (plan is null)
        {
            return (null, new PurchaseRefusal("plan_not_found", $"Org {orgId} has no plan {planId}.", NotFound: true));
        }

        // Buying needs an account to buy in, verified, with billing data and a synced inventory behind the plan.
        if (await Onboarding.OnboardingStatus.RefusalAsync(db, orgId, cancellationToken) is { } notReady)
        {
            return (null, notReady);
        }

        if (await db.Purchases.AsNoTracking().SingleOrDefaultAsync(p => p.PlanId == planId, cancellationToken) is { } earlier)
        {
            return (null, new PurchaseRefusal("plan_already_purchased", $"Plan {planId} was already purchased (purchase {earlier.Id}, {earlier.Status}).", Detail: new { purchase_id = earlier.Id }));
        }

        var latestLoad = await db.BillingPeriods.Where(p => p.Provider == plan.Provider).MaxAsync(p => (DateTime?)p.LoadedAt, cancellationToken);
        // A replaced plan is refused whatever its status says (a cancelled one included): its prices and usage are old.
        var stale = plan.SupersededAt is not null ? $"a newer plan replaced it at {plan.SupersededAt:u}{(plan.Status == PlanStatuses.Cancelled ? " and it was cancelled" : "")}"
            : now - plan.CreatedAt > PlanLifetime ? $"it was computed at {plan.CreatedAt:u}, more than {PlanLifetime.TotalHours:0} hours ago"
            : latestLoad > plan.DataLoadedAt ? $"billing data loaded at {latestLoad:u} is newer than the data it was computed from"
            : null;
        if (stale is not null)
        {
            return (null, new PurchaseRefusal("plan_stale", $"Plan {planId} is stale: {stale}. Fetch the default plans again and purchase the new one."));
        }

        var items = await db.PlanLineItems.AsNoTracking().Where(i => i.PlanId == planId && i.IsSelected && i.SelectedQuantity > 0)
            .OrderBy(i => i.Id).ToListAsync(cancellationToken);
        if (items.Count == 0)
        {
            return (null, new PurchaseRefusal("plan_empty", $"Plan {planId} ({plan.Name}) has nothing to buy."));
        }

        foreach (var item in items)
        {
            ScaleToRung(item, share);
        }

        if (await GuardrailAsync(db, plan, items, now, cancellationToken) is { } broken)
        {
            return (null, broken);
        }

        var purchase = new PurchaseRecord
        {
            Id = Guid.CreateVersion7(now), OrgId = orgId, PlanId = planId, Provider = plan.Provider, Status = PurchaseStates.InProgress, IdempotencyKey = idempotencyKey,
            RequestedByKeyId = actor.KeyId, RequestId = actor.RequestId, CreatedAt = now,
            TotalUpfrontCost = items.Sum(i => i.UpfrontCost), TotalMonthlyCost = items.Sum(i => i.MonthlyCost),
        };
        db.Purchases.Add(purchase);
        var sequence = 0;
        foreach (var item in items)
        {
            var lineId = Guid.CreateVersion7(now);
            db.PurchaseLines.Add(new PurchaseLineRecord
            {
                Id = lineId, OrgId = orgId, PurchaseId = purchase.Id, PlanLineItemId = item.Id, Sequence = sequence++, Provider = plan.Provider, OfferType = item.OfferType,
                ProviderOfferingId = item.ProviderOfferingId, Quantity = item.SelectedQuantity, Commitment = item.SelectedCommitment, UpfrontCost = item.UpfrontCost,
                MonthlyCost = item.MonthlyCost, IdempotencyToken = PurchaseLedger.TokenOf(purchase.Id, lineId), State = PurchaseLineStates.Pending,
            });
        }

        plan.Status = PlanStatuses.InProgress;
        db.Record(orgId, actor, "purchase.created", purchase.Id.ToString(), new { plan_id = planId, lines = items.Count }, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another request bought the same plan (or used the same key) a moment ago: the unique indexes kept one.
            db.ChangeTracker.Clear();
            return (null, new PurchaseRefusal("plan_already_purchased", $"Plan {planId} is being purchased by another request."));
        }

        return (purchase, null);
    }

    /// <summary>
    /// One rung of a ladder: <paramref name="share"/> of the line, in whole units and at least one (a spend commitment:
    /// that share of its hourly amount), with its costs in proportion. Only for rows read untracked: it changes what
    /// this purchase buys, never the plan.
    /// </summary>
    public static void ScaleToRung(PlanLineItemRecord item, double share)
    {
        if (share >= 1 || item.SelectedQuantity <= 0)
        {
            return;
        }

        decimal factor;
        if (item.SelectedCommitment > 0)
        {
            factor = (decimal)share;
            item.SelectedCommitment = Math.Max(0.001m, decimal.Round(item.SelectedCommitment * factor, 3));
        }
        else
        {
            var units = Math.Clamp((int)Math.Ceiling(item.SelectedQuantity * share - 1e-9), 1, item.SelectedQuantity);
            factor = units / (decimal)item.SelectedQuantity;
            item.SelectedQuantity = units;
        }

        item.UpfrontCost = decimal.Round(item.UpfrontCost * factor, 2);
        item.MonthlyCost = decimal.Round(item.MonthlyCost * factor, 6);
    }

    /// <summary>The first of the org's guardrails the plan would break, with the limit and the figure that broke it.</summary>
    private static async Task<PurchaseRefusal?> GuardrailAsync(
        TrancheDbContext db, CommitmentPlanRecord plan, List<PlanLineItemRecord> items, DateTime now, CancellationToken cancellationToken)
    {
        if (await db.PurchasePolicies.AsNoTracking().SingleOrDefaultAsync(cancellationToken) is not { } policy)
        {
            return null;
        }

        if (List(policy.AllowedProviders) is { } providers && !providers.Contains(plan.Provider))
        {
            return Broken("guardrail_provider", $"The org's policy allows purchases on {string.Join(", ", providers)} only; this plan is for {plan.Provider}.", providers, plan.Provider);
        }

        if (List(policy.AllowedCommitmentTypes) is { } types && items.FirstOrDefault(i => !types.Contains(i.OfferType)) is { } type)
        {
            return Broken("guardrail_commitment_type", $"The org's policy allows {string.Join(", ", types)} only; the plan buys {type.OfferType} ({type.ProviderOfferingId}).", types, type.OfferType);
        }

        if (policy.MaxTermMonths is { } maxTerm && items.Max(i => i.TermMonths) is var term && term > maxTerm)
        {
            return Broken("guardrail_max_term", $"The org's policy allows terms up to {maxTerm} months; the plan has a {term}-month term.", maxTerm, term);
        }

        var upfront = items.Sum(i => i.UpfrontCost);
        if (policy.MaxUpfrontPerPurchase is { } maxUpfront && upfront > maxUpfront)
        {
            return Broken("guardrail_max_upfront", $"The org's policy allows at most {maxUpfront:N2} upfront per purchase; the plan pays {upfront:N2}.", maxUpfront, upfront);
        }

        if (policy.MaxNewMonthlyCommitmentPerMonth is { } maxMonthly)
        {
            var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            var bought = await db.Purchases.Where(p => p.CreatedAt >= monthStart && p.Status != PurchaseStates.Failed).SumAsync(p => (decimal?)p.TotalMonthlyCost, cancellationToken) ?? 0;
            var adding = items.Sum(i => i.MonthlyCost);
            if (bought + adding > maxMonthly)
            {
                return Broken("guardrail_monthly_limit",
                    $"The org's policy allows {maxMonthly:N2} of new monthly commitment per calendar month; {bought:N2} is already bought this month and the plan adds {adding:N2}.",
                    maxMonthly, bought + adding);
            }
        }

        return policy.DryRun
            ? Broken("guardrail_dry_run", $"The org is in dry-run mode: the plan would buy {items.Count} line item(s), {upfront:N2} upfront and {items.Sum(i => i.MonthlyCost):N2} a month. Nothing was bought.", null, items.Count)
            : null;

        static PurchaseRefusal Broken(string code, string message, object? limit, object value) => new(code, message, Detail: new { limit, value });
    }

    private static IReadOnlyList<string>? List(string? csv) =>
        string.IsNullOrWhiteSpace(csv) ? null : [.. csv.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
