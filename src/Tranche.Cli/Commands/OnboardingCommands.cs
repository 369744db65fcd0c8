using System.CommandLine;
using Spectre.Console;
using Tranche.Data;
using Tranche.Domain.Onboarding;
using Tranche.Providers.Onboarding;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche onboarding status|sandbox --org</c>: where an org stands on its way to plans and purchases, and
/// connecting it to the built-in sandbox cloud (as <c>POST .../onboarding/sandbox</c> and its verify do).
/// </summary>
internal static class OnboardingCommands
{
    public sealed record StepRow(string Step, string Status, DateTime? CompletedAt, string Detail);

    public sealed record StatusRow(Guid OrgId, bool Ready, IReadOnlyList<StepRow> Steps, DateOnly? FirstDay, DateOnly? LastDay);

    public sealed record ConnectedRow(Guid OrgId, Guid IntegrationId, string Provider, string State, IReadOnlyList<Validation> Validations);

    public static Command Create(CommonOptions common)
    {
        var onboarding = new Command("onboarding", "An org's onboarding: its readiness, and connecting the sandbox cloud");
        onboarding.Subcommands.Add(StatusCommand(common));
        onboarding.Subcommands.Add(SandboxCommand(common));
        return onboarding;
    }

    private static Option<Guid> OrgOption() => new("--org") { Description = "The org", Required = true, HelpName = "org-id" };

    private static Command StatusCommand(CommonOptions common)
    {
        var org = OrgOption();
        var command = new Command("status", "Each onboarding step of the org (integration, verification, billing data, sync) and whether it is ready") { org };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);
            var readiness = await OnboardingStatus.CompleteIfReadyAsync(db, orgId, common.Environment.Time.StorageNow(), cancellationToken);
            var row = new StatusRow(
                orgId, readiness.Ready,
                [.. readiness.Steps.Select(s => new StepRow(OnboardingRules.Name(s.Step), s.Status.ToString().ToLowerInvariant(), s.CompletedAt, s.Detail))],
                readiness.Window?.FirstDay, readiness.Window?.LastDay);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(row);
                return 0;
            }

            var table = new Table().AddColumns("Step", "Status", "Completed (UTC)", "Detail");
            foreach (var step in row.Steps)
            {
                table.AddRow(step.Step, step.Status, step.CompletedAt?.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "", Markup.Escape(step.Detail));
            }

            common.Environment.Console.Write(table);
            common.Environment.Console.MarkupLine(row.Ready ? "[green]Ready[/] for plans and purchases." : "[yellow]Not ready[/] for plans and purchases yet.");
            return 0;
        });
        return command;
    }

    private static Command SandboxCommand(CommonOptions common)
    {
        var org = OrgOption();
        var command = new Command("sandbox", "Connect the org to the built-in sandbox cloud and verify it") { org };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);
            var now = common.Environment.Time.StorageNow();
            var (integration, validations) = await CloudIntegrations.ConnectSandboxAsync(db, orgId, Actor.Cli, now, cancellationToken);
            await OnboardingStatus.CompleteIfReadyAsync(db, orgId, now, cancellationToken);
            var row = new ConnectedRow(orgId, integration.Id, integration.Provider, integration.State, validations);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(row);
            }
            else
            {
                common.Environment.Console.MarkupLine($"Connected org {orgId} to the sandbox cloud: integration {integration.Id}, {integration.State}.");
                common.Environment.Console.MarkupLine($"[grey]Next: load billing data (tranche ingest ... --org {orgId}) and sync (tranche sync --org {orgId}).[/]");
            }

            return 0;
        });
        return command;
    }
}
