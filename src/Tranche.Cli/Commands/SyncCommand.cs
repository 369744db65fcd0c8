using System.CommandLine;
using Spectre.Console;
using Tranche.Data;
using Tranche.Providers.Onboarding;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche sync --org</c>: brings the org's commitment inventory in line with its cloud accounts (the sandbox cloud
/// until real provider adapters are connected): new commitments and changed terms come in, ones no longer listed are
/// marked removed. The sync is recorded on the org's verified integrations (the onboarding step <c>synced</c>).
/// </summary>
internal static class SyncCommand
{
    public sealed record SyncRow(string Provider, int Listed, int Added, int Updated, int Removed);

    public static Command Create(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "Org whose inventory to sync", Required = true, HelpName = "org-id" };
        var provider = new Option<string?>("--provider") { Description = "Only this provider (default: every provider the org has an account with)" };
        provider.AcceptOnlyFromAmong("aws", "azure", "gcp");
        var command = new Command("sync", "Sync the org's commitment inventory from its cloud accounts") { org, provider };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);

            var now = common.Environment.Time.StorageNow();
            var synced = await IntegrationSync.RunAsync(db, orgId, result.GetValue(provider), Actor.Cli, now, cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            await OnboardingStatus.CompleteIfReadyAsync(db, orgId, now, cancellationToken);
            var rows = synced.Synced.Select(s => new SyncRow(s.Provider, s.Listed, s.Added, s.Updated, s.Removed)).ToList();
            foreach (var problem in synced.Problems)
            {
                common.Environment.Error.WriteLine(problem);
            }

            if (common.IsJson(result))
            {
                common.Environment.WriteJson(rows);
                return 0;
            }

            if (rows.Count == 0)
            {
                common.Environment.Console.MarkupLine("The org has no cloud account with commitments to sync.");
                return 0;
            }

            var table = new Table().AddColumns("Provider", "Listed", "Added", "Updated", "Removed");
            foreach (var row in rows)
            {
                table.AddRow(row.Provider, $"{row.Listed:N0}", $"{row.Added:N0}", $"{row.Updated:N0}", $"{row.Removed:N0}");
            }

            common.Environment.Console.Write(table);
            return 0;
        });
        return command;
    }
}
