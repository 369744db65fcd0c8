using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Billing;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

/// <summary>What a load guarantees: all or nothing, one writer per org at a time, and the same facts from every format.</summary>
public abstract class LoadSafetyTests(StoreKind store)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("periods-replaced")]
    [InlineData("charges-written")]
    [InlineData("usage-written")]
    [InlineData("commitments-written")]
    [InlineData("resources-written")]
    [InlineData("before-commit")]
    public async Task A_load_that_fails_midway_leaves_the_database_exactly_as_it_was(string failAt)
    {
        var target = await IngestTarget.CreateAsync(store);
        var folder = SharedData.Path("focus-sample");
        await target.LoadAsync(folder);
        var before = await Snapshot.TakeAsync(target);
        var changed = new FocusFixture().Hours(new DateTime(2024, 9, 3, 0, 0, 0, DateTimeKind.Utc), 30,
            ("BillingAccountId", "1234567890123"), ("BillingPeriodStart", "2024-09-01T00:00:00Z"), ("BillingPeriodEnd", "2024-10-01T00:00:00Z")).Write();

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => BillingIngest.RunAsync(
            target.Database, new IngestRequest(target.OrgId, [changed]), TimeProvider.System, null,
            step => { if (step == failAt) { throw new InvalidOperationException("injected at " + step); } }, Cancel));

        Assert.Equal("injected at " + failAt, failure.Message);
        Assert.Equal(before, await Snapshot.TakeAsync(target));
    }

    [Fact]
    public async Task Two_loads_of_the_same_period_at_once_both_finish_and_leave_one_copy()
    {
        var target = await IngestTarget.CreateAsync(store);
        var folder = SharedData.Path("focus-sample");
        await target.LoadAsync(folder);
        var single = await Snapshot.TakeAsync(target);

        var reports = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => target.LoadAsync(folder), Cancel)));

        Assert.All(reports, r => Assert.Equal(IngestOutcome.Loaded, r.Outcome));
        Assert.Equal(single.WithoutLoadIds(), (await Snapshot.TakeAsync(target)).WithoutLoadIds());
    }

    [Theory]
    [InlineData("parquet")]
    [InlineData("gzip")]
    public async Task Parquet_and_gzip_copies_of_a_file_give_the_same_facts_as_the_csv(string format)
    {
        var csvTarget = await IngestTarget.CreateAsync(store);
        var otherTarget = await IngestTarget.CreateAsync(store);
        var csv = Path.Combine(SharedData.Path("focus-sample"), "focus_sample_1000_part1.csv");
        var other = Files.Convert(csv, Files.Temp(format == "parquet" ? "part1.parquet" : "part1.csv.gz"), format);

        var fromCsv = await csvTarget.LoadAsync(csv);
        var fromOther = await otherTarget.LoadAsync(other);

        Assert.Equal(IngestOutcome.Loaded, fromOther.Outcome);
        Assert.Equal((fromCsv.RowsStored, fromCsv.Pools, fromCsv.Resources, fromCsv.Commitments), (fromOther.RowsStored, fromOther.Pools, fromOther.Resources, fromOther.Commitments));
        // Parquet holds costs as doubles: the same lines to within a billionth each.
        Assert.Equal(fromCsv.BilledCost, fromOther.BilledCost, 6);
        Assert.Equal(fromCsv.EffectiveCost, fromOther.EffectiveCost, 6);
        Assert.Equal(await UsageByPoolAsync(csvTarget), await UsageByPoolAsync(otherTarget));
    }

    [Fact]
    public async Task Credits_taxes_and_corrections_keep_their_money_but_are_not_usage()
    {
        var target = await IngestTarget.CreateAsync(store);
        var file = new FocusFixture()
            .Add()
            .Add(("ChargeCategory", "Tax"), ("BilledCost", "0.5"), ("EffectiveCost", "0.5"), ("ConsumedQuantity", null), ("PricingCategory", null))
            .Add(("ChargeCategory", "Credit"), ("BilledCost", "-1.25"), ("EffectiveCost", "-1.25"), ("ConsumedQuantity", null))
            .Add(("ChargeClass", "Correction"), ("BilledCost", "-0.096"), ("EffectiveCost", "-0.096"), ("ConsumedQuantity", "-1"))
            .Add(("PricingCategory", "Dynamic"), ("BilledCost", "0.03"), ("EffectiveCost", "0.03"), ("ResourceId", "i-spot"))
            .Write();

        var report = await target.LoadAsync(file);

        Assert.Equal(0.096m + 0.5m - 1.25m - 0.096m + 0.03m, report.BilledCost);
        await using var db = target.Db();
        var charges = await db.ChargeDays.ToListAsync(Cancel);
        Assert.Equal(-1.25m, charges.Single(c => c.ChargeCategory == "Credit").BilledCost);
        Assert.Equal(-0.096m, charges.Single(c => c.ChargeClass == "Correction").BilledCost);
        var usage = await db.UsageDays.ToListAsync(Cancel);
        Assert.Equal(1d, usage.Sum(d => HourlyValues.Decode(d.HourlyQuantity).Total));
        var spot = await db.BilledResources.SingleAsync(r => r.ProviderResourceId == "i-spot", Cancel);
        Assert.True(spot.IsSpot);
    }

    private static async Task<List<string>> UsageByPoolAsync(IngestTarget target)
    {
        await using var db = target.Db();
        var pools = await db.UsagePools.ToDictionaryAsync(p => p.Id, p => p.KeyHash, Cancel);
        return [.. (await db.UsageDays.ToListAsync(Cancel))
            .Select(d => $"{pools[d.PoolId]} {d.Day} {HourlyValues.Decode(d.HourlyQuantity).Total:G12} {decimal.Round(d.ListCost, 8)} {decimal.Round(d.BilledCost, 8)}")
            .Order(StringComparer.Ordinal)];
    }
}

public sealed class LoadSafetyOnSqlite() : LoadSafetyTests(StoreKind.Sqlite);

public sealed class LoadSafetyOnPostgres() : LoadSafetyTests(StoreKind.Postgres);
