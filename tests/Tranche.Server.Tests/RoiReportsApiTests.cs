using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tranche.Data;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class RoiReportsApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static readonly DateOnly Oct30 = new(2025, 10, 30);

    private const string Window = "start_month=2025-09&end_month=2025-12";

    /// <summary>
    /// A partner with two customer orgs whose billing data is written by hand (names with a comma and a quote, for the CSV).
    /// <para>A (AWS): compute usage of $10, $10, $12 and $8 on demand on Oct 30, Oct 31, Nov 1 and Nov 2 2025 (and $5 of
    /// storage on Oct 30, which nothing can cover); one Reserved Instance costing $4 a day covered $6, $6, $7 and $3.50
    /// of it, leaving $0.40, $0.40, $0 and $2 of its cost unused; $50 upfront billed on Oct 30.</para>
    /// <para>B: on Nov 1, AWS compute of $10, half covered by a Savings Plan costing $4 of which $1 unused; and $30 of
    /// Azure compute with no commitment.</para>
    /// </summary>
    private async Task<(Org Partner, Org A, Org B, HttpClient Client)> HandBillingAsync()
    {
        var partner = await Server.CreateOrgAsync("Partner R", partner: true);
        var a = await Server.CreateOrgAsync("Acme, \"Retail\"", parent: partner.Id);
        var b = await Server.CreateOrgAsync("Beta Foods", parent: partner.Id);
        var client = Server.Client(await Server.CreateKeyAsync(partner.Id));

        await using (var db = Server.Db(a.Id))
        {
            var period = Period(a.Id, "aws");
            var compute = Pool(a.Id, "aws", "Compute");
            var storage = Pool(a.Id, "aws", "Storage");
            var ri = Commitment(a.Id, "aws", "arn:aws:ec2:us-east-1:111111111111:reserved-instances/ri-r");
            db.AddRange(period, compute, storage, ri);
            db.AddRange(
                Usage(period, compute, Oct30, 10m), Usage(period, compute, Oct30.AddDays(1), 10m), Usage(period, compute, Oct30.AddDays(2), 12m),
                Usage(period, compute, Oct30.AddDays(3), 8m), Usage(period, storage, Oct30, 5m),
                Covered(period, ri, compute, Oct30, 6m), Covered(period, ri, compute, Oct30.AddDays(1), 6m), Covered(period, ri, compute, Oct30.AddDays(2), 7m),
                Covered(period, ri, compute, Oct30.AddDays(3), 3.5m),
                Day(period, ri, Oct30, covered: 6m, used: 3.6m, unused: 0.4m, upfront: 50m), Day(period, ri, Oct30.AddDays(1), covered: 6m, used: 3.6m, unused: 0.4m),
                Day(period, ri, Oct30.AddDays(2), covered: 7m, used: 4m, unused: 0m), Day(period, ri, Oct30.AddDays(3), covered: 3.5m, used: 2m, unused: 2m));
            await db.SaveChangesAsync(Cancel);
        }

        await using (var db = Server.Db(b.Id))
        {
            var aws = Period(b.Id, "aws");
            var azure = Period(b.Id, "azure");
            var compute = Pool(b.Id, "aws", "Compute");
            var vms = Pool(b.Id, "azure", "Compute");
            var sp = Commitment(b.Id, "aws", "arn:aws:savingsplans::222222222222:savingsplan/sp-b");
            db.AddRange(aws, azure, compute, vms, sp);
            db.AddRange(
                Usage(aws, compute, Oct30.AddDays(2), 10m), Usage(azure, vms, Oct30.AddDays(2), 30m),
                Covered(aws, sp, compute, Oct30.AddDays(2), 5m), Day(aws, sp, Oct30.AddDays(2), covered: 5m, used: 3m, unused: 1m));
            await db.SaveChangesAsync(Cancel);
        }

        return (partner, a, b, client);
    }

    private static BillingPeriod Period(Guid org, string provider) => new()
    {
        Id = Guid.NewGuid(), OrgId = org, Provider = provider, BillingAccountId = "acct-" + provider, PeriodStart = new DateTime(2025, 10, 1, 0, 0, 0, DateTimeKind.Utc),
        PeriodEnd = new DateTime(2025, 12, 1, 0, 0, 0, DateTimeKind.Utc), Currency = "USD", SourceFormat = "focus-1.2", SourceFiles = "by hand", LoadedAt = DateTime.UtcNow,
    };

    private static UsagePool Pool(Guid org, string provider, string category) => new()
    {
        Id = Guid.NewGuid(), OrgId = org, Provider = provider, BillingAccountId = "acct-" + provider, ServiceCategory = category, KeyHash = Guid.NewGuid().ToString("N"),
    };

    private static BilledCommitment Commitment(Guid org, string provider, string id) => new()
    {
        Id = Guid.NewGuid(), OrgId = org, Provider = provider, ProviderCommitmentId = id, Category = "Usage", Type = "Reserved Instance", BillingAccountId = "acct-" + provider,
    };

    private static UsageDay Usage(BillingPeriod period, UsagePool pool, DateOnly day, decimal listCost) => new()
    {
        OrgId = period.OrgId, BillingPeriodId = period.Id, PoolId = pool.Id, Day = day, HourlyQuantity = [], HourlyOnDemandCost = [], HourlyCoveredQuantity = [],
        SourceGranularityHours = 24, Quantity = 24, ListCost = listCost, EffectiveCost = listCost, BilledCost = listCost,
    };

    private static CommitmentCoverage Covered(BillingPeriod period, BilledCommitment commitment, UsagePool pool, DateOnly day, decimal listCost) => new()
    {
        OrgId = period.OrgId, BillingPeriodId = period.Id, CommitmentId = commitment.Id, PoolId = pool.Id, Day = day, CoveredQuantity = 1, CoveredListCost = listCost,
    };

    private static CommitmentDay Day(BillingPeriod period, BilledCommitment commitment, DateOnly day, decimal covered, decimal used, decimal unused, decimal upfront = 0) => new()
    {
        OrgId = period.OrgId, BillingPeriodId = period.Id, CommitmentId = commitment.Id, Day = day, UsedQuantity = (double)used, UnusedQuantity = (double)unused,
        CoveredListCost = covered, UsedEffectiveCost = used, UnusedEffectiveCost = unused, UpfrontFee = upfront,
    };

    private async Task<JsonElement> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, response);
        return await response.JsonAsync();
    }

    private static (decimal OnDemand, decimal Covered, decimal Gross, decimal Cost, decimal Upfront, decimal Unused, decimal Net) Money(JsonElement f) =>
        (f.GetProperty("on_demand_cost").GetDecimal(), f.GetProperty("covered_cost").GetDecimal(), f.GetProperty("gross_savings").GetDecimal(),
         f.GetProperty("commitment_cost").GetDecimal(), f.GetProperty("upfront_paid").GetDecimal(), f.GetProperty("unused_commitment_cost").GetDecimal(),
         f.GetProperty("net_savings").GetDecimal());

    private static double? Rate(JsonElement f, string name) => f.GetProperty(name).ValueKind == JsonValueKind.Null ? null : f.GetProperty(name).GetDouble();

    private static void AssertRates(JsonElement f, double? coverage, double? utilization, double? esr, double? roi)
    {
        foreach (var (name, expected) in new[] { ("coverage", coverage), ("utilization", utilization), ("effective_savings_rate", esr), ("roi", roi) })
        {
            var actual = Rate(f, name);
            Assert.True(expected is null ? actual is null : actual is { } v && Math.Abs(v - expected.Value) < 1e-12, $"{name}: expected {expected}, got {actual}");
        }
    }

    [Fact]
    public async Task Months_totals_and_rates_match_hand_computed_billing()
    {
        var (_, a, _, partner) = await HandBillingAsync();

        var report = await GetAsync(partner, $"/v2/org/{a.Id}/partners/reports/roi?{Window}");

        Assert.Equal((a.Id.ToString(), "2025-09", "2025-12"), (report.GetProperty("org_id").GetString(), report.GetProperty("start_month").GetString(), report.GetProperty("end_month").GetString()));
        var months = report.GetProperty("months").EnumerateArray().ToList();
        Assert.Equal(["2025-09", "2025-10", "2025-11", "2025-12"], months.Select(m => m.GetProperty("month").GetString()));

        // September and December: nothing, and no rate without a denominator.
        Assert.Equal((0m, 0m, 0m, 0m, 0m, 0m, 0m), Money(months[0].GetProperty("figures")));
        AssertRates(months[3].GetProperty("figures"), null, null, null, null);

        // October: $20 of compute (storage is not coverable), $12 covered; the RI cost $8 of which $0.80 unused.
        // Gross = 12 - 7.20 = 4.80; net = 4.80 - 0.80 = 4.00; coverage 12/20, utilization 7.2/8, ESR 4/20, ROI 4/8.
        var october = months[1].GetProperty("figures");
        Assert.Equal((20m, 12m, 4.8m, 8m, 50m, 0.8m, 4m), Money(october));
        AssertRates(october, 0.6, 0.9, 0.2, 0.5);

        // November: $20 of compute, $10.50 covered; $8 of RI cost, $2 unused. Gross = 10.50 - 6 = 4.50; net 2.50.
        var november = months[2].GetProperty("figures");
        Assert.Equal((20m, 10.5m, 4.5m, 8m, 0m, 2m, 2.5m), Money(november));
        AssertRates(november, 0.525, 0.75, 0.125, 0.3125);

        // Totals: rates from the summed figures.
        var totals = report.GetProperty("totals");
        Assert.Equal((40m, 22.5m, 9.3m, 16m, 50m, 2.8m, 6.5m), Money(totals));
        AssertRates(totals, 22.5 / 40, 13.2 / 16, 6.5 / 40, 6.5 / 16);
        Assert.Equal(6.5m, report.GetProperty("lifetime_savings").GetDecimal());
        Assert.Equal(0m, report.GetProperty("month_to_date_savings").GetDecimal());
        Assert.Equal(0, report.GetProperty("purchases").GetProperty("purchases").GetInt32());

        // The org's own key gets the same report from the v1 route.
        using var own = Server.Client(await Server.CreateKeyAsync(a.Id));
        Assert.Equal(report.GetRawText(), (await GetAsync(own, $"/v1/org/{a.Id}/reports/roi?{Window}")).GetRawText());

        // A window of the one month.
        var one = await GetAsync(own, $"/v1/org/{a.Id}/reports/roi?start_month=2025-11&end_month=2025-11");
        Assert.Equal((20m, 10.5m, 4.5m, 8m, 0m, 2m, 2.5m), Money(one.GetProperty("totals")));
        Assert.Equal(6.5m, one.GetProperty("lifetime_savings").GetDecimal());
    }

    [Fact]
    public async Task Partner_totals_are_the_sums_of_its_customers_and_rates_come_from_the_sums()
    {
        var (partner, a, b, client) = await HandBillingAsync();

        var report = await GetAsync(client, $"/v2/partners/{partner.Id}/reports/roi?{Window}");
        var childA = await GetAsync(client, $"/v2/org/{a.Id}/partners/reports/roi?{Window}");
        var childB = await GetAsync(client, $"/v2/org/{b.Id}/partners/reports/roi?{Window}");

        Assert.Equal(2, report.GetProperty("org_count").GetInt32());
        Assert.Equal(["Acme, \"Retail\"", "Beta Foods"], report.GetProperty("orgs").EnumerateArray().Select(o => o.GetProperty("name").GetString()));
        static (decimal, decimal, decimal, decimal, decimal, decimal, decimal) Sum(JsonElement x, JsonElement y)
        {
            var (p, q) = (Money(x), Money(y));
            return (p.OnDemand + q.OnDemand, p.Covered + q.Covered, p.Gross + q.Gross, p.Cost + q.Cost, p.Upfront + q.Upfront, p.Unused + q.Unused, p.Net + q.Net);
        }

        var totals = report.GetProperty("totals");
        Assert.Equal(Sum(childA.GetProperty("totals"), childB.GetProperty("totals")), Money(totals));
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(Sum(childA.GetProperty("months")[i].GetProperty("figures"), childB.GetProperty("months")[i].GetProperty("figures")),
                Money(report.GetProperty("months")[i].GetProperty("figures")));
        }

        Assert.Equal(childA.GetProperty("lifetime_savings").GetDecimal() + childB.GetProperty("lifetime_savings").GetDecimal(), report.GetProperty("lifetime_savings").GetDecimal());
        Assert.Equal(childA.GetProperty("totals").GetRawText(), report.GetProperty("orgs")[0].GetProperty("totals").GetRawText());
        Assert.Equal(childB.GetProperty("totals").GetRawText(), report.GetProperty("orgs")[1].GetProperty("totals").GetRawText());

        // By hand: B adds $40 on demand ($10 AWS, $30 Azure), $5 covered, $4 cost ($1 unused), net $1.
        // Coverage (22.5 + 5) / 80, not the mean of 0.5625 and 0.125; utilization (13.2 + 3) / 20; ESR 7.5 / 80; ROI 7.5 / 20.
        Assert.Equal((80m, 27.5m, 11.3m, 20m, 50m, 3.8m, 7.5m), Money(totals));
        AssertRates(totals, 27.5 / 80, 16.2 / 20, 7.5 / 80, 7.5 / 20);

        // One provider: B's Azure usage leaves the report.
        var aws = await GetAsync(client, $"/v2/partners/{partner.Id}/reports/roi?{Window}&provider=aws");
        Assert.Equal("aws", aws.GetProperty("provider").GetString());
        Assert.Equal((50m, 27.5m, 11.3m, 20m, 50m, 3.8m, 7.5m), Money(aws.GetProperty("totals")));
        var azure = await GetAsync(client, $"/v2/partners/{partner.Id}/reports/roi?{Window}&provider=azure");
        Assert.Equal((30m, 0m, 0m, 0m, 0m, 0m, 0m), Money(azure.GetProperty("totals")));
        AssertRates(azure.GetProperty("totals"), 0, null, 0, null);
    }

    [Fact]
    public async Task The_report_agrees_with_metrics_over_the_same_days()
    {
        var (_, a, _, client) = await HandBillingAsync();

        // Every day of A's billing data is within /metrics' last 30 days, and within the report's months.
        var metrics = await GetAsync(client, $"/v1/org/{a.Id}/metrics?provider=aws");
        var report = await GetAsync(client, $"/v1/org/{a.Id}/reports/roi?provider=aws&{Window}");

        Assert.Equal(("2025-10-04", "2025-11-02"), (metrics.GetProperty("missed_savings_start_date").GetString(), metrics.GetProperty("missed_savings_end_date").GetString()));
        Assert.Equal(metrics.GetProperty("lifetime_savings").GetDecimal(), report.GetProperty("lifetime_savings").GetDecimal());
        Assert.Equal(metrics.GetProperty("lifetime_savings").GetDecimal(), report.GetProperty("totals").GetProperty("net_savings").GetDecimal());
        Assert.Equal(metrics.GetProperty("mtd_savings").GetDecimal(), report.GetProperty("month_to_date_savings").GetDecimal());
        Assert.Equal(metrics.GetProperty("coverage").GetDouble(), report.GetProperty("totals").GetProperty("coverage").GetDouble(), 12);
        Assert.Equal(metrics.GetProperty("utilization").GetDouble(), report.GetProperty("totals").GetProperty("utilization").GetDouble(), 12);
    }

    [Fact]
    public async Task On_generated_billing_the_report_agrees_with_metrics_and_a_purchase_shows_at_once()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var child = tenants.Child.Id;
        var url = $"/v2/org/{child}/partners/reports/roi?provider=aws";

        var before = await GetAsync(partner, url);
        var metrics = await GetAsync(partner, $"/v1/org/{child}/metrics?provider=aws");
        // 100 days of billing up to today: all of it within the default 12 months, so the total is the lifetime.
        Assert.NotEqual(0m, metrics.GetProperty("lifetime_savings").GetDecimal());
        Assert.Equal(metrics.GetProperty("lifetime_savings").GetDecimal(), before.GetProperty("lifetime_savings").GetDecimal());
        Assert.Equal(metrics.GetProperty("lifetime_savings").GetDecimal(), before.GetProperty("totals").GetProperty("net_savings").GetDecimal());
        Assert.Equal(metrics.GetProperty("mtd_savings").GetDecimal(), before.GetProperty("month_to_date_savings").GetDecimal());
        var thisMonth = before.GetProperty("months")[11];
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture), thisMonth.GetProperty("month").GetString());
        Assert.Equal(metrics.GetProperty("mtd_savings").GetDecimal(), thisMonth.GetProperty("figures").GetProperty("net_savings").GetDecimal());
        Assert.Equal(0, before.GetProperty("purchases").GetProperty("purchases").GetInt32());

        var plan = await partner.PlanWithPurchasesAsync(child);
        var response = await partner.PostJsonAsync($"/v2/org/{child}/partners/plans/purchase",
            JsonSerializer.Serialize(new { plan_id = plan.GetProperty("plan").GetProperty("id").GetString(), confirm = true }));
        await AssertStatusAsync(HttpStatusCode.Created, response);
        var lines = plan.GetProperty("line_items").EnumerateArray().ToList();

        var after = await GetAsync(partner, url);
        var bought = after.GetProperty("months")[11].GetProperty("purchases");
        Assert.Equal(1, bought.GetProperty("purchases").GetInt32());
        Assert.Equal(lines.Count, bought.GetProperty("commitments").GetInt32());
        Assert.Equal(lines.Sum(l => l.GetProperty("upfront_cost").GetDecimal()), bought.GetProperty("upfront_cost").GetDecimal());
        Assert.Equal(lines.Sum(l => l.GetProperty("monthly_cost").GetDecimal()), bought.GetProperty("new_monthly_commitment").GetDecimal());
        Assert.Equal(lines.Sum(l => l.GetProperty("monthly_savings").GetDecimal()), bought.GetProperty("projected_monthly_savings").GetDecimal());
        Assert.True(bought.GetProperty("projected_monthly_savings").GetDecimal() > 0);
        Assert.Equal(bought.GetRawText(), after.GetProperty("purchases").GetRawText());
        // Billing data has not seen the new commitments yet: the savings are as they were.
        Assert.Equal(before.GetProperty("totals").GetRawText(), after.GetProperty("totals").GetRawText());

        var partnerWide = await GetAsync(partner, $"/v2/partners/{tenants.Partner.Id}/reports/roi");
        Assert.Equal(1, partnerWide.GetProperty("purchases").GetProperty("purchases").GetInt32());
        Assert.Equal(after.GetProperty("lifetime_savings").GetDecimal(), partnerWide.GetProperty("lifetime_savings").GetDecimal());
    }

    [Fact]
    public async Task Csv_export_parses_back_to_the_json_figures()
    {
        var (partner, a, b, client) = await HandBillingAsync();

        var response = await client.GetAsync($"/v2/partners/{partner.Id}/reports/roi?{Window}&format=csv", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        Assert.EndsWith(".csv", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'), StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Contains("\r\n", text, StringComparison.Ordinal);
        var rows = ParseCsv(text);
        var header = rows[0];
        Assert.Equal(8, rows.Count - 1);

        foreach (var org in new[] { a, b })
        {
            var json = await GetAsync(client, $"/v2/org/{org.Id}/partners/reports/roi?{Window}");
            var mine = rows.Skip(1).Where(r => r[header.IndexOf("org_id")] == org.Id.ToString()).ToList();
            Assert.Equal(json.GetProperty("months").GetArrayLength(), mine.Count);
            foreach (var (row, month) in mine.Zip(json.GetProperty("months").EnumerateArray()))
            {
                string Cell(string column) => row[header.IndexOf(column)];
                Assert.Equal(org.Name, Cell("org_name"));
                Assert.Equal(month.GetProperty("month").GetString(), Cell("month"));
                var figures = month.GetProperty("figures");
                foreach (var money in (string[])["on_demand_cost", "covered_cost", "gross_savings", "commitment_cost", "upfront_paid", "unused_commitment_cost", "net_savings"])
                {
                    Assert.Equal(figures.GetProperty(money).GetDecimal(), decimal.Parse(Cell(money), CultureInfo.InvariantCulture));
                }

                foreach (var rate in (string[])["coverage", "utilization", "effective_savings_rate", "roi"])
                {
                    Assert.Equal(Rate(figures, rate), Cell(rate) is "" ? null : double.Parse(Cell(rate), CultureInfo.InvariantCulture));
                }

                var purchases = month.GetProperty("purchases");
                Assert.Equal(purchases.GetProperty("commitments").GetInt32(), int.Parse(Cell("commitments_bought"), CultureInfo.InvariantCulture));
                Assert.Equal(purchases.GetProperty("projected_monthly_savings").GetDecimal(), decimal.Parse(Cell("projected_monthly_savings"), CultureInfo.InvariantCulture));
            }
        }

        // Accept: text/csv asks for the same, for one org.
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/org/{a.Id}/reports/roi?{Window}");
        request.Headers.Accept.Clear();
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var single = await client.SendAsync(request, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, single);
        Assert.Equal("text/csv", single.Content.Headers.ContentType?.MediaType);
        var singleRows = ParseCsv(await single.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(rows.Take(5).Select(r => string.Join('|', r)), singleRows.Select(r => string.Join('|', r)));
    }

    /// <summary>RFC 4180, read strictly: quoted fields may hold commas, doubled quotes and line breaks; lines end with CRLF.</summary>
    private static List<List<string>> ParseCsv(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '"' && field.Length == 0)
            {
                i++;
                while (true)
                {
                    if (text[i] == '"' && i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i += 2;
                    }
                    else if (text[i] == '"')
                    {
                        i++;
                        break;
                    }
                    else
                    {
                        field.Append(text[i++]);
                    }
                }
            }
            else if (text[i] == ',')
            {
                row.Add(field.ToString());
                field.Clear();
                i++;
            }
            else if (text[i] == '\r')
            {
                Assert.Equal('\n', text[i + 1]);
                row.Add(field.ToString());
                field.Clear();
                rows.Add(row);
                row = [];
                i += 2;
            }
            else
            {
                Assert.NotEqual('\n', text[i]);
                field.Append(text[i++]);
            }
        }

        Assert.Empty(row);
        Assert.All(rows, r => Assert.Equal(rows[0].Count, r.Count));
        return rows;
    }

    [Fact]
    public async Task Nobody_reads_another_partners_customers_or_a_partner_report_that_is_not_theirs()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        using var child = Server.Client(t.Child.Key);
        using var direct = Server.Client(t.Direct.Key);

        await AssertStatusAsync(HttpStatusCode.OK, await partner.GetAsync($"/v2/partners/{t.Partner.Id}/reports/roi", Cancel));
        await AssertStatusAsync(HttpStatusCode.OK, await partner.GetAsync($"/v2/org/{t.Child.Id}/partners/reports/roi", Cancel));
        await AssertStatusAsync(HttpStatusCode.OK, await child.GetAsync($"/v1/org/{t.Child.Id}/reports/roi", Cancel));

        await (await partner.GetAsync($"/v2/org/{t.OtherChild.Id}/partners/reports/roi", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await partner.GetAsync($"/v2/partners/{t.OtherPartner.Id}/reports/roi", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await partner.GetAsync($"/v1/org/{t.OtherChild.Id}/reports/roi?format=csv", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await child.GetAsync($"/v2/partners/{t.Partner.Id}/reports/roi", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await child.GetAsync($"/v2/org/{t.Child.Id}/partners/reports/roi", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await child.GetAsync($"/v1/org/{t.Sibling.Id}/reports/roi", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
        await (await direct.GetAsync($"/v2/partners/{t.Direct.Id}/reports/roi", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);

        // The partner's report covers its own customers only.
        var report = await (await partner.GetAsync($"/v2/partners/{t.Partner.Id}/reports/roi", Cancel)).JsonAsync();
        Assert.Equal(new[] { t.Child.Id, t.Sibling.Id }.Select(id => id.ToString()).Order(StringComparer.Ordinal),
            report.GetProperty("orgs").EnumerateArray().Select(o => o.GetProperty("org_id").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Bad_parameters_are_422_naming_them()
    {
        var t = await Server.CreateTenantsAsync();
        using var partner = Server.Client(t.Partner.Key);
        var url = $"/v2/partners/{t.Partner.Id}/reports/roi";

        var reversed = await (await partner.GetAsync($"{url}?start_month=2026-03&end_month=2026-01", Cancel)).AssertValidationErrorAsync();
        Assert.Contains("start_month (2026-03) is after end_month (2026-01).", reversed.Messages("query", "start_month"));
        Assert.Contains("start_month (2026-03) is after end_month (2026-01).", reversed.Messages("query", "end_month"));

        var wrong = await (await partner.GetAsync($"{url}?start_month=2026-13&end_month=March&provider=mars&format=xml", Cancel)).AssertValidationErrorAsync();
        foreach (var field in (string[])["start_month", "end_month", "provider", "format"])
        {
            Assert.NotEmpty(wrong.Messages("query", field));
        }

        var tooLong = await (await partner.GetAsync($"{url}?start_month=2000-01&end_month=2026-01", Cancel)).AssertValidationErrorAsync();
        Assert.NotEmpty(tooLong.Messages("query", "start_month"));
        Assert.NotEmpty(tooLong.Messages("query", "end_month"));

        foreach (var bad in (string[])["start_month=2026-1", "start_month=1999-12", "end_month=2026-01-01", "start_month=9999-12"])
        {
            var errors = await (await partner.GetAsync($"/v1/org/{t.Child.Id}/reports/roi?{bad}", Cancel)).AssertValidationErrorAsync();
            Assert.NotEmpty(errors.Messages("query", bad.Split('=')[0]));
        }

        // A start after the current month, with the end left to its default, names both.
        var future = await (await partner.GetAsync($"{url}?start_month=2999-01", Cancel)).AssertValidationErrorAsync();
        Assert.NotEmpty(future.Messages("query", "end_month"));
    }
}

public sealed class RoiReportsApiOnSqlite(SqliteTranche fixture) : RoiReportsApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class RoiReportsApiOnPostgres(PostgresTranche fixture) : RoiReportsApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
