using Tranche.Data;
using Tranche.Domain.Commitments;
using Tranche.Domain.Querying;

namespace Tranche.Server.V1.Commitments;

/// <summary>
/// A commitment as one request sees it: its status now and its figures over the requested window. Money follows the
/// published units: <c>savings</c>, <c>net_savings</c> and <c>potential_savings</c> are sums over the window;
/// <c>monthly_savings</c>, <c>amortized_cost</c> and <c>recurring_cost</c> are rates per 730-hour month;
/// <c>upfront_cost</c> is the one-time amount.
/// </summary>
internal sealed class CommitmentView
{
    public const double HoursPerMonth = 730;

    public CommitmentView(InventoryItem item, WindowFigures window, DateOnly from, DateOnly to, DateTime now)
    {
        Item = item;
        Window = window;
        Status = item.StatusAt(now);
        IsActive = CommitmentLifecycle.IsActiveAt(now, item.Start, item.End, Status);
        RunningHours = window.Days > 0 ? item.RunningHours(from, to, window.Days) : 0;
        Utilization = window.Utilization;
        Savings = Money.FromNanoUnits(window.Savings);
        PotentialSavings = window.PotentialDays > 0 ? Money.FromNanoUnits(window.PotentialSavings) : null;
        MonthlySavings = RunningHours > 0 ? PerMonth(window.Savings, RunningHours) : null;
        AmortizedCost = RunningHours > 0 ? PerMonth(window.Cost, RunningHours)
            : item.ScheduledHourlyCost is { } hourly ? Money.FromNanoUnits(hourly) * (decimal)HoursPerMonth : null;
        RecurringCost = item.RecurringHourlyCost * (decimal)HoursPerMonth;
    }

    public InventoryItem Item { get; }

    public WindowFigures Window { get; }

    public string Status { get; }

    public bool IsActive { get; }

    public double RunningHours { get; }

    public double? Utilization { get; }

    public decimal Savings { get; }

    public decimal? PotentialSavings { get; }

    public decimal? MonthlySavings { get; }

    public decimal? AmortizedCost { get; }

    public decimal RecurringCost { get; }

    private static decimal PerMonth(long nanoUnits, double hours) => Money.FromNanoUnits(nanoUnits) / (decimal)hours * (decimal)HoursPerMonth;

    /// <summary>The fields <c>filter</c> can name: the published names of <c>PublicCommitment</c>'s scalar fields.</summary>
    public static readonly IReadOnlyList<FilterField<CommitmentView>> FilterFields =
    [
        new("id", FieldKind.Text, v => v.Item.Id.ToString()),
        new("provider", FieldKind.Text, v => v.Item.Provider),
        new("display_name", FieldKind.Text, v => v.Item.DisplayName),
        new("provider_reservation_id", FieldKind.Text, v => v.Item.ProviderCommitmentId),
        new("account_id", FieldKind.Text, v => v.Item.AccountId),
        new("billing_account_id", FieldKind.Text, v => v.Item.BillingAccountId),
        new("type", FieldKind.Text, v => v.Item.Type),
        new("region", FieldKind.Text, v => v.Item.RegionId),
        new("status", FieldKind.Text, v => v.Status),
        new("is_active", FieldKind.Boolean, v => v.IsActive),
        new("is_leased", FieldKind.Boolean, _ => false),
        new("start_date", FieldKind.Timestamp, v => v.Item.Start),
        new("end_date", FieldKind.Timestamp, v => v.Item.End),
        new("reservation_start", FieldKind.Timestamp, v => v.Item.HasTerms ? v.Item.Start : null),
        new("reservation_end", FieldKind.Timestamp, v => v.Item.HasTerms ? v.Item.End : null),
        new("duration_seconds", FieldKind.Number, v => v.Item.DurationSeconds),
        new("upfront_cost", FieldKind.Number, v => v.Item.UpfrontCost),
        new("recurring_cost", FieldKind.Number, v => v.RecurringCost),
        new("amortized_cost", FieldKind.Number, v => v.AmortizedCost),
        new("payment_option", FieldKind.Text, v => v.Item.PaymentOption),
        new("offering_class", FieldKind.Text, v => v.Item.OfferingClass),
        new("offering_id", FieldKind.Text, v => v.Item.OfferingId),
        new("instance_count", FieldKind.Number, v => v.Item.InstanceCount),
        new("product_description", FieldKind.Text, v => v.Item.ProductDescription),
        new("instance_family", FieldKind.Text, v => v.Item.InstanceFamily),
        new("instance_type", FieldKind.Text, v => v.Item.InstanceType),
        new("tenancy", FieldKind.Text, v => v.Item.Tenancy),
        new("az", FieldKind.Text, v => v.Item.AvailabilityZone),
        new("is_multi_az", FieldKind.Boolean, v => v.Item.IsMultiAz),
        new("plan_type", FieldKind.Text, v => v.Item.PlanType),
        new("scope", FieldKind.Text, v => v.Item.Scope),
        new("name", FieldKind.Text, v => v.Item.Name),
        new("order_id", FieldKind.Text, v => v.Item.OrderId),
        new("resource_group", FieldKind.Text, v => v.Item.ResourceGroup),
        new("is_flexible", FieldKind.Boolean, v => v.Item.IsFlexible),
        new("instance_flexibility", FieldKind.Boolean, v => v.Item.IsFlexible),
        new("utilization", FieldKind.Number, v => v.Utilization),
        new("savings", FieldKind.Number, v => v.Savings),
        new("monthly_savings", FieldKind.Number, v => v.MonthlySavings),
        new("net_savings", FieldKind.Number, v => v.Savings),
        new("potential_savings", FieldKind.Number, v => v.PotentialSavings),
        new("running_hours", FieldKind.Number, v => v.RunningHours),
        new("created_at", FieldKind.Timestamp, v => v.Item.CreatedAt),
        new("updated_at", FieldKind.Timestamp, v => v.Item.UpdatedAt),
    ];

    /// <summary>The published <c>order_by</c> values and what they sort on (null: no particular order, so by id).</summary>
    public static readonly IReadOnlyDictionary<string, Func<CommitmentView, IComparable?>> SortKeys = new Dictionary<string, Func<CommitmentView, IComparable?>>(StringComparer.Ordinal)
    {
        ["duration_seconds"] = v => v.Item.DurationSeconds,
        ["start_date"] = v => v.Item.Start,
        ["end_date"] = v => v.Item.End,
        ["upfront_cost"] = v => v.Item.UpfrontCost,
        ["amortized_cost"] = v => v.AmortizedCost,
        ["recurring_cost"] = v => v.RecurringCost,
        ["created_at"] = v => v.Item.CreatedAt,
        ["updated_at"] = v => v.Item.UpdatedAt,
        ["is_leased"] = _ => false,
        ["account_id"] = v => v.Item.AccountId,
        ["type"] = v => v.Item.Type,
        ["status"] = v => v.Status,
        ["scope"] = v => v.Item.Scope,
        ["reservation_end"] = v => v.Item.HasTerms ? v.Item.End : null,
        ["utilization"] = v => v.Utilization,
        ["monthly_savings"] = v => v.MonthlySavings,
        ["null"] = _ => null,
    };
}
