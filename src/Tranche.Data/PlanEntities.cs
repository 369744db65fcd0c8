namespace Tranche.Data;

/// <summary>Which of the default plans a plan is, or a plan a user made.</summary>
public static class PlanKinds
{
    public const string Recommended = "recommended";
    public const string Balanced = "balanced";
    public const string HighSavings = "high_savings";
    public const string Custom = "custom";
}

/// <summary>
/// The published plan statuses (<c>CommitmentPlan.status</c>), plus <c>cancelled</c> from the newer documentation.
/// A plan is generated <c>new</c>; buying it moves it to <c>in_progress</c> and then <c>completed</c>, or to
/// <c>needs_review</c> when a line failed. A plan replaced by a newer computation before anyone acted on it is <c>cancelled</c>.
/// </summary>
public static class PlanStatuses
{
    public const string New = "new";
    public const string Reviewed = "reviewed";
    public const string Draft = "draft";
    public const string Scheduled = "scheduled";
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string NeedsReview = "needs_review";
    public const string Cancelled = "cancelled";

    /// <summary>
    /// Statuses of a plan nobody has acted on yet: nothing is queued, being bought or bought for it, so a newer
    /// computation cancels it. A plan that is scheduled, in progress, completed or needs review keeps its status:
    /// a purchase points at it.
    /// </summary>
    public static readonly string[] NotActedOn = [New, Reviewed, Draft];
}

/// <summary>
/// A commitment plan as computed for an org and provider: what to buy, what it costs and saves per hour, and how
/// sure that is. A plan's figures never change once computed (purchases point at it); a new computation supersedes it,
/// and only its status moves on.
/// Money per hour unless the name says otherwise.
/// </summary>
public sealed class CommitmentPlanRecord : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public required string Provider { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    /// <summary><see cref="PlanKinds"/>.</summary>
    public required string Kind { get; set; }

    /// <summary><see cref="PlanStatuses"/>: <c>new</c>, <c>in_progress</c>, <c>completed</c>, <c>needs_review</c>, <c>cancelled</c>, ...</summary>
    public required string Status { get; set; }

    /// <summary>The plan <c>/recommended</c> answers with for this computation (none when nothing is worth buying).</summary>
    public bool IsRecommended { get; set; }

    public DateTime CreatedAt { get; set; }

    /// <summary>When a newer computation replaced it; null while it is current.</summary>
    public DateTime? SupersededAt { get; set; }

    /// <summary>The usage the plan was computed from (first and last day, both included).</summary>
    public DateOnly DataFrom { get; set; }

    public DateOnly DataTo { get; set; }

    /// <summary>When the newest billing data behind it was loaded: a plan older than newer data is stale.</summary>
    public DateTime DataLoadedAt { get; set; }

    public required string CatalogVersion { get; set; }

    /// <summary>Lookback, uptime rule, risk limit, coverage target and seed, as JSON.</summary>
    public required string Settings { get; set; }

    /// <summary>Longest term in the plan: <c>1_YEAR</c>, <c>3_YEAR</c>, or null for an empty plan.</summary>
    public string? MaxTerm { get; set; }

    public decimal CoveredOnDemandCostHourly { get; set; }

    public decimal BeforeOnDemandCostHourly { get; set; }

    public decimal BeforeReservedCostHourly { get; set; }

    public decimal AmortizedCostHourly { get; set; }

    public decimal RecurringCostHourly { get; set; }

    public decimal UpfrontCostHourly { get; set; }

    public decimal BeforeCostHourly { get; set; }

    public decimal AfterCostHourly { get; set; }

    public decimal TotalCostHourly { get; set; }

    public decimal SavingsHourly { get; set; }

    public decimal FeeHourly { get; set; }

    /// <summary>Share of eligible on-demand-equivalent spend covered after the plan (0-1).</summary>
    public double CommitmentCoverage { get; set; }

    /// <summary>Everything the plan commits to pay over its terms.</summary>
    public decimal MinimumCommitmentCost { get; set; }

    public double BreakevenHours { get; set; }

    /// <summary>Savings over the plan's terms.</summary>
    public decimal TotalSavings { get; set; }

    public decimal MonthlySavings { get; set; }

    public decimal TotalMonthlyBeforeCost { get; set; }

    /// <summary>Risk, from simulated usage paths: expected net savings over the terms, the chance of a net loss, and the mean of the worst 5% of paths.</summary>
    public decimal ExpectedNetSavings { get; set; }

    public double LossProbability { get; set; }

    public decimal TailSavings { get; set; }

    public double ExpectedUtilization { get; set; }

    public int SimulatedPaths { get; set; }
}

/// <summary>One purchase of a plan: an offer, a quantity, an account, and what it does per hour.</summary>
public sealed class PlanLineItemRecord : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid OrgId { get; set; }

    public Guid PlanId { get; set; }

    /// <summary>The usage pool it is sized for.</summary>
    public required string PoolKey { get; set; }

    public string? AccountId { get; set; }

    /// <summary>Derived from the offer's provider id, so the same offer has the same id in every plan.</summary>
    public Guid OfferId { get; set; }

    public required string ProviderOfferingId { get; set; }

    /// <summary><c>ri</c>, <c>savings_plan</c> or <c>cud</c>.</summary>
    public required string OfferType { get; set; }

    /// <summary><c>&lt;provider&gt;/&lt;service&gt;</c>, e.g. <c>aws/AmazonEC2</c>.</summary>
    public required string CommitmentType { get; set; }

    public string? DisplayName { get; set; }

    public string? RegionId { get; set; }

    public string? InstanceType { get; set; }

    public string? InstanceFamily { get; set; }

    public string? ProductDescription { get; set; }

    public string? Tenancy { get; set; }

    public string? PlanType { get; set; }

    public string? OfferingClass { get; set; }

    public bool? IsFlexible { get; set; }

    public int TermMonths { get; set; }

    public required string PaymentOption { get; set; }

    public decimal UpfrontPerUnit { get; set; }

    public decimal HourlyPerUnit { get; set; }

    public required string Unit { get; set; }

    public int RecommendedQuantity { get; set; }

    public int SelectedQuantity { get; set; }

    /// <summary>Currency per hour committed for spend commitments (Savings Plans, flexible CUDs); 0 for instance commitments.</summary>
    public decimal RecommendedCommitment { get; set; }

    public decimal SelectedCommitment { get; set; }

    public bool IsSelected { get; set; }

    public decimal AfterAmortizedCost { get; set; }

    /// <summary>One-time total.</summary>
    public decimal UpfrontCost { get; set; }

    public decimal RecurringCost { get; set; }

    public decimal BeforeCost { get; set; }

    public decimal BeforeOnDemandCost { get; set; }

    public decimal BeforeReservedCost { get; set; }

    public decimal CoveredOnDemandCost { get; set; }

    public double AfterCoveredUnits { get; set; }

    /// <summary>Over the whole term.</summary>
    public decimal TotalCost { get; set; }

    public decimal MonthlyCost { get; set; }

    public decimal Savings { get; set; }

    public decimal MonthlySavings { get; set; }

    public decimal TotalSavings { get; set; }

    public decimal Fee { get; set; }

    public double DiscountRate { get; set; }

    public double BreakevenHours { get; set; }

    public double LossProbability { get; set; }

    public double ExpectedUtilization { get; set; }
}
