using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Providers.Automation;
using Tranche.Server.Api;
using Tranche.Server.Auth;
using Tranche.Server.Scheduling;
using Tranche.Server.V1;

namespace Tranche.Server.V2;

/// <summary>An automation policy as set: when to run, which plan, the rules a plan must pass, and whether to buy or ask.</summary>
public sealed record AutomationPolicyBody(
    string? Name,
    string? Schedule,
    string? TimeZone,
    string? Plan,
    IReadOnlyList<string>? Providers,
    decimal? MinNetMonthlySavings,
    double? MaxLossProbability,
    decimal? MaxUpfront,
    decimal? MaxMonthlyCommitment,
    int? MaxTermMonths,
    IReadOnlyList<string>? AllowedCommitmentTypes,
    bool? RenewExpiring,
    int? RenewalLeadDays,
    string? ApprovalMode,
    bool? Enabled,
    int? LadderRungs = null) : IValidatedRequest
{
    public static readonly IReadOnlyList<string> Plans = [PlanKinds.Recommended, PlanKinds.Balanced, PlanKinds.HighSavings];

    public void Validate(RequestErrors errors)
    {
        if (string.IsNullOrWhiteSpace(Schedule))
        {
            errors.Add("json", "schedule", "Missing data for required field: a cron expression such as \"0 6 * * 1\" (Mondays at 06:00).");
        }
        else if (CronSchedules.Parse(Schedule, "UTC") is null)
        {
            errors.Add("json", "schedule", $"'{Schedule}' is not a cron expression: use five crontab fields (minute hour day-of-month month day-of-week) or Quartz's six or seven with seconds first.");
        }

        if (TimeZone is not null && !CronSchedules.TryZone(TimeZone, out _))
        {
            errors.Add("json", "time_zone", $"'{TimeZone}' is not a known IANA time zone (for example Europe/Berlin or UTC).");
        }

        if (Name is { Length: > 200 })
        {
            errors.Add("json", "name", "Longer than maximum length 200.");
        }

        if (Plan is not null && !Plans.Contains(Plan))
        {
            errors.Add("json", "plan", $"'{Plan}' is not one of: {string.Join(", ", Plans)}.");
        }

        PolicyLists.CheckProviders(errors, "providers", Providers);
        PolicyLists.CheckCommitmentTypes(errors, "allowed_commitment_types", AllowedCommitmentTypes);

        if (MaxLossProbability is < 0 or > 1 || MaxLossProbability is double p && double.IsNaN(p))
        {
            errors.Add("json", "max_loss_probability", "Must be between 0 and 1.");
        }

        if (MinNetMonthlySavings < 0)
        {
            errors.Add("json", "min_net_monthly_savings", "Must be greater than or equal to 0.");
        }

        if (MaxUpfront < 0)
        {
            errors.Add("json", "max_upfront", "Must be greater than or equal to 0.");
        }

        if (MaxMonthlyCommitment < 0)
        {
            errors.Add("json", "max_monthly_commitment", "Must be greater than or equal to 0.");
        }

        if (MaxTermMonths is < 1 or > 60)
        {
            errors.Add("json", "max_term_months", "Must be between 1 and 60.");
        }

        if (LadderRungs is < 1 or > 12)
        {
            errors.Add("json", "ladder_rungs", "Must be between 1 and 12: each run buys 1/N of what the plan recommends then.");
        }

        if (RenewalLeadDays is < 1 or > 180)
        {
            errors.Add("json", "renewal_lead_days", "Must be between 1 and 180.");
        }

        if (ApprovalMode is not (null or AutomationApprovalModes.AutoPurchase or AutomationApprovalModes.NotifyOnly))
        {
            errors.Add("json", "approval_mode", $"'{ApprovalMode}' is not one of: {AutomationApprovalModes.AutoPurchase}, {AutomationApprovalModes.NotifyOnly}.");
        }
    }
}

public sealed record AutomationPolicyResponse(
    Guid Id, Guid OrgId, string Scope, string Name, string Schedule, string TimeZone, DateTime? NextRunAt, string Plan, IReadOnlyList<string>? Providers,
    decimal? MinNetMonthlySavings, double? MaxLossProbability, decimal? MaxUpfront, decimal? MaxMonthlyCommitment, int? MaxTermMonths,
    IReadOnlyList<string>? AllowedCommitmentTypes, bool RenewExpiring, int RenewalLeadDays, string ApprovalMode, bool Enabled, DateTime CreatedAt, DateTime UpdatedAt,
    string UpdatedBy, int LadderRungs);

public sealed record AutomationRunResponse(
    Guid Id, Guid PolicyId, Guid OrgId, string Trigger, DateTime ScheduledFor, DateTime StartedAt, DateTime? FinishedAt, string Decision, string Reason,
    string Provider, Guid? PlanId, Guid? PurchaseId, JsonElement? Figures, string? RanBy);

/// <summary>
/// Automation policies (a Tranche extension of the partner API): run a customer's plan on a schedule and buy it when it
/// passes the policy's rules, or ask for approval. A partner sets one policy for all its customers
/// (<c>/v2/partners/{partner_org_id}/automation-policy</c>) and may override it per customer
/// (<c>/v2/org/{child_org_id}/partners/automation-policy</c>); a direct org sets its own under <c>/v1</c>. Every run is
/// recorded with its decision and reason.
/// </summary>
internal static class AutomationApi
{
    private const string BodyDescription =
        "`schedule` is a cron expression (five crontab fields, or Quartz's six or seven with seconds) read in `time_zone` (IANA, default UTC). " +
        "`plan` is the default plan to buy: `recommended` (default; the planner's pick within the org's risk limit), `balanced` or `high_savings`. " +
        "A run skips, saying why, when the plan saves less than `min_net_monthly_savings` a month, has a loss probability above `max_loss_probability`, " +
        "buys a commitment type outside `allowed_commitment_types` (`ri`, `savings_plan`, `cud`), a term over `max_term_months`, more than `max_upfront` upfront " +
        "or more than `max_monthly_commitment` a month; the org's purchase guardrails apply on top. `renew_expiring` runs the policy early, " +
        "`renewal_lead_days` (default 14) before an active commitment ends, so its replacement is bought before coverage lapses. " +
        "`approval_mode` `auto_purchase` (default) buys; `notify_only` records the run and raises `automation.approval_requested`. " +
        "`ladder_rungs` N (1 to 12, default 1) buys in rungs: each run buys 1/N of every line the plan recommends then (whole units, at least one), " +
        "and the next run plans again from newer data with what was bought counted, so purchases and their expiries are spread over the runs. Needs an admin key.";

    public static void MapAutomation(this IEndpointRouteBuilder routes)
    {
        var partner = routes.MapGroup("/v2/partners/{partner_org_id}").ForOrg("partner_org_id", OrgReach.PartnerItself).WithTags("Automation").WithApiErrors();
        MapPolicy(partner, AutomationScopes.Customers, "The partner-wide automation policy", "Applies to every customer org of the partner that has no policy of its own.");
        partner.MapGet("/automation-runs", ListCustomerRuns)
            .WithSummary("Automation runs across the partner's customer orgs")
            .WithDescription("Newest first; `org_id` narrows to one customer; paged by `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<AutomationRunResponse[]>();

        var child = routes.MapGroup("/v2/org/{child_org_id}/partners").ForOrg("child_org_id", OrgReach.ChildOfPartner).WithTags("Automation").WithApiErrors();
        MapPolicy(child, AutomationScopes.Org, "A customer org's own automation policy", "Overrides the partner-wide policy for this customer.");
        child.MapGet("/automation-runs", ListRuns).WithSummary("Automation runs of a customer org").Produces<AutomationRunResponse[]>();

        var own = routes.MapGroup("/v1/org/{org_id}").ForOrg().WithTags("Automation").WithApiErrors();
        MapPolicy(own, AutomationScopes.Org, "The org's automation policy", "A policy for the org itself.");
        own.MapGet("/automation-runs", ListRuns).WithSummary("Automation runs of the org").Produces<AutomationRunResponse[]>();
    }

    private static void MapPolicy(RouteGroupBuilder group, string scope, string summary, string description)
    {
        group.MapGet("/automation-policy", (HttpContext c, TrancheDbContext db, TimeProvider t) => Get(c, db, t, scope))
            .WithSummary(summary).WithDescription(description + " 404 when none is set.")
            .Produces<AutomationPolicyResponse>();
        group.MapPut("/automation-policy", (HttpContext c, TrancheDbContext db, TimeProvider t, AutomationSchedules s) => Put(c, db, t, s, scope))
            .WithSummary("Set " + char.ToLowerInvariant(summary[0]) + summary[1..])
            .WithDescription(description + " " + BodyDescription)
            .WithBody<AutomationPolicyBody>("application/json")
            .Produces<AutomationPolicyResponse>();
        group.MapDelete("/automation-policy", (HttpContext c, TrancheDbContext db, TimeProvider t, AutomationSchedules s) => Delete(c, db, t, s, scope))
            .WithSummary("Remove " + char.ToLowerInvariant(summary[0]) + summary[1..])
            .Produces(StatusCodes.Status204NoContent);
        group.MapPost("/automation-policy/run", (HttpContext c, TrancheDbContext db, IServiceProvider services) => RunNow(c, db, services, scope))
            .WithSummary("Run the policy now")
            .WithDescription("Runs the policy at once, outside its schedule, exactly as a scheduled run would (rules, guardrails, purchase or approval), and answers with the runs it made.")
            .Produces<AutomationRunResponse[]>();
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db, TimeProvider time, string scope) =>
        await db.AutomationPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Scope == scope, context.RequestAborted) is { } policy
            ? TypedResults.Ok(ToResponse(policy, time))
            : ApiResults.NotFound($"Org {context.Org().OrgId} has no {(scope == AutomationScopes.Customers ? "partner-wide " : "")}automation policy.", "automation_policy_not_found");

    private static async Task<IResult> Put(HttpContext context, TrancheDbContext db, TimeProvider time, AutomationSchedules schedules, string scope)
    {
        if (RequireAdmin(context) is { } forbidden)
        {
            return forbidden;
        }

        var body = await RequestJson.ReadAsync<AutomationPolicyBody>(context.Request);
        var orgId = context.Org().OrgId;
        var now = time.StorageNow();
        var actor = context.Caller().AsActor(context);
        var policy = await db.AutomationPolicies.SingleOrDefaultAsync(p => p.Scope == scope, context.RequestAborted);
        var created = policy is null;
        if (policy is null)
        {
            policy = new AutomationPolicy
            {
                Id = Guid.CreateVersion7(now), OrgId = orgId, Scope = scope, CreatedAt = now, Name = "", Schedule = "", TimeZone = "UTC", Plan = PlanKinds.Recommended,
                ApprovalMode = AutomationApprovalModes.AutoPurchase, UpdatedBy = actor.Name,
            };
            db.AutomationPolicies.Add(policy);
        }

        policy.Name = string.IsNullOrWhiteSpace(body.Name) ? (scope == AutomationScopes.Customers ? "Customers" : "Automation") : body.Name.Trim();
        policy.Schedule = body.Schedule!.Trim();
        policy.TimeZone = body.TimeZone ?? "UTC";
        policy.Plan = body.Plan ?? PlanKinds.Recommended;
        policy.Providers = PolicyLists.Csv(body.Providers);
        policy.MinNetMonthlySavings = body.MinNetMonthlySavings;
        policy.MaxLossProbability = body.MaxLossProbability;
        policy.MaxUpfront = body.MaxUpfront;
        policy.MaxMonthlyCommitment = body.MaxMonthlyCommitment;
        policy.MaxTermMonths = body.MaxTermMonths;
        policy.LadderRungs = body.LadderRungs is > 1 ? body.LadderRungs : null;
        policy.AllowedCommitmentTypes = PolicyLists.Csv(body.AllowedCommitmentTypes);
        policy.RenewExpiring = body.RenewExpiring ?? false;
        policy.RenewalLeadDays = body.RenewalLeadDays ?? 14;
        policy.ApprovalMode = body.ApprovalMode ?? AutomationApprovalModes.AutoPurchase;
        policy.Enabled = body.Enabled ?? true;
        policy.UpdatedAt = now;
        policy.UpdatedBy = actor.Name;
        var response = ToResponse(policy, time);
        db.Record(orgId, actor, created ? "automation_policy.created" : "automation_policy.changed", policy.Id.ToString(), response, now);
        await db.SaveChangesAsync(context.RequestAborted);
        await schedules.ApplyAsync(policy, policy.Id, context.RequestAborted);
        return TypedResults.Ok(response);
    }

    private static async Task<IResult> Delete(HttpContext context, TrancheDbContext db, TimeProvider time, AutomationSchedules schedules, string scope)
    {
        if (RequireAdmin(context) is { } forbidden)
        {
            return forbidden;
        }

        var orgId = context.Org().OrgId;
        if (await db.AutomationPolicies.SingleOrDefaultAsync(p => p.Scope == scope, context.RequestAborted) is not { } policy)
        {
            return ApiResults.NotFound($"Org {orgId} has no automation policy to remove.", "automation_policy_not_found");
        }

        db.AutomationPolicies.Remove(policy);
        var now = time.StorageNow();
        db.Record(orgId, context.Caller().AsActor(context), "automation_policy.removed", policy.Id.ToString(), null, now);
        await db.SaveChangesAsync(context.RequestAborted);
        await schedules.ApplyAsync(null, policy.Id, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> RunNow(HttpContext context, TrancheDbContext db, IServiceProvider services, string scope)
    {
        if (RequireAdmin(context) is { } forbidden)
        {
            return forbidden;
        }

        if (await db.AutomationPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Scope == scope, context.RequestAborted) is not { } policy)
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no automation policy to run.", "automation_policy_not_found");
        }

        if (!policy.Enabled)
        {
            return ApiResults.Conflict($"Automation policy {policy.Id} is disabled; enable it to run it.", "automation_policy_disabled");
        }

        var automation = Scheduler.AutomationContext(services, $"request:{context.TraceIdentifier}");
        var runs = await AutomationRunner.RunPolicyAsync(automation, policy.Id, AutomationTriggers.Manual, automation.Time.StorageNow(), context.RequestAborted);
        return TypedResults.Ok(runs.Select(ToResponse).ToList());
    }

    private static async Task<IResult> ListRuns(HttpContext context, TrancheDbContext db)
    {
        var (page, pageSize) = Paging(new QueryArgs(context.Request), out _);
        var query = db.AutomationRuns.AsNoTracking();
        return await PageAsync(context, query, page, pageSize);
    }

    private static async Task<IResult> ListCustomerRuns(HttpContext context, TrancheDbContext db)
    {
        var (page, pageSize) = Paging(new QueryArgs(context.Request), out var orgFilter);
        var partnerId = context.Org().OrgId;
        var customers = db.Orgs.Where(o => o.ParentOrgId == partnerId).Select(o => o.Id);
        var query = db.AutomationRuns.IgnoreQueryFilters().AsNoTracking().Where(r => customers.Contains(r.OrgId));
        if (orgFilter is { } orgId)
        {
            query = query.Where(r => r.OrgId == orgId);
        }

        return await PageAsync(context, query, page, pageSize);
    }

    private static (int Page, int PageSize) Paging(QueryArgs query, out Guid? orgId)
    {
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        orgId = query.Uuid("org_id");
        query.ThrowIfInvalid();
        return (page, pageSize);
    }

    private static async Task<IResult> PageAsync(HttpContext context, IQueryable<AutomationRun> query, int page, int pageSize)
    {
        var total = await query.CountAsync(context.RequestAborted);
        var runs = await query.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);
        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(runs.Select(ToResponse).ToList());
    }

    private static IResult? RequireAdmin(HttpContext context) => context.RequireAdmin("Changing or running automation");

    internal static AutomationPolicyResponse ToResponse(AutomationPolicy p, TimeProvider time)
    {
        var cron = CronSchedules.Parse(p.Schedule, p.TimeZone);
        var next = p.Enabled ? cron?.GetNextValidTimeAfter(time.GetUtcNow())?.UtcDateTime : null;
        return new AutomationPolicyResponse(
            p.Id, p.OrgId, p.Scope, p.Name, p.Schedule, p.TimeZone, next, p.Plan, PolicyLists.List(p.Providers), p.MinNetMonthlySavings, p.MaxLossProbability, p.MaxUpfront,
            p.MaxMonthlyCommitment, p.MaxTermMonths, PolicyLists.List(p.AllowedCommitmentTypes), p.RenewExpiring, p.RenewalLeadDays, p.ApprovalMode, p.Enabled, p.CreatedAt,
            p.UpdatedAt, p.UpdatedBy, p.LadderRungs ?? 1);
    }

    internal static AutomationRunResponse ToResponse(AutomationRun r)
    {
        JsonElement? figures = null;
        if (r.Figures is { } json)
        {
            using var document = JsonDocument.Parse(json);
            figures = document.RootElement.Clone();
        }

        return new AutomationRunResponse(r.Id, r.PolicyId, r.OrgId, r.Trigger, r.ScheduledFor, r.StartedAt, r.FinishedAt, r.Decision, r.Reason, r.Provider, r.PlanId, r.PurchaseId, figures, r.RanBy);
    }
}
