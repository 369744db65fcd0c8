using Tranche.Domain.Offers;

namespace Tranche.Domain.Planning;

/// <summary>One purchase: <see cref="Quantity"/> units of <see cref="Offer"/> for <see cref="Pool"/>.</summary>
public sealed record PlanLineItem(string Pool, Offer Offer, double Quantity)
{
    /// <summary>Recurring plus amortized upfront cost of a 730-hour month.</summary>
    public double MonthlyCost => Quantity * (double)Offer.EffectiveHourlyPerUnit * Offer.HoursPerMonth;

    public double TermCost => Quantity * (double)Offer.EffectiveHourlyPerUnit * Offer.TermHours;

    public double UpfrontCost => Quantity * (double)Offer.UpfrontPerUnit;
}

/// <summary>Figures from the simulated usage paths over the plan's terms (money in the pools' currency).</summary>
public sealed record RiskFigures(
    int Paths,
    double ExpectedNetSavings,
    double LossProbability,
    double TailSavings5Percent,
    double ExpectedUtilization,
    int? BreakevenHours);

/// <summary>A plan's roll-up: monthly figures use a 730-hour month; coverage is of on-demand-equivalent spend.</summary>
public sealed record PlanTotals(
    double MonthlyCommitmentCost,
    double UpfrontCost,
    double MonthlyGrossSavings,
    double MonthlyNetSavings,
    double CoverageBefore,
    double CoverageAfter,
    double Utilization,
    int? BreakevenHours);

public static class PlanNames
{
    public const string Recommended = "Recommended";
    public const string Balanced = "Balanced";
    public const string HighSavings = "High Savings";
}

public sealed record Plan(string Name, double CoverageTarget, IReadOnlyList<PlanLineItem> LineItems, PlanTotals Totals, RiskFigures Risk)
{
    public bool IsEmpty => LineItems.Count == 0;

    /// <summary>The same simulation per pool with purchases, so a line's own risk can be shown and checked.</summary>
    public IReadOnlyList<PoolRisk> PoolRisks { get; init; } = [];
}

/// <summary>One pool's share of a plan's simulated outcome over its terms.</summary>
public sealed record PoolRisk(string Pool, double ExpectedNetSavings, double LossProbability);

/// <summary>Why a pool is or is not in the plans, with the figures that decided it.</summary>
public sealed record PoolAssessment(
    string Pool,
    bool Planned,
    string? SkipReason,
    double Uptime,
    double HistoryDays,
    double SurvivalDays,
    double TrendPerYear);

/// <summary>
/// The three default plans (Recommended, Balanced, High Savings, in that order) and the one recommended: the best
/// expected net savings within the risk limit, or null when nothing is worth buying.
/// </summary>
public sealed record PlanSet(DateTime PlanAtUtc, IReadOnlyList<Plan> Defaults, Plan? Recommended, IReadOnlyList<PoolAssessment> Pools, string? Explanation)
{
    /// <summary>The survival exponent the plans were computed with and the evidence behind it.</summary>
    public SurvivalFit.Result Survival { get; init; } = SurvivalFit.Result.Prior;
}
