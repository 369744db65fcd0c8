using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>Every API test class runs once per store: a concrete subclass per store picks the fixture.</summary>
public abstract class ApiTests<TFixture>
    where TFixture : TrancheFixture
{
    protected ApiTests(TFixture fixture)
    {
        Server = fixture;
        fixture.SkipIfUnavailable();
    }

    protected TFixture Server { get; }

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Asserts the status, showing the body and the server's errors when it differs.</summary>
    protected async Task AssertStatusAsync(HttpStatusCode expected, HttpResponseMessage response)
    {
        if (response.StatusCode != expected)
        {
            Assert.Fail($"Expected {(int)expected}, got {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\nServer log:\n{Server.Logs}");
        }
    }
}

public static class Http
{
    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.False(string.IsNullOrWhiteSpace(text), $"Expected a JSON body with {(int)response.StatusCode}, got none.");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the status and that the body is the published <c>ApiErrorResponse</c>, with no internals in it.</summary>
    public static async Task<JsonElement> AssertApiErrorAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Contract.AssertMatches(text, "ApiErrorResponse");
        AssertNoInternals(text);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts a 422 whose body is the published <c>Error</c> and returns its <c>errors</c> map.</summary>
    public static async Task<JsonElement> AssertValidationErrorAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"Expected 422, got {(int)response.StatusCode}: {text}");
        Contract.AssertMatches(text, "Error");
        AssertNoInternals(text);
        using var document = JsonDocument.Parse(text);
        Assert.Equal(422, document.RootElement.GetProperty("code").GetInt32());
        return document.RootElement.GetProperty("errors").Clone();
    }

    /// <summary>The messages a 422 lists for one field, e.g. <c>("json", "name")</c>.</summary>
    public static IReadOnlyList<string> Messages(this JsonElement errors, string location, string field) =>
        errors.TryGetProperty(location, out var fields) && fields.TryGetProperty(field, out var messages)
            ? messages.EnumerateArray().Select(m => m.GetString()!).ToList()
            : [];

    public static void AssertNoInternals(string body)
    {
        foreach (var leak in (string[])["   at ", "Exception:", "System.", "Microsoft.", "Npgsql", "SQLite Error", "StackTrace"])
        {
            Assert.DoesNotContain(leak, body, StringComparison.Ordinal);
        }
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, Json(json), TestContext.Current.CancellationToken);

    public static Task<T?> ReadAsync<T>(this HttpResponseMessage response) =>
        response.Content.ReadFromJsonAsync<T>(TestContext.Current.CancellationToken);
}

/// <summary>
/// The published contract as clients read it today: newer Archera documentation adds fields and enum values the
/// published schema lacks (<c>commitment_type</c> on offers, <c>actual_commitment_type</c> on what-if line items, plan
/// status <c>cancelled</c>, <c>actual_term_reason</c> <c>bundle_member</c>). Tranche produces them; a schema error about
/// exactly one of them is not an error, every other one is.
/// </summary>
public static class NewerDocs
{
    private static readonly string[] Additions =
    [
        "property 'commitment_type' is not allowed",
        "property 'actual_commitment_type' is not allowed",
        ".status: \"cancelled\" is not one of",
        ".actual_term_reason: \"bundle_member\" is not one of",
    ];

    public static IReadOnlyList<string> Validate(JsonElement instance, string schemaName) =>
        [.. Contract.Validate(instance, schemaName).Where(e => !Additions.Any(a => e.Contains(a, StringComparison.Ordinal)))];

    public static void AssertMatches(JsonElement instance, string schemaName)
    {
        var errors = Validate(instance, schemaName);
        Assert.True(errors.Count == 0, $"Body does not match {schemaName} (with the newer documented additions):\n  {string.Join("\n  ", errors)}\nBody: {instance.GetRawText()}");
    }
}

/// <summary>Billing data and plans for the tests of plans and purchases.</summary>
public static class PlanningData
{
    /// <summary>
    /// The partner tenants, and the customer onboarded as a partner does it: the sandbox cloud connected and verified,
    /// 100 days of generated AWS billing up to today loaded, the inventory synced. Also the folder of the billing files.
    /// </summary>
    public static async Task<(Tenants Tenants, string Folder)> CustomerWithAwsBillingAsync(this TrancheFixture server)
    {
        var tenants = await server.CreateTenantsAsync();
        using var partner = server.Client(tenants.Partner.Key);
        await partner.ConnectSandboxAsync(tenants.Child.Id);
        var folder = TestDatabases.NewTempDirectory("billing");
        Tranche.Ingest.Generation.FocusGenerator.Generate(new Tranche.Ingest.Generation.GenerateRequest("aws", 100, Seed: 11, folder)
        {
            End = DateOnly.FromDateTime(DateTime.UtcNow),
            Instances = 30,
        });
        var report = await Tranche.Ingest.BillingIngest.RunAsync(
            server.Database, new Tranche.Ingest.IngestRequest(tenants.Child.Id, [folder]), TimeProvider.System, null, TestContext.Current.CancellationToken);
        Assert.Equal(Tranche.Ingest.IngestOutcome.Loaded, report.Outcome);
        await partner.SyncAsync(tenants.Child.Id);
        return (tenants, folder);
    }

    /// <summary>
    /// <paramref name="days"/> days of generated AWS billing up to today, uploaded file by file through
    /// <c>POST /v1/org/{org_id}/uploads</c> and waited for until each is loaded.
    /// </summary>
    public static async Task UploadBillingAsync(this HttpClient client, Guid org, int days, int seed, int instances, TimeSpan wait)
    {
        var cancel = TestContext.Current.CancellationToken;
        var folder = TestDatabases.NewTempDirectory("billing");
        Tranche.Ingest.Generation.FocusGenerator.Generate(new Tranche.Ingest.Generation.GenerateRequest("aws", days, Seed: seed, folder)
        {
            End = DateOnly.FromDateTime(DateTime.UtcNow),
            Instances = instances,
        });
        foreach (var file in Directory.GetFiles(folder, "*.csv").Order(StringComparer.Ordinal))
        {
            using var form = new MultipartFormDataContent();
            var part = new ByteArrayContent(await File.ReadAllBytesAsync(file, cancel));
            part.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
            form.Add(part, "file", Path.GetFileName(file));
            var created = await client.PostAsync($"/v1/org/{org}/uploads", form, cancel);
            Assert.True(created.StatusCode == HttpStatusCode.Created, $"Expected 201, got {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync(cancel)}");
            var deadline = DateTime.UtcNow + wait;
            string? status;
            do
            {
                await Task.Delay(50, cancel);
                status = (await (await client.GetAsync(created.Headers.Location!.OriginalString, cancel)).JsonAsync()).GetProperty("upload_status").GetString();
            }
            while (status is not ("COMPLETE" or "ERROR") && DateTime.UtcNow < deadline);
            Assert.Equal("COMPLETE", status);
        }
    }

    /// <summary>Connects a customer org to the sandbox cloud and verifies it, through the partner onboarding routes.</summary>
    public static async Task ConnectSandboxAsync(this HttpClient partner, Guid childOrgId)
    {
        var connected = await partner.PostAsync($"/v2/org/{childOrgId}/partners/onboarding/sandbox", null, TestContext.Current.CancellationToken);
        Assert.True(connected.IsSuccessStatusCode, await connected.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var verified = await partner.PostAsync($"/v2/org/{childOrgId}/partners/onboarding/sandbox/verify", null, TestContext.Current.CancellationToken);
        Assert.True(verified.IsSuccessStatusCode, await verified.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.All((await verified.JsonAsync()).EnumerateArray(), v => Assert.Equal("success", v.GetProperty("status").GetString()));
    }

    /// <summary>Syncs a customer org's inventory from its connected accounts; answers the readiness.</summary>
    public static async Task<JsonElement> SyncAsync(this HttpClient partner, Guid childOrgId)
    {
        var synced = await partner.PostAsync($"/v2/org/{childOrgId}/partners/onboarding/sync", null, TestContext.Current.CancellationToken);
        Assert.True(synced.IsSuccessStatusCode, await synced.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        return await synced.JsonAsync();
    }

    /// <summary>The last of the customer's default plans (partner view) that buys something.</summary>
    public static async Task<JsonElement> PlanWithPurchasesAsync(this HttpClient partner, Guid childOrgId)
    {
        var plans = await (await partner.GetAsync($"/v2/org/{childOrgId}/partners/plans/default", TestContext.Current.CancellationToken)).JsonAsync();
        return plans.GetProperty("plans").EnumerateArray().Last(p => p.GetProperty("line_items").GetArrayLength() > 0);
    }
}
