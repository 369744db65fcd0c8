using Microsoft.AspNetCore.Hosting;
using Tranche.Data;
using Tranche.Providers.Onboarding;
using Tranche.Server.Api;
using Tranche.Server.Auth;
using Tranche.Server.Branding;
using Tranche.Server.Reports;
using Tranche.Server.Scheduling;
using Tranche.Server.V1;
using Tranche.Server.V1.Commitments;
using Tranche.Server.V1.Plans;
using Tranche.Server.V2;
using Tranche.Server.Webhooks;

namespace Tranche.Server;

/// <summary>The HTTP server: this file is its table of contents.</summary>
public static class TrancheServer
{
    /// <param name="options">What to serve and where.</param>
    /// <param name="configureServices">Adds or replaces services after Tranche's own (tests swap providers here).</param>
    /// <param name="configureApp">Maps extra endpoints after Tranche's own.</param>
    public static WebApplication Build(
        TrancheServerOptions options,
        Action<IServiceCollection>? configureServices = null,
        Action<WebApplication>? configureApp = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = "Tranche",
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.Configuration.AddInMemoryCollection(options.Settings);

        // Configure the web server
        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = RequestJson.MaxBodyBytes;
        });

        // Configure logging
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(options.MinimumLogLevel);
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", options.MinimumLogLevel < LogLevel.Warning ? LogLevel.Warning : options.MinimumLogLevel);
        // The command line announces where the server listens; the host's own start-up lines would repeat it.
        builder.Logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        if (options.LogFormat == LogFormat.Json)
        {
            builder.Logging.AddJsonConsole(json => json.UseUtcTimestamp = true);
        }
        else
        {
            builder.Logging.AddSimpleConsole(text =>
            {
                text.SingleLine = true;
                text.UseUtcTimestamp = true;
                text.TimestampFormat = "HH:mm:ss ";
            });
        }

        // Configure services
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddTrancheDatabase(options.Database);
        builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        builder.Services.AddApiKeyAuthentication();
        if (options.RateLimit.Enabled)
        {
            builder.Services.AddPerKeyRateLimiting(options.RateLimit);
        }
        builder.Services.AddTrancheOpenApi();
        builder.Services.AddTrancheTelemetry(builder.Configuration);
        builder.Services.AddSingleton<UploadQueue>();
        builder.Services.AddHostedService<UploadProcessor>();
        builder.Services.AddSingleton<InventoryStore>();
        builder.Services.AddSingleton<AnswerCache>();
        builder.Services.AddSingleton<Tranche.Data.Reporting.RoiDaysCache>();
        builder.Services.AddSingleton(_ => Tranche.Providers.Sandbox.SandboxFaults.Parse(builder.Configuration["TRANCHE_SANDBOX_FAULTS"]));
        builder.Services.AddSingleton<PurchaseRecovery>();
        builder.Services.AddTrancheScheduler(options, builder.Configuration);
        builder.Services.AddSingleton(_ => new Tranche.Providers.Offerings.OfferCatalogs(Tranche.Providers.Sandbox.Catalog.SandboxCatalog.Load()));
        builder.Services.AddSingleton(_ => CloudSettings.From(name => builder.Configuration[name]));
        builder.Services.AddSingleton<ICloudVerifier, SandboxVerifier>();
        builder.Services.AddSingleton<ICloudVerifier, AwsVerifier>();
        builder.Services.AddSingleton<ICloudVerifier>(services => new AzureVerifier(services.GetRequiredService<CloudSettings>(), new HttpClient { Timeout = TimeSpan.FromSeconds(30) }));
        builder.Services.AddSingleton<ICloudVerifier>(services => new GcpVerifier(services.GetRequiredService<CloudSettings>(), new HttpClient { Timeout = TimeSpan.FromSeconds(30) }));
        builder.Services.AddSingleton(services => Tranche.Providers.Offerings.OfferingReaders.Create(
            services.GetRequiredService<CloudSettings>(), Tranche.Providers.Offerings.OfferingReaders.CreateHttpClient(), services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService(services => services.GetRequiredService<WebhookDispatcher>());
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();

        // Configure the request pipeline
        app.UseApiErrors();
        app.UseRouting();
        app.UseAuthentication();
        if (options.RateLimit.Enabled)
        {
            app.UseRateLimiter();
        }

        app.UseAuthorization();
        app.UseOrgAccess();

        // Map the endpoints
        app.MapHealth();
        app.MapTrancheOpenApi();
        app.MapServiceIndex();
        app.MapOrgs();
        app.MapApiKeys();
        app.MapAuditEvents();
        app.MapResources();
        app.MapUploads();
        app.MapCommitments();
        app.MapMetrics();
        app.MapPlans();
        app.MapPlanComparison();
        app.MapPlanResourceMatches();
        app.MapPartnerPlans();
        app.MapPartnerPurchases();
        app.MapPartnerOrgs();
        app.MapOnboarding();
        app.MapPurchasePolicy();
        app.MapAutomation();
        app.MapRoiReports();
        app.MapBranding();
        app.MapWebhooks();
        configureApp?.Invoke(app);

        return app;
    }

    private sealed record ServiceIndex(string Name, string Version, string Docs, string OpenApi);

    private static void MapServiceIndex(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/", static () => TypedResults.Ok(new ServiceIndex(
                "Tranche",
                typeof(TrancheServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
                "/docs",
                OpenApiSetup.DocumentPath)))
            .ExcludeFromDescription();
}
