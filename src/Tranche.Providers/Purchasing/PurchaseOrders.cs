using Microsoft.EntityFrameworkCore;
using Tranche.Data;

namespace Tranche.Providers.Purchasing;

/// <summary>Why a plan cannot be bought: a code for clients and a message for people.</summary>
public sealed record PurchaseRefusal(string Code, string Message, bool NotFound = false, object? Detail = null);

/// <summary>
/// Turns a plan into a purchase ready to run: checks it may be bought (this org's, fresh, not bought before, not
/// empty) and writes the purchase with its lines, all pending, in one save. The API (v1 apply, v2 purchase) and the
/// command line share it.
/// </summary>
public static class PurchaseOrders
{
    /// <summary>A plan older than this is stale: prices and usage move.</summary>
    public static readonly TimeSpan PlanLifetime = TimeSpan.FromHours(24);

    public static async Task<(PurchaseRecord? Purchase, PurchaseRefusal? Refusal)> CreateAsync(
        TrancheDbContext db, Guid orgId, Guid planId, string? idempotencyKey, Actor actor, DateTime now, CancellationToken cancellationToken)
    {
        var plan = await db.CommitmentPlans.SingleOrDefaultAsync(p => p.Id == planId, cancellationToken);
        if (plan is null)
        {
            return (null, new PurchaseRefusal("plan_not_found", $"Org {orgId} has no plan {planId}.", NotFound: true));
        }

        if (await db.Purchases.AsNoTracking().SingleOrDefaultAsync(p => p.PlanId == planId, cancellationToken) is { } earlier)
        {
            return (null, new PurchaseRefusal("plan_already_purchased", $"Plan {planId} was already purchased (purchase {earlier.Id}, {earlier.Status}).", Detail: new { purchase_id = earlier.Id }));
        }

        var latestLoad = await db.BillingPeriods.Where(p => p.Provider == plan.Provider).MaxAsync(p => (DateTime?)p.LoadedAt, cancellationToken);
        var stale = plan.SupersededAt is not null ? $"a newer plan replaced it at {plan.SupersededAt:u}"
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

        plan.Status = "in_progress";
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
}
