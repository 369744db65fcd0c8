using Tranche.Domain.Offers;

namespace Tranche.Domain.Planning;

/// <summary>
/// A commitment already owned for a pool: it covers up to <see cref="Quantity"/> units of every hour until
/// <see cref="EndUtc"/> (exclusive), then drops off, so usage it covered becomes uncovered again.
/// </summary>
public sealed record ExistingCommitment(double Quantity, DateTime EndUtc);

/// <summary>
/// One pool's input: hourly usage on the UTC hour grid from <see cref="StartUtc"/> (quantity in the pool's unit,
/// gaps already filled by the caller), the on-demand rate per unit-hour, the offers that can cover it and the
/// commitments it already has.
/// </summary>
public sealed record PoolUsage(
    string Pool,
    DateTime StartUtc,
    double[] Quantity,
    double OnDemandRate,
    IReadOnlyList<Offer> Offers,
    IReadOnlyList<ExistingCommitment>? Existing = null)
{
    public IReadOnlyList<ExistingCommitment> ExistingCommitments => Existing ?? [];

    /// <summary>Coverage of the owned commitments still active at <paramref name="hourUtc"/>.</summary>
    public double ExistingCoverageAt(DateTime hourUtc)
    {
        var sum = 0.0;
        foreach (var c in ExistingCommitments)
        {
            if (c.EndUtc > hourUtc)
            {
                sum += c.Quantity;
            }
        }

        return sum;
    }
}

/// <summary>What the planner may do and how cautious it is. Defaults follow DESIGN.md (Planner).</summary>
public sealed record PlanSettings
{
    public const int MinLookbackDays = 7;
    public const int MaxLookbackDays = 365;

    /// <summary>Days of history the sizing distribution is read from (7 to 365).</summary>
    public int LookbackDays { get; init; } = 30;

    /// <summary>Share of lookback hours with usage a pool needs to be planned.</summary>
    public double UptimeThreshold { get; init; } = 0.80;

    /// <summary>
    /// The recommended plan must have a probability of a net loss at or below this. The simulation draws pool
    /// endings from the survival learned from the org's history, and growth and decline scenarios on top.
    /// </summary>
    public double RiskLimit { get; init; } = 0.30;

    /// <summary>Simulated usage paths per pool (at least 1,000 for published figures).</summary>
    public int Paths { get; init; } = 1000;

    public ulong Seed { get; init; } = 20250101;

    /// <summary>Commitments are bought in whole multiples of this (1 instance or normalized unit by default).</summary>
    public double QuantityStep { get; init; } = 1.0;

    /// <summary>Coverage targets of the three default plans: Recommended, Balanced, High Savings.</summary>
    public IReadOnlyList<double> CoverageTargets { get; init; } = [0.70, 0.85, 0.95];

    /// <summary>The survival curve to plan with; null (the default) learns it from the org's history (<see cref="SurvivalFit"/>).</summary>
    public SurvivalFit.Result? Survival { get; init; }

    /// <summary>Returns null when valid, else what is wrong.</summary>
    public string? Validate()
    {
        if (Survival is { } curve && (!(curve.Exponent is >= 0 and <= 5) || !(curve.HazardPerYear is >= 0 and <= 100)))
        {
            return "The survival exponent must be between 0 and 5, and the hazard between 0 and 100 per year.";
        }

        if (LookbackDays is < MinLookbackDays or > MaxLookbackDays)
        {
            return $"Lookback must be between {MinLookbackDays} and {MaxLookbackDays} days (got {LookbackDays}).";
        }

        if (UptimeThreshold is < 0 or > 1 || double.IsNaN(UptimeThreshold))
        {
            return "Uptime threshold must be between 0 and 1.";
        }

        if (RiskLimit is < 0 or > 1 || double.IsNaN(RiskLimit))
        {
            return "Risk limit must be between 0 and 1.";
        }

        if (Paths is < 1 or > 1_000_000)
        {
            return "Paths must be between 1 and 1,000,000.";
        }

        if (!(QuantityStep > 0) || double.IsInfinity(QuantityStep))
        {
            return "Quantity step must be positive.";
        }

        return CoverageTargets.Count != 3 || CoverageTargets.Any(t => t is <= 0 or > 1 || double.IsNaN(t))
            ? "Three coverage targets between 0 and 1 are needed."
            : null;
    }
}

/// <summary>Plan commitments for these pools at <see cref="PlanAtUtc"/> using only usage before it.</summary>
public sealed record PlanRequest(DateTime PlanAtUtc, IReadOnlyList<PoolUsage> Pools, PlanSettings Settings);
