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

    /// <summary>
    /// A custom plan of <paramref name="org"/> written to the store as the planner writes plans: one line item per offer
    /// and quantity, each fully used (it covers its quantity every hour, at the offer's on-demand rate). Returns the plan
    /// id and the line item ids, in the order given.
    /// </summary>
    public static async Task<(Guid PlanId, IReadOnlyList<Guid> LineIds)> AddPlanAsync(
        this TrancheFixture server, Guid org, string provider, string catalogVersion, params (Tranche.Domain.Offers.CatalogOffer Offer, int Quantity)[] lines)
    {
        var now = DateTime.UtcNow;
        var plan = new Tranche.Data.CommitmentPlanRecord
        {
            Id = Guid.CreateVersion7(), OrgId = org, Provider = provider, Name = "Custom", Kind = Tranche.Data.PlanKinds.Custom, Status = Tranche.Data.PlanStatuses.New,
            CreatedAt = now, DataFrom = DateOnly.FromDateTime(now).AddDays(-30), DataTo = DateOnly.FromDateTime(now).AddDays(-1), DataLoadedAt = now,
            CatalogVersion = catalogVersion, Settings = "{}",
        };
        var records = lines.Select(l =>
        {
            var o = l.Offer;
            var amortized = l.Quantity * o.EffectiveHourlyPerUnit;
            var covered = l.Quantity * o.OnDemandHourlyPerUnit;
            return new Tranche.Data.PlanLineItemRecord
            {
                Id = Guid.CreateVersion7(), OrgId = org, PlanId = plan.Id, PoolKey = $"{provider}/{o.Region}/{o.InstanceType}", OfferId = Tranche.Providers.Plans.PlanGeneration.OfferIdOf(o.Offer.OfferId),
                ProviderOfferingId = o.Offer.OfferId, OfferType = o.Offer.Kind, CommitmentType = o.Offer.CommitmentType, DisplayName = $"{o.Offer.Kind} {o.InstanceType}",
                RegionId = o.Region, InstanceType = o.InstanceType, InstanceFamily = o.InstanceFamily, ProductDescription = o.Platform, Tenancy = o.Tenancy, PlanType = o.PlanType,
                OfferingClass = o.OfferingClass, IsFlexible = o.IsFlexible, TermMonths = o.Offer.TermMonths, PaymentOption = o.Offer.PaymentOption, UpfrontPerUnit = o.Offer.UpfrontPerUnit,
                HourlyPerUnit = o.Offer.HourlyPerUnit, Unit = o.Offer.Unit, RecommendedQuantity = l.Quantity, SelectedQuantity = l.Quantity, IsSelected = true,
                AfterAmortizedCost = amortized, UpfrontCost = l.Quantity * o.Offer.UpfrontPerUnit, RecurringCost = l.Quantity * o.Offer.HourlyPerUnit, BeforeCost = covered,
                BeforeOnDemandCost = covered, CoveredOnDemandCost = covered, AfterCoveredUnits = l.Quantity, TotalCost = amortized * o.Offer.TermHours,
                MonthlyCost = amortized * 730, Savings = covered - amortized, MonthlySavings = (covered - amortized) * 730, TotalSavings = (covered - amortized) * o.Offer.TermHours,
                DiscountRate = (double)(1 - o.DiscountRatio), BreakevenHours = 0, ExpectedUtilization = 1,
            };
        }).ToList();
        await using var db = server.Db(org);
        db.CommitmentPlans.Add(plan);
        db.PlanLineItems.AddRange(records);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        return (plan.Id, [.. records.Select(r => r.Id)]);
    }

    /// <summary>The last of the customer's default plans (partner view) that buys something.</summary>
    public static async Task<JsonElement> PlanWithPurchasesAsync(this HttpClient partner, Guid childOrgId)
    {
        var plans = await (await partner.GetAsync($"/v2/org/{childOrgId}/partners/plans/default", TestContext.Current.CancellationToken)).JsonAsync();
        return plans.GetProperty("plans").EnumerateArray().Last(p => p.GetProperty("line_items").GetArrayLength() > 0);
    }
}
