namespace Tranche.Data;

/// <summary>
/// One loaded billing period of one billing account: the unit an ingest replaces atomically. Every fact row hangs
/// off one of these, so loading a period again deletes the old one with its facts and writes the new one.
/// </summary>
public sealed class BillingPeriod : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    /// <summary><c>aws</c>, <c>azure</c>, <c>gcp</c>, <c>oci</c> or <c>other</c>.</summary>
    public required string Provider { get; set; }

    public required string BillingAccountId { get; set; }

    public string? BillingAccountName { get; set; }

    public DateTime PeriodStart { get; set; }

    public DateTime PeriodEnd { get; set; }

    public required string Currency { get; set; }

    /// <summary>What was read: <c>focus-1.0</c>, <c>focus-1.2</c>, <c>cur-2.0</c>.</summary>
    public required string SourceFormat { get; set; }

    public required string SourceFiles { get; set; }

    public Guid? UploadId { get; set; }

    public DateTime LoadedAt { get; set; }

    public long RowCount { get; set; }

    public decimal BilledCost { get; set; }

    public decimal EffectiveCost { get; set; }

    public decimal ListCost { get; set; }

    public decimal ContractedCost { get; set; }
}

/// <summary>
/// Spend of a billing period by day and by what it was for. Every row of a file lands in exactly one of these
/// (credits, taxes and refunds included), so the period's totals can always be reconciled with the file.
/// </summary>
public sealed class ChargeDay : IOrgOwned
{
    public long Id { get; set; }

    public Guid OrgId { get; set; }

    public Guid BillingPeriodId { get; set; }

    public DateOnly Day { get; set; }

    public string? SubAccountId { get; set; }

    public string? ServiceName { get; set; }

    public string? ServiceCategory { get; set; }

    public string? RegionId { get; set; }

    /// <summary><c>Usage</c>, <c>Purchase</c>, <c>Tax</c>, <c>Credit</c> or <c>Adjustment</c>.</summary>
    public required string ChargeCategory { get; set; }

    /// <summary><c>Correction</c> for corrections of an earlier invoice, otherwise null.</summary>
    public string? ChargeClass { get; set; }

    /// <summary><c>Standard</c>, <c>Committed</c>, <c>Dynamic</c>, <c>Other</c> or null.</summary>
    public string? PricingCategory { get; set; }

    public long RowCount { get; set; }

    public decimal BilledCost { get; set; }

    public decimal EffectiveCost { get; set; }

    public decimal ListCost { get; set; }

    public decimal ContractedCost { get; set; }
}

/// <summary>
/// What usage is counted in: one SKU of one service in one account and region, measured in one unit. The planner
/// groups pools further (instance families, Savings Plan scope); ingest keeps them as billed.
/// </summary>
public sealed class UsagePool : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    public required string BillingAccountId { get; set; }

    public string? SubAccountId { get; set; }

    public string? RegionId { get; set; }

    public string? ServiceName { get; set; }

    public string? ServiceCategory { get; set; }

    public string? SkuId { get; set; }

    /// <summary>Instance type or size (<c>m5.large</c>, <c>Standard_D4s_v3</c>, <c>n2-standard-4</c>) where the export names one.</summary>
    public string? InstanceType { get; set; }

    /// <summary>Operating system or engine (<c>Linux</c>, <c>Windows</c>) where the export names one.</summary>
    public string? Platform { get; set; }

    /// <summary>Unit of the quantities (<c>Hours</c>, <c>GB-Mo</c>, ...).</summary>
    public string? Unit { get; set; }

    /// <summary>The identity of the pool within its org (a hash of every field above), for upserts.</summary>
    public required string KeyHash { get; set; }
}

/// <summary>One pool's usage over one UTC day of one billing period, hour by hour.</summary>
public sealed class UsageDay : IOrgOwned
{
    public Guid OrgId { get; set; }

    public Guid BillingPeriodId { get; set; }

    public Guid PoolId { get; set; }

    public DateOnly Day { get; set; }

    /// <summary>Quantity used in each hour, in the pool's unit (24 doubles, see <c>HourlyValues</c>).</summary>
    public required byte[] HourlyQuantity { get; set; }

    /// <summary>On-demand-equivalent cost of each hour's usage (list cost).</summary>
    public required byte[] HourlyOnDemandCost { get; set; }

    /// <summary>The part of each hour's quantity that commitments covered.</summary>
    public required byte[] HourlyCoveredQuantity { get; set; }

    /// <summary>Hours the rows behind this day covered: 1 for hourly data, 24 for daily data spread over its hours.</summary>
    public int SourceGranularityHours { get; set; }

    public double Quantity { get; set; }

    public decimal ListCost { get; set; }

    public decimal EffectiveCost { get; set; }

    public decimal BilledCost { get; set; }
}

/// <summary>
/// A commitment (Reserved Instance, Savings Plan, reservation, CUD) as billing data names it. Attributes only:
/// utilization and savings are computed from its <see cref="CommitmentDay"/> facts.
/// </summary>
public sealed class BilledCommitment : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    /// <summary>The provider's id (an ARN, an Azure resource id).</summary>
    public required string ProviderCommitmentId { get; set; }

    public string? Name { get; set; }

    /// <summary><c>Spend</c> or <c>Usage</c>.</summary>
    public string? Category { get; set; }

    /// <summary>The provider's label (<c>Savings Plan</c>, <c>Reserved Instance</c>, <c>Reservation</c>).</summary>
    public string? Type { get; set; }

    public string? Unit { get; set; }

    public string? BillingAccountId { get; set; }

    public string? SubAccountId { get; set; }

    public string? RegionId { get; set; }
}

/// <summary>A commitment's day: what it covered, what went unused, and what it cost.</summary>
public sealed class CommitmentDay : IOrgOwned
{
    public Guid OrgId { get; set; }

    public Guid BillingPeriodId { get; set; }

    public Guid CommitmentId { get; set; }

    public DateOnly Day { get; set; }

    /// <summary>Commitment units used (hours, normalized units, or currency for spend commitments).</summary>
    public double UsedQuantity { get; set; }

    public double UnusedQuantity { get; set; }

    /// <summary>On-demand-equivalent cost of the usage it covered.</summary>
    public decimal CoveredListCost { get; set; }

    /// <summary>Amortized cost of the used part.</summary>
    public decimal UsedEffectiveCost { get; set; }

    /// <summary>Amortized cost of the unused part (waste).</summary>
    public decimal UnusedEffectiveCost { get; set; }

    /// <summary>One-time (upfront) fees billed this day.</summary>
    public decimal UpfrontFee { get; set; }

    /// <summary>Recurring fees billed this day.</summary>
    public decimal RecurringFee { get; set; }
}

/// <summary>Which commitment covered which pool's usage on a day: the link between inventory and usage.</summary>
public sealed class CommitmentCoverage : IOrgOwned
{
    public Guid OrgId { get; set; }

    public Guid BillingPeriodId { get; set; }

    public Guid CommitmentId { get; set; }

    public Guid PoolId { get; set; }

    public DateOnly Day { get; set; }

    public double CoveredQuantity { get; set; }

    public decimal CoveredListCost { get; set; }

    public decimal EffectiveCost { get; set; }
}

/// <summary>A billed resource (instance, database, volume) as billing data names it.</summary>
public sealed class BilledResource : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    public required string ProviderResourceId { get; set; }

    public string? Name { get; set; }

    public string? ResourceType { get; set; }

    public string? ServiceName { get; set; }

    public string? ServiceCategory { get; set; }

    public string? RegionId { get; set; }

    public string? AvailabilityZone { get; set; }

    public string? BillingAccountId { get; set; }

    public string? SubAccountId { get; set; }

    public string? SkuId { get; set; }

    public string? InstanceType { get; set; }

    public string? Platform { get; set; }

    public string? Unit { get; set; }

    public bool IsSpot { get; set; }

    /// <summary>Tags as a JSON object of strings.</summary>
    public string? Tags { get; set; }

    /// <summary>When a load first named this resource.</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>When a load last named this resource.</summary>
    public DateTime UpdatedAt { get; set; }
}

/// <summary>
/// A resource's days within one billing period: how long it ran and what it cost each day, as arrays (one entry per
/// day from <see cref="FirstDay"/>; see <c>DailyValues</c>). Money arrays hold nano-units.
/// </summary>
public sealed class ResourcePeriod : IOrgOwned
{
    public Guid OrgId { get; set; }

    public Guid BillingPeriodId { get; set; }

    public Guid ResourceId { get; set; }

    public DateOnly FirstDay { get; set; }

    public int Days { get; set; }

    /// <summary>First and last day with any billed row, for listing resources without opening the arrays.</summary>
    public DateOnly FirstUsageDay { get; set; }

    public DateOnly LastUsageDay { get; set; }

    /// <summary>Days with any billed row (a 0/1 per day, as doubles).</summary>
    public required byte[] DailyPresence { get; set; }

    public required byte[] DailyQuantity { get; set; }

    public required byte[] DailyCoveredQuantity { get; set; }

    /// <summary>Hours of each day with usage (of 24).</summary>
    public required byte[] DailyUsageHours { get; set; }

    public required byte[] DailyListCost { get; set; }

    public required byte[] DailyBilledCost { get; set; }

    public required byte[] DailyEffectiveCost { get; set; }

    /// <summary>On-demand-equivalent cost of the usage commitments covered.</summary>
    public required byte[] DailyCoveredListCost { get; set; }

    /// <summary>Amortized cost of the usage commitments covered.</summary>
    public required byte[] DailyCoveredEffectiveCost { get; set; }

    /// <summary>Cost of spot/preemptible usage (already in the other costs).</summary>
    public required byte[] DailySpotCost { get; set; }
}

public enum UploadStatus
{
    Pending,
    Processing,
    Complete,
    Error,
}

/// <summary>A billing file sent over the API, and what became of it.</summary>
public sealed class Upload : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public DateTime CreatedAt { get; set; }

    public required string FileName { get; set; }

    public required string ContentType { get; set; }

    public long SizeBytes { get; set; }

    public string? Description { get; set; }

    public UploadStatus Status { get; set; }

    /// <summary><c>partner_api</c> when a partner's key sent it, <c>agent_upload</c> otherwise.</summary>
    public required string Source { get; set; }

    /// <summary>The export format found in it (<c>focus-1.2</c>, <c>cur-2.0</c>), once read.</summary>
    public string? DetectedType { get; set; }

    /// <summary>Where the file is kept, relative to the data directory.</summary>
    public required string StoredPath { get; set; }

    public Guid? CreatedByKeyId { get; set; }

    public DateTime? StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>The ingest report (summary and rejected rows) as JSON, once processed.</summary>
    public string? Report { get; set; }
}
