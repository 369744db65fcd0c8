using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Providers.Sandbox;

namespace Tranche.Providers.Purchasing;

/// <summary>
/// Carries out a purchase line by line (a GCP GPU bundle's lines as one order) as a persisted state machine: each line is written <c>submitted</c> (with its
/// idempotency token) before the provider is called, and <c>succeeded</c> or <c>failed</c> after. Running it again, after
/// a crash or a lost answer, never buys twice: token-taking orders are simply repeated with the same token; an EC2
/// Reserved Instance (no token) is looked up by the tag put on it after purchase, then among untagged ones of the same
/// offering and count bought since the line was submitted, before anything is bought again.
/// </summary>
public sealed class PurchaseLedger(TrancheDbContext db, SandboxMarket market, OfferCatalog catalog)
{
    /// <summary>The tag that marks an EC2 Reserved Instance as bought for a purchase line.</summary>
    public const string TagKey = "tranche:purchase-line";

    /// <summary>How far back an untagged Reserved Instance may have been bought and still be this line's (clock skew, slow calls).</summary>
    private static readonly TimeSpan AdoptionWindow = TimeSpan.FromMinutes(5);

    /// <summary>The token of a line: the same for every attempt, different for every line.</summary>
    public static string TokenOf(Guid purchaseId, Guid lineId) => $"tranche-{NameBasedIds.For($"purchase\n{purchaseId}\n{lineId}"):N}";

    /// <summary>Runs every line that is not finished; returns the purchase with its new status.</summary>
    public async Task<PurchaseRecord> RunAsync(Guid purchaseId, Func<DateTime> now, CancellationToken cancellationToken)
    {
        var purchase = await db.Purchases.SingleAsync(p => p.Id == purchaseId, cancellationToken);
        var lines = await db.PurchaseLines.Where(l => l.PurchaseId == purchaseId).OrderBy(l => l.Sequence).ToListAsync(cancellationToken);
        foreach (var order in OrdersOf(lines).Where(o => o.Lines.Any(l => l.State is PurchaseLineStates.Pending or PurchaseLineStates.Submitted)))
        {
            if (order.Bundled)
            {
                await RunBundleAsync(purchase, order.Lines, now, cancellationToken);
            }
            else
            {
                await RunLineAsync(purchase, order.Lines[0], now, cancellationToken);
            }
        }

        var wasInProgress = purchase.Status == PurchaseStates.InProgress;
        purchase.Status = StatusOf(lines);
        purchase.CompletedAt = purchase.Status == PurchaseStates.InProgress ? null : now();
        // The plan follows its purchase: in progress, completed, or back to the user when any line failed.
        if (await db.CommitmentPlans.SingleOrDefaultAsync(p => p.Id == purchase.PlanId, cancellationToken) is { } plan)
        {
            plan.Status = purchase.Status switch
            {
                PurchaseStates.InProgress => PlanStatuses.InProgress,
                PurchaseStates.Succeeded => PlanStatuses.Completed,
                _ => PlanStatuses.NeedsReview,
            };
        }

        db.Record(purchase.OrgId, Actor.System, purchase.Status == PurchaseStates.InProgress ? "purchase.interrupted" : $"purchase.{purchase.Status}", purchase.Id.ToString(),
            new { lines = lines.Select(l => new { l.Id, l.State, l.ProviderOrderId, l.Error }) }, now());
        if (wasInProgress && purchase.Status != PurchaseStates.InProgress)
        {
            await RaiseFinishedAsync(purchase, lines, now(), cancellationToken);
        }

        await db.SaveChangesAsync(cancellationToken);
        return purchase;
    }

    /// <summary>
    /// <c>purchase.succeeded</c> when every line was bought, <c>purchase.failed</c> otherwise (a partial failure too: the
    /// lines say which were bought). Once per purchase, saved with its final status.
    /// </summary>
    private Task RaiseFinishedAsync(PurchaseRecord purchase, IReadOnlyList<PurchaseLineRecord> lines, DateTime now, CancellationToken cancellationToken) =>
        db.RaiseEventOnceAsync(
            purchase.OrgId,
            purchase.Status == PurchaseStates.Succeeded ? OrgEventTypes.PurchaseSucceeded : OrgEventTypes.PurchaseFailed,
            new
            {
                purchase_id = purchase.Id,
                plan_id = purchase.PlanId,
                provider = purchase.Provider,
                status = purchase.Status,
                total_upfront_cost = purchase.TotalUpfrontCost,
                total_monthly_cost = purchase.TotalMonthlyCost,
                completed_at = purchase.CompletedAt,
                line_items = lines.Select(l => new
                {
                    id = l.Id,
                    type = l.OfferType,
                    provider_offering_id = l.ProviderOfferingId,
                    quantity = l.Quantity,
                    upfront_cost = l.UpfrontCost,
                    monthly_cost = l.MonthlyCost,
                    status = l.State,
                    provider_order_id = l.ProviderOrderId,
                    error = l.Error,
                }),
            },
            now,
            $"purchase:{purchase.Id}",
            cancellationToken);

    public static string StatusOf(IReadOnlyCollection<PurchaseLineRecord> lines) =>
        lines.Any(l => l.State is PurchaseLineStates.Pending or PurchaseLineStates.Submitted) ? PurchaseStates.InProgress
        : lines.All(l => l.State == PurchaseLineStates.Succeeded) ? PurchaseStates.Succeeded
        : lines.All(l => l.State == PurchaseLineStates.Failed) ? PurchaseStates.Failed
        : PurchaseStates.PartiallyFailed;

    /// <summary>
    /// The provider orders the lines make, in line order: one per line, except that the lines of one bundle (GCP GPU
    /// machine types of one commitment type and region, on one term and payment option) make one order. GCP commits a
    /// GPU only together with the vCPUs and memory of its machine series, in one commitment with one term; buying such
    /// lines as one commitment keeps the bundle whole (see <see cref="CatalogOffer.Bundle"/>).
    /// </summary>
    private List<(List<PurchaseLineRecord> Lines, bool Bundled)> OrdersOf(IReadOnlyList<PurchaseLineRecord> lines)
    {
        var orders = new List<(List<PurchaseLineRecord> Lines, bool Bundled)>();
        var bundles = new Dictionary<string, List<PurchaseLineRecord>>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (catalog.FindOffer(line.ProviderOfferingId) is { BundleKey: { } key } offer)
            {
                var bundle = $"{key}/{offer.Offer.TermMonths}/{offer.Offer.PaymentOption}";
                if (!bundles.TryGetValue(bundle, out var members))
                {
                    bundles[bundle] = members = [];
                    orders.Add((members, true));
                }

                members.Add(line);
            }
            else
            {
                orders.Add(([line], false));
            }
        }

        return orders;
    }

    /// <summary>
    /// Buys a bundle's lines as one commitment: every line is written submitted before the one provider call, which
    /// carries the first line's token (the same for every attempt, so a repeated call returns the commitment it made),
    /// and all lines succeed with the same order, or fail, or wait for the recovery job, together.
    /// </summary>
    private async Task RunBundleAsync(PurchaseRecord purchase, List<PurchaseLineRecord> lines, Func<DateTime> now, CancellationToken cancellationToken)
    {
        var members = new List<BundleMember>();
        foreach (var line in lines)
        {
            var offer = catalog.FindOffer(line.ProviderOfferingId)!;
            if (catalog.Find(offer.Offer.Provider, offer.Region, offer.InstanceType ?? "") is not { } entry)
            {
                await FinishAllAsync(lines, null, $"The machine type of offer {line.ProviderOfferingId} is not in catalog {catalog.Version}.", now, cancellationToken);
                return;
            }

            members.Add(new BundleMember(offer, entry, line.Quantity));
        }

        foreach (var line in lines)
        {
            MarkSubmitted(line, now());
        }

        await db.SaveChangesAsync(cancellationToken);
        string orderId;
        try
        {
            orderId = await market.OrderBundleWithTokenAsync(purchase.OrgId, members, lines[0].IdempotencyToken, now(), cancellationToken);
        }
        catch (SandboxRejectedException e)
        {
            await FinishAllAsync(lines, null, e.Message, now, cancellationToken);
            return;
        }
        catch (SandboxResponseLostException)
        {
            lines.ForEach(l => l.Error = "The provider's answer was lost; the recovery job will find out what was bought.");
            await db.SaveChangesAsync(cancellationToken);
            return;
        }
        catch (SandboxUnavailableException e)
        {
            lines.ForEach(l => l.Error = $"The provider is unavailable ({e.Message}); the recovery job will try again.");
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        var terms = SandboxMarket.TermsOf(members, orderId, lines[0].SubmittedAt ?? now());
        if (!await db.Commitments.AnyAsync(c => c.Provider == terms.Provider && c.ProviderCommitmentId == orderId, cancellationToken))
        {
            db.Commitments.Add(CommitmentSync.New(purchase.OrgId, terms, CommitmentSources.Purchase, now()));
        }

        lines.ForEach(l => l.ProviderOrderId = orderId);
        await FinishAllAsync(lines, orderId, null, now, cancellationToken);
    }

    private async Task FinishAllAsync(List<PurchaseLineRecord> lines, string? orderId, string? error, Func<DateTime> now, CancellationToken cancellationToken)
    {
        foreach (var line in lines)
        {
            line.State = orderId is null ? PurchaseLineStates.Failed : PurchaseLineStates.Succeeded;
            line.Error = error;
            line.FinishedAt = now();
        }

        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task RunLineAsync(PurchaseRecord purchase, PurchaseLineRecord line, Func<DateTime> now, CancellationToken cancellationToken)
    {
        if (catalog.FindOffer(line.ProviderOfferingId) is not { } offer)
        {
            await FinishAsync(line, null, $"The offer {line.ProviderOfferingId} is not in catalog {catalog.Version}.", now, cancellationToken);
            return;
        }

        var token = line.IdempotencyToken;
        var tokenless = !SandboxMarket.TakesToken(offer.Offer);
        if (line.State == PurchaseLineStates.Submitted && tokenless && await RecoverReservedInstanceAsync(purchase.OrgId, line, offer, cancellationToken) is { } found)
        {
            // An earlier attempt bought it: record it (and mark it, if the tag had not been put on yet).
            await market.TagAsync(purchase.OrgId, found, TagKey, token, cancellationToken);
            await SucceedAsync(purchase, line, offer, found, now, cancellationToken);
            return;
        }

        MarkSubmitted(line, now());
        await db.SaveChangesAsync(cancellationToken);

        string orderId;
        try
        {
            if (tokenless)
            {
                orderId = await market.PurchaseReservedInstancesAsync(purchase.OrgId, offer, line.Quantity, now(), cancellationToken);
                await market.TagAsync(purchase.OrgId, orderId, TagKey, token, cancellationToken);
            }
            else
            {
                orderId = await market.OrderWithTokenAsync(purchase.OrgId, offer, line.Quantity, line.Commitment, token, now(), cancellationToken);
            }
        }
        catch (SandboxRejectedException e)
        {
            await FinishAsync(line, null, e.Message, now, cancellationToken);
            return;
        }
        catch (SandboxResponseLostException)
        {
            // The outcome is unknown: the line stays submitted and the next run finds out what was bought.
            line.Error = "The provider's answer was lost; the recovery job will find out what was bought.";
            await db.SaveChangesAsync(cancellationToken);
            return;
        }
        catch (SandboxUnavailableException e)
        {
            // Turned away for now: nothing was bought, and running the line again is safe.
            line.Error = $"The provider is unavailable ({e.Message}); the recovery job will try again.";
            await db.SaveChangesAsync(cancellationToken);
            return;
        }

        await SucceedAsync(purchase, line, offer, orderId, now, cancellationToken);
    }

    private async Task<string?> RecoverReservedInstanceAsync(Guid orgId, PurchaseLineRecord line, CatalogOffer offer, CancellationToken cancellationToken)
    {
        var tagged = await market.FindByTagAsync(orgId, TagKey, line.IdempotencyToken, cancellationToken);
        if (tagged.Count > 0)
        {
            return tagged[0];
        }

        var since = (line.SubmittedAt ?? DateTime.MinValue) - AdoptionWindow;
        var untagged = await market.UntaggedSinceAsync(orgId, offer.Offer.OfferId, line.Quantity, since, cancellationToken);
        return untagged.Count > 0 ? untagged[0] : null;
    }

    private async Task SucceedAsync(PurchaseRecord purchase, PurchaseLineRecord line, CatalogOffer offer, string orderId, Func<DateTime> now, CancellationToken cancellationToken)
    {
        // The commitment is in the inventory at once, marked as Tranche's purchase, before any sync lists it.
        var terms = SandboxMarket.TermsOf(offer, orderId, line.Quantity, line.Commitment, line.SubmittedAt ?? now());
        if (!await db.Commitments.AnyAsync(c => c.Provider == terms.Provider && c.ProviderCommitmentId == orderId, cancellationToken))
        {
            db.Commitments.Add(CommitmentSync.New(purchase.OrgId, terms, CommitmentSources.Purchase, now()));
        }

        line.ProviderOrderId = orderId;
        await FinishAsync(line, orderId, null, now, cancellationToken);
    }

    /// <summary>Recorded before the provider is called, so a crash from here on is recovered, never ordered blind.</summary>
    private static void MarkSubmitted(PurchaseLineRecord line, DateTime now)
    {
        line.State = PurchaseLineStates.Submitted;
        line.SubmittedAt = now;
        line.Attempts++;
    }

    private Task FinishAsync(PurchaseLineRecord line, string? orderId, string? error, Func<DateTime> now, CancellationToken cancellationToken) =>
        FinishAllAsync([line], orderId, error, now, cancellationToken);
}
