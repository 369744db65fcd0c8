using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Tranche.Data;
using Tranche.Domain.Billing;
using Tranche.Ingest;
using Tranche.Providers.Offerings;
using Tranche.Providers.Plans;
using Tranche.Server.Api;

namespace Tranche.Server;

/// <summary>Uploads waiting to be loaded, in the order they came.</summary>
public sealed class UploadQueue
{
    private readonly Channel<(Guid OrgId, Guid UploadId)> _channel = Channel.CreateUnbounded<(Guid, Guid)>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(Guid orgId, Guid uploadId) => _channel.Writer.TryWrite((orgId, uploadId));

    internal ChannelReader<(Guid OrgId, Guid UploadId)> Reader => _channel.Reader;
}

/// <summary>
/// Loads uploaded files one at a time (each load already uses every core). On start it picks up uploads a crash or
/// restart left PENDING or PROCESSING, if their file is on this server's disk.
/// </summary>
internal sealed partial class UploadProcessor(
    UploadQueue queue,
    TrancheServerOptions options,
    TimeProvider time,
    OfferCatalogs catalogs,
    ILogger<UploadProcessor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await RecoverAsync(stoppingToken);
        await foreach (var (orgId, uploadId) in queue.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await ProcessAsync(orgId, uploadId, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(logger, e, uploadId);
                await FinishAsync(orgId, uploadId, UploadStatus.Error, null, JsonSerializer.Serialize(
                    new { outcome = "rejected", problem = "The server failed while loading this file; the failure is in its log." }), CancellationToken.None);
            }
        }
    }

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(options.Database);
        var unfinished = await db.Uploads.IgnoreQueryFilters().AsNoTracking()
            .Where(u => u.Status == UploadStatus.Pending || u.Status == UploadStatus.Processing)
            .OrderBy(u => u.CreatedAt)
            .Select(u => new { u.OrgId, u.Id, u.StoredPath })
            .ToListAsync(cancellationToken);
        foreach (var upload in unfinished.Where(u => File.Exists(Path.Combine(options.DataDirectory, u.StoredPath))))
        {
            queue.Enqueue(upload.OrgId, upload.Id);
        }
    }

    private async Task ProcessAsync(Guid orgId, Guid uploadId, CancellationToken cancellationToken)
    {
        string path;
        await using (var db = TrancheDatabase.CreateContext(options.Database, OrgScope.For(orgId)))
        {
            var upload = await db.Uploads.SingleOrDefaultAsync(u => u.Id == uploadId, cancellationToken);
            if (upload is null || upload.Status is UploadStatus.Complete or UploadStatus.Error)
            {
                return;
            }

            upload.Status = UploadStatus.Processing;
            upload.StartedAt = time.StorageNow();
            await db.SaveChangesAsync(cancellationToken);
            path = Path.Combine(options.DataDirectory, upload.StoredPath);
        }

        var report = await BillingIngest.RunAsync(
            options.Database,
            new IngestRequest(orgId, [path]) { UploadId = uploadId, WorkDirectory = Path.Combine(options.DataDirectory, "tmp") },
            time,
            progress: null,
            cancellationToken);
        if (report.Outcome == IngestOutcome.Loaded)
        {
            await RefreshPlansAsync(orgId, report.Providers, cancellationToken);
        }

        await FinishAsync(
            orgId,
            uploadId,
            report.Outcome == IngestOutcome.Loaded ? UploadStatus.Complete : UploadStatus.Error,
            report.Formats.Count > 0 ? string.Join(",", report.Formats) : null,
            JsonSerializer.Serialize(report, ApiJson.Options),
            cancellationToken);
    }

    private async Task FinishAsync(Guid orgId, Guid uploadId, UploadStatus status, string? detectedType, string report, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(options.Database, OrgScope.For(orgId));
        var upload = await db.Uploads.SingleOrDefaultAsync(u => u.Id == uploadId, cancellationToken);
        if (upload is null)
        {
            return;
        }

        upload.Status = status;
        upload.DetectedType = detectedType ?? upload.DetectedType;
        upload.Report = report;
        upload.FinishedAt = time.StorageNow();
        db.Record(orgId, Actor.System, status == UploadStatus.Complete ? "upload.loaded" : "upload.failed", uploadId.ToString(), null, upload.FinishedAt.Value);
        await db.SaveChangesAsync(cancellationToken);
        if (status == UploadStatus.Complete)
        {
            // Billing data may be the last onboarding step the org was waiting for.
            await Tranche.Providers.Onboarding.OnboardingStatus.CompleteIfReadyAsync(db, orgId, upload.FinishedAt.Value, cancellationToken);
        }
    }

    /// <summary>
    /// New billing data makes the org's plans stale: compute them now, before the upload reads COMPLETE, so the next
    /// request for plans does not wait for it. A failure here is logged and left to the next request to retry.
    /// </summary>
    private async Task RefreshPlansAsync(Guid orgId, IReadOnlyList<string> providers, CancellationToken cancellationToken)
    {
        foreach (var provider in providers.Where(p => p is CloudProviders.Aws or CloudProviders.Azure or CloudProviders.Gcp))
        {
            try
            {
                await using var db = TrancheDatabase.CreateContext(options.Database, OrgScope.For(orgId));
                await PlanGeneration.CurrentAsync(db, orgId, provider, catalogs, time.StorageNow(), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPlansFailed(logger, e, orgId, provider);
            }
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning, Message = "Computing plans of org {OrgId} for {Provider} after a load failed")]
    private static partial void LogPlansFailed(ILogger logger, Exception exception, Guid orgId, string provider);

    [LoggerMessage(EventId = 2000, Level = LogLevel.Error, Message = "Loading upload {UploadId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid uploadId);
}
