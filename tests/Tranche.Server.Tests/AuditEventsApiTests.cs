using System.Net;
using System.Text.Json;
using Tranche.Server.Api;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class AuditEventsApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public async Task Key_changes_are_audited_with_who_what_and_the_request()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));
        var created = await admin.PostJsonAsync($"/v1/org/{org.Id}/api-keys", """{"name": "deploy bot"}""");
        var requestId = Assert.Single(created.Headers.GetValues("X-Request-Id"));
        var keyId = (await created.JsonAsync()).GetProperty("id").GetString();

        var events = await (await admin.GetAsync($"/v1/org/{org.Id}/audit-events?action=api_key.created", Cancel)).JsonAsync();

        var entry = events.EnumerateArray().Single(e => e.GetProperty("target_id").GetString() == keyId);
        Assert.Equal(requestId, entry.GetProperty("request_id").GetString());
        Assert.StartsWith("key:", entry.GetProperty("actor").GetString(), StringComparison.Ordinal);
        Assert.Equal("deploy bot", entry.GetProperty("details").GetProperty("name").GetString());
        Assert.Equal("user", entry.GetProperty("details").GetProperty("role").GetString());
    }

    [Fact]
    public async Task Audit_log_pages_with_the_published_pagination_header()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));
        for (var i = 0; i < 6; i++)
        {
            await admin.PostJsonAsync($"/v1/org/{org.Id}/api-keys", $$"""{"name": "key {{i}}"}""");
        }

        // 7 events: the fixture's key and six more.
        var seen = new List<string>();
        for (var page = 1; page <= 4; page++)
        {
            var response = await admin.GetAsync($"/v1/org/{org.Id}/audit-events?page={page}&page_size=3", Cancel);
            var header = Assert.Single(response.Headers.GetValues("X-Pagination"));
            Contract.AssertMatches(header, "PaginationMetadata");
            using var meta = JsonDocument.Parse(header);
            Assert.Equal(7, meta.RootElement.GetProperty("total").GetInt32());
            Assert.Equal(3, meta.RootElement.GetProperty("total_pages").GetInt32());
            var items = (await response.JsonAsync()).EnumerateArray().Select(e => e.GetProperty("id").GetString()!).ToList();
            Assert.Equal(page switch { 1 or 2 => 3, 3 => 1, _ => 0 }, items.Count);
            seen.AddRange(items);
        }

        Assert.Equal(7, seen.Distinct().Count());
    }

    [Fact]
    public async Task Bad_paging_values_are_named_in_the_422()
    {
        var org = await Server.CreateOrgAsync();
        using var admin = Server.Client(await Server.CreateKeyAsync(org.Id));

        var errors = await (await admin.GetAsync($"/v1/org/{org.Id}/audit-events?page=0&page_size=5000", Cancel)).AssertValidationErrorAsync();

        Assert.Equal(["Must be greater than or equal to 1."], errors.Messages("query", "page"));
        Assert.Equal(["Must be less than or equal to 1000."], errors.Messages("query", "page_size"));
    }

    [Fact]
    public async Task A_partner_reads_its_customer_log_but_not_the_other_way_round()
    {
        var t = await Server.CreateTenantsAsync();

        await AssertStatusAsync(HttpStatusCode.OK, await Server.Client(t.Partner.Key).GetAsync($"/v1/org/{t.Child.Id}/audit-events", Cancel));
        await (await Server.Client(t.Child.Key).GetAsync($"/v1/org/{t.Partner.Id}/audit-events", Cancel)).AssertApiErrorAsync(HttpStatusCode.Forbidden);
    }
}

public sealed class AuditEventsApiOnSqlite(SqliteTranche fixture) : AuditEventsApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class AuditEventsApiOnPostgres(PostgresTranche fixture) : AuditEventsApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;

public sealed class PaginationMetadataTests
{
    [Fact]
    public void Matches_a_page_by_page_walk_for_every_small_case()
    {
        for (var total = 0; total <= 40; total++)
        {
            for (var size = 1; size <= 12; size++)
            {
                // Reference: lay the items out page by page and read the answer off the layout.
                var pages = Enumerable.Range(0, total).Chunk(size).ToList();
                for (var page = 1; page <= pages.Count + 2; page++)
                {
                    var meta = PaginationMetadata.For(total, page, size);
                    Assert.Equal(total, meta.Total);
                    Assert.Equal(pages.Count, meta.TotalPages);
                    if (total == 0)
                    {
                        Assert.Equal((int?[])[null, null, null, null, null], [meta.FirstPage, meta.LastPage, meta.Page, meta.PreviousPage, meta.NextPage]);
                        continue;
                    }

                    Assert.Equal(1, meta.FirstPage);
                    Assert.Equal(pages.Count, meta.LastPage);
                    Assert.Equal(page, meta.Page);
                    Assert.Equal(page > 1 ? Math.Min(page - 1, pages.Count) : null, meta.PreviousPage);
                    Assert.Equal(page < pages.Count ? page + 1 : null, meta.NextPage);
                }
            }
        }
    }

    [Fact]
    public void Header_leaves_out_what_does_not_apply_so_it_matches_the_contract()
    {
        foreach (var meta in new[] { PaginationMetadata.For(0, 1, 10), PaginationMetadata.For(5, 1, 10), PaginationMetadata.For(50, 3, 10) })
        {
            Contract.AssertMatches(JsonSerializer.Serialize(meta, ApiJson.Options), "PaginationMetadata");
        }

        Assert.Equal("""{"total":0,"total_pages":0}""", JsonSerializer.Serialize(PaginationMetadata.For(0, 1, 10), ApiJson.Options));
    }
}
