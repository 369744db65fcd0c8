using Microsoft.EntityFrameworkCore;
using Quartz;
using Tranche.Data;
using Tranche.Domain.Onboarding;
using Tranche.Providers.Offerings;
using Tranche.Providers.Plans;

namespace Tranche.Server.Scheduling;

/// <summary>
/// Reads the offer catalog of every verified integration with a real cloud from the provider's offering APIs once a
/// day (an hour after a failed attempt), and computes that org's plans again from it at once: prices change, and a
/// plan is only as good as the prices it was computed with.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class OfferCatalogReadJob(
    TrancheServerOptions options, IReadOnlyList<IOfferingReader> readers, OfferCatalogs catalogs, TimeProvider time, ILogger<OfferCatalogReadJob> logger) : IJob
{
    public static readonly JobKey Key = new("offer-catalog-read", "tranche");

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public static readonly TimeSpan ReadAfter = TimeSpan.FromHours(24);

    public static readonly TimeSpan RetryAfter = TimeSpan.FromHours(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await ReadDueAsync(cancellationToken);

    public async Task ReadDueAsync(CancellationToken cancellationToken)
    {
        var now = time.StorageNow();
        var providers = readers.Select(r => r.Provider).ToList();
        List<CloudIntegration> due;
        await using (var db = TrancheDatabase.CreateContext(options.Database))
        {
            var integrations = await db.CloudIntegrations.IgnoreQueryFilters().AsNoTracking()
                .Where(i => i.VerifiedAt != null && i.Provider != OnboardingRules.Sandbox && providers.Contains(i.Provider))
                .ToListAsync(cancellationToken);
            var read = await db.ProviderOfferCatalogs.IgnoreQueryFilters().AsNoTracking()
                .Select(c => new { c.OrgId, c.Provider, c.ReadAt, c.AttemptedAt })
                .ToListAsync(cancellationToken);
            due = [.. integrations.Where(i => read.FirstOrDefault(c => c.OrgId == i.OrgId && c.Provider == i.Provider) is not { } last
                || ((last.ReadAt is null || last.ReadAt < now - ReadAfter) && last.AttemptedAt < now - RetryAfter))];
        }

        foreach (var integration in due)
        {
            try
            {
                await using var db = TrancheDatabase.CreateContext(options.Database, OrgScope.For(integration.OrgId));
                var reader = readers.First(r => r.Provider == integration.Provider);
                var result = await ProviderCatalogs.ReadOneAsync(db, integration, reader, Actor.System, now, cancellationToken);
                if (result.Error is not null)
                {
                    LogReadFailed(logger, integration.OrgId, integration.Provider, result.Error);
                    continue;
                }

                await PlanGeneration.ComputeAsync(db, integration.OrgId, integration.Provider, catalogs, new Domain.Planning.PlanSettings(), now, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogReadCrashed(logger, integration.OrgId, integration.Provider, e);
            }
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Warning, Message = "Reading the {Provider} offer catalog of org {OrgId} failed: {Error}")]
    private static partial void LogReadFailed(ILogger logger, Guid orgId, string provider, string error);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Error, Message = "Reading the {Provider} offer catalog of org {OrgId} failed")]
    private static partial void LogReadCrashed(ILogger logger, Guid orgId, string provider, Exception exception);
}
