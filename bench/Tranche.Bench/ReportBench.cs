using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server;

/// <summary>
/// The partner ROI report benchmark: seeds a partner with <c>children</c> customer orgs, each with 13 calendar months of
/// daily billing facts (8 usage pools, 6 of them coverable, and 3 commitments covering them), then asks a server on
/// loopback for the partner-wide report (<c>GET /v2/partners/{id}/reports/roi</c>, the default 12 months) several times
/// and prints the median, fastest and slowest.
/// </summary>
internal static class ReportBench
{
    private const int Pools = 8;
    private const int Commitments = 3;

    public static async Task<int> RunAsync(string database, int children, int runs)
    {
        var target = DatabaseTarget.Resolve(database, Path.GetTempPath());
        await TrancheDatabase.MigrateAsync(target, CancellationToken.None);
        var now = DateTime.UtcNow;
        var today = DateOnly.FromDateTime(now);
        var first = new DateOnly(today.Year, today.Month, 1).AddMonths(-12);
        var partnerId = Guid.NewGuid();
        string key;
        var clock = Stopwatch.StartNew();
        var random = new Random(42);
        var rows = 0L;
        await using (var db = TrancheDatabase.CreateContext(target))
        {
            db.Orgs.Add(new Org { Id = partnerId, Name = "Report benchmark partner", IsPartner = true, CreatedAt = now });
            key = db.IssueApiKey(partnerId, "bench", OrgRole.Admin, Actor.Cli, now).Secret;
            var usage = new List<object?[]>();
            var coverage = new List<object?[]>();
            var commitmentDays = new List<object?[]>();
            for (var c = 0; c < children; c++)
            {
                var orgId = Guid.NewGuid();
                db.Orgs.Add(new Org { Id = orgId, Name = $"Customer {c:D3}", ParentOrgId = partnerId, CreatedAt = now });
                var periods = new Dictionary<(int, int), Guid>();
                for (var month = first; month <= today; month = month.AddMonths(1))
                {
                    var id = Guid.CreateVersion7();
                    periods[(month.Year, month.Month)] = id;
                    var start = month.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                    db.BillingPeriods.Add(new BillingPeriod
                    {
                        Id = id, OrgId = orgId, Provider = "aws", BillingAccountId = $"acct-{c}", PeriodStart = start, PeriodEnd = start.AddMonths(1),
                        Currency = "USD", SourceFormat = "focus-1.2", SourceFiles = "benchmark", LoadedAt = now,
                    });
                }

                var pools = Enumerable.Range(0, Pools).Select(p => new UsagePool
                {
                    Id = Guid.CreateVersion7(), OrgId = orgId, Provider = "aws", BillingAccountId = $"acct-{c}", RegionId = "us-east-1",
                    ServiceCategory = p < 6 ? "Compute" : "Storage", InstanceType = p < 6 ? $"m5.{p}xlarge" : null, KeyHash = $"{c}-{p}",
                }).ToList();
                var commitments = Enumerable.Range(0, Commitments).Select(k => new BilledCommitment
                {
                    Id = Guid.CreateVersion7(), OrgId = orgId, Provider = "aws", ProviderCommitmentId = $"arn:aws:ec2:us-east-1:{c:D12}:reserved-instances/ri-{k}",
                    Category = "Usage", Type = "Reserved Instance", BillingAccountId = $"acct-{c}",
                }).ToList();
                db.UsagePools.AddRange(pools);
                db.BilledCommitments.AddRange(commitments);

                var scale = 20 + random.NextDouble() * 200;
                for (var day = first; day < today; day = day.AddDays(1))
                {
                    var period = periods[(day.Year, day.Month)];
                    for (var p = 0; p < Pools; p++)
                    {
                        var list = Money.ToNanoUnits((decimal)Math.Round(scale * (0.5 + random.NextDouble()), 4));
                        usage.Add([orgId, period, pools[p].Id, day, Array.Empty<byte>(), Array.Empty<byte>(), Array.Empty<byte>(), 24, 24.0, list, list, list]);
                        if (p < 2 * Commitments)
                        {
                            coverage.Add([orgId, period, commitments[p / 2].Id, pools[p].Id, day, 12.0, list / 2, list / 3]);
                        }
                    }

                    for (var k = 0; k < Commitments; k++)
                    {
                        var cost = Money.ToNanoUnits((decimal)Math.Round(scale * 0.6, 4));
                        var unused = (long)(cost * random.NextDouble() * 0.3);
                        commitmentDays.Add([orgId, period, commitments[k].Id, day, 20.0, 4.0, cost * 3 / 2, cost - unused, unused, day.Day == 1 && k == 0 ? cost * 30 : 0L, 0L]);
                    }
                }
            }

            await db.SaveChangesAsync();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var writer = BulkWriter.For(db);
            rows += await writer.WriteAsync("usage_days",
                ["org_id", "billing_period_id", "pool_id", "day", "hourly_quantity", "hourly_on_demand_cost", "hourly_covered_quantity", "source_granularity_hours",
                 "quantity", "list_cost", "effective_cost", "billed_cost"], usage, CancellationToken.None);
            rows += await writer.WriteAsync("commitment_coverage",
                ["org_id", "billing_period_id", "commitment_id", "pool_id", "day", "covered_quantity", "covered_list_cost", "effective_cost"], coverage, CancellationToken.None);
            rows += await writer.WriteAsync("commitment_days",
                ["org_id", "billing_period_id", "commitment_id", "day", "used_quantity", "unused_quantity", "covered_list_cost", "used_effective_cost",
                 "unused_effective_cost", "upfront_fee", "recurring_fee"], commitmentDays, CancellationToken.None);
            await transaction.CommitAsync();
        }

        Console.Error.WriteLine($"Seeded {children} customer orgs, {first:yyyy-MM} to {today:yyyy-MM}: {rows:N0} fact rows in {clock.Elapsed.TotalSeconds:F1} s");

        // The queries alone, without a server or the kept days: what every cold request pays.
        var direct = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            await using var db = TrancheDatabase.CreateContext(target, OrgScope.For(partnerId));
            var ids = db.Orgs.Where(o => o.ParentOrgId == partnerId).Select(o => o.Id).ToList();
            var run = Stopwatch.StartNew();
            await Tranche.Data.Reporting.RoiFacts.ReportsAsync(db, ids, null, first.AddMonths(1), today, today, CancellationToken.None);
            direct.Add(run.Elapsed.TotalMilliseconds);
        }

        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"queries alone: {string.Join(", ", direct.Select(d => $"{d:F0} ms"))}"));

        // Cold: a fresh server each time, so the first request reads and sums every org's facts in the database.
        // Warm: the same server again, as a dashboard asks; only the data version and the purchases are read.
        var url = $"/v2/partners/{partnerId}/reports/roi";
        var cold = new List<double>();
        var warm = new List<double>();
        var bytes = 0;
        var oneChanged = 0.0;
        for (var server = 0; server < 3; server++)
        {
            var dataDir = Path.Combine(Path.GetTempPath(), "tranche-report-bench-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dataDir);
            var app = TrancheServer.Build(new TrancheServerOptions
            {
                Urls = ["http://127.0.0.1:0"], Database = target, DataDirectory = dataDir, MinimumLogLevel = Microsoft.Extensions.Logging.LogLevel.Warning,
                RateLimit = new Tranche.Server.Auth.RateLimitOptions { PermitsPerSecond = 0 },
            });
            await app.StartAsync();
            try
            {
                using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
                client.DefaultRequestHeaders.Add("x-api-key", key);
                // Authentication and the first database connection are not the report: warm them on another route.
                (await client.GetAsync("/v1/orgs")).EnsureSuccessStatusCode();
                for (var i = 0; i <= (server == 2 ? runs : 0); i++)
                {
                    var run = Stopwatch.StartNew();
                    var response = await client.GetAsync(url);
                    bytes = (await response.Content.ReadAsByteArrayAsync()).Length;
                    response.EnsureSuccessStatusCode();
                    (i == 0 ? cold : warm).Add(run.Elapsed.TotalMilliseconds);
                }

                if (server == 2)
                {
                    // One customer's new load: only its facts are read again.
                    await using (var db = TrancheDatabase.CreateContext(target))
                    {
                        var period = db.BillingPeriods.IgnoreQueryFilters().First(p => p.OrgId == db.Orgs.First(o => o.ParentOrgId == partnerId).Id);
                        period.LoadedAt = DateTime.UtcNow;
                        await db.SaveChangesAsync();
                    }

                    var run = Stopwatch.StartNew();
                    (await client.GetAsync(url)).EnsureSuccessStatusCode();
                    oneChanged = run.Elapsed.TotalMilliseconds;
                }
            }
            finally
            {
                await app.StopAsync();
                await app.DisposeAsync();
                Directory.Delete(dataDir, recursive: true);
            }
        }

        cold.Sort();
        warm.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"partner-wide ROI report, {children} customer orgs x 13 months ({rows:N0} fact rows), {target.Describe()}, {bytes:N0} bytes of JSON: " +
            $"cold (first request of a server) p50 {cold[cold.Count / 2]:F0} ms (min {cold[0]:F0}, max {cold[^1]:F0}, {cold.Count} runs); " +
            $"warm p50 {warm[warm.Count / 2]:F0} ms (min {warm[0]:F0}, max {warm[^1]:F0}, {warm.Count} runs); after one customer's new load {oneChanged:F0} ms"));
        return 0;
    }
}
