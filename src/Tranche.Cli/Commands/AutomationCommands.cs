using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;
using Tranche.Providers.Automation;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche automation runs|run</c>: what an org's automation policies decided, and running a policy now, as
/// <c>POST .../automation-policy/run</c> does (the same rules, guardrails, purchase or approval request).
/// </summary>
internal static class AutomationCommands
{
    public sealed record RunRow(
        Guid RunId, Guid PolicyId, Guid OrgId, string Trigger, string Provider, DateTime StartedAt, string Decision, string Reason, Guid? PlanId, Guid? PurchaseId);

    public static Command Create(CommonOptions common)
    {
        var automation = new Command("automation", "Automation policies: the runs they made, and running one now");
        automation.Subcommands.Add(RunsCommand(common));
        automation.Subcommands.Add(RunCommand(common));
        return automation;
    }

    private static Command RunsCommand(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "The org the runs acted on", Required = true, HelpName = "org-id" };
        var limit = new Option<int>("--limit") { Description = "How many runs, newest first", DefaultValueFactory = _ => 20, HelpName = "n" };
        var command = new Command("runs", "The org's automation runs, newest first: trigger, decision and the reason") { org, limit };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var count = result.GetValue(limit);
            if (count is < 1 or > 1000)
            {
                throw new CliException("--limit must be between 1 and 1000.");
            }

            await using var db = await CommandDatabase.OpenOrgAsync(common, result, result.GetValue(org), cancellationToken);
            var runs = await db.AutomationRuns.AsNoTracking().OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(count).ToListAsync(cancellationToken);
            Write(common, result, [.. runs.Select(Row)]);
            return 0;
        });
        return command;
    }

    private static Command RunCommand(CommonOptions common)
    {
        var org = new Option<Guid?>("--org") { Description = "Run the org's own policy", HelpName = "org-id" };
        var partner = new Option<Guid?>("--partner") { Description = "Run the partner's policy for its customers", HelpName = "org-id" };
        var command = new Command("run", "Run an automation policy now, as its schedule would: buy, ask for approval, or record why not") { org, partner };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var (ownerId, scope) = (result.GetValue(org), result.GetValue(partner)) switch
            {
                ({ } o, null) => (o, AutomationScopes.Org),
                (null, { } p) => (p, AutomationScopes.Customers),
                _ => throw new CliException("Give exactly one of --org (the org's own policy) or --partner (the partner's policy for its customers)."),
            };
            AutomationPolicy policy;
            await using (var db = await CommandDatabase.OpenOrgAsync(common, result, ownerId, cancellationToken))
            {
                policy = await db.AutomationPolicies.AsNoTracking().SingleOrDefaultAsync(p => p.Scope == scope, cancellationToken)
                    ?? throw new CliException($"Org {ownerId} has no {(scope == AutomationScopes.Customers ? "partner-wide " : "")}automation policy; set one through the API first.");
            }

            if (!policy.Enabled)
            {
                throw new CliException($"Automation policy {policy.Id} is disabled; enable it to run it.");
            }

            var time = common.Environment.Time;
            var context = new AutomationContext(common.ResolveDatabase(result), new OfferCatalogs(SandboxCatalog.Load()), new SandboxFaults(), time, "cli");
            var runs = await AutomationRunner.RunPolicyAsync(context, policy.Id, AutomationTriggers.Manual, time.StorageNow(), cancellationToken);
            Write(common, result, [.. runs.Select(Row)]);
            return runs.Any(r => r.Decision == AutomationDecisions.Failed) ? 1 : 0;
        });
        return command;
    }

    private static RunRow Row(AutomationRun r) => new(r.Id, r.PolicyId, r.OrgId, r.Trigger, r.Provider, r.StartedAt, r.Decision, r.Reason, r.PlanId, r.PurchaseId);

    private static void Write(CommonOptions common, ParseResult result, IReadOnlyList<RunRow> rows)
    {
        if (common.IsJson(result))
        {
            common.Environment.WriteJson(rows);
            return;
        }

        if (rows.Count == 0)
        {
            common.Environment.Console.MarkupLine("No runs.");
            return;
        }

        var table = new Table().AddColumns("Started (UTC)", "Org", "Provider", "Trigger", "Decision", "Reason");
        foreach (var row in rows)
        {
            table.AddRow(row.StartedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture), row.OrgId.ToString(), row.Provider, row.Trigger,
                row.Decision, Markup.Escape(row.Reason));
        }

        common.Environment.Console.Write(table);
    }
}
