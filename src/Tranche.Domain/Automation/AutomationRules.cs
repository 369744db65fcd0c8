using System.Globalization;

namespace Tranche.Domain.Automation;

/// <summary>What a policy asks of a plan before it is bought unattended. Null limits are not checked.</summary>
public sealed record AutomationLimits(
    decimal? MinNetMonthlySavings,
    double? MaxLossProbability,
    decimal? MaxUpfront,
    decimal? MaxMonthlyCommitment,
    int? MaxTermMonths,
    IReadOnlySet<string>? AllowedCommitmentTypes,
    bool AutoPurchase);

/// <summary>One line the plan would buy, as far as the rules care.</summary>
public sealed record AutomationLine(string Kind, int TermMonths, decimal Upfront, decimal MonthlyCost);

/// <summary>The plan a run weighs: its expected savings, risk and what it buys.</summary>
public sealed record AutomationPlan(string Name, decimal NetMonthlySavings, double LossProbability, IReadOnlyList<AutomationLine> Lines);

public enum AutomationOutcome
{
    /// <summary>Buy the plan now.</summary>
    Purchase,

    /// <summary>The plan passes every rule, but the policy only notifies: someone approves it.</summary>
    RequestApproval,

    /// <summary>Nothing is bought; the reason says which rule stopped it.</summary>
    Skip,
}

public sealed record AutomationVerdict(AutomationOutcome Outcome, string Reason);

/// <summary>
/// The rules an unattended run applies, in the order a person would check them: is there anything to buy, is it worth
/// it, is it safe enough, does it stay inside the limits. The first rule that fails is the reason given.
/// </summary>
public static class AutomationRules
{
    public static AutomationVerdict Decide(AutomationLimits limits, AutomationPlan? plan)
    {
        if (plan is null || plan.Lines.Count == 0)
        {
            return Skip(plan is null ? "No plan to buy: the planner recommends nothing within the risk limit." : $"The {plan.Name} plan buys nothing.");
        }

        if (limits.MinNetMonthlySavings is { } minSavings && plan.NetMonthlySavings < minSavings)
        {
            return Skip($"The {plan.Name} plan saves {Money(plan.NetMonthlySavings)} a month, below the policy's minimum of {Money(minSavings)}.");
        }

        if (limits.MaxLossProbability is { } maxLoss && plan.LossProbability > maxLoss)
        {
            return Skip($"The {plan.Name} plan has a {Percent(plan.LossProbability)} probability of a net loss, above the policy's maximum of {Percent(maxLoss)}.");
        }

        if (limits.AllowedCommitmentTypes is { } allowed && plan.Lines.FirstOrDefault(l => !allowed.Contains(l.Kind)) is { } other)
        {
            return Skip($"The {plan.Name} plan buys {other.Kind}; the policy allows {string.Join(", ", allowed.Order(StringComparer.Ordinal))} only.");
        }

        var term = plan.Lines.Max(l => l.TermMonths);
        if (limits.MaxTermMonths is { } maxTerm && term > maxTerm)
        {
            return Skip($"The {plan.Name} plan has a {term}-month term; the policy allows up to {maxTerm} months.");
        }

        var upfront = plan.Lines.Sum(l => l.Upfront);
        if (limits.MaxUpfront is { } maxUpfront && upfront > maxUpfront)
        {
            return Skip($"The {plan.Name} plan pays {Money(upfront)} upfront; the policy allows at most {Money(maxUpfront)}.");
        }

        var monthly = plan.Lines.Sum(l => l.MonthlyCost);
        if (limits.MaxMonthlyCommitment is { } maxMonthly && monthly > maxMonthly)
        {
            return Skip($"The {plan.Name} plan commits {Money(monthly)} a month; the policy allows at most {Money(maxMonthly)}.");
        }

        var summary = $"The {plan.Name} plan saves {Money(plan.NetMonthlySavings)} a month with a {Percent(plan.LossProbability)} probability of a net loss, "
            + $"buying {plan.Lines.Count} line item(s) for {Money(upfront)} upfront and {Money(monthly)} a month";
        return limits.AutoPurchase
            ? new AutomationVerdict(AutomationOutcome.Purchase, summary + ".")
            : new AutomationVerdict(AutomationOutcome.RequestApproval, summary + "; the policy asks for approval before buying.");
    }

    private static AutomationVerdict Skip(string reason) => new(AutomationOutcome.Skip, reason);

    private static string Money(decimal value) => value.ToString("N2", CultureInfo.InvariantCulture);

    private static string Percent(double value) => (value * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
