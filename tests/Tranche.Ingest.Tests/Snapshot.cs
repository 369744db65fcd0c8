using Microsoft.EntityFrameworkCore;

namespace Tranche.Ingest.Tests;

/// <summary>Everything an org's billing facts hold, in a form two states can be compared by.</summary>
public sealed record Snapshot(IReadOnlyList<string> Rows)
{
    public static async Task<Snapshot> TakeAsync(IngestTarget target)
    {
        await using var db = target.Db();
        var rows = new List<string>();
        rows.AddRange((await db.BillingPeriods.ToListAsync()).Select(p => $"period {p.Provider} {p.BillingAccountId} {p.PeriodStart:O} {p.PeriodEnd:O} {p.Currency} {p.RowCount} {p.BilledCost} {p.EffectiveCost} {p.ListCost} {p.ContractedCost} id={p.Id}"));
        rows.AddRange((await db.ChargeDays.ToListAsync()).Select(c => $"charge {c.Day} {c.SubAccountId} {c.ServiceName} {c.RegionId} {c.ChargeCategory} {c.ChargeClass} {c.PricingCategory} {c.RowCount} {c.BilledCost} {c.EffectiveCost} {c.ListCost}"));
        rows.AddRange((await db.UsagePools.ToListAsync()).Select(p => $"pool {p.KeyHash} {p.Id}"));
        rows.AddRange((await db.UsageDays.ToListAsync()).Select(d => $"usage {d.PoolId} {d.Day} {Convert.ToHexString(d.HourlyQuantity)} {Convert.ToHexString(d.HourlyOnDemandCost)} {Convert.ToHexString(d.HourlyCoveredQuantity)} {d.SourceGranularityHours} {d.ListCost} {d.EffectiveCost} {d.BilledCost}"));
        rows.AddRange((await db.BilledCommitments.ToListAsync()).Select(c => $"commitment {c.Id} {c.ProviderCommitmentId} {c.Type}"));
        rows.AddRange((await db.CommitmentDays.ToListAsync()).Select(d => $"commitment-day {d.CommitmentId} {d.Day} {d.UsedQuantity} {d.UnusedQuantity} {d.CoveredListCost} {d.UsedEffectiveCost} {d.UnusedEffectiveCost} {d.UpfrontFee} {d.RecurringFee}"));
        rows.AddRange((await db.CommitmentCoverage.ToListAsync()).Select(c => $"coverage {c.CommitmentId} {c.PoolId} {c.Day} {c.CoveredQuantity} {c.CoveredListCost} {c.EffectiveCost}"));
        rows.AddRange((await db.BilledResources.ToListAsync()).Select(r => $"resource {r.Id} {r.ProviderResourceId} {r.InstanceType} {r.Tags}"));
        rows.AddRange((await db.ResourcePeriods.ToListAsync()).Select(p => $"resource-period {p.ResourceId} {p.FirstDay} {p.Days} {Convert.ToHexString(p.DailyQuantity)} {Convert.ToHexString(p.DailyUsageHours)} {Convert.ToHexString(p.DailyListCost)} {Convert.ToHexString(p.DailyBilledCost)} {Convert.ToHexString(p.DailyEffectiveCost)}"));
        rows.Sort(StringComparer.Ordinal);
        return new Snapshot(rows);
    }

    /// <summary>The same facts with the ids of period loads blanked (a reload makes new ones).</summary>
    public IReadOnlyList<string> WithoutLoadIds() => [.. Rows.Select(r => r.StartsWith("period ", StringComparison.Ordinal) ? r[..r.IndexOf(" id=", StringComparison.Ordinal)] : r)];

    public bool Equals(Snapshot? other) => other is not null && Rows.SequenceEqual(other.Rows);

    public override int GetHashCode() => Rows.Count;
}
