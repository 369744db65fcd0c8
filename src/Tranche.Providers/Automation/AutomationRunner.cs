using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Automation;
using Tranche.Providers.Offerings;
using Tranche.Providers.Plans;
using Tranche.Providers.Purchasing;
using Tranche.Providers.Sandbox;

namespace Tranche.Providers.Automation;

/// <summary>
/// What a run needs besides the database: the catalog plans are priced from, the sandbox cloud's faults, the clock, who
/// runs it, and whom to tell when a firing turns out to have been run already (by another server).
/// </summary>
public sealed record AutomationContext(
    DatabaseTarget Database, OfferCatalogs Catalogs, SandboxFaults Faults, TimeProvider Time, string RanBy, Action<AutomationPolicy, Guid, DateTime>? AlreadyRun = null);

/// <summary>
/// Carries out one firing of an automation policy: for each org it acts on and each provider, claims the run (so a
/// firing handed to two servers runs once), takes the chosen default plan, applies the policy's rules and either buys
/// it, asks for approval, or records why not. Every run is recorded with its decision, reason and figures.
/// </summary>
public static class AutomationRunner
{
    /// <summary>Plans older than this are computed again before a run weighs them, so a purchase never meets a stale plan.</summary>
    public static readonly TimeSpan FreshPlanAge = TimeSpan.FromHours(12);

    private static readonly JsonSerializerOptions s_figures = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The orgs a policy acts on now: its own org, or the partner's customers (not offboarded) that have no policy of their own.</summary>
    public static async Task<IReadOnlyList<Guid>> TargetsAsync(TrancheDbContext db, AutomationPolicy policy, CancellationToken cancellationToken)
    {
        if (policy.Scope == AutomationScopes.Org)
        {
            // An offboarded customer is bought nothing more, whatever policy it was left with.
            return await db.Orgs.AnyAsync(o => o.Id == policy.OrgId && o.OffboardedAt == null, cancellationToken) ? [policy.OrgId] : [];
        }

        var withOwnPolicy = db.AutomationPolicies.IgnoreQueryFilters().Where(p => p.Scope == AutomationScopes.Org).Select(p => p.OrgId);
        return await db.Orgs.Where(o => o.ParentOrgId == policy.OrgId && o.OffboardedAt == null && !withOwnPolicy.Contains(o.Id))
            .OrderBy(o => o.Id).Select(o => o.Id).ToListAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="policyId"/> for every org it acts on; returns the runs this call made (none when another server had them).</summary>
    public static async Task<IReadOnlyList<AutomationRun>> RunPolicyAsync(
        AutomationContext context, Guid policyId, string trigger, DateTime scheduledFor, CancellationToken cancellationToken)
    {
        AutomationPolicy? policy;
        IReadOnlyList<Guid> targets;
        await using (var db = TrancheDatabase.CreateContext(context.Database))
        {
            policy = await db.AutomationPolicies.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(p => p.Id == policyId, cancellationToken);
            if (policy is null || !policy.Enabled)
            {
                return [];
            }

            targets = await TargetsAsync(db, policy, cancellationToken);
        }

        var runs = new List<AutomationRun>();
        foreach (var orgId in targets)
        {
            runs.AddRange(await RunForOrgAsync(context, policy, orgId, trigger, scheduledFor, cancellationToken));
        }

        return runs;
    }

    /// <summary>Runs the policy for one org, once per provider the org has billing data for (or the policy names).</summary>
    public static async Task<IReadOnlyList<AutomationRun>> RunForOrgAsync(
        AutomationContext context, AutomationPolicy policy, Guid orgId, string trigger, DateTime scheduledFor, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(context.Database, OrgScope.For(orgId));
        var withData = await db.BillingPeriods.Select(p => p.Provider).Distinct().ToListAsync(cancellationToken);
        var providers = policy.Providers is { Length: > 0 } named
            ? [.. named.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]
            : withData.Order(StringComparer.Ordinal).ToList();
        if (providers.Count == 0)
        {
            providers = ["all"];
        }

        var runs = new List<AutomationRun>();
        foreach (var provider in providers)
        {
            if (await ClaimAsync(db, policy, orgId, provider, trigger, scheduledFor, context, cancellationToken) is not { } run)
            {
                continue;
            }

            try
            {
                await DecideAsync(db, context, policy, run, hasData: withData.Contains(provider), cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                db.ChangeTracker.Clear();
                db.Attach(run);
                Finish(run, AutomationDecisions.Failed, $"The run failed: {e.Message}", context.Time);
            }

            db.Record(orgId, ActorOf(policy), "automation.run", run.Id.ToString(), new { policy_id = policy.Id, run.Provider, run.Decision, run.Reason, run.PurchaseId }, context.Time.StorageNow());
            await db.SaveChangesAsync(cancellationToken);
            runs.Add(run);
        }

        return runs;
    }

    /// <summary>Writes the run as started; the unique key on (policy, org, provider, trigger, firing) lets only one server do so.</summary>
    private static async Task<AutomationRun?> ClaimAsync(
        TrancheDbContext db, AutomationPolicy policy, Guid orgId, string provider, string trigger, DateTime scheduledFor, AutomationContext context,
        CancellationToken cancellationToken)
    {
        var now = context.Time.StorageNow();
        var run = new AutomationRun
        {
            Id = Guid.CreateVersion7(now), PolicyId = policy.Id, OrgId = orgId, Provider = provider, Trigger = trigger, ScheduledFor = scheduledFor, StartedAt = now,
            Decision = AutomationDecisions.Running, Reason = "Running.", RanBy = context.RanBy,
        };
        db.AutomationRuns.Add(run);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return run;
        }
        catch (DbUpdateException)
        {
            // Another server claimed this firing first.
            db.ChangeTracker.Clear();
            context.AlreadyRun?.Invoke(policy, orgId, scheduledFor);
            return null;
        }
    }

    private static async Task DecideAsync(TrancheDbContext db, AutomationContext context, AutomationPolicy policy, AutomationRun run, bool hasData, CancellationToken cancellationToken)
    {
        var orgId = run.OrgId;
        var provider = run.Provider;
        if (!hasData)
        {
            Finish(run, AutomationDecisions.Skipped, provider == "all"
                ? $"Org {orgId} has no billing data yet: there is nothing to plan from."
                : $"Org {orgId} has no {provider} billing data yet: there is nothing to plan from.", context.Time);
            return;
        }

        var now = context.Time.StorageNow();
        var plans = await PlanGeneration.CurrentAsync(db, orgId, provider, context.Catalogs, now, cancellationToken);
        if (plans.Count > 0 && plans.Any(p => now - p.CreatedAt > FreshPlanAge))
        {
            plans = await PlanGeneration.ComputeAsync(db, orgId, provider, context.Catalogs, new Domain.Planning.PlanSettings(), now, cancellationToken);
        }

        var plan = policy.Plan == PlanKinds.Recommended ? plans.FirstOrDefault(p => p.IsRecommended) : plans.FirstOrDefault(p => p.Kind == policy.Plan);
        if (plan is not null && await db.Purchases.AsNoTracking().FirstOrDefaultAsync(p => p.PlanId == plan.Id, cancellationToken) is { } bought)
        {
            // Bought already (by an earlier run or by hand): nothing to buy or to ask about until the plan is computed again.
            run.PlanId = plan.Id;
            run.PurchaseId = bought.Id;
            Finish(run, AutomationDecisions.Skipped, $"The {plan.Name} plan was already purchased (purchase {bought.Id}, {bought.Status}); the next plan computed from newer data is weighed afresh.", context.Time);
            return;
        }

        var lines = plan is null ? [] : await db.PlanLineItems.AsNoTracking()
            .Where(i => i.PlanId == plan.Id && i.IsSelected && i.SelectedQuantity > 0).ToListAsync(cancellationToken);
        // A ladder buys one rung of the plan per run: the rules weigh what this run would buy.
        var share = policy.LadderRungs is > 1 and var rungs ? 1.0 / rungs : 1.0;
        var fullSavings = plan?.MonthlySavings ?? 0;
        var fullMonthly = lines.Sum(l => l.MonthlyCost);
        foreach (var line in lines)
        {
            PurchaseOrders.ScaleToRung(line, share);
        }

        var rungMonthly = lines.Sum(l => l.MonthlyCost);
        var weighed = plan is null ? null : new AutomationPlan(
            plan.Name, fullMonthly > 0 ? fullSavings * rungMonthly / fullMonthly : fullSavings, plan.LossProbability,
            [.. lines.Select(l => new AutomationLine(l.OfferType, l.TermMonths, l.UpfrontCost, l.MonthlyCost))]);
        var verdict = AutomationRules.Decide(LimitsOf(policy), weighed);
        run.PlanId = plan?.Id;
        run.Figures = weighed is null ? null : JsonSerializer.Serialize(new
        {
            plan = plan!.Kind,
            net_monthly_savings = weighed.NetMonthlySavings,
            loss_probability = weighed.LossProbability,
            line_items = lines.Count,
            upfront = lines.Sum(l => l.UpfrontCost),
            monthly_commitment = lines.Sum(l => l.MonthlyCost),
            max_term_months = lines.Count == 0 ? 0 : lines.Max(l => l.TermMonths),
            ladder_rungs = policy.LadderRungs,
            units = lines.Sum(l => l.SelectedQuantity),
        }, s_figures);

        switch (verdict.Outcome)
        {
            case AutomationOutcome.Skip:
                Finish(run, AutomationDecisions.Skipped, verdict.Reason, context.Time);
                return;
            case AutomationOutcome.RequestApproval:
                db.RaiseEvent(orgId, OrgEventTypes.AutomationApprovalRequested, new
                {
                    run_id = run.Id, policy_id = policy.Id, provider, plan_id = plan!.Id, plan_name = plan.Name, reason = verdict.Reason,
                }, now);
                Finish(run, AutomationDecisions.ApprovalRequested, verdict.Reason, context.Time);
                return;
        }

        var (purchase, refusal) = await PurchaseOrders.CreateAsync(db, orgId, plan!.Id, $"automation-run:{run.Id}", ActorOf(policy), now, cancellationToken, share);
        if (refusal is not null)
        {
            db.ChangeTracker.Clear();
            db.Attach(run);
            Finish(run, AutomationDecisions.Skipped, $"The purchase was refused ({refusal.Code}): {refusal.Message}", context.Time);
            return;
        }

        var done = await PurchaseRunner.RunAsync(context.Database, db, orgId, purchase!.Id, context.Catalogs, context.Faults, context.Time, cancellationToken);
        run.PurchaseId = done.Id;
        var reason = share < 1 ? $"{verdict.Reason} One rung of a {policy.LadderRungs}-rung ladder: {lines.Sum(l => l.SelectedQuantity)} of the plan's units; the next run plans again from newer data." : verdict.Reason;
        Finish(run, done.Status == PurchaseStates.Succeeded ? AutomationDecisions.Purchased : AutomationDecisions.Failed,
            done.Status == PurchaseStates.Succeeded ? reason : $"{reason} The purchase ended {done.Status}: see purchase {done.Id} for each line.", context.Time);
    }

    public static AutomationLimits LimitsOf(AutomationPolicy policy) => new(
        policy.MinNetMonthlySavings, policy.MaxLossProbability, policy.MaxUpfront, policy.MaxMonthlyCommitment, policy.MaxTermMonths,
        policy.AllowedCommitmentTypes is { Length: > 0 } types ? types.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal) : null,
        policy.ApprovalMode == AutomationApprovalModes.AutoPurchase);

    private static Actor ActorOf(AutomationPolicy policy) => new($"automation:{policy.Id}", null, null);

    private static void Finish(AutomationRun run, string decision, string reason, TimeProvider time)
    {
        run.Decision = decision;
        run.Reason = reason.Length > 2000 ? reason[..2000] : reason;
        run.FinishedAt = time.StorageNow();
    }

    /// <summary>
    /// The renewal check: for each org a renewing policy acts on, the earliest active commitment that ends within the
    /// policy's lead time triggers one run for that end date, so the replacement is bought before coverage lapses.
    /// </summary>
    public static async Task<IReadOnlyList<AutomationRun>> RunRenewalsAsync(AutomationContext context, CancellationToken cancellationToken)
    {
        List<AutomationPolicy> policies;
        await using (var db = TrancheDatabase.CreateContext(context.Database))
        {
            policies = await db.AutomationPolicies.IgnoreQueryFilters().AsNoTracking().Where(p => p.Enabled && p.RenewExpiring).ToListAsync(cancellationToken);
        }

        var now = context.Time.StorageNow();
        var runs = new List<AutomationRun>();
        foreach (var policy in policies)
        {
            IReadOnlyList<Guid> targets;
            await using (var db = TrancheDatabase.CreateContext(context.Database))
            {
                targets = await TargetsAsync(db, policy, cancellationToken);
            }

            foreach (var orgId in targets)
            {
                DateTime? expiring;
                await using (var db = TrancheDatabase.CreateContext(context.Database, OrgScope.For(orgId)))
                {
                    var horizon = now.AddDays(policy.RenewalLeadDays);
                    expiring = await db.Commitments.Where(c => c.EndsAt > now && c.EndsAt <= horizon && c.StartsAt <= now)
                        .MinAsync(c => (DateTime?)c.EndsAt, cancellationToken);
                }

                if (expiring is { } end)
                {
                    runs.AddRange(await RunForOrgAsync(context, policy, orgId, AutomationTriggers.Renewal, end, cancellationToken));
                }
            }
        }

        return runs;
    }
}
