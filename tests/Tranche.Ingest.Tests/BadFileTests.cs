using Microsoft.EntityFrameworkCore;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

/// <summary>Broken, odd and hostile files: each is refused with a message that says where and why, and nothing is stored.</summary>
public sealed class BadFileTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Empty_file_is_refused()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        var report = await target.LoadAsync(Files.Write("empty.csv", ""));

        await AssertRefusedAsync(target, report, "is empty");
    }

    [Fact]
    public async Task Header_only_file_is_refused_as_having_no_rows()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        var report = await target.LoadAsync(Files.Write("header.csv", new FocusFixture().Csv()));

        await AssertRefusedAsync(target, report, "no data rows");
    }

    [Fact]
    public async Task Missing_required_columns_are_named()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var csv = new FocusFixture().Add().Csv().Replace("\"BilledCost\"", "\"Billed\"", StringComparison.Ordinal);

        var report = await target.LoadAsync(Files.Write("missing.csv", csv));

        await AssertRefusedAsync(target, report, "lacks required column(s): BilledCost");
    }

    [Fact]
    public async Task A_csv_that_is_not_a_billing_export_is_refused()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        var report = await target.LoadAsync(Files.Write("people.csv", "name,age\nAda,36\n"));

        await AssertRefusedAsync(target, report, "neither FOCUS nor AWS CUR 2.0");
    }

    [Fact]
    public async Task Legacy_cost_and_usage_reports_are_refused_with_what_to_export_instead()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        var report = await target.LoadAsync(Files.Write("cur1.csv", "identity/LineItemId,lineItem/LineItemType,lineItem/UsageStartDate\nx,Usage,2025-01-01T00:00:00Z\n"));

        await AssertRefusedAsync(target, report, "legacy AWS Cost and Usage Report");
    }

    [Fact]
    public async Task Wrong_types_and_absurd_values_are_reported_by_file_row_column_and_value()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var file = new FocusFixture()
            .Add()
            .Add(("BilledCost", "twelve"))
            .Add()
            .Add(("EffectiveCost", "1e15"))
            .Add(("ChargePeriodStart", "last tuesday"))
            .Add(("ChargePeriodEnd", "2025-03-10T04:00:00Z"))
            .Add(("ChargeCategory", "Freebie"))
            .Add(("BillingCurrency", "dollars"))
            .Write();

        var report = await target.LoadAsync(file);

        await AssertRefusedAsync(target, report, "6 row(s) failed validation");
        Assert.Equal(6, report.RowsRejected);
        Assert.Equal(8, report.RowsRead);
        Assert.Contains(report.Errors, e => e is { Row: 2, Column: "BilledCost", Value: "twelve" } && e.File == file);
        Assert.Contains(report.Errors, e => e is { Row: 4, Column: "EffectiveCost", Value: "1e15" });
        Assert.Contains(report.Errors, e => e is { Row: 5, Column: "ChargePeriodStart", Value: "last tuesday" });
        Assert.Contains(report.Errors, e => e is { Row: 6, Column: "ChargePeriodEnd" } && e.Reason.Contains("after ChargePeriodStart", StringComparison.Ordinal));
        Assert.Contains(report.Errors, e => e is { Row: 7, Column: "ChargeCategory", Value: "Freebie" });
        Assert.Contains(report.Errors, e => e is { Row: 8, Column: "BillingCurrency", Value: "dollars" });
    }

    [Fact]
    public async Task Max_errors_skips_and_reports_bad_rows_and_stores_the_rest()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var file = new FocusFixture().Add().Add(("BilledCost", "n/a")).Add(("BilledCost", "1.000")).Add(("ConsumedQuantity", "lots")).Write();

        var refused = await target.LoadAsync(new IngestRequest(target.OrgId, [file]) { MaxErrors = 1 });
        var loaded = await target.LoadAsync(new IngestRequest(target.OrgId, [file]) { MaxErrors = 2 });

        Assert.Equal(IngestOutcome.Rejected, refused.Outcome);
        Assert.Equal(IngestOutcome.Loaded, loaded.Outcome);
        Assert.Equal((4, 2, 2), (loaded.RowsRead, loaded.RowsStored, loaded.RowsRejected));
        Assert.Equal([2L, 4L], loaded.Errors.Select(e => e.Row));
        Assert.Equal(1.096m, loaded.BilledCost);
    }

    [Fact]
    public async Task A_byte_order_mark_quoted_newlines_and_unicode_are_read_as_written()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var file = new FocusFixture()
            .Add(("ChargeDescription", "line one\nline \"two\", with comma"), ("SubAccountName", "Zürich 東京 🚀"))
            .Add(("ResourceId", "i-0def"), ("Tags", """{"owner": "José Ñúñez", "note": "a\nb"}"""))
            .Write(bom: true);

        var report = await target.LoadAsync(file);

        Assert.True(report.Outcome == IngestOutcome.Loaded, report.Problem);
        Assert.Equal(2, report.RowsStored);
        await using var db = target.Db();
        var tags = await db.BilledResources.Where(r => r.ProviderResourceId == "i-0def").Select(r => r.Tags).SingleAsync(Cancel);
        Assert.Contains("José Ñúñez", tags, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_parquet_and_gzip_are_refused_naming_the_file()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var csv = new FocusFixture().Hours(new DateTime(2025, 3, 1, 0, 0, 0, DateTimeKind.Utc), 200).Write();
        var parquet = Files.Convert(csv, Files.Temp("full.parquet"), "parquet");
        var gzip = Files.Convert(csv, Files.Temp("full.csv.gz"), "gzip");
        var brokenParquet = Truncate(parquet, "cut.parquet");
        var brokenGzip = Truncate(gzip, "cut.csv.gz");

        await AssertRefusedAsync(target, await target.LoadAsync(brokenParquet), brokenParquet);
        await AssertRefusedAsync(target, await target.LoadAsync(brokenGzip), brokenGzip);
    }

    [Fact]
    public async Task The_same_export_twice_in_one_load_is_refused()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var first = new FocusFixture().Add().Write("part-1.csv");
        var copy = Files.Temp("part-1-copy.csv");
        File.Copy(first, copy);

        var report = await target.LoadAsync(first, copy);

        await AssertRefusedAsync(target, report, "same content as");
    }

    [Fact]
    public async Task Mixed_currencies_are_refused_within_a_file_and_across_an_org()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var mixed = new FocusFixture().Add().Add(("BillingCurrency", "EUR")).Write();
        var euros = new FocusFixture().Add(("BillingCurrency", "EUR"), ("BillingPeriodStart", "2025-02-01T00:00:00Z"), ("BillingPeriodEnd", "2025-03-01T00:00:00Z")).Write();

        await AssertRefusedAsync(target, await target.LoadAsync(mixed), "mix currencies (EUR, USD)");
        Assert.Equal(IngestOutcome.Loaded, (await target.LoadAsync(new FocusFixture().Add().Write())).Outcome);
        var report = await target.LoadAsync(euros);

        Assert.Equal(IngestOutcome.Rejected, report.Outcome);
        Assert.Contains("is in USD", report.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_path_that_does_not_exist_or_is_not_a_billing_file_is_refused()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);

        await AssertRefusedAsync(target, await target.LoadAsync("/nowhere/billing.csv"), "does not exist");
        await AssertRefusedAsync(target, await target.LoadAsync(Files.Write("notes.txt", "hello")), "not a billing file");
    }

    private static string Truncate(string path, string name)
    {
        var bytes = File.ReadAllBytes(path);
        var target = Files.Temp(name);
        File.WriteAllBytes(target, bytes[..(bytes.Length / 2)]);
        return target;
    }

    private static async Task AssertRefusedAsync(IngestTarget target, IngestReport report, string expected)
    {
        Assert.Equal(IngestOutcome.Rejected, report.Outcome);
        Assert.Contains(expected, report.Problem, StringComparison.Ordinal);
        await using var db = target.Db();
        Assert.Empty(await db.BillingPeriods.ToListAsync(Cancel));
        Assert.Empty(await db.UsageDays.ToListAsync(Cancel));
    }
}
