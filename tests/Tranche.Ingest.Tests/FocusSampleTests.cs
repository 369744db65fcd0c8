using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Billing;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

/// <summary>The official FOCUS 1.0 sample (real, anonymized AWS, Azure and Oracle rows), on both stores.</summary>
public abstract class FocusSampleTests(StoreKind store)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Totals_per_billing_period_reconcile_with_the_file_to_the_cent()
    {
        var target = await IngestTarget.CreateAsync(store);
        var folder = SharedData.Path("focus-sample");

        var report = await target.LoadAsync(folder);

        Assert.True(report.Outcome == IngestOutcome.Loaded, report.Problem);
        var rows = Directory.GetFiles(folder, "*.csv").SelectMany(ReferenceCsv.Read).ToList();
        var expected = rows
            .GroupBy(r => (Provider: CloudProviders.FromName(r["ProviderName"]), Account: r["BillingAccountId"]!, Start: DateTime.Parse(r["BillingPeriodStart"]!, System.Globalization.CultureInfo.InvariantCulture)))
            .ToDictionary(g => g.Key, g => (Rows: g.Count(), Billed: g.Sum(r => ReferenceCsv.Money(r["BilledCost"])), Effective: g.Sum(r => ReferenceCsv.Money(r["EffectiveCost"]))));

        await using var db = target.Db();
        var periods = await db.BillingPeriods.ToListAsync(Cancel);
        var charges = await db.ChargeDays.ToListAsync(Cancel);
        Assert.Equal(expected.Count, periods.Count);
        foreach (var period in periods)
        {
            var want = expected[(period.Provider, period.BillingAccountId, period.PeriodStart)];
            var facts = charges.Where(c => c.BillingPeriodId == period.Id).ToList();
            Assert.Equal(want.Rows, period.RowCount);
            Assert.Equal(decimal.Round(want.Billed, 2), decimal.Round(period.BilledCost, 2));
            Assert.Equal(decimal.Round(want.Effective, 2), decimal.Round(period.EffectiveCost, 2));
            Assert.Equal(decimal.Round(want.Billed, 2), decimal.Round(facts.Sum(c => c.BilledCost), 2));
            Assert.Equal(decimal.Round(want.Effective, 2), decimal.Round(facts.Sum(c => c.EffectiveCost), 2));
            Assert.Equal(want.Rows, facts.Sum(c => c.RowCount));
            // Each line is read to a billionth, so the total is within half a billionth per row of the exact sum.
            Assert.InRange(Math.Abs(want.Billed - period.BilledCost), 0m, want.Rows * 0.0000000005m);
        }

        Assert.Equal(decimal.Round(rows.Sum(r => ReferenceCsv.Money(r["BilledCost"])), 2), decimal.Round(report.BilledCost, 2));
    }

    [Fact]
    public async Task Savings_plan_covered_instance_hours_become_covered_usage_of_a_known_instance_type()
    {
        var target = await IngestTarget.CreateAsync(store);

        await target.LoadAsync(SharedData.Path("focus-sample"));

        await using var db = target.Db();
        var pool = await db.UsagePools.SingleAsync(p => p.InstanceType == "t2.medium" && p.SkuId == "2ES9C4RF3WGQZAQN", Cancel);
        Assert.Equal("aws", pool.Provider);
        Assert.Equal("Linux", pool.Platform);
        Assert.Equal("Hours", pool.Unit);
        var days = await db.UsageDays.Where(d => d.PoolId == pool.Id).ToListAsync(Cancel);
        var covered = days.Sum(d => HourlyValues.Decode(d.HourlyCoveredQuantity).Total);
        Assert.Equal(1d, covered, 9);

        var commitments = await db.BilledCommitments.ToListAsync(Cancel);
        Assert.All(commitments, c => Assert.StartsWith("arn:aws:savingsplans::", c.ProviderCommitmentId, StringComparison.Ordinal));
        Assert.All(commitments, c => Assert.Equal(("Spend", "Savings Plan"), (c.Category, c.Type)));
        var coverage = await db.CommitmentCoverage.Where(c => c.PoolId == pool.Id).SingleAsync(Cancel);
        Assert.Equal(0.0464m, coverage.CoveredListCost);
        var commitmentDays = await db.CommitmentDays.ToListAsync(Cancel);
        Assert.Equal(0.0464m + 0.0112m + 0.085m + 0.0000790222m, commitmentDays.Sum(d => d.CoveredListCost), 8);
    }

    [Fact]
    public async Task Daily_azure_rows_are_spread_over_their_hours_and_marked()
    {
        var target = await IngestTarget.CreateAsync(store);

        await target.LoadAsync(SharedData.Path("focus-sample"));

        await using var db = target.Db();
        var azure = await db.UsagePools.Where(p => p.Provider == "azure").Select(p => p.Id).ToListAsync(Cancel);
        var days = await db.UsageDays.Where(d => azure.Contains(d.PoolId)).ToListAsync(Cancel);
        Assert.NotEmpty(days);
        Assert.All(days, d => Assert.Equal(24, d.SourceGranularityHours));
        foreach (var day in days.Where(d => d.Quantity > 0))
        {
            var hours = HourlyValues.Decode(day.HourlyQuantity);
            Assert.All(hours.Values.ToArray(), h => Assert.Equal(day.Quantity / 24, h, 12));
        }

        var hourly = await db.UsageDays.Where(d => !azure.Contains(d.PoolId)).Select(d => d.SourceGranularityHours).Distinct().ToListAsync(Cancel);
        Assert.Equal([1], hourly);
    }

    [Fact]
    public async Task Loading_the_same_period_again_replaces_it_and_changes_nothing_else()
    {
        var target = await IngestTarget.CreateAsync(store);
        var folder = SharedData.Path("focus-sample");
        await target.LoadAsync(folder);
        var before = await Snapshot.TakeAsync(target);

        var again = await target.LoadAsync(folder);

        Assert.All(again.BillingPeriods, p => Assert.True(p.ReplacedEarlierLoad));
        var after = await Snapshot.TakeAsync(target);
        Assert.Equal(before.WithoutLoadIds(), after.WithoutLoadIds());
    }

    [Fact]
    public async Task Resources_record_where_and_how_long_they_ran()
    {
        var target = await IngestTarget.CreateAsync(store);

        var folder = SharedData.Path("focus-sample");
        var rows = Directory.GetFiles(folder, "*.csv").SelectMany(ReferenceCsv.Read).Where(r => r["ResourceId"] is not null).ToList();

        await target.LoadAsync(folder);

        await using var db = target.Db();
        var resources = await db.BilledResources.ToListAsync(Cancel);
        Assert.Equal(rows.Select(r => r["ResourceId"]).Distinct().Count(), resources.Count);
        foreach (var instance in rows.Where(r => r["ChargeDescription"]?.Contains("Instance Hour", StringComparison.Ordinal) == true).Take(20))
        {
            var resource = resources.Single(r => r.ProviderResourceId == instance["ResourceId"]);
            Assert.Equal(instance["RegionId"], resource.RegionId);
            Assert.NotNull(resource.InstanceType);
            Assert.Contains(resource.InstanceType, instance["ChargeDescription"], StringComparison.Ordinal);
            // Uptime: the instance-hours billed that day (partial hours count as the fraction billed), at most 24; on a
            // day with no hourly rows, the number of usage rows.
            var usage = rows.Where(r => r["ResourceId"] == instance["ResourceId"] && r["ChargeCategory"] == "Usage" && r["ConsumedQuantity"] is not null).ToList();
            var hoursByDay = usage.GroupBy(r => DateOnly.ParseExact(r["ChargePeriodStart"]![..10], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => Math.Min(24d, g.Any(r => r["ConsumedUnit"] is "Hours" or "Hrs")
                    ? (double)g.Where(r => r["ConsumedUnit"] is "Hours" or "Hrs").Sum(r => ReferenceCsv.Money(r["ConsumedQuantity"]))
                    : g.Count()));
            var period = await db.ResourcePeriods.SingleAsync(p => p.ResourceId == resource.Id, Cancel);
            var hours = DailyValues.DecodeDoubles(period.DailyUsageHours);
            var presence = DailyValues.DecodeDoubles(period.DailyPresence);
            var billed = DailyValues.DecodeLongs(period.DailyBilledCost);
            var effective = DailyValues.DecodeLongs(period.DailyEffectiveCost);
            var costsByDay = rows.Where(r => r["ResourceId"] == instance["ResourceId"])
                .GroupBy(r => DateOnly.ParseExact(r["ChargePeriodStart"]![..10], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
                .ToDictionary(g => g.Key, g => (Billed: g.Sum(r => ReferenceCsv.Money(r["BilledCost"])), Effective: g.Sum(r => ReferenceCsv.Money(r["EffectiveCost"]))));
            Assert.Equal(hoursByDay.Keys.Min(), period.FirstUsageDay);
            for (var i = 0; i < period.Days; i++)
            {
                var day = period.FirstDay.AddDays(i);
                Assert.Equal(hoursByDay.GetValueOrDefault(day), hours[i], 9);
                Assert.Equal(Data.Money.ToNanoUnits(costsByDay.GetValueOrDefault(day).Billed), billed[i]);
                Assert.Equal(Data.Money.ToNanoUnits(costsByDay.GetValueOrDefault(day).Effective), effective[i]);
                Assert.Equal(rows.Any(r => r["ResourceId"] == instance["ResourceId"] && r["ChargePeriodStart"]!.StartsWith(day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)) ? 1 : 0, presence[i]);
            }
        }
    }
}

public sealed class FocusSampleOnSqlite() : FocusSampleTests(StoreKind.Sqlite);

public sealed class FocusSampleOnPostgres() : FocusSampleTests(StoreKind.Postgres);
