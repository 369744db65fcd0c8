using System.CommandLine;
using Spectre.Console;
using Tranche.Data;
using Tranche.Providers;
using Tranche.Providers.Sandbox;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche sync --org</c>: brings the org's commitment inventory in line with its cloud accounts (the sandbox cloud
/// until real provider adapters are connected): new commitments and changed terms come in, ones no longer listed are
/// marked removed.
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

            var sandbox = new SandboxCloud(db);
            var providers = await sandbox.ProvidersAsync(orgId, cancellationToken);
            if (result.GetValue(provider) is { } only)
            {
                providers = [.. providers.Where(p => p == only)];
            }

            var now = common.Environment.Time.StorageNow();
            var rows = new List<SyncRow>();
            foreach (var name in providers)
            {
                var synced = await CommitmentSync.RunAsync(db, sandbox.Inventory(name), orgId, now, cancellationToken);
                rows.Add(new SyncRow(synced.Provider, synced.Listed, synced.Added, synced.Updated, synced.Removed));
                db.Record(orgId, Actor.Cli, "commitments.synced", name, synced, now);
            }

            await db.SaveChangesAsync(cancellationToken);
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
