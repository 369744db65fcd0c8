using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;

namespace Tranche.Providers;

/// <summary>
/// Raises <c>commitment.expiring</c> for commitments in force that end soon: once when one comes within 30 days of its
/// end and once more within 7 days. A commitment first seen inside the 7-day window gets only the 7-day warning; the
/// 30-day one would arrive late and say less.
/// </summary>
public static class CommitmentExpiry
{
    /// <summary>Warning thresholds in days, widest first.</summary>
    public static readonly IReadOnlyList<int> ThresholdDays = [30, 7];

    /// <summary>
    /// Looks at every org's commitments (the context need not be scoped) and raises what is due at <paramref name="now"/>;
    /// returns how many events it raised. Safe to run on several replicas at once and as often as wanted: each event has
    /// a dedupe key per commitment and threshold.
    /// </summary>
    public static async Task<int> RaiseDueAsync(TrancheDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var horizon = now.AddDays(ThresholdDays[0]);
        var ending = await db.Commitments.IgnoreQueryFilters().AsNoTracking()
            .Where(c => c.EndsAt > now && c.EndsAt <= horizon
                && c.ProviderState != ProviderCommitmentStates.Cancelled && c.ProviderState != ProviderCommitmentStates.Removed)
            .ToListAsync(cancellationToken);

        var raised = 0;
        foreach (var commitment in ending)
        {
            var remaining = commitment.EndsAt - now;
            var threshold = ThresholdDays.Last(days => remaining <= TimeSpan.FromDays(days));
            var termHours = (commitment.EndsAt - commitment.StartsAt).TotalHours;
            var monthlyCost = commitment.RecurringHourlyCost * Offer.HoursPerMonth
                + (termHours > 0 ? Money.FromDouble((double)commitment.UpfrontCost / termHours * Offer.HoursPerMonth) : 0);
            var data = new
            {
                commitment_id = commitment.Id,
                provider = commitment.Provider,
                provider_commitment_id = commitment.ProviderCommitmentId,
                type = commitment.Type,
                end_date = DateOnly.FromDateTime(commitment.EndsAt),
                ends_at = commitment.EndsAt,
                days_left = (int)Math.Floor(remaining.TotalDays),
                threshold_days = threshold,
                monthly_cost = monthlyCost,
                currency = commitment.Currency,
            };
            if (await db.RaiseEventOnceAsync(commitment.OrgId, OrgEventTypes.CommitmentExpiring, data, now, $"commitment:{commitment.Id}:{threshold}d", cancellationToken) is null)
            {
                continue;
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                raised++;
            }
            catch (DbUpdateException)
            {
                // Another replica raised the same warning a moment ago: the unique index kept one.
                db.ChangeTracker.Clear();
            }
        }

        return raised;
    }
}
