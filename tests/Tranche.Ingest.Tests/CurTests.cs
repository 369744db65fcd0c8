using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Billing;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

/// <summary>
/// AWS CUR 2.0, from a hand-written hour of a payer with a Reserved Instance, a Savings Plan and on-demand usage,
/// with the fee, negation, tax and credit rows AWS writes around them (no public real CUR 2.0 export exists).
/// </summary>
public sealed class CurTests
{
    private const string Header =
        "bill_payer_account_id,bill_billing_period_start_date,bill_billing_period_end_date,line_item_usage_account_id,line_item_line_item_type," +
        "line_item_usage_start_date,line_item_usage_end_date,line_item_product_code,line_item_usage_type,line_item_operation,line_item_usage_amount," +
        "line_item_unblended_cost,line_item_currency_code,line_item_resource_id,line_item_availability_zone,pricing_public_on_demand_cost,pricing_unit," +
        "product_instance_type,product_region_code,product_product_family,product_sku,product,reservation_reservation_a_r_n,reservation_effective_cost," +
        "reservation_unused_quantity,reservation_unused_recurring_fee,reservation_unused_amortized_upfront_fee_for_billing_period," +
        "savings_plan_savings_plan_a_r_n,savings_plan_savings_plan_effective_cost,savings_plan_total_commitment_to_date,savings_plan_used_commitment";

    private const string Ri = "arn:aws:ec2:us-east-1:111122223333:reserved-instances/ri-1";
    private const string Sp = "arn:aws:savingsplans::111122223333:savingsplan/sp-1";

    private static readonly string[] s_rows =
    [
        // On demand: 2 hours of m5.large at $0.096.
        Row("Usage", "BoxUsage:m5.large", "RunInstances", "2", "0.192", "i-od", "0.192", "m5.large", linux: true),
        // RI-covered m5.xlarge: unblended 0 (the RIFee carries it), effective = the RI's amortized rate.
        Row("DiscountedUsage", "BoxUsage:m5.xlarge", "RunInstances", "1", "0", "i-ri", "0.192", "m5.xlarge", linux: true, ri: Ri, riEffective: "0.12"),
        // The RI's fee: $0.24 recurring for 2 reserved hours, 1 of them unused this hour.
        Row("RIFee", "HeavyUsage:m5.xlarge", "RunInstances", "2", "0.24", "", "0", "m5.xlarge", linux: true, ri: Ri, unusedQty: "1", unusedFee: "0.12"),
        // SP-covered c5.large: unblended = on-demand $0.085, cancelled by the negation row.
        Row("SavingsPlanCoveredUsage", "BoxUsage:c5.large", "RunInstances", "1", "0.085", "i-sp", "0.085", "c5.large", linux: true, sp: Sp, spEffective: "0.06"),
        Row("SavingsPlanNegation", "BoxUsage:c5.large", "RunInstances", "1", "-0.085", "i-sp", "0", "c5.large", linux: true, sp: Sp),
        // The SP's hourly commitment: $0.10 committed, $0.06 of it used.
        Row("SavingsPlanRecurringFee", "ComputeSP:1yrNoUpfront", "", "1", "0.10", "", "0", "", linux: false, sp: Sp, spTotal: "0.10", spUsed: "0.06"),
        Row("Tax", "", "", "", "0.05", "", "0", "", linux: false),
        Row("Credit", "", "", "", "-0.02", "", "0", "", linux: false),
    ];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StoreKind.Sqlite, "csv")]
    [InlineData(StoreKind.Sqlite, "parquet")]
    [InlineData(StoreKind.Postgres, "csv.gz")]
    public async Task Costs_follow_the_line_item_types(StoreKind store, string format)
    {
        var target = await IngestTarget.CreateAsync(store);

        var report = await target.LoadAsync(Write(format));

        Assert.True(report.Outcome == IngestOutcome.Loaded, report.Problem + string.Join("\n", report.Errors));
        Assert.Equal(["cur-2.0"], report.Formats);
        // Cash: the sum of every unblended cost. Amortized: covered usage at its effective rate, unused commitment, tax and credit.
        Assert.Equal(0.192m + 0 + 0.24m + 0.085m - 0.085m + 0.10m + 0.05m - 0.02m, report.BilledCost);
        Assert.Equal(0.192m + 0.12m + 0.12m + 0.06m + 0m + 0.04m + 0.05m - 0.02m, report.EffectiveCost);

        await using var db = target.Db();
        var charges = await db.ChargeDays.ToListAsync(Cancel);
        Assert.Equal(0.05m, charges.Where(c => c.ChargeCategory == "Tax").Sum(c => c.BilledCost));
        Assert.Equal(-0.02m, charges.Where(c => c.ChargeCategory == "Credit").Sum(c => c.BilledCost));
        Assert.Equal(0.34m, charges.Where(c => c.ChargeCategory == "Purchase").Sum(c => c.BilledCost));
    }

    [Fact]
    public async Task Demand_counts_on_demand_and_covered_hours_but_never_the_negation()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        await target.LoadAsync(Write("csv"));

        await using var db = target.Db();
        var pools = await db.UsagePools.ToDictionaryAsync(p => p.Id, Cancel);
        var days = await db.UsageDays.ToListAsync(Cancel);
        var byType = days.GroupBy(d => pools[d.PoolId].InstanceType!).ToDictionary(
            g => g.Key,
            g => (Quantity: g.Sum(d => HourlyValues.Decode(d.HourlyQuantity).Total), Covered: g.Sum(d => HourlyValues.Decode(d.HourlyCoveredQuantity).Total), OnDemand: g.Sum(d => d.ListCost)));
        Assert.Equal((2d, 0d, 0.192m), byType["m5.large"]);
        Assert.Equal((1d, 1d, 0.192m), byType["m5.xlarge"]);
        Assert.Equal((1d, 1d, 0.085m), byType["c5.large"]);
        Assert.All(pools.Values, p => Assert.Equal(("Linux", "Hours", "us-east-1"), (p.Platform, p.Unit, p.RegionId)));
    }

    [Fact]
    public async Task Reserved_instances_and_savings_plans_get_used_unused_and_fee_facts()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        await target.LoadAsync(Write("csv"));

        await using var db = target.Db();
        var commitments = await db.BilledCommitments.ToDictionaryAsync(c => c.ProviderCommitmentId, Cancel);
        var days = await db.CommitmentDays.ToListAsync(Cancel);
        var ri = days.Single(d => d.CommitmentId == commitments[Ri].Id);
        var sp = days.Single(d => d.CommitmentId == commitments[Sp].Id);

        Assert.Equal(("Usage", "Reserved Instance"), (commitments[Ri].Category, commitments[Ri].Type));
        Assert.Equal(("Spend", "Savings Plan"), (commitments[Sp].Category, commitments[Sp].Type));
        Assert.Equal((1d, 1d, 0.192m, 0.12m, 0.12m, 0.24m), (ri.UsedQuantity, ri.UnusedQuantity, ri.CoveredListCost, ri.UsedEffectiveCost, ri.UnusedEffectiveCost, ri.RecurringFee));
        Assert.Equal((0.06d, 0.04d, 0.085m, 0.06m, 0.04m, 0.10m), (sp.UsedQuantity, Math.Round(sp.UnusedQuantity, 9), sp.CoveredListCost, sp.UsedEffectiveCost, sp.UnusedEffectiveCost, sp.RecurringFee));

        var coverage = await db.CommitmentCoverage.ToListAsync(Cancel);
        Assert.Equal(2, coverage.Count);
    }

    private static string Write(string format)
    {
        var csv = Files.Write("cur.csv", Header + "\n" + string.Join("\n", s_rows) + "\n");
        return format switch
        {
            "csv" => csv,
            "csv.gz" => Files.Convert(csv, Files.Temp("cur.csv.gz"), "gzip"),
            _ => ToParquetWithMaps(csv),
        };
    }

    /// <summary>Parquet as AWS writes it: the product column is a MAP, not JSON text.</summary>
    private static string ToParquetWithMaps(string csv)
    {
        var target = Files.Temp("cur.parquet");
        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = $"""
            COPY (SELECT * REPLACE (CAST(CAST(product AS JSON) AS MAP(VARCHAR, VARCHAR)) AS product),
                         CAST(line_item_unblended_cost AS DOUBLE) AS line_item_unblended_cost
                  FROM read_csv('{csv}', header = true, all_varchar = true))
            TO '{target}' (FORMAT PARQUET)
            """;
        command.ExecuteNonQuery();
        return target;
    }

    private static string Row(
        string type, string usageType, string operation, string amount, string unblended, string resource, string onDemand, string instanceType, bool linux,
        string ri = "", string riEffective = "", string unusedQty = "", string unusedFee = "", string sp = "", string spEffective = "", string spTotal = "", string spUsed = "")
    {
        var product = linux ? "\"{\"\"operating_system\"\": \"\"Linux\"\", \"\"tenancy\"\": \"\"Shared\"\"}\"" : "\"{}\"";
        string[] cells =
        [
            "111122223333", "2025-03-01T00:00:00.000Z", "2025-04-01T00:00:00.000Z", "444455556666", type,
            "2025-03-10T05:00:00.000Z", "2025-03-10T06:00:00.000Z", type is "Tax" or "Credit" ? "" : "AmazonEC2", usageType, operation, amount,
            unblended, "USD", resource, resource == "" ? "" : "us-east-1a", onDemand, amount == "" ? "" : "Hrs",
            instanceType, instanceType == "" ? "" : "us-east-1", instanceType == "" ? "" : "Compute Instance", instanceType == "" ? "" : "SKU-" + instanceType, product,
            ri, riEffective, unusedQty, "0", unusedFee, sp, spEffective, spTotal, spUsed,
        ];
        return string.Join(",", cells);
    }
}
