using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Onboarding;
using Tranche.Providers.Purchasing;

namespace Tranche.Providers.Onboarding;

/// <summary>
/// Reads an org's onboarding facts (its cloud integrations, the billing data it has, the syncs) and applies
/// <see cref="OnboardingRules"/>. Every endpoint that needs a ready org asks here, and so does the purchase ledger.
/// </summary>
public static class OnboardingStatus
{
    public const string CompletedDedupeKey = "onboarding";

    /// <summary>Where the scoped org stands, with the window of days its billing data covers.</summary>
    public static Task<Readiness> ReadAsync(TrancheDbContext db, CancellationToken cancellationToken) => ReadAsync(db, withWindow: true, cancellationToken);

    /// <summary>
    /// <paramref name="withWindow"/> false leaves out the first and last billed day (only the readiness answer shows
    /// them): the gate in front of plans and purchases then asks whether usage exists, a key seek, instead of scanning
    /// every usage day of the org on each request.
    /// </summary>
    private static async Task<Readiness> ReadAsync(TrancheDbContext db, bool withWindow, CancellationToken cancellationToken)
    {
        var integrations = await db.CloudIntegrations.AsNoTracking()
            .Select(i => new { i.Id, i.Provider, i.CreatedAt, i.VerifiedAt, i.State, i.LastVerification, i.LastSyncedAt, i.LastSyncError })
            .ToListAsync(cancellationToken);
        var periods = await db.BillingPeriods.AsNoTracking()
            .GroupBy(p => p.Provider)
            .Select(g => new { Provider = g.Key, FirstLoadedAt = g.Min(p => p.LoadedAt) })
            .ToListAsync(cancellationToken);
        // The window is the days with metered usage: fees dated at the start of a billing period would widen it to
        // days the data does not cover.
        var days = withWindow
            ? await (from usage in db.UsageDays
                     join period in db.BillingPeriods on usage.BillingPeriodId equals period.Id
                     group usage by period.Provider into g
                     select new { Provider = g.Key, First = g.Min(u => u.Day), Last = g.Max(u => u.Day) })
                .ToListAsync(cancellationToken)
            : [.. (await db.BillingPeriods.Where(p => db.UsageDays.Any(u => u.BillingPeriodId == p.Id)).Select(p => p.Provider).Distinct().ToListAsync(cancellationToken))
                .Select(provider => new { Provider = provider, First = default(DateOnly), Last = default(DateOnly) })];

        var billing = periods.Join(days, p => p.Provider, d => d.Provider, (p, d) => new BillingFacts(p.Provider, p.FirstLoadedAt, d.First, d.Last)).ToList();
        return OnboardingRules.Evaluate(
            [.. integrations.Select(i => new IntegrationFacts(
                i.Id, i.Provider, i.CreatedAt, i.VerifiedAt,
                i.VerifiedAt is null && i.State == CloudIntegrationStates.Failed ? Verification.FailureSummary(i.LastVerification) : null,
                i.LastSyncedAt, i.LastSyncError))],
            billing);
    }

    /// <summary>
    /// Raises and saves <c>onboarding.completed</c> the first time the org is seen ready (once per org, whoever sees it
    /// first: a verification, a sync, a load of billing data or a readiness read). Call it after saving the change
    /// that completed a step: it saves the event alone, and a caller that loses the race to raise it just moves on.
    /// </summary>
    public static async Task<Readiness> CompleteIfReadyAsync(TrancheDbContext db, Guid orgId, DateTime now, CancellationToken cancellationToken)
    {
        var readiness = await ReadAsync(db, cancellationToken);
        if (readiness.Ready)
        {
            var integration = readiness.IntegrationId is { } id ? await db.CloudIntegrations.AsNoTracking().SingleAsync(i => i.Id == id, cancellationToken) : null;
            var raised = await db.RaiseEventOnceAsync(orgId, OrgEventTypes.OnboardingCompleted, new
            {
                org_id = orgId,
                completed_at = readiness.CompletedAt,
                integration_id = readiness.IntegrationId,
                provider = integration?.Provider,
                data_window = readiness.Window is { } w ? new { first_day = w.FirstDay, last_day = w.LastDay, providers = w.Providers } : null,
            }, now, CompletedDedupeKey, cancellationToken);
            if (raised is not null)
            {
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                }
                catch (DbUpdateException)
                {
                    // Another caller raised it a moment ago: the unique index kept one.
                    db.Entry(raised).State = EntityState.Detached;
                }
            }
        }

        return readiness;
    }

    /// <summary>
    /// Purchases need a ready org: an integration to buy through, verified, with billing data and a synced inventory
    /// (so what the org already holds is counted). The refusal names the first missing step.
    /// </summary>
    public static async Task<PurchaseRefusal?> RefusalAsync(TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        var readiness = await ReadAsync(db, withWindow: false, cancellationToken);
        return readiness.FirstIncomplete is { } step ? Refusal(orgId, readiness, step) : null;
    }

    public static PurchaseRefusal Refusal(Guid orgId, Readiness readiness, StepState step) => new(
        OnboardingRules.ErrorCode(step.Step),
        $"Org {orgId} is not ready: step '{OnboardingRules.Name(step.Step)}' is {(step.Status == StepStatus.Failed ? "failed" : "missing")}. {step.Detail} See GET /v1/org/{orgId}/onboarding.",
        Detail: new
        {
            step = OnboardingRules.Name(step.Step),
            status = step.Status == StepStatus.Failed ? "failed" : "missing",
            missing = readiness.Steps.Where(s => s.Status != StepStatus.Complete).Select(s => OnboardingRules.Name(s.Step)).ToList(),
        });
}
