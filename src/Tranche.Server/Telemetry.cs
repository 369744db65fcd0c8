using System.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Tranche.Server;

/// <summary>
/// Traces and metrics. The server always emits them through ASP.NET Core's own instrumentation and the <see cref="Meter"/> below
/// (readable with dotnet-counters); with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set they are also
/// exported over OTLP, configured by the standard <c>OTEL_*</c> variables.
/// </summary>
public static class Telemetry
{
    public const string ServiceName = "tranche";

    public static readonly Meter Meter = new("Tranche");

    internal static readonly Counter<long> RefusedApiKeys = Meter.CreateCounter<long>(
        "tranche.auth.refused_keys", description: "Requests that sent an API key that is unknown or revoked.");

    internal static IServiceCollection AddTrancheTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: typeof(Telemetry).Assembly.GetName().Version?.ToString()))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(Meter.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddMeter("Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"))
            .UseOtlpExporter();
        return services;
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
