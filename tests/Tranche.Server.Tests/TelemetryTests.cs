using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>An OTLP/HTTP collector on loopback that counts what arrives per signal.</summary>
public sealed class FakeCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeCollector(WebApplication app)
    {
        _app = app;
    }

    public ConcurrentDictionary<string, int> Received { get; } = new();

    public string Endpoint => _app.Urls.First();

    public static async Task<FakeCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var collector = new FakeCollector(app);
        app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (body.Length > 0 && request.ContentType == "application/x-protobuf")
            {
                collector.Received.AddOrUpdate(signal, 1, (_, n) => n + 1);
            }

            return Results.Ok();
        });
        await app.StartAsync();
        return collector;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public sealed class TelemetryTests : IAsyncLifetime
{
    private FakeCollector? _collector;
    private ExportingTranche? _server;

    public async ValueTask InitializeAsync()
    {
        _collector = await FakeCollector.StartAsync();
        _server = new ExportingTranche(_collector.Endpoint);
        await _server.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _server!.DisposeAsync();
        await _collector!.DisposeAsync();
    }

    [Fact]
    public async Task With_an_otlp_endpoint_traces_and_metrics_are_exported()
    {
        var org = await _server!.CreateOrgAsync();
        var key = await _server.CreateKeyAsync(org.Id);
        for (var i = 0; i < 5; i++)
        {
            await _server.Client(key).GetAsync("/v1/orgs", TestContext.Current.CancellationToken);
        }

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline && !(_collector!.Received.ContainsKey("traces") && _collector.Received.ContainsKey("metrics")))
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.True(_collector!.Received.ContainsKey("traces"), $"No traces arrived; got {string.Join(", ", _collector.Received.Keys)}");
        Assert.True(_collector.Received.ContainsKey("metrics"), $"No metrics arrived; got {string.Join(", ", _collector.Received.Keys)}");
    }

    private sealed class ExportingTranche(string endpoint) : SqliteTranche
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
        };
    }
}
