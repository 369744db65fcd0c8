using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Quartz;
using Tranche.Data;
using Tranche.Providers.Automation;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox;

namespace Tranche.Server.Scheduling;

/// <summary>
/// Everything Tranche does on its own schedule runs as Quartz.NET jobs: automation policies, the renewal check, expiry
/// warnings, plan refresh, offer catalog reads and purchase recovery. On PostgreSQL the scheduler is clustered on the same
/// database (its <c>qrtz_*</c> tables are created when missing), so with several server replicas each firing runs on
/// one of them; on SQLite, which one server owns, it keeps its schedule in memory and rebuilds it from the
/// automation policies at start.
/// </summary>
internal static partial class Scheduler
{
    public const string Name = "tranche";

    public static IServiceCollection AddTrancheScheduler(this IServiceCollection services, TrancheServerOptions options, IConfiguration configuration)
    {
        services.AddQuartz(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = Name;
                scheduler.GenerateInstanceId = true;
            });
            quartz.UseTimeProvider(options.Time);
            quartz.UseDefaultThreadPool(pool => pool.MaxConcurrency = 4);
            if (options.Database.Provider == DatabaseProvider.Postgres)
            {
                quartz.UsePersistentStore(store =>
                {
                    store.UsePostgres(Npgsql.NpgsqlFactory.Instance, options.Database.ConnectionString);
                    store.UseSystemTextJsonSerializer();
                    store.ProvisionSchema();
                    store.UseClustering(cluster =>
                    {
                        // A replica that stops checking in for this long is presumed dead and its firings taken over.
                        cluster.CheckinInterval = TimeSpan.FromSeconds(ClusterCheckinSeconds(configuration));
                        cluster.CheckinMisfireThreshold = TimeSpan.FromSeconds(ClusterCheckinSeconds(configuration) * 3);
                    });
                });
            }
            else
            {
                quartz.UseInMemoryStore();
            }

            // Recovery runs at once (a restart is when unfinished purchases are found); the heavier checks wait a little,
            // so a server starting up answers requests before it recomputes plans.
            Recurring<PurchaseRecoveryJob>(quartz, PurchaseRecoveryJob.Key, PurchaseRecovery.Interval, TimeSpan.Zero);
            Recurring<ExpiryWarningJob>(quartz, ExpiryWarningJob.Key, ExpiryWarningJob.Interval, TimeSpan.FromMinutes(1));
            Recurring<RenewalCheckJob>(quartz, RenewalCheckJob.Key, RenewalCheckJob.Interval, TimeSpan.FromMinutes(2));
            Recurring<PlanRefreshJob>(quartz, PlanRefreshJob.Key, PlanRefreshJob.Interval, TimeSpan.FromMinutes(10));
            Recurring<OfferCatalogReadJob>(quartz, OfferCatalogReadJob.Key, OfferCatalogReadJob.Interval, TimeSpan.FromMinutes(5));
            quartz.AddJob<AutomationJob>(job => job.WithIdentity(AutomationJob.Key).StoreDurably());
        });
        services.AddQuartzHostedService(hosted =>
        {
            hosted.WaitForJobsToComplete = true;
            hosted.AwaitApplicationStarted = true;
        });
        services.AddSingleton<AutomationSchedules>();
        services.AddHostedService(provider => provider.GetRequiredService<AutomationSchedules>());
        return services;
    }

    private static int ClusterCheckinSeconds(IConfiguration configuration) =>
        int.TryParse(configuration["TRANCHE_SCHEDULER_CHECKIN_SECONDS"], out var seconds) && seconds > 0 ? seconds : 15;

    private static void Recurring<TJob>(IQuartzBuilder quartz, JobKey key, TimeSpan interval, TimeSpan firstAfter)
        where TJob : IJob
    {
        quartz.AddJob<TJob>(job => job.WithIdentity(key).StoreDurably());
        quartz.AddTrigger(trigger => trigger.ForJob(key).WithIdentity(key.Name, key.Group).StartAt(DateTimeOffset.UtcNow + firstAfter)
            .WithSimpleSchedule(schedule => schedule.WithInterval(interval).RepeatForever().WithMisfireInstruction(SimpleTriggerMisfireInstruction.NextWithRemainingCount)));
    }

    public static AutomationContext AutomationContext(IServiceProvider services, string ranBy)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AutomationRunner));
        return new(
            services.GetRequiredService<TrancheServerOptions>().Database,
            services.GetRequiredService<OfferCatalogs>(),
            services.GetRequiredService<SandboxFaults>(),
            services.GetRequiredService<TimeProvider>(),
            ranBy,
            (policy, orgId, scheduledFor) => LogAlreadyRun(logger, policy.Id, orgId, scheduledFor));
    }

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "Automation policy {PolicyId} for org {OrgId} at {ScheduledFor:o} was already run (by another server); not run again")]
    private static partial void LogAlreadyRun(ILogger logger, Guid policyId, Guid orgId, DateTime scheduledFor);
}

/// <summary>Resumes purchases a crash or a lost answer left in progress (see <see cref="PurchaseRecovery"/>); one replica at a time.</summary>
[DisallowConcurrentExecution]
internal sealed class PurchaseRecoveryJob(PurchaseRecovery recovery) : IJob
{
    public static readonly JobKey Key = new("purchase-recovery", "tranche");

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) => await recovery.ResumeAsync(cancellationToken);
}

/// <summary>Runs renewing policies early for orgs whose commitments are about to expire.</summary>
[DisallowConcurrentExecution]
internal sealed class RenewalCheckJob(IServiceProvider services) : IJob
{
    public static readonly JobKey Key = new("renewal-check", "tranche");

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken) =>
        await AutomationRunner.RunRenewalsAsync(Scheduler.AutomationContext(services, context.Scheduler.SchedulerInstanceId), cancellationToken);
}

/// <summary>Raises the <c>commitment.expiring</c> warnings due (30 and 7 days before an end), once per commitment and threshold.</summary>
[DisallowConcurrentExecution]
internal sealed class ExpiryWarningJob(TrancheServerOptions options, TimeProvider time) : IJob
{
    public static readonly JobKey Key = new("expiry-warning", "tranche");

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(options.Database);
        await Providers.CommitmentExpiry.RaiseDueAsync(db, time.StorageNow(), cancellationToken);
    }
}

/// <summary>One automation policy's scheduled firing: its trigger carries the policy id.</summary>
internal sealed class AutomationJob(IServiceProvider services) : IJob
{
    public static readonly JobKey Key = new("automation", "tranche");

    public const string PolicyIdKey = "policy_id";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(context.MergedJobDataMap.GetString(PolicyIdKey), out var policyId))
        {
            return;
        }

        var scheduledFor = (context.ScheduledFireTimeUtc ?? context.FireTimeUtc).UtcDateTime;
        await AutomationRunner.RunPolicyAsync(
            Scheduler.AutomationContext(services, context.Scheduler.SchedulerInstanceId), policyId, AutomationTriggers.Schedule,
            new DateTime(scheduledFor.Ticks - (scheduledFor.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc), cancellationToken);
    }
}

/// <summary>
/// Keeps one cron trigger per enabled automation policy. It reconciles at start (the in-memory store on SQLite starts
/// empty; a clustered store may hold triggers of policies changed while no server ran) and after every policy change.
/// </summary>
internal sealed partial class AutomationSchedules(ISchedulerFactory schedulers, TrancheServerOptions options, ILogger<AutomationSchedules> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReconcileAsync(cancellationToken);
        }
        catch (Exception e) when (e is SchedulerException or DbUpdateException or InvalidOperationException)
        {
            LogReconcileFailed(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public static TriggerKey TriggerOf(Guid policyId) => new($"policy-{policyId:N}", "automation");

    public async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        List<AutomationPolicy> policies;
        await using (var db = TrancheDatabase.CreateContext(options.Database))
        {
            policies = await db.AutomationPolicies.IgnoreQueryFilters().AsNoTracking().ToListAsync(cancellationToken);
        }

        foreach (var policy in policies)
        {
            if (policy.Enabled)
            {
                await ScheduleAsync(scheduler, policy, cancellationToken);
            }
            else
            {
                await scheduler.UnscheduleJob(TriggerOf(policy.Id), cancellationToken);
            }
        }
    }

    /// <summary>Puts the policy's trigger in the schedule (or takes it out when the policy is disabled or gone).</summary>
    public async Task ApplyAsync(AutomationPolicy? policy, Guid policyId, CancellationToken cancellationToken)
    {
        var scheduler = await schedulers.GetScheduler(cancellationToken);
        if (policy is null || !policy.Enabled)
        {
            await scheduler.UnscheduleJob(TriggerOf(policyId), cancellationToken);
            return;
        }

        await ScheduleAsync(scheduler, policy, cancellationToken);
    }

    private static async Task ScheduleAsync(IScheduler scheduler, AutomationPolicy policy, CancellationToken cancellationToken)
    {
        var key = TriggerOf(policy.Id);
        var cron = CronSchedules.Parse(policy.Schedule, policy.TimeZone) ?? throw new InvalidOperationException($"Policy {policy.Id} has an unreadable schedule '{policy.Schedule}'.");
        var existing = await scheduler.GetTrigger(key, cancellationToken) as ICronTrigger;
        if (existing is not null && existing.CronExpressionString == cron.CronExpressionString && existing.TimeZone.Id == cron.TimeZone.Id)
        {
            return;
        }

        var trigger = TriggerBuilder.Create().WithIdentity(key).ForJob(AutomationJob.Key)
            .UsingJobData(AutomationJob.PolicyIdKey, policy.Id.ToString())
            .WithSchedule(CronScheduleBuilder.Create(cron).WithMisfireInstruction(CronTriggerMisfireInstruction.FireAndProceed))
            .StartNow().Build();

        // Replacing settles two replicas scheduling the same policy at once: both write the same trigger.
        await scheduler.ScheduleJob(trigger, new ScheduleJobOptions { Replace = true }, cancellationToken);
    }

    [LoggerMessage(EventId = 2200, Level = LogLevel.Error, Message = "Scheduling the automation policies failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}

/// <summary>Cron schedules as people write them: five crontab fields, or Quartz's six or seven with seconds.</summary>
public static class CronSchedules
{
    /// <summary>The expression in <paramref name="timeZone"/>, or null when either cannot be read.</summary>
    public static CronExpression? Parse(string? schedule, string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(schedule) || !TryZone(timeZone ?? "UTC", out var zone))
        {
            return null;
        }

        var fields = schedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        var format = fields == 5 ? CronFormat.Unix : CronFormat.Quartz;
        if (fields is < 5 or > 7 || !CronExpression.TryParse(schedule.Trim(), format, out var cron) || cron is null)
        {
            return null;
        }

        return cron.WithTimeZone(zone);
    }

    public static bool TryZone(string name, out TimeZoneInfo zone)
    {
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(name);
            return true;
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            zone = TimeZoneInfo.Utc;
            return false;
        }
    }
}

/// <summary>
/// Keeps every org's default plans fresh: plans older than <see cref="RefreshAfter"/> are computed again, so they never
/// reach the purchase staleness limit and prices and usage stay current even when no billing data arrives.
/// </summary>
[DisallowConcurrentExecution]
internal sealed partial class PlanRefreshJob(TrancheServerOptions options, OfferCatalogs catalogs, TimeProvider time, ILogger<PlanRefreshJob> logger) : IJob
{
    public static readonly JobKey Key = new("plan-refresh", "tranche");

    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    public static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(20);

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var now = time.StorageNow();
        List<(Guid OrgId, string Provider)> due;
        await using (var db = TrancheDatabase.CreateContext(options.Database))
        {
            var withData = await db.BillingPeriods.IgnoreQueryFilters().Select(p => new { p.OrgId, p.Provider }).Distinct().ToListAsync(cancellationToken);
            var fresh = await db.CommitmentPlans.IgnoreQueryFilters().Where(p => p.SupersededAt == null && p.CreatedAt > now - RefreshAfter)
                .Select(p => new { p.OrgId, p.Provider }).Distinct().ToListAsync(cancellationToken);
            due = [.. withData.Except(fresh).Select(p => (p.OrgId, p.Provider))];
        }

        foreach (var (orgId, provider) in due)
        {
            try
            {
                await using var db = TrancheDatabase.CreateContext(options.Database, OrgScope.For(orgId));
                await Providers.Plans.PlanGeneration.ComputeAsync(db, orgId, provider, catalogs, new Domain.Planning.PlanSettings(), now, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRefreshFailed(logger, orgId, provider, e);
            }
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Refreshing the plans of org {OrgId} ({Provider}) failed")]
    private static partial void LogRefreshFailed(ILogger logger, Guid orgId, string provider, Exception exception);
}
