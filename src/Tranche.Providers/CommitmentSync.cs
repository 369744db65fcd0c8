using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Commitments;

namespace Tranche.Providers;

/// <summary>A provider's commitment inventory API: every commitment the org's account holds (or held) there.</summary>
public interface ICommitmentInventory
{
    /// <summary>The provider code this inventory answers for (<c>aws</c>, <c>azure</c>, <c>gcp</c>).</summary>
    string Provider { get; }

    Task<IReadOnlyList<ProviderCommitment>> ListAsync(Guid orgId, CancellationToken cancellationToken);
}

/// <summary>What one sync changed.</summary>
public sealed record CommitmentSyncResult(string Provider, int Listed, int Added, int Updated, int Removed);

/// <summary>
/// Brings Tranche's inventory in line with a provider's: commitments it lists are added or updated, and commitments
/// an earlier sync found that it no longer lists are marked removed (kept, with their history). Purchases Tranche
/// made stay as they are until the provider lists them, so a slow provider does not hide a fresh purchase.
/// </summary>
public static class CommitmentSync
{
    public static async Task<CommitmentSyncResult> RunAsync(
        TrancheDbContext db, ICommitmentInventory inventory, Guid orgId, DateTime now, CancellationToken cancellationToken)
    {
        var listed = await inventory.ListAsync(orgId, cancellationToken);
        var known = await db.Commitments.Where(c => c.Provider == inventory.Provider)
            .ToDictionaryAsync(c => c.ProviderCommitmentId, StringComparer.Ordinal, cancellationToken);
        int added = 0, updated = 0, removed = 0;
        foreach (var item in listed)
        {
            if (item.Provider != inventory.Provider)
            {
                throw new InvalidOperationException($"The {inventory.Provider} inventory listed a {item.Provider} commitment ({item.ProviderCommitmentId}).");
            }

            if (known.Remove(item.ProviderCommitmentId, out var existing))
            {
                if (Apply(existing, item, CommitmentSources.Sync))
                {
                    existing.UpdatedAt = now;
                    updated++;
                }

                continue;
            }

            var commitment = New(orgId, item, CommitmentSources.Sync, now);
            db.Commitments.Add(commitment);
            added++;
        }

        foreach (var gone in known.Values.Where(c => c.Source == CommitmentSources.Sync && c.ProviderState != ProviderCommitmentStates.Removed))
        {
            gone.ProviderState = ProviderCommitmentStates.Removed;
            gone.UpdatedAt = now;
            removed++;
        }

        await db.SaveChangesAsync(cancellationToken);
        return new CommitmentSyncResult(inventory.Provider, listed.Count, added, updated, removed);
    }

    /// <summary>A new inventory row for <paramref name="item"/>, with the id every source gives it.</summary>
    public static Commitment New(Guid orgId, ProviderCommitment item, string source, DateTime now)
    {
        var commitment = new Commitment
        {
            Id = CommitmentIds.For(orgId, item.Provider, item.ProviderCommitmentId),
            OrgId = orgId,
            Provider = item.Provider,
            ProviderCommitmentId = item.ProviderCommitmentId,
            Source = source,
            Type = item.Type,
            Category = item.Category,
            Unit = item.Unit,
            Currency = item.Currency,
            ProviderState = item.State,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(commitment, item, source);
        return commitment;
    }

    /// <summary>Copies the provider's view onto the row; true when anything changed.</summary>
    private static bool Apply(Commitment c, ProviderCommitment item, string source)
    {
        var before = Snapshot(c);
        c.Source = source;
        c.Type = item.Type;
        c.Category = item.Category;
        c.Name = item.Name;
        c.AccountId = item.AccountId;
        c.BillingAccountId = item.BillingAccountId;
        c.RegionId = item.RegionId;
        c.AvailabilityZone = item.AvailabilityZone;
        c.InstanceType = item.InstanceType;
        c.InstanceFamily = item.InstanceFamily;
        c.ProductDescription = item.ProductDescription;
        c.Tenancy = item.Tenancy;
        c.IsMultiAz = item.IsMultiAz;
        c.PlanType = item.PlanType;
        c.Scope = item.Scope;
        c.OrderId = item.OrderId;
        c.ResourceGroup = item.ResourceGroup;
        c.OfferingClass = item.OfferingClass;
        c.OfferingId = item.OfferingId;
        c.PaymentOption = item.PaymentOption;
        c.InstanceCount = item.InstanceCount;
        c.Quantity = item.Quantity;
        c.Unit = item.Unit;
        c.IsFlexible = item.IsFlexible;
        c.StartsAt = item.StartsAt;
        c.EndsAt = item.EndsAt;
        c.UpfrontCost = item.UpfrontCost;
        c.RecurringHourlyCost = item.RecurringHourlyCost;
        c.Currency = item.Currency;
        c.ProviderState = item.State;
        return before != Snapshot(c);
    }

    private static string Snapshot(Commitment c) => string.Join('\u001f', new object?[]
    {
        c.Source, c.Type, c.Category, c.Name, c.AccountId, c.BillingAccountId, c.RegionId, c.AvailabilityZone, c.InstanceType, c.InstanceFamily,
        c.ProductDescription, c.Tenancy, c.IsMultiAz, c.PlanType, c.Scope, c.OrderId, c.ResourceGroup, c.OfferingClass, c.OfferingId,
        c.PaymentOption, c.InstanceCount, c.Quantity, c.Unit, c.IsFlexible, c.StartsAt.Ticks, c.EndsAt.Ticks, c.UpfrontCost, c.RecurringHourlyCost,
        c.Currency, c.ProviderState,
    });
}
