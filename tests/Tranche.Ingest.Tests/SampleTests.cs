using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

public sealed class SampleTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Smoke()
    {
        var database = await TestDatabases.CreateAsync(StoreKind.Sqlite, "smoke");
        await TrancheDatabase.MigrateAsync(database, Cancel);
        var org = Guid.NewGuid();
        await using (var db = TrancheDatabase.CreateContext(database))
        {
            db.Orgs.Add(new Org { Id = org, Name = "x", CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync(Cancel);
        }

        var report = await BillingIngest.RunAsync(database, new IngestRequest(org, [SharedData.Path("focus-sample")]), TimeProvider.System, null, Cancel);
        TestContext.Current.SendDiagnosticMessage(System.Text.Json.JsonSerializer.Serialize(report, new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Assert.True(report.Outcome == IngestOutcome.Loaded, System.Text.Json.JsonSerializer.Serialize(report));
        await using var check = TrancheDatabase.CreateContext(database, OrgScope.For(org));
        Assert.NotEmpty(await check.UsageDays.ToListAsync(Cancel));
    }
}
