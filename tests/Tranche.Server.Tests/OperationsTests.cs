using System.Net;
using System.Text.Json;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class OperationsTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    [Fact]
    public async Task Liveness_and_readiness_answer_without_a_key()
    {
        var alive = await Server.Client().GetAsync("/healthz", Cancel);
        var ready = await Server.Client().GetAsync("/readyz", Cancel);

        Assert.Equal("alive", (await alive.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal("ready", (await ready.JsonAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task OpenApi_document_is_3_1_and_describes_every_api_route_and_both_auth_schemes()
    {
        var response = await Server.Client().GetAsync("/openapi/v1.json", Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var document = await response.JsonAsync();
        Assert.StartsWith("3.1", document.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        var paths = document.GetProperty("paths");
        foreach (var route in RouteCatalog.ApiRoutes(Server))
        {
            var path = route.Pattern.TrimEnd('/');
            Assert.True(paths.TryGetProperty(path, out var item) || paths.TryGetProperty(path + "/", out item), $"{path} is not in the OpenAPI document.");
            Assert.True(item.TryGetProperty(route.Method.ToLowerInvariant(), out _), $"{route} is not in the OpenAPI document.");
        }

        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("x-api-key", schemes.GetProperty("ApiKey").GetProperty("name").GetString());
        Assert.Equal("basic", schemes.GetProperty("Basic").GetProperty("scheme").GetString());
        var schemas = document.GetProperty("components").GetProperty("schemas");
        foreach (var name in (string[])["Org", "ApiErrorResponse", "Error", "ApiKey", "CreatedApiKey", "CreateApiKey", "AuditEvent", "Webhook", "WebhookWithSecret", "CreateWebhook", "UpdateWebhook", "WebhookDelivery", "WebhookDeliveryDetail"])
        {
            Assert.True(schemas.TryGetProperty(name, out _), $"Schema {name} is missing from the OpenAPI document.");
        }

        Assert.Equal(0, paths.GetProperty("/healthz").GetProperty("get").GetProperty("security").GetArrayLength());
        var orgId = paths.GetProperty("/v1/org/{org_id}/api-keys/{key_id}").GetProperty("get").GetProperty("parameters")
            .EnumerateArray().Single(p => p.GetProperty("name").GetString() == "org_id");
        Assert.Equal("uuid", orgId.GetProperty("schema").GetProperty("format").GetString());
    }

    [Fact]
    public async Task Docs_page_serves_its_script_from_this_server()
    {
        var page = await Server.Client().GetAsync("/docs/", Cancel);
        var html = await page.Content.ReadAsStringAsync(Cancel);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Server.Client().GetAsync("/docs/scalar.js", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Service_index_points_at_the_docs()
    {
        var index = await (await Server.Client().GetAsync("/", Cancel)).JsonAsync();

        Assert.Equal("/docs", index.GetProperty("docs").GetString());
        Assert.Equal(JsonValueKind.String, index.GetProperty("version").ValueKind);
    }
}

public sealed class OperationsOnSqlite(SqliteTranche fixture) : OperationsTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class OperationsOnPostgres(PostgresTranche fixture) : OperationsTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;

/// <summary>A server whose SQLite file disappears under it.</summary>
public sealed class ReadinessTests : IAsyncLifetime
{
    private readonly SqliteTranche _server = new();

    public ValueTask InitializeAsync() => _server.InitializeAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Readiness_is_503_when_the_database_is_gone()
    {
        var path = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(_server.Database.ConnectionString).DataSource;
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(path);

        var response = await _server.Client().GetAsync("/readyz", TestContext.Current.CancellationToken);

        var body = await response.AssertApiErrorAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal("database_unreachable", body.GetProperty("code").GetString());
    }
}
