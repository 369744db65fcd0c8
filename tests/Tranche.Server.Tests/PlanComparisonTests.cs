using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Tranche.Domain.Offers;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox.Catalog;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// What-if comparisons of plans that hold GCP GPU bundles: line items bought as one commitment land on one term.
/// The server's catalog is the bundled one, except that it lists g2-standard-8 commitments for one year only, as a
/// provider's offering API may list a machine type: a target term only some members of a bundle offer.
/// </summary>
public abstract class PlanComparisonTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static readonly OfferCatalog Catalog = OneYearG2Standard8.Catalog;

    private static CatalogOffer Offer(string type, int months) =>
        Catalog.OffersFor("gcp", "us-central1", type).Single(o => o.PlanType == PlanTypes.Resource && o.Offer.TermMonths == months);

    private async Task<JsonElement> CompareAsync(HttpClient client, Guid org, Guid planId, string terms)
    {
        var response = await client.GetAsync($"/v1/org/{org}/commitment-plans/{planId}/comparison?{terms}", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, response);
        var body = await response.JsonAsync();
        NewerDocs.AssertMatches(body, "LineItemOfferComparisonResponse");
        return body;
    }

    private static Dictionary<Guid, (string? Term, string Reason)> Landing(JsonElement body, string term) =>
        body.GetProperty("hypothetical_totals").EnumerateArray().Single(h => h.GetProperty("contract_term").GetString() == term)
            .GetProperty("line_items").EnumerateArray()
            .ToDictionary(l => l.GetProperty("line_item_id").GetGuid(), l => (l.GetProperty("actual_term").GetString(), l.GetProperty("actual_term_reason").GetString()!));

    [Fact]
    public async Task A_gpu_bundle_lands_on_one_term_and_members_that_would_land_elsewhere_are_bundle_members()
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        // One G2 commitment (the lead, g2-standard-8, sells one year only), an A2 commitment and an N2 one, all on one year.
        var (planId, lines) = await Server.AddPlanAsync(org.Id, "gcp", Catalog.Version,
            (Offer("g2-standard-8", 12), 3), (Offer("g2-standard-4", 12), 2), (Offer("a2-highgpu-1g", 12), 1), (Offer("n2-standard-4", 12), 4));
        var (g2Lead, g2Member, a2, n2) = (lines[0], lines[1], lines[2], lines[3]);

        var body = await CompareAsync(client, org.Id, planId, "contract_terms=three_year&contract_terms=two_year&contract_terms=one_year");

        // Three years: the G2 bundle cannot be bought on three years (its lead is not offered there), so it lands on one
        // year as a whole; g2-standard-4 would have landed on three years on its own.
        var threeYears = Landing(body, "three_year");
        Assert.Equal(("one_year", "fallback_closest_shorter"), threeYears[g2Lead]);
        Assert.Equal(("one_year", "bundle_member"), threeYears[g2Member]);
        Assert.Equal(("three_year", "exact_match"), threeYears[a2]);
        Assert.Equal(("three_year", "exact_match"), threeYears[n2]);
        Assert.All(Landing(body, "one_year").Values, l => Assert.Equal(("one_year", "exact_match"), l));
        Assert.All(Landing(body, "two_year").Values, l => Assert.Equal(("one_year", "fallback_closest_shorter"), l));

        // The what-if prices the bundle member on the term it landed on: its one-year offer, as today.
        var rows = body.GetProperty("data").EnumerateArray().ToDictionary(r => r.GetProperty("line_item_id").GetGuid());
        decimal Monthly(JsonElement entry) => entry.GetProperty("commitment_financials_monthly_rate").GetProperty("commitment_cost").GetProperty("total").GetDecimal();
        decimal Candidate(Guid line, string term) => Monthly(rows[line].GetProperty("candidates").EnumerateArray().Single(c => c.GetProperty("contract_term").GetString() == term));
        Assert.Equal(["one_year", "three_year"], rows[g2Member].GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("contract_term").GetString()));
        Assert.Equal(["one_year"], rows[g2Lead].GetProperty("candidates").EnumerateArray().Select(c => c.GetProperty("contract_term").GetString()));
        var total = body.GetProperty("hypothetical_totals").EnumerateArray().Single(h => h.GetProperty("contract_term").GetString() == "three_year")
            .GetProperty("commitment_financials_monthly_rate").GetProperty("commitment_cost").GetProperty("total").GetDecimal();
        Assert.Equal(Candidate(g2Lead, "one_year") + Candidate(g2Member, "one_year") + Candidate(a2, "three_year") + Candidate(n2, "three_year"), total, 4);
        Assert.True(Candidate(g2Member, "three_year") < Candidate(g2Member, "one_year"));

        // Asked for one line item of the bundle alone, it is a bundle of one and lands by itself.
        var alone = await CompareAsync(client, org.Id, planId, $"contract_terms=three_year&line_item_ids={g2Member}");
        Assert.Equal(("three_year", "exact_match"), Landing(alone, "three_year")[g2Member]);
    }

    [Fact]
    public async Task The_lead_of_a_bundle_lands_only_where_every_member_can_follow()
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        // Here the lead (five g2-standard-4) sells three years too, but its member g2-standard-8 does not.
        var (planId, lines) = await Server.AddPlanAsync(org.Id, "gcp", Catalog.Version, (Offer("g2-standard-4", 12), 5), (Offer("g2-standard-8", 12), 1));

        var body = await CompareAsync(client, org.Id, planId, "contract_terms=three_year&contract_terms=thirty_day");

        Assert.Equal(("one_year", "fallback_closest_shorter"), Landing(body, "three_year")[lines[0]]);
        Assert.Equal(("one_year", "fallback_closest_shorter"), Landing(body, "three_year")[lines[1]]);
        Assert.All(Landing(body, "thirty_day").Values, l => Assert.Equal(("one_year", "no_alternative"), l));

        // Line items of one series already on different terms are different commitments: each lands by itself.
        var (laddered, ladderLines) = await Server.AddPlanAsync(org.Id, "gcp", Catalog.Version, (Offer("g2-standard-4", 36), 5), (Offer("g2-standard-4", 12), 1));
        var thirtyDay = Landing(await CompareAsync(client, org.Id, laddered, "contract_terms=thirty_day"), "thirty_day");
        Assert.Equal(("three_year", "no_alternative"), thirtyDay[ladderLines[0]]);
        Assert.Equal(("one_year", "no_alternative"), thirtyDay[ladderLines[1]]);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_newer_plan_status_and_term_reason()
    {
        var document = await (await Server.Client().GetAsync("/openapi/v1.json", Cancel)).JsonAsync();
        var schemas = document.GetProperty("components").GetProperty("schemas");

        Assert.Contains("`cancelled`", schemas.GetProperty("CommitmentPlan").GetProperty("properties").GetProperty("status").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("`bundle_member`",
            schemas.GetProperty("HypotheticalLineItem").GetProperty("properties").GetProperty("actual_term_reason").GetProperty("description").GetString(), StringComparison.Ordinal);
    }
}

/// <summary>The bundled catalog, with g2-standard-8 commitments listed for one year only.</summary>
public static class OneYearG2Standard8
{
    public static readonly OfferCatalog Catalog = Build();

    private static OfferCatalog Build()
    {
        var bundled = SandboxCatalog.Load();
        var entries = bundled.Entries.Select(e => e.InstanceType == "g2-standard-8" ? e with { Offers = [.. e.Offers.Where(o => o.Offer.TermMonths == 12)] } : e);
        return OfferCatalogRules.EnsureValid(new OfferCatalog(bundled.Version, bundled.Currency, bundled.Sources, entries, bundled.ResourcePools), "one-year g2-standard-8 catalog");
    }

    public static void Use(IServiceCollection services) => services.AddSingleton(new OfferCatalogs(Catalog));
}

public sealed class SqliteOneYearG2Standard8 : SqliteTranche
{
    protected override void ConfigureServices(IServiceCollection services) => OneYearG2Standard8.Use(services);
}

public sealed class PostgresOneYearG2Standard8 : PostgresTranche
{
    protected override void ConfigureServices(IServiceCollection services) => OneYearG2Standard8.Use(services);
}

public sealed class PlanComparisonOnSqlite(SqliteOneYearG2Standard8 fixture) : PlanComparisonTests<SqliteOneYearG2Standard8>(fixture), IClassFixture<SqliteOneYearG2Standard8>;

public sealed class PlanComparisonOnPostgres(PostgresOneYearG2Standard8 fixture) : PlanComparisonTests<PostgresOneYearG2Standard8>(fixture), IClassFixture<PostgresOneYearG2Standard8>;
