using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tranche.Data;
using Tranche.Domain.Commitments;
using Tranche.Ingest;
using Tranche.Ingest.Generation;
using Tranche.Providers;
using Tranche.Providers.Sandbox;
using Tranche.Server.Api;
using Tranche.Server.V1.Commitments;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class CommitmentsApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static readonly ConcurrentDictionary<(TrancheFixture, string), Task<(Guid Org, string Key, GenerationManifest Manifest)>> s_generated = new();

    private static readonly string[] OrderByValues =
    [
        "duration_seconds", "start_date", "end_date", "upfront_cost", "amortized_cost", "recurring_cost", "created_at", "updated_at", "is_leased",
        "account_id", "type", "status", "scope", "reservation_end", "utilization", "monthly_savings", "null",
    ];

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static string D(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Q(string json) => Uri.EscapeDataString(json);

    // ---- A small inventory with every figure worked out by hand ----

    private const string RiA = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-a";
    private const string SpB = "arn:aws:savingsplans::111111111111:savingsplan/sp-b";
    private const string RiC = "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-c";

    /// <summary>
    /// Three AWS commitments, today T:
    /// A, an RI known to sync (T-30 to T+20, $0.06/h no upfront) and billed T-3..T-1;
    /// B, a Savings Plan only billing data knows, billed T-5..T-4 and then no more (so it ended);
    /// C, an RI the sandbox sold yesterday (T-1, one year, $876 upfront + $0.05/h) that no bill shows yet.
    /// </summary>
    private async Task<(Guid Org, HttpClient Client)> HandInventoryAsync()
    {
        var org = await Server.CreateOrgAsync();
        var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        var t = Today.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var now = DateTime.UtcNow;
        await using (var db = Server.Db(org.Id))
        {
            var period = new BillingPeriod
            {
                Id = Guid.NewGuid(), OrgId = org.Id, Provider = "aws", BillingAccountId = "111111111111", PeriodStart = t.AddDays(-10), PeriodEnd = t,
                Currency = "USD", SourceFormat = "focus-1.2", SourceFiles = "by hand", LoadedAt = now,
            };
            var a = new BilledCommitment { Id = Guid.NewGuid(), OrgId = org.Id, Provider = "aws", ProviderCommitmentId = RiA, Category = "Usage", Type = "Reserved Instance", Unit = "Hours", BillingAccountId = "111111111111", RegionId = "us-east-1" };
            var b = new BilledCommitment { Id = Guid.NewGuid(), OrgId = org.Id, Provider = "aws", ProviderCommitmentId = SpB, Category = "Spend", Type = "Savings Plan", Unit = "USD", BillingAccountId = "111111111111" };
            db.AddRange(period, a, b);
            // A: 1 instance-hour is $0.10 on demand and $0.06 committed.
            db.AddRange(
                Day(org.Id, period, a, -3, used: 20, unused: 4, covered: 2.00m, usedCost: 1.20m, unusedCost: 0.24m),
                Day(org.Id, period, a, -2, used: 24, unused: 0, covered: 2.40m, usedCost: 1.44m, unusedCost: 0),
                Day(org.Id, period, a, -1, used: 12, unused: 12, covered: 1.20m, usedCost: 0.72m, unusedCost: 0.72m),
                Day(org.Id, period, b, -5, used: 0.5, unused: 0.5, covered: 0.80m, usedCost: 0.50m, unusedCost: 0.50m),
                Day(org.Id, period, b, -4, used: 1.0, unused: 0, covered: 1.60m, usedCost: 1.00m, unusedCost: 0));
            await db.SaveChangesAsync(Cancel);

            var sandbox = new SandboxCloud(db);
            await sandbox.AddAsync(org.Id, [
                Terms(RiA, t.AddDays(-30), t.AddDays(20), upfront: 0, hourly: 0.06m, "No Upfront"),
                Terms(RiC, t.AddDays(-1), t.AddDays(364), upfront: 876m, hourly: 0.05m, "Partial Upfront"),
            ], now, Cancel);
            await CommitmentSync.RunAsync(db, sandbox.Inventory("aws"), org.Id, now, Cancel);
        }

        return (org.Id, client);

        static CommitmentDay Day(Guid org, BillingPeriod period, BilledCommitment commitment, int offset, double used, double unused, decimal covered, decimal usedCost, decimal unusedCost) => new()
        {
            OrgId = org, BillingPeriodId = period.Id, CommitmentId = commitment.Id, Day = Today.AddDays(offset), UsedQuantity = used, UnusedQuantity = unused,
            CoveredListCost = covered, UsedEffectiveCost = usedCost, UnusedEffectiveCost = unusedCost,
        };
    }

    private static ProviderCommitment Terms(string id, DateTime start, DateTime end, decimal upfront, decimal hourly, string payment) => new()
    {
        Provider = "aws", ProviderCommitmentId = id, Type = "Reserved Instance", Category = "Usage", AccountId = "111111111111", BillingAccountId = "111111111111",
        RegionId = "us-east-1", InstanceType = "m5.large", InstanceFamily = "m5", ProductDescription = "Linux/UNIX", Tenancy = "default", IsMultiAz = false,
        OfferingClass = "standard", PaymentOption = payment, InstanceCount = 1, Quantity = 1, Unit = "Hours", IsFlexible = true, StartsAt = start, EndsAt = end,
        UpfrontCost = upfront, RecurringHourlyCost = hourly, Currency = "USD", State = "active",
    };

    [Fact]
    public async Task Window_figures_match_a_hand_computed_inventory()
    {
        var (org, client) = await HandInventoryAsync();

        var response = await client.GetAsync($"/v1/org/{org}/commitments?provider=aws&start_date={D(Today.AddDays(-5))}&end_date={D(Today.AddDays(-1))}&order_by=utilization", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        Contract.AssertMatches(body, "PublicCommitment[]", Contract.Commitments);
        Assert.Equal([RiA, SpB, RiC], body.EnumerateArray().Select(c => c.GetProperty("provider_reservation_id").GetString()));

        var a = body[0];
        Assert.Equal(CommitmentIds.For(org, "aws", RiA).ToString(), a.GetProperty("id").GetString());
        Assert.Equal(56.0 / 72, a.GetProperty("utilization").GetDouble(), 12);
        Assert.Equal(1.28m, a.GetProperty("savings").GetDecimal());
        Assert.Equal(1.28m, a.GetProperty("net_savings").GetDecimal());
        Assert.Equal(2.88m, a.GetProperty("potential_savings").GetDecimal());
        Assert.Equal(72, a.GetProperty("running_hours").GetDouble());
        Assert.Equal(decimal.Round(1.28m / 72 * 730, 9), a.GetProperty("monthly_savings").GetDecimal());
        Assert.Equal(43.8m, a.GetProperty("amortized_cost").GetDecimal());
        Assert.Equal(43.8m, a.GetProperty("recurring_cost").GetDecimal());
        Assert.Equal(0m, a.GetProperty("upfront_cost").GetDecimal());
        Assert.Equal(50L * 86400, a.GetProperty("duration_seconds").GetInt64());
        Assert.Equal(("active", true, "No Upfront", 1), (a.GetProperty("status").GetString(), a.GetProperty("is_active").GetBoolean(), a.GetProperty("payment_option").GetString(), a.GetProperty("instance_count").GetInt32()));
        var days = a.GetProperty("daily_utilizations");
        Assert.Equal([D(Today.AddDays(-3)), D(Today.AddDays(-2)), D(Today.AddDays(-1))], days.EnumerateArray().Select(d => d.GetProperty("date").GetString()));
        Assert.Equal(20.0 / 24, days[0].GetProperty("reservation_utilization").GetDouble(), 12);
        Assert.Equal((2.00m, 1.44m, 0.56m, 0.24m, 0.96m, 0m), DayFigures(days[0]));
        Assert.Equal((2.40m, 1.44m, 0.96m, 0m, 0.96m, 0m), DayFigures(days[1]));
        Assert.Equal((1.20m, 1.44m, -0.24m, 0.72m, 0.96m, 0m), DayFigures(days[2]));

        var b = body[1];
        Assert.Equal(0.75, b.GetProperty("utilization").GetDouble(), 12);
        Assert.Equal(0.4m, b.GetProperty("savings").GetDecimal());
        Assert.Equal(decimal.Round(0.4m / 48 * 730, 9), b.GetProperty("monthly_savings").GetDecimal());
        Assert.Equal(decimal.Round(2.0m / 48 * 730, 9), b.GetProperty("amortized_cost").GetDecimal());
        // Billing data saw it stop (the account is billed up to T-1) but not begin (it is there on the first day).
        Assert.Equal(JsonValueKind.Null, b.GetProperty("start_date").ValueKind);
        Assert.Equal(Today.AddDays(-3).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc), b.GetProperty("end_date").GetDateTime());
        Assert.Equal(("recently_expired", false, "Savings Plan"), (b.GetProperty("status").GetString(), b.GetProperty("is_active").GetBoolean(), b.GetProperty("type").GetString()));
        Assert.Equal(JsonValueKind.Null, b.GetProperty("reservation_end").ValueKind);

        var c = body[2];
        Assert.Equal(("new", true), (c.GetProperty("status").GetString(), c.GetProperty("is_active").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, c.GetProperty("utilization").ValueKind);
        Assert.Equal(JsonValueKind.Null, c.GetProperty("monthly_savings").ValueKind);
        Assert.Equal(0m, c.GetProperty("savings").GetDecimal());
        // $0.05/h plus $876 over 8,760 hours = $0.15/h, times 730.
        Assert.Equal(109.5m, c.GetProperty("amortized_cost").GetDecimal());
        Assert.Equal(876m, c.GetProperty("upfront_cost").GetDecimal());
        Assert.Empty(c.GetProperty("daily_utilizations").EnumerateArray());

        var ascending = await (await client.GetAsync($"/v1/org/{org}/commitments?provider=aws&start_date={D(Today.AddDays(-5))}&end_date={D(Today.AddDays(-1))}&order_by=utilization&desc=false", Cancel)).JsonAsync();
        Assert.Equal([SpB, RiA, RiC], ascending.EnumerateArray().Select(x => x.GetProperty("provider_reservation_id").GetString()));
    }

    private static (decimal Covered, decimal Cost, decimal Savings, decimal Unused, decimal? Potential, decimal Fees) DayFigures(JsonElement day) =>
        (day.GetProperty("covered_cost").GetDecimal(), day.GetProperty("cost").GetDecimal(), day.GetProperty("savings").GetDecimal(),
         day.GetProperty("unutilized_commit").GetDecimal(), day.GetProperty("potential_savings").GetDecimal(), day.GetProperty("gri_fees").GetDecimal());

    [Fact]
    public async Task Chart_values_match_hand_computed_history_and_projection()
    {
        var (org, client) = await HandInventoryAsync();

        var response = await client.GetAsync($"/v1/org/{org}/commitments/chart?provider=aws&start_date={D(Today.AddDays(-2))}&end_date={D(Today.AddDays(1))}", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        Contract.AssertMatches(body, "PubChartResponse", Contract.Commitments);
        var points = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([D(Today.AddDays(-2)), D(Today.AddDays(-1)), D(Today), D(Today.AddDays(1))], points.Select(p => p.GetProperty("date").GetString()));
        Assert.Equal([false, false, false, true], points.Select(p => p.GetProperty("is_projection").GetBoolean()));

        // T-2: A alone, fully used. Remaining: A's $0.06/h for the 22 days to T+20 (C has not started).
        Assert.Equal((0.96m, 0m, 1.0, 31.68m), Point(points[0]));
        // T-1: A half used; C started but has no billing data yet. Remaining: A 21 days, C $0.15/h for its 365 days.
        Assert.Equal((-0.24m, 0.72m, 0.5, 0.06m * 21 * 24 + 0.15m * 365 * 24), Point(points[1]));
        // Today: nothing billed yet, and not a projection.
        Assert.Equal((0m, 0m, 0.0, 0.06m * 20 * 24 + 0.15m * 364 * 24), Point(points[2]));
        // T+1, projected: A goes on as over its last days (cost 4.32, unused 0.96, savings 1.28 over 3 days); C costs its price, 0.15 x 24.
        var projected = Point(points[3]);
        Assert.Equal(0.426666666m, projected.Savings);
        Assert.Equal(0.32m, projected.Unused);
        Assert.Equal((double)((1.44m + 3.60m - 0.32m) / (1.44m + 3.60m)), projected.Utilization, 12);
        Assert.Equal(0.06m * 19 * 24 + 0.15m * 363 * 24, projected.Remaining);
        Assert.All(points, p => Assert.Equal(p.GetProperty("remaining_commit").GetDecimal(), p.GetProperty("locked_commit").GetDecimal()));
        Assert.All(points, p => Assert.Equal(0m, p.GetProperty("unlocked_commit").GetDecimal()));
    }

    private static (decimal Savings, decimal Unused, double Utilization, decimal Remaining) Point(JsonElement point) =>
        (point.GetProperty("savings").GetDecimal(), point.GetProperty("unutilized_commit").GetDecimal(), point.GetProperty("utilization").GetDouble(),
         point.GetProperty("remaining_commit").GetDecimal());

    [Fact]
    public async Task Metrics_follow_the_same_hand_computed_facts()
    {
        var (org, client) = await HandInventoryAsync();

        var response = await client.GetAsync($"/v1/org/{org}/metrics?provider=aws", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        Contract.AssertMatches(body, "PublicMetrics");
        Assert.Equal(1.68m, body.GetProperty("lifetime_savings").GetDecimal());
        var monthStart = new DateOnly(Today.Year, Today.Month, 1);
        var daily = new Dictionary<int, decimal> { [-5] = -0.2m, [-4] = 0.6m, [-3] = 0.56m, [-2] = 0.96m, [-1] = -0.24m };
        Assert.Equal(daily.Where(d => Today.AddDays(d.Key) >= monthStart).Sum(d => d.Value), body.GetProperty("mtd_savings").GetDecimal());
        Assert.Equal((6.32 - 1.46) / 6.32, body.GetProperty("utilization").GetDouble(), 12);
        // A ends in 20 days: its monthly savings over the recent days.
        Assert.Equal(decimal.Round(1.28m / 72 * 730, 9), body.GetProperty("expiring_savings").GetDecimal());
        Assert.Equal(D(Today.AddDays(-1)), body.GetProperty("latest_execution_date").GetString());
        Assert.Equal(D(Today.AddDays(-1)), body.GetProperty("missed_savings_end_date").GetString());
        Assert.Equal(D(Today.AddDays(-30)), body.GetProperty("missed_savings_start_date").GetString());
        Assert.False(body.GetProperty("has_actioned_plan").GetBoolean());

        var empty = await (await client.GetAsync($"/v1/org/{org}/metrics?provider=gcp", Cancel)).JsonAsync();
        Contract.AssertMatches(empty, "PublicMetrics");
        Assert.Equal(0m, empty.GetProperty("lifetime_savings").GetDecimal());
    }

    [Fact]
    public async Task One_commitment_appears_once_whichever_sources_report_it_and_changes_show_at_once()
    {
        var (org, client) = await HandInventoryAsync();
        var url = $"/v1/org/{org}/commitments/ids?provider=aws&start_date={D(Today.AddDays(-5))}&end_date={D(Today)}&order_by=null";
        var ids = (await (await client.GetAsync(url, Cancel)).JsonAsync()).GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);

        // The provider now says C was cancelled; a sync brings that in and the next request shows it.
        await using (var db = Server.Db(org))
        {
            var sandbox = new SandboxCloud(db);
            await sandbox.CancelAsync(org, "aws", RiC, Cancel);
            await CommitmentSync.RunAsync(db, sandbox.Inventory("aws"), org, DateTime.UtcNow.AddSeconds(1), Cancel);
        }

        var cancelled = await (await client.GetAsync($"/v1/org/{org}/commitments?provider=aws&start_date={D(Today.AddDays(-5))}&end_date={D(Today)}&filter={Q("""{"status":"cancelled"}""")}", Cancel)).JsonAsync();
        Assert.Equal(RiC, Assert.Single(cancelled.EnumerateArray()).GetProperty("provider_reservation_id").GetString());
        Assert.False(cancelled[0].GetProperty("is_active").GetBoolean());
    }

    [Fact]
    public async Task Filter_search_and_paging_select_the_right_commitments()
    {
        var (org, client) = await HandInventoryAsync();
        var window = $"provider=aws&start_date={D(Today.AddDays(-5))}&end_date={D(Today.AddDays(-1))}";

        async Task<List<string?>> Select(string query)
        {
            var response = await client.GetAsync($"/v1/org/{org}/commitments?{window}&{query}", Cancel);
            await AssertStatusAsync(HttpStatusCode.OK, response);
            var body = await response.JsonAsync();
            Contract.AssertMatches(body, "PublicCommitment[]", Contract.Commitments);
            return [.. body.EnumerateArray().Select(c => c.GetProperty("provider_reservation_id").GetString())];
        }

        Assert.Equal([SpB], await Select($"filter={Q("""{"field":"type","op":"=","value":"Savings Plan"}""")}"));
        Assert.Equal([RiA, RiC], await Select($"filter={Q("""{"type":"reserved instance"}""")}&order_by=start_date&desc=false"));
        Assert.Equal([RiA], await Select($"filter={Q("""{"utilization":{"gt":0.76,"lte":1}}""")}"));
        Assert.Equal([SpB], await Select($"filter={Q("""{"start_date":null}""")}"));
        Assert.Equal([RiC, RiA], await Select($"filter={Q("""{"status":["new","active"]}""")}&order_by=end_date"));
        Assert.Equal([RiC], await Select("search=RI-C"));
        Assert.Equal([SpB], await Select("search=savingsplan"));
        Assert.Empty(await Select("search=nothing-like-this"));

        var first = await client.GetAsync($"/v1/org/{org}/commitments?{window}&order_by=end_date&page_size=2", Cancel);
        var header = Assert.Single(first.Headers.GetValues("X-Pagination"));
        Contract.AssertMatches(header, "PaginationMetadata", Contract.Commitments);
        using var pagination = JsonDocument.Parse(header);
        Assert.Equal((3, 2, 2), (pagination.RootElement.GetProperty("total").GetInt32(), pagination.RootElement.GetProperty("total_pages").GetInt32(), pagination.RootElement.GetProperty("next_page").GetInt32()));
        var page1 = (await first.JsonAsync()).EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        var page2 = (await (await client.GetAsync($"/v1/org/{org}/commitments?{window}&order_by=end_date&page_size=2&page=2", Cancel)).JsonAsync())
            .EnumerateArray().Select(c => c.GetProperty("id").GetString()).ToList();
        Assert.Equal(3, page1.Concat(page2).Distinct().Count());
    }

    [Fact]
    public async Task Every_parameter_is_validated_with_the_documented_error_body()
    {
        var (org, client) = await HandInventoryAsync();
        var path = $"/v1/org/{org}/commitments";

        async Task<JsonElement> Invalid(string query) => await (await client.GetAsync($"{path}{query}", Cancel)).AssertValidationErrorAsync();

        var missing = await Invalid("");
        Assert.Equal(["Missing data for required field."], missing.Messages("query", "provider"));
        Assert.NotEmpty(missing.Messages("query", "start_date"));
        Assert.NotEmpty(missing.Messages("query", "end_date"));
        var wrong = await Invalid("?provider=mars&start_date=2026-02-30&end_date=tomorrow&page=0&page_size=10001&desc=maybe&order_by=price");
        foreach (var field in (string[])["provider", "start_date", "end_date", "page", "page_size", "desc", "order_by"])
        {
            Assert.NotEmpty(wrong.Messages("query", field));
        }

        var reversed = await Invalid("?provider=aws&start_date=2026-03-01&end_date=2026-02-01");
        Assert.NotEmpty(reversed.Messages("query", "start_date"));
        Assert.NotEmpty(reversed.Messages("query", "end_date"));

        var window = "?provider=aws&start_date=2026-01-01&end_date=2026-01-31";
        Assert.Contains("colour", (await Invalid($"{window}&filter={Q("""{"colour":"red"}""")}")).Messages("query", "filter").Single(), StringComparison.Ordinal);
        Assert.Contains("between", (await Invalid($"{window}&filter={Q("""{"field":"utilization","op":"between","value":1}""")}")).Messages("query", "filter").Single(), StringComparison.Ordinal);
        Assert.NotEmpty((await Invalid($"{window}&filter={Q("""{"utilization":"high"}""")}")).Messages("query", "filter"));
        Assert.NotEmpty((await Invalid($"{window}&filter={Q("{not json")}")).Messages("query", "filter"));
        Assert.NotEmpty((await Invalid($"{window}&filter=42")).Messages("query", "filter"));
        Assert.NotEmpty((await Invalid($"{window}&page=abc")).Messages("query", "page"));
        Assert.NotEmpty((await Invalid($"{window}&page_size=0")).Messages("query", "page_size"));
        Assert.NotEmpty((await Invalid($"{window}&provider=aws")).Messages("query", "provider"));

        foreach (var sub in (string[])["/ids", "/chart"])
        {
            var errors = await (await client.GetAsync($"{path}{sub}?provider=aws&start_date=2026-01-01&end_date=2025-01-01&filter=%7B", Cancel)).AssertValidationErrorAsync();
            Assert.NotEmpty(errors.Messages("query", "end_date"));
            Assert.NotEmpty(errors.Messages("query", "filter"));
        }

        var metrics = await (await client.GetAsync($"/v1/org/{org}/metrics?provider=kubernetes", Cancel)).AssertValidationErrorAsync();
        Assert.NotEmpty(metrics.Messages("query", "provider"));
        var huge = await client.GetAsync($"{path}/chart?provider=aws&start_date=1900-01-01&end_date=2900-01-01", Cancel);
        Assert.NotEmpty((await huge.AssertValidationErrorAsync()).Messages("query", "end_date"));
        var future = await client.GetAsync($"{path}?provider=aws&start_date=9999-12-01&end_date=9999-12-31", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, future);
    }

    // ---- Generated inventories: every answer against the published contract ----

    private Task<(Guid Org, string Key, GenerationManifest Manifest)> GeneratedAsync(string provider) =>
        s_generated.GetOrAdd((Server, provider), async key =>
        {
            var org = await Server.CreateOrgAsync();
            var apiKey = await Server.CreateKeyAsync(org.Id);
            var folder = TestDatabases.NewTempDirectory("inventory-" + provider);
            var manifest = FocusGenerator.Generate(new GenerateRequest(provider, 75, Seed: 7, folder) { End = Today, Instances = 24 });
            var report = await BillingIngest.RunAsync(Server.Database, new IngestRequest(org.Id, [folder]), TimeProvider.System, null, CancellationToken.None);
            Assert.Equal(IngestOutcome.Loaded, report.Outcome);
            await using var db = Server.Db(org.Id);
            var sandbox = new SandboxCloud(db);
            await sandbox.AddAsync(org.Id, SandboxTerms.For([.. manifest.Commitments.Select(c => new FleetCommitment(
                provider, c.Id, c.Name, c.Type, c.Category, c.BillingAccountId, c.InstanceType, c.InstanceFamily, c.Region, c.Quantity, c.HourlyFee, c.Start, c.End))]),
                DateTime.UtcNow, CancellationToken.None);
            await CommitmentSync.RunAsync(db, sandbox.Inventory(provider), org.Id, DateTime.UtcNow, CancellationToken.None);
            return (org.Id, apiKey, manifest);
        });

    [Theory]
    [InlineData("aws")]
    [InlineData("azure")]
    [InlineData("gcp")]
    public async Task Listings_match_the_published_schemas_for_every_order_and_window(string provider)
    {
        var (org, key, manifest) = await GeneratedAsync(provider);
        using var client = Server.Client(key);
        var windows = new[] { (Today.AddDays(-30), Today.AddDays(-1)), (Today.AddDays(-75), Today.AddDays(60)), (Today.AddDays(-400), Today.AddDays(-200)) };
        foreach (var (from, to) in windows)
        {
            foreach (var orderBy in OrderByValues)
            {
                foreach (var desc in (bool[])[true, false])
                {
                    var response = await client.GetAsync($"/v1/org/{org}/commitments?provider={provider}&start_date={D(from)}&end_date={D(to)}&order_by={orderBy}&desc={desc}&page_size=3", Cancel);
                    await AssertStatusAsync(HttpStatusCode.OK, response);
                    Contract.AssertMatches(Assert.Single(response.Headers.GetValues("X-Pagination")), "PaginationMetadata", Contract.Commitments);
                    Contract.AssertMatches(await response.JsonAsync(), "PublicCommitment[]", Contract.Commitments);
                }
            }
        }

        var all = await (await client.GetAsync($"/v1/org/{org}/commitments?provider={provider}&start_date={D(Today.AddDays(-30))}&end_date={D(Today.AddDays(-1))}&page_size=100", Cancel)).JsonAsync();
        Assert.Equal(manifest.Commitments.Select(c => c.Id).Order(StringComparer.Ordinal), all.EnumerateArray().Select(c => c.GetProperty("provider_reservation_id").GetString()!).Order(StringComparer.Ordinal));
        // The generated fleet has an expiring, a recently bought, a renewal-due and an oversized commitment.
        var statuses = all.EnumerateArray().Select(c => c.GetProperty("status").GetString()).ToList();
        Assert.Contains("recently_expired", statuses);
        Assert.Contains("active", statuses);
        Assert.Contains(all.EnumerateArray(), c => c.GetProperty("utilization").ValueKind == JsonValueKind.Number && c.GetProperty("utilization").GetDouble() < 0.9);

        var ids = await (await client.GetAsync($"/v1/org/{org}/commitments/ids?provider={provider}&start_date={D(Today.AddDays(-30))}&end_date={D(Today)}", Cancel)).JsonAsync();
        Contract.AssertMatches(ids, "IdsResponse", Contract.Commitments);
        Assert.Equal(all.GetArrayLength(), ids.GetProperty("ids").GetArrayLength());

        foreach (var (from, to) in (ValueTuple<DateOnly, DateOnly>[])[(Today.AddDays(-60), Today.AddDays(30)), (Today.AddDays(-75), Today.AddDays(400))])
        {
            var chart = await (await client.GetAsync($"/v1/org/{org}/commitments/chart?provider={provider}&start_date={D(from)}&end_date={D(to)}", Cancel)).JsonAsync();
            Contract.AssertMatches(chart, "PubChartResponse", Contract.Commitments);
            var points = chart.GetProperty("data").EnumerateArray().ToList();
            var daily = to.DayNumber - from.DayNumber + 1 <= CommitmentChart.DailyPointsUpTo;
            var months = (to.Year * 12 + to.Month) - (from.Year * 12 + from.Month) + 1;
            Assert.Equal(daily ? to.DayNumber - from.DayNumber + 1 : months, points.Count);
            Assert.Equal(D(from), points[0].GetProperty("date").GetString());
            Assert.Contains(points, p => p.GetProperty("is_projection").GetBoolean());
            Assert.Contains(points, p => !p.GetProperty("is_projection").GetBoolean() && p.GetProperty("savings").GetDecimal() != 0);
        }

        var metrics = await (await client.GetAsync($"/v1/org/{org}/metrics?provider={provider}", Cancel)).JsonAsync();
        Contract.AssertMatches(metrics, "PublicMetrics");
        Assert.InRange(metrics.GetProperty("coverage").GetDouble(), 0.01, 1);
        Assert.InRange(metrics.GetProperty("utilization").GetDouble(), 0.01, 1);
        Assert.True(metrics.GetProperty("expiring_savings").GetDecimal() != 0, "The renewal-due commitment ends within 30 days.");
    }

    [Fact]
    public async Task The_streamed_listing_writes_exactly_the_published_record()
    {
        var (generated, _, _) = await GeneratedAsync("azure");
        var (hand, _) = await HandInventoryAsync();
        var store = Server.App.Services.GetRequiredService<InventoryStore>();
        var now = DateTime.UtcNow;
        var compared = 0;
        foreach (var org in (Guid[])[generated, hand])
        {
            await using var db = Server.Db(org);
            var snapshot = await store.GetAsync(db, org, Cancel);
            foreach (var (from, to) in (ValueTuple<DateOnly, DateOnly>[])[(Today.AddDays(-40), Today.AddDays(5)), (Today.AddDays(-5), Today.AddDays(-1)), (Today.AddDays(10), Today.AddDays(20))])
            {
                var window = snapshot.Window(from, to);
                for (var i = 0; i < snapshot.Items.Count; i++)
                {
                    var view = new CommitmentView(snapshot.Items[i], window[i], from, to, now);
                    var buffer = new ArrayBufferWriter<byte>();
                    using (var writer = CommitmentJson.CreateWriter(buffer))
                    {
                        CommitmentJson.Write(writer, view, from, to);
                    }

                    Assert.Equal(JsonSerializer.Serialize(CommitmentsApi.ToResponse(view, from, to), ApiJson.Options), Encoding.UTF8.GetString(buffer.WrittenSpan));
                    compared++;
                }
            }
        }

        Assert.True(compared > 10);
    }

    [Fact]
    public async Task A_repeated_answer_is_the_same_answer_and_gzip_when_the_client_accepts_it()
    {
        var (org, key, _) = await GeneratedAsync("gcp");
        using var client = Server.Client(key);
        foreach (var url in (string[])[
            $"/v1/org/{org}/commitments?provider=gcp&start_date={D(Today.AddDays(-20))}&end_date={D(Today)}&order_by=monthly_savings&page_size=2&page=2",
            $"/v1/org/{org}/commitments/chart?provider=gcp&start_date={D(Today.AddDays(-20))}&end_date={D(Today.AddDays(20))}"])
        {
            var first = await client.GetAsync(url, Cancel);
            var again = await client.GetAsync(url, Cancel);
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("gzip, deflate, br");
            var gzipped = await client.SendAsync(request, Cancel);

            await AssertStatusAsync(HttpStatusCode.OK, gzipped);
            Assert.Equal(["gzip"], gzipped.Content.Headers.ContentEncoding);
            await using var unzip = new System.IO.Compression.GZipStream(await gzipped.Content.ReadAsStreamAsync(Cancel), System.IO.Compression.CompressionMode.Decompress);
            using var reader = new StreamReader(unzip);
            var text = await first.Content.ReadAsStringAsync(Cancel);
            Assert.Equal(text, await again.Content.ReadAsStringAsync(Cancel));
            Assert.Equal(text, await reader.ReadToEndAsync(Cancel));
            Assert.Empty(first.Content.Headers.ContentEncoding);
            Assert.Equal(first.Headers.TryGetValues("X-Pagination", out var a) ? a : [], gzipped.Headers.TryGetValues("X-Pagination", out var b) ? b : []);
        }
    }

    [Fact]
    public async Task Unpublished_providers_and_other_orgs_see_nothing()
    {
        var (org, key, _) = await GeneratedAsync("aws");
        using var client = Server.Client(key);
        var none = await (await client.GetAsync($"/v1/org/{org}/commitments?provider=kubernetes&start_date=2026-01-01&end_date=2026-12-31", Cancel)).JsonAsync();
        Assert.Equal(0, none.GetArrayLength());

        var other = await Server.CreateOrgAsync();
        using var otherClient = Server.Client(await Server.CreateKeyAsync(other.Id));
        await (await otherClient.GetAsync($"/v1/org/{org}/commitments?provider=aws&start_date=2026-01-01&end_date=2026-12-31", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        var own = await (await otherClient.GetAsync($"/v1/org/{other.Id}/commitments?provider=aws&start_date=2026-01-01&end_date=2026-12-31", Cancel)).JsonAsync();
        Assert.Equal(0, own.GetArrayLength());
    }
}

public sealed class CommitmentsApiOnSqlite(SqliteTranche fixture) : CommitmentsApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class CommitmentsApiOnPostgres(PostgresTranche fixture) : CommitmentsApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
