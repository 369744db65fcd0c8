using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;
using Tranche.Domain.Tenancy;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche keys create|list|revoke</c>: API keys, straight on the database.</summary>
internal static class KeysCommands
{
    public sealed record KeyRow(Guid KeyId, Guid OrgId, string Name, string Prefix, string Role, DateTime CreatedAt, string CreatedBy, DateTime? LastUsedAt, DateTime? RevokedAt);

    public sealed record CreatedKey(Guid KeyId, Guid OrgId, string Name, string Prefix, string Role, string ApiKey);

    public static Command Create(CommonOptions common)
    {
        var keys = new Command("keys", "Create, list and revoke API keys (operator commands that work directly on the database)");
        keys.Subcommands.Add(CreateCommand(common));
        keys.Subcommands.Add(ListCommand(common));
        keys.Subcommands.Add(RevokeCommand(common));
        return keys;
    }

    private static Option<Guid> OrgOption() => new("--org") { Description = "Org the key belongs to", Required = true, HelpName = "org-id" };

    private static Command CreateCommand(CommonOptions common)
    {
        var org = OrgOption();
        var name = new Option<string>("--name") { Description = "What the key is for, to tell keys apart", Required = true };
        var role = new Option<string>("--role") { Description = "Role the key acts with", DefaultValueFactory = _ => "admin" };
        role.AcceptOnlyFromAmong([.. OrgRoleNames.All]);
        var command = new Command("create", "Make an API key; its secret is printed once and stored only as a hash") { org, name, role };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var keyName = CommandDatabase.DisplayName(result.GetValue(name));

            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            var orgId = result.GetValue(org);
            await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(orgId));
            await CommandDatabase.RequireOrgAsync(db, orgId, cancellationToken);

            var issued = db.IssueApiKey(orgId, keyName, OrgRoleNames.Parse(result.GetValue(role)!), Actor.Cli, common.Environment.Time.StorageNow());
            await db.SaveChangesAsync(cancellationToken);

            var key = issued.Key;
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(new CreatedKey(key.Id, key.OrgId, key.Name, key.Prefix, OrgRoleNames.ToWire(key.Role), issued.Secret));
            }
            else
            {
                common.Environment.Console.MarkupLine($"Created key [bold]{Markup.Escape(key.Name)}[/] ({key.Id}) for org {key.OrgId} with role {OrgRoleNames.ToWire(key.Role)}.");
                common.Environment.Console.MarkupLine("[yellow]Store this secret now; it is not shown again:[/]");
                common.Environment.Out.WriteLine(issued.Secret);
            }

            return 0;
        });
        return command;
    }

    private static Command ListCommand(CommonOptions common)
    {
        var org = OrgOption();
        var command = new Command("list", "List an org's API keys, revoked ones included") { org };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            var orgId = result.GetValue(org);
            await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(orgId));
            await CommandDatabase.RequireOrgAsync(db, orgId, cancellationToken);

            var rows = (await db.ApiKeys.AsNoTracking().OrderByDescending(k => k.CreatedAt).ToListAsync(cancellationToken))
                .Select(k => new KeyRow(k.Id, k.OrgId, k.Name, k.Prefix, OrgRoleNames.ToWire(k.Role), k.CreatedAt, k.CreatedBy, k.LastUsedAt, k.RevokedAt))
                .ToList();
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(rows);
                return 0;
            }

            var table = new Table().AddColumn("Key id").AddColumn("Name").AddColumn("Prefix").AddColumn("Role").AddColumn("Created (UTC)").AddColumn("Last used (UTC)").AddColumn("State");
            foreach (var row in rows)
            {
                table.AddRow(
                    row.KeyId.ToString(),
                    Markup.Escape(row.Name),
                    row.Prefix + "…",
                    row.Role,
                    Format(row.CreatedAt),
                    row.LastUsedAt is { } used ? Format(used) : "never",
                    row.RevokedAt is { } revoked ? $"[red]revoked {Format(revoked)}[/]" : "[green]active[/]");
            }

            common.Environment.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command RevokeCommand(CommonOptions common)
    {
        var keyId = new Argument<Guid>("key-id") { Description = "Id of the key to revoke (see `tranche keys list`)" };
        var command = new Command("revoke", "Revoke an API key; it stops working at once") { keyId };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            var id = result.GetValue(keyId);
            Guid orgId;
            await using (var lookup = TrancheDatabase.CreateContext(database))
            {
                orgId = await lookup.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == id).Select(k => (Guid?)k.OrgId).SingleOrDefaultAsync(cancellationToken)
                    ?? throw new CliException($"There is no API key {id}.");
            }

            await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(orgId));
            var key = (await db.RevokeApiKeyAsync(id, Actor.Cli, common.Environment.Time.StorageNow(), cancellationToken))!;
            await db.SaveChangesAsync(cancellationToken);

            var row = new KeyRow(key.Id, key.OrgId, key.Name, key.Prefix, OrgRoleNames.ToWire(key.Role), key.CreatedAt, key.CreatedBy, key.LastUsedAt, key.RevokedAt);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(row);
            }
            else
            {
                common.Environment.Console.MarkupLine($"Key [bold]{Markup.Escape(key.Name)}[/] ({key.Id}) of org {key.OrgId} is revoked since {Format(key.RevokedAt!.Value)} UTC.");
            }

            return 0;
        });
        return command;
    }

    private static string Format(DateTime time) => time.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
