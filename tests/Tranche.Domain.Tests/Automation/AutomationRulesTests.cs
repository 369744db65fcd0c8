using CsCheck;
using Tranche.Domain.Automation;

namespace Tranche.Domain.Tests.Automation;

public sealed class AutomationRulesTests
{
    private static Gen<T?> Maybe<T>(Gen<T> gen)
        where T : struct => Gen.Frequency((1, gen.Select(_ => (T?)null)), (2, gen.Select(v => (T?)v)));

    private static readonly string[] Kinds = ["ri", "savings_plan", "cud"];

    private static readonly Gen<AutomationLine> GenLine = Gen.Select(Gen.OneOf(Kinds), Gen.OneOf(12, 36), Gen.Int[0, 5_000], Gen.Int[0, 2_000])
        .Select((kind, term, upfront, monthly) => new AutomationLine(kind, term, upfront, monthly));

    private static readonly Gen<AutomationPlan?> GenPlan = Gen.Frequency(
        (1, Gen.Const((AutomationPlan?)null)),
        (6, Gen.Select(Gen.Int[-500, 3_000], Gen.Double[0, 1], GenLine.List[0, 5]).Select((savings, loss, lines) => (AutomationPlan?)new AutomationPlan("High Savings", savings, loss, lines))));

    private static readonly Gen<AutomationLimits> GenLimits = Gen.Select(
            Maybe(Gen.Int[0, 2_000]), Maybe(Gen.Double[0, 1]), Maybe(Gen.Int[0, 15_000]), Maybe(Gen.Int[0, 6_000]), Maybe(Gen.OneOf(12, 36)),
            Gen.Frequency((1, Gen.Const((string[]?)null)), (1, Gen.OneOf(Kinds).Array[1, 3].Select(a => (string[]?)a))), Gen.Bool)
        .Select((savings, loss, upfront, monthly, term, kinds, auto) => new AutomationLimits(
            savings, loss, upfront, monthly, term, kinds?.ToHashSet(StringComparer.Ordinal), auto));

    /// <summary>The obvious reading of the policy: buy when every stated limit holds and there is something to buy.</summary>
    private static bool PassesEveryRule(AutomationLimits limits, AutomationPlan? plan)
    {
        if (plan is null || plan.Lines.Count == 0)
        {
            return false;
        }

        var ok = true;
        ok &= limits.MinNetMonthlySavings is null || plan.NetMonthlySavings >= limits.MinNetMonthlySavings;
        ok &= limits.MaxLossProbability is null || plan.LossProbability <= limits.MaxLossProbability;
        ok &= limits.AllowedCommitmentTypes is null || plan.Lines.All(l => limits.AllowedCommitmentTypes.Contains(l.Kind));
        ok &= limits.MaxTermMonths is null || plan.Lines.All(l => l.TermMonths <= limits.MaxTermMonths);
        var upfront = 0m;
        var monthly = 0m;
        foreach (var line in plan.Lines)
        {
            upfront += line.Upfront;
            monthly += line.MonthlyCost;
        }

        ok &= limits.MaxUpfront is null || upfront <= limits.MaxUpfront;
        ok &= limits.MaxMonthlyCommitment is null || monthly <= limits.MaxMonthlyCommitment;
        return ok;
    }

    [Fact]
    public void A_plan_is_bought_or_proposed_exactly_when_it_passes_every_rule_and_a_skip_always_says_why() =>
        Gen.Select(GenLimits, GenPlan).Sample((limits, plan) =>
        {
            var verdict = AutomationRules.Decide(limits, plan);
            var expected = !PassesEveryRule(limits, plan) ? AutomationOutcome.Skip
                : limits.AutoPurchase ? AutomationOutcome.Purchase
                : AutomationOutcome.RequestApproval;
            Assert.Equal(expected, verdict.Outcome);
            Assert.False(string.IsNullOrWhiteSpace(verdict.Reason));
        });

    [Fact]
    public void The_first_broken_rule_is_the_one_named_with_its_figures()
    {
        var plan = new AutomationPlan("Balanced", 120m, 0.41, [new AutomationLine("savings_plan", 36, 1_000m, 300m)]);

        Assert.Equal(
            "The Balanced plan has a 41.0% probability of a net loss, above the policy's maximum of 30.0%.",
            AutomationRules.Decide(new AutomationLimits(100m, 0.30, 500m, null, null, null, true), plan).Reason);
        Assert.Equal(
            "The Balanced plan saves 120.00 a month, below the policy's minimum of 150.00.",
            AutomationRules.Decide(new AutomationLimits(150m, 0.30, 500m, null, null, null, true), plan).Reason);
        Assert.Equal(
            "The Balanced plan has a 36-month term; the policy allows up to 12 months.",
            AutomationRules.Decide(new AutomationLimits(null, null, 500m, null, 12, null, true), plan).Reason);
        Assert.Equal(
            "The Balanced plan pays 1,000.00 upfront; the policy allows at most 500.00.",
            AutomationRules.Decide(new AutomationLimits(null, null, 500m, null, null, null, true), plan).Reason);
    }
}
