using System.Globalization;
using System.Text;
using Tranche.Domain.Planning;
using Tranche.Testing;

namespace Tranche.Domain.Tests.Planning;

/// <summary>The planner judged the way DESIGN.md says it is judged: plans on past windows scored on what followed.</summary>
public sealed class BacktestTests
{
    private sealed record Row(string Trace, string PlanAt, double Recommended, double Baseline, double Hindsight, double Balanced, double HighSavings, double PredictedLoss);

    private static Row Run(TraceCase c)
    {
        var result = Backtest.Run(c.Pools, c.PlanAt, new PlanSettings());
        return new Row(c.Trace, c.PlanAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            result[StrategyNames.Recommended].NetSavings, result[StrategyNames.BaselineLookback].NetSavings,
            result[StrategyNames.HindsightOptimal].NetSavings, result[StrategyNames.Balanced].NetSavings,
            result[StrategyNames.HighSavings].NetSavings, result[StrategyNames.Recommended].PredictedLossProbability ?? 0);
    }

    private static string Table(IEnumerable<Row> rows)
    {
        var text = new StringBuilder("| trace | plan at | recommended | baseline_lookback | hindsight_optimal | balanced | high_savings | predicted P(loss) |\n|---|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            text.Append(CultureInfo.InvariantCulture, $"| {r.Trace} | {r.PlanAt} | {r.Recommended:N0} | {r.Baseline:N0} | {r.Hindsight:N0} | {r.Balanced:N0} | {r.HighSavings:N0} | {r.PredictedLoss:0.000} |\n");
        }

        return text.ToString();
    }

    [Fact]
    public void Recommended_beats_the_lookback_rule_on_generated_and_real_traces()
    {
        var cases = TraceSet.Generated().ToList();
        cases.AddRange(TraceSet.Real(
            Path.Combine(SharedData.Path("real-traces/chameleon-baremetal"), "usage.csv"),
            Path.Combine(SharedData.Path("real-traces/bitbrains-rnd"), "usage.csv")));
        var rows = cases.AsParallel().AsOrdered().Select(Run).ToList();
        var byTrace = rows.GroupBy(r => r.Trace).Select(g => new Row(g.Key, "all", g.Sum(r => r.Recommended), g.Sum(r => r.Baseline), g.Sum(r => r.Hindsight),
            g.Sum(r => r.Balanced), g.Sum(r => r.HighSavings), g.Average(r => r.PredictedLoss))).ToList();
        var brier = rows.Average(r => Math.Pow(r.PredictedLoss - (r.Recommended < 0 ? 1 : 0), 2));
        var report = Table(rows) + "\n" + Table(byTrace) + $"\nBrier score of the recommended plan's predicted loss probability over {rows.Count} cases: {brier:0.0000}\n" +
            $"Totals: recommended {rows.Sum(r => r.Recommended):N0}, baseline {rows.Sum(r => r.Baseline):N0}, hindsight {rows.Sum(r => r.Hindsight):N0}; " +
            $"losses: recommended {rows.Count(r => r.Recommended < 0)}, baseline {rows.Count(r => r.Baseline < 0)} of {rows.Count} cases";
        TestContext.Current.SendDiagnosticMessage(report);
        if (Environment.GetEnvironmentVariable("TRANCHE_BACKTEST_REPORT") is { Length: > 0 } file)
        {
            File.WriteAllText(file, report);
        }

        Assert.True(rows.Sum(r => r.Recommended) > rows.Sum(r => r.Baseline), report);
        Assert.True(rows.Count(r => r.Recommended < 0) < rows.Count(r => r.Baseline < 0), report);
        Assert.All(rows, r => Assert.True(r.Recommended >= -0.10 * Math.Max(0, r.Hindsight), $"{r.Trace} {r.PlanAt}\n{report}"));
        Assert.True(rows.Sum(r => r.Recommended) >= 0.60 * rows.Sum(r => r.Hindsight), report);
    }
}
