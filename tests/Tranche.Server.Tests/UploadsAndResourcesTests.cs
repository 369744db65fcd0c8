using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class UploadsAndResourcesTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static string SamplePart1 => Path.Combine(SharedData.Path("focus-sample"), "focus_sample_1000_part1.csv");

    [Fact]
    public async Task An_uploaded_export_goes_from_pending_to_complete_and_its_resources_appear()
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));

        var created = await client.PostAsync($"/v1/org/{org.Id}/uploads", Form(File.ReadAllBytes(SamplePart1), "focus_sample.csv", "September export"), Cancel);

        await AssertStatusAsync(HttpStatusCode.Created, created);
        var body = await created.JsonAsync();
        Contract.AssertMatches(body, "PublicUpload");
        Assert.Equal(("focus_sample.csv", "September export", "agent_upload", org.Id.ToString()),
            (body.GetProperty("file_name").GetString(), body.GetProperty("description").GetString(), body.GetProperty("source").GetString(), body.GetProperty("org_id").GetString()));
        Assert.Contains(body.GetProperty("upload_status").GetString(), (string[])["PENDING", "PROCESSING", "COMPLETE"]);
        var done = await WaitForUploadAsync(client, created.Headers.Location!.OriginalString);
        Contract.AssertMatches(done, "PublicUpload");
        Assert.Equal("COMPLETE", done.GetProperty("upload_status").GetString());
        Assert.Equal("focus-1.0", done.GetProperty("detected_type").GetString());
        Assert.Equal(new FileInfo(SamplePart1).Length, done.GetProperty("size_bytes").GetInt64());

        var report = await (await client.GetAsync(created.Headers.Location!.OriginalString + "/report", Cancel)).JsonAsync();
        Assert.Equal(500, report.GetProperty("rows_stored").GetInt64());

        var resourceIds = new List<string>();
        for (var page = 1; ; page++)
        {
            var response = await client.GetAsync($"/v1/org/{org.Id}/resources?page={page}&page_size=100", Cancel);
            await AssertStatusAsync(HttpStatusCode.OK, response);
            Contract.AssertMatches(Assert.Single(response.Headers.GetValues("X-Pagination")), "PaginationMetadata");
            var resources = await response.JsonAsync();
            Contract.AssertMatches(resources, "ResourceSKU[]");
            if (resources.GetArrayLength() == 0)
            {
                break;
            }

            resourceIds.AddRange(resources.EnumerateArray().Select(r => r.GetProperty("provider_resource_id").GetString()!));
        }

        Assert.True(resourceIds.Count > 400);
        // New billing data brings new plans before the upload reads COMPLETE.
        await using (var db = Server.Db(org.Id))
        {
            Assert.Equal(3, db.CommitmentPlans.Count(p => p.SupersededAt == null));
        }

        Assert.Equal(resourceIds.Count, resourceIds.Distinct().Count());
        Assert.Equal(report.GetProperty("resources").GetInt32(), resourceIds.Count);
    }

    [Fact]
    public async Task Daily_usage_of_a_resource_follows_the_contract_and_the_date_range()
    {
        var (org, client) = await LoadedOrgAsync();
        var resources = await (await client.GetAsync($"/v1/org/{org}/resources?search=t2.medium", Cancel)).JsonAsync();
        var resource = resources.EnumerateArray().First();
        Assert.Equal("t2.medium", resource.GetProperty("instance_type").GetString());
        var id = resource.GetProperty("resource_id").GetString();
        var start = resource.GetProperty("usage_start").GetString();
        var end = resource.GetProperty("usage_end").GetString();

        var response = await client.GetAsync($"/v1/org/{org}/resources/{id}/daily-usage?start_date={start}&end_date={end}", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var days = await response.JsonAsync();
        Contract.AssertMatches(days, "SKUUsageDaily[]");
        Assert.NotEmpty(days.EnumerateArray());
        Assert.All(days.EnumerateArray(), d => Assert.InRange(d.GetProperty("uptime").GetDouble(), 0, 1));
        Assert.Equal(start, days[0].GetProperty("date").GetString());
        var none = await (await client.GetAsync($"/v1/org/{org}/resources/{id}/daily-usage?start_date=2020-01-01&end_date=2020-01-31", Cancel)).JsonAsync();
        Assert.Equal(0, none.GetArrayLength());
    }

    [Fact]
    public async Task Resource_queries_validate_every_parameter()
    {
        var (org, client) = await LoadedOrgAsync();
        var resource = (await (await client.GetAsync($"/v1/org/{org}/resources?page_size=1", Cancel)).JsonAsync())[0].GetProperty("resource_id").GetString();

        var errors = await (await client.GetAsync($"/v1/org/{org}/resources?provider=mars&order_by=price&page_size=101&desc=sometimes", Cancel)).AssertValidationErrorAsync();
        Assert.StartsWith("Must be one of: aws, azure, gcp", errors.Messages("query", "provider").Single(), StringComparison.Ordinal);
        Assert.NotEmpty(errors.Messages("query", "order_by"));
        Assert.NotEmpty(errors.Messages("query", "page_size"));
        Assert.NotEmpty(errors.Messages("query", "desc"));

        var dates = await (await client.GetAsync($"/v1/org/{org}/resources/{resource}/daily-usage?start_date=2024-09-10&end_date=2024-09-01", Cancel)).AssertValidationErrorAsync();
        Assert.NotEmpty(dates.Messages("query", "start_date"));
        Assert.NotEmpty(dates.Messages("query", "end_date"));
        var missing = await (await client.GetAsync($"/v1/org/{org}/resources/{resource}/daily-usage", Cancel)).AssertValidationErrorAsync();
        Assert.Equal(["Missing data for required field."], missing.Messages("query", "start_date"));

        await (await client.GetAsync($"/v1/org/{org}/resources/{Guid.NewGuid()}/daily-usage?start_date=2024-09-01&end_date=2024-09-02", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/v1/org/{org}/resources?segment_id={Guid.NewGuid()}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Resources_sort_by_first_usage_and_search_is_case_insensitive()
    {
        var (org, client) = await LoadedOrgAsync();

        var ascending = await (await client.GetAsync($"/v1/org/{org}/resources?order_by=usage_start&page_size=100", Cancel)).JsonAsync();
        var descending = await (await client.GetAsync($"/v1/org/{org}/resources?order_by=usage_start&desc=true&page_size=100", Cancel)).JsonAsync();
        var searched = await (await client.GetAsync($"/v1/org/{org}/resources?search=US-WEST-2&page_size=100", Cancel)).JsonAsync();

        var starts = ascending.EnumerateArray().Select(r => r.GetProperty("usage_start").GetString()).ToList();
        Assert.Equal(starts.Order(StringComparer.Ordinal), starts);
        var reversed = descending.EnumerateArray().Select(r => r.GetProperty("usage_start").GetString()).ToList();
        Assert.Equal(reversed.OrderDescending(StringComparer.Ordinal), reversed);
        Assert.NotEmpty(searched.EnumerateArray());
        Assert.All(searched.EnumerateArray(), r => Assert.Contains("us-west-2", r.GetRawText(), StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_bad_file_ends_in_error_with_the_rejected_rows_in_its_report()
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        var lines = File.ReadLines(SamplePart1).Take(4).ToList();
        lines[2] = lines[2].Replace("\"Usage\"", "\"Freebie\"", StringComparison.Ordinal);

        var created = await client.PostAsync($"/v1/org/{org.Id}/uploads", Form(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"), "bad.csv"), Cancel);
        var done = await WaitForUploadAsync(client, created.Headers.Location!.OriginalString);
        var report = await (await client.GetAsync(created.Headers.Location!.OriginalString + "/report", Cancel)).JsonAsync();

        Assert.Equal("ERROR", done.GetProperty("upload_status").GetString());
        Assert.Equal("rejected", report.GetProperty("outcome").GetString());
        var error = Assert.Single(report.GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "ChargeCategory", "Freebie"), (error.GetProperty("row").GetInt32(), error.GetProperty("column").GetString(), error.GetProperty("value").GetString()));
    }

    [Fact]
    public async Task Upload_requests_are_checked_before_anything_is_stored()
    {
        var org = await Server.CreateOrgAsync();
        using var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        var url = $"/v1/org/{org.Id}/uploads";

        var noFile = new MultipartFormDataContent { { new StringContent("just words"), "description" } };
        Assert.Equal(["Missing data for required field."], (await (await client.PostAsync(url, noFile, Cancel)).AssertValidationErrorAsync()).Messages("files", "file"));
        Assert.NotEmpty((await (await client.PostAsync(url, Form([1, 2, 3], "invoice.pdf"), Cancel)).AssertValidationErrorAsync()).Messages("files", "file"));
        Assert.NotEmpty((await (await client.PostAsync(url, Form([], "empty.csv"), Cancel)).AssertValidationErrorAsync()).Messages("files", "file"));
        Assert.NotEmpty((await (await client.PostAsync(url, Form([1], "x.csv", new string('d', 256)), Cancel)).AssertValidationErrorAsync()).Messages("form", "description"));
        var extra = Form([1], "x.csv");
        extra.Add(new StringContent("yes"), "priority");
        Assert.Equal(["Unknown field."], (await (await client.PostAsync(url, extra, Cancel)).AssertValidationErrorAsync()).Messages("form", "priority"));
        await (await client.PostAsync(url, Http.Json("""{"file": "a.csv"}"""), Cancel)).AssertApiErrorAsync(HttpStatusCode.UnsupportedMediaType);

        var list = await (await client.GetAsync(url, Cancel)).JsonAsync();
        Assert.Equal(0, list.GetArrayLength());
        await (await client.GetAsync($"{url}/{Guid.NewGuid()}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_partner_uploads_for_its_customer()
    {
        var tenants = await Server.CreateTenantsAsync();
        using var partner = Server.Client(tenants.Partner.Key);

        var created = await partner.PostAsync($"/v1/org/{tenants.Child.Id}/uploads", Form(File.ReadAllBytes(SamplePart1), "export.csv"), Cancel);

        await AssertStatusAsync(HttpStatusCode.Created, created);
        Assert.Equal("partner_api", (await created.JsonAsync()).GetProperty("source").GetString());
        await WaitForUploadAsync(partner, created.Headers.Location!.OriginalString);
        using var child = Server.Client(tenants.Child.Key);
        var uploads = await (await child.GetAsync($"/v1/org/{tenants.Child.Id}/uploads", Cancel)).JsonAsync();
        Contract.AssertMatches(uploads, "PublicUpload[]");
        Assert.Single(uploads.EnumerateArray());
    }

    private async Task<(Guid Org, HttpClient Client)> LoadedOrgAsync()
    {
        var org = await Server.CreateOrgAsync();
        var client = Server.Client(await Server.CreateKeyAsync(org.Id));
        var created = await client.PostAsync($"/v1/org/{org.Id}/uploads", Form(File.ReadAllBytes(SamplePart1), "sample.csv"), Cancel);
        Assert.Equal("COMPLETE", (await WaitForUploadAsync(client, created.Headers.Location!.OriginalString)).GetProperty("upload_status").GetString());
        return (org.Id, client);
    }

    private static MultipartFormDataContent Form(byte[] file, string name, string? description = null)
    {
        var content = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        content.Add(part, "file", name);
        if (description is not null)
        {
            content.Add(new StringContent(description), "description");
        }

        return content;
    }

    private static async Task<JsonElement> WaitForUploadAsync(HttpClient client, string location)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var upload = await (await client.GetAsync(location, Cancel)).JsonAsync();
            var status = upload.GetProperty("upload_status").GetString();
            if (status is "COMPLETE" or "ERROR" || DateTime.UtcNow > deadline)
            {
                return upload;
            }

            await Task.Delay(50, Cancel);
        }
    }
}

public sealed class UploadsAndResourcesOnSqlite(SqliteTranche fixture) : UploadsAndResourcesTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class UploadsAndResourcesOnPostgres(PostgresTranche fixture) : UploadsAndResourcesTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
