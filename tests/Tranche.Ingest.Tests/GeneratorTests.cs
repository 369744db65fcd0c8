using Microsoft.EntityFrameworkCore;
using Tranche.Domain.Billing;
using Tranche.Ingest.Generation;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

public sealed class GeneratorTests
{
    private static readonly DateOnly s_end = new(2025, 10, 1);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("aws", StoreKind.Sqlite)]
    [InlineData("azure", StoreKind.Sqlite)]
    [InlineData("gcp", StoreKind.Postgres)]
    public async Task Generated_files_load_back_to_exactly_what_the_generator_wrote(string provider, StoreKind store)
    {
        var target = await IngestTarget.CreateAsync(store);
        var folder = TestDatabases.NewTempDirectory("gen");
        var manifest = FocusGenerator.Generate(new GenerateRequest(provider, 45, 3, folder) { End = s_end, Instances = 30 });

        var report = await target.LoadAsync(folder);

        Assert.True(report.Outcome == IngestOutcome.Loaded, report.Problem + string.Join("\n", report.Errors));
        Assert.Equal(manifest.Rows, report.RowsStored);
        Assert.Equal(manifest.Files.Count, report.BillingPeriods.Count);
        foreach (var file in manifest.Files)
        {
            var period = report.BillingPeriods.Single(p => p.PeriodStart == file.BillingPeriodStart);
            Assert.Equal((file.Rows, decimal.Round(file.BilledCost, 2), decimal.Round(file.EffectiveCost, 2)),
                         (period.Rows, decimal.Round(period.BilledCost, 2), decimal.Round(period.EffectiveCost, 2)));
        }

        Assert.Equal(manifest.Commitments.Count, report.Commitments);
        await using var db = target.Db();
        var commitments = await db.BilledCommitments.Select(c => c.ProviderCommitmentId).ToListAsync(Cancel);
        Assert.Equal(manifest.Commitments.Select(c => c.Id).Order(), commitments.Order());
    }

    [Fact]
    public void The_same_seed_writes_the_same_bytes_and_another_seed_does_not()
    {
        var a = TestDatabases.NewTempDirectory("a");
        var b = TestDatabases.NewTempDirectory("b");
        var c = TestDatabases.NewTempDirectory("c");

        var first = FocusGenerator.Generate(new GenerateRequest("aws", 20, 11, a) { End = s_end });
        FocusGenerator.Generate(new GenerateRequest("aws", 20, 11, b) { End = s_end });
        FocusGenerator.Generate(new GenerateRequest("aws", 20, 12, c) { End = s_end });

        foreach (var file in first.Files)
        {
            var name = Path.GetFileName(file.Path);
            Assert.Equal(File.ReadAllBytes(file.Path), File.ReadAllBytes(Path.Combine(b, name)));
            Assert.NotEqual(File.ReadAllBytes(file.Path), File.ReadAllBytes(Path.Combine(c, name)));
        }
    }

    [Fact]
    public async Task The_fleet_has_cycles_shutdowns_and_commitments_that_expire_start_and_sit_unused()
    {
        var target = await IngestTarget.CreateAsync(StoreKind.Sqlite);
        var folder = TestDatabases.NewTempDirectory("fleet");
        var manifest = FocusGenerator.Generate(new GenerateRequest("aws", 120, 5, folder) { End = s_end, Instances = 80 });

        var report = await target.LoadAsync(folder);

        Assert.True(report.Outcome == IngestOutcome.Loaded, report.Problem + string.Join("\n", report.Errors));
        var shapes = string.Join(" | ", manifest.Workloads.Select(w => w.Shape));
        foreach (var expected in (string[])["diurnal", "weekends", "a month", "from day", "starts day", "stops day", "spiky", "steady"])
        {
            Assert.Contains(expected, shapes, StringComparison.Ordinal);
        }

        var start = manifest.Start.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var end = manifest.End.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        Assert.Contains(manifest.Commitments, c => c.End > start && c.End < end);
        Assert.Contains(manifest.Commitments, c => c.Start > start && c.Start < end);

        await using var db = target.Db();
        var commitmentDays = await db.CommitmentDays.ToListAsync(Cancel);
        var unused = commitmentDays.Sum(d => d.UnusedQuantity);
        var used = commitmentDays.Sum(d => d.UsedQuantity);
        Assert.True(unused > 0 && used > 0, $"used {used}, unused {unused} over {commitmentDays.Count} commitment days");

        // Diurnal cycles show as different hours within a day.
        var days = await db.UsageDays.ToListAsync(Cancel);
        Assert.Contains(days, d => HourlyValues.Decode(d.HourlyQuantity).Values.ToArray().Distinct().Count() > 3);
    }
}
