using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Providers.Offerings;
using Tranche.Providers.Purchasing;
using Tranche.Providers.Sandbox;

namespace Tranche.Server;

/// <summary>
/// On start, and every few minutes after (a scheduled job), finishes purchases a crash or a lost answer left in progress: their lines are
/// run again with the same idempotency tokens, so whatever the provider already bought is found, not bought again.
/// </summary>
internal sealed partial class PurchaseRecovery(
    TrancheServerOptions options, OfferCatalogs catalogs, SandboxFaults faults, TimeProvider time, IConfiguration configuration, ILogger<PurchaseRecovery> logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A purchase younger than this may still be running in the request that made it; leave it to that request.
    /// <c>TRANCHE_PURCHASE_RECOVERY_QUIET_SECONDS</c> changes it (a single server restarting after a crash can use 0).
    /// </summary>
    private TimeSpan QuietPeriod => TimeSpan.FromSeconds(int.TryParse(configuration["TRANCHE_PURCHASE_RECOVERY_QUIET_SECONDS"], out var seconds) ? Math.Max(0, seconds) : 120);

    /// <summary>One pass, as the scheduled job runs it: failures are logged, and the next pass tries again.</summary>
    public async Task ResumeAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ResumeAsync(QuietPeriod, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogFailed(logger, e);
        }
    }

    public async Task<int> ResumeAsync(TimeSpan quietPeriod, CancellationToken cancellationToken)
    {
        var before = time.StorageNow() - quietPeriod;
        List<(Guid OrgId, Guid Id)> unfinished;
        await using (var db = TrancheDatabase.CreateContext(options.Database))
        {
            unfinished = [.. (await db.Purchases.IgnoreQueryFilters().AsNoTracking()
                .Where(p => p.Status == PurchaseStates.InProgress && p.CreatedAt <= before)
                .Select(p => new { p.OrgId, p.Id }).ToListAsync(cancellationToken)).Select(p => (p.OrgId, p.Id))];
        }

        foreach (var (orgId, id) in unfinished)
        {
            await using var db = TrancheDatabase.CreateContext(options.Database, OrgScope.For(orgId));
            var purchase = await PurchaseRunner.RunAsync(options.Database, db, orgId, id, catalogs, faults, time, cancellationToken);
            LogResumed(logger, id, purchase.Status);
        }

        return unfinished.Count;
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Information, Message = "Resumed purchase {PurchaseId}: {Status}")]
    private static partial void LogResumed(ILogger logger, Guid purchaseId, string status);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Error, Message = "Resuming unfinished purchases failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
