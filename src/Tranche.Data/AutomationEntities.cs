namespace Tranche.Data;

/// <summary>
/// A standing instruction to buy (or propose) an org's plan on a schedule. Owned by the org it acts on, or by a
/// partner for all its customer orgs that have no policy of their own (<see cref="AutomationScopes.Customers"/>).
/// Money is per month in the billing currency.
/// </summary>
public sealed class AutomationPolicy : IOrgOwned
{
    public Guid Id { get; set; }

    /// <summary>The org that owns the policy: the org it acts on, or the partner whose customers it acts on.</summary>
    public Guid OrgId { get; set; }

    /// <summary>One of <see cref="AutomationScopes"/>.</summary>
    public required string Scope { get; set; }

    public required string Name { get; set; }

    /// <summary>The cron expression as given (five fields, or Quartz's six or seven with seconds).</summary>
    public required string Schedule { get; set; }

    /// <summary>IANA time zone the schedule is read in.</summary>
    public required string TimeZone { get; set; }

    /// <summary>Which default plan to buy: <c>recommended</c> (the planner's pick within the risk limit), <c>balanced</c> or <c>high_savings</c>.</summary>
    public required string Plan { get; set; }

    /// <summary>Comma-separated providers to act on; null for every provider the org has data for.</summary>
    public string? Providers { get; set; }

    public decimal? MinNetMonthlySavings { get; set; }

    public double? MaxLossProbability { get; set; }

    public decimal? MaxUpfront { get; set; }

    public decimal? MaxMonthlyCommitment { get; set; }

    public int? MaxTermMonths { get; set; }

    /// <summary>
    /// Buy in rungs: each run buys 1/N of every line the plan recommends at that moment (whole units, at least one),
    /// and the next run plans again from newer data with what was bought counted, so purchases (and their expiries)
    /// are spread over runs and later rungs use newer data. Null or 1: the whole plan at once.
    /// </summary>
    public int? LadderRungs { get; set; }

    /// <summary>Comma-separated commitment types the policy may buy (e.g. <c>savings_plan,reserved_instance</c>); null for any.</summary>
    public string? AllowedCommitmentTypes { get; set; }

    /// <summary>Run early, outside the schedule, when a commitment is about to expire, so its replacement is bought before coverage lapses.</summary>
    public bool RenewExpiring { get; set; }

    public int RenewalLeadDays { get; set; }

    /// <summary>One of <see cref="AutomationApprovalModes"/>.</summary>
    public required string ApprovalMode { get; set; }

    public bool Enabled { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}

public static class AutomationScopes
{
    /// <summary>The policy acts on the org that owns it.</summary>
    public const string Org = "org";

    /// <summary>A partner's policy for every customer org without a policy of its own.</summary>
    public const string Customers = "customers";
}

public static class AutomationApprovalModes
{
    public const string AutoPurchase = "auto_purchase";
    public const string NotifyOnly = "notify_only";
}

public static class AutomationTriggers
{
    public const string Schedule = "schedule";
    public const string Renewal = "renewal";
    public const string Manual = "manual";
}

public static class AutomationDecisions
{
    public const string Running = "running";
    public const string Purchased = "purchased";
    public const string ApprovalRequested = "approval_requested";
    public const string Skipped = "skipped";
    public const string Failed = "failed";
}

/// <summary>
/// One run of a policy for one org: what it decided and why. The unique (policy, org, trigger, scheduled time) key
/// (with the provider) makes a run happen once even if two servers were handed the same firing.
/// </summary>
public sealed class AutomationRun : IOrgOwned
{
    public Guid Id { get; set; }

    public Guid PolicyId { get; set; }

    /// <summary>The org the run acted on.</summary>
    public Guid OrgId { get; set; }

    /// <summary>One of <see cref="AutomationTriggers"/>.</summary>
    public required string Trigger { get; set; }

    /// <summary>The firing this run answers (the schedule's time, or the request time of a manual or renewal run).</summary>
    public DateTime ScheduledFor { get; set; }

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    /// <summary>One of <see cref="AutomationDecisions"/>.</summary>
    public required string Decision { get; set; }

    public required string Reason { get; set; }

    /// <summary>The provider whose plan the run weighed (<c>all</c> when the org had no billing data at all).</summary>
    public required string Provider { get; set; }

    public Guid? PlanId { get; set; }

    public Guid? PurchaseId { get; set; }

    /// <summary>The figures the decision weighed, as JSON.</summary>
    public string? Figures { get; set; }

    /// <summary>Which server ran it (the scheduler instance).</summary>
    public string? RanBy { get; set; }
}
