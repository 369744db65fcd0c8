using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche orgs create|list</c>: orgs, straight on the database, for operators bootstrapping a server.</summary>
internal static class OrgsCommands
{
    public sealed record OrgRow(Guid OrgId, string Name, string Kind, bool IsPartner, Guid? ParentOrgId, DateTime CreatedAt, int ActiveKeys);

    public static Command Create(CommonOptions common)
    {
        var orgs = new Command("orgs", "Create and list orgs (operator commands that work directly on the database)");
        orgs.Subcommands.Add(CreateCommand(common));
        orgs.Subcommands.Add(ListCommand(common));
        return orgs;
    }

    private static Command CreateCommand(CommonOptions common)
    {
        var name = new Option<string>("--name") { Description = "Display name of the org", Required = true };
        var partner = new Option<bool>("--partner") { Description = "Make it a partner org, which may own customer orgs" };
        var parent = new Option<Guid?>("--parent") { Description = "Partner org that owns the new org (makes it a customer org)", HelpName = "org-id" };
        var command = new Command("create", "Create an org") { name, partner, parent };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var displayName = CommandDatabase.DisplayName(result.GetValue(name));

            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            await using var db = TrancheDatabase.CreateContext(database);
            var parentId = result.GetValue(parent);
            if (parentId is { } id)
            {
                var owner = await db.Orgs.SingleOrDefaultAsync(o => o.Id == id, cancellationToken)
                    ?? throw new CliException($"There is no org {id} to be the parent.");
                if (!owner.IsPartner)
                {
                    throw new CliException($"Org {id} ({owner.Name}) is not a partner org, so it cannot own customer orgs. Create partners with --partner.");
                }
            }

            var now = common.Environment.Time.StorageNow();
            var org = new Org { Id = Guid.NewGuid(), Name = displayName, IsPartner = result.GetValue(partner), ParentOrgId = parentId, CreatedAt = now };
            db.Orgs.Add(org);
            db.Record(org.Id, Actor.Cli, "org.created", org.Id.ToString(), new { org.Name, org.IsPartner, org.ParentOrgId }, now);
            await db.SaveChangesAsync(cancellationToken);

            var row = new OrgRow(org.Id, org.Name, KindOf(org), org.IsPartner, org.ParentOrgId, org.CreatedAt, 0);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(row);
            }
            else
            {
                common.Environment.Console.MarkupLine($"Created org [bold]{Markup.Escape(org.Name)}[/] with id [bold]{org.Id}[/].");
                common.Environment.Console.MarkupLine($"[grey]Make its first key with: tranche keys create --org {org.Id} --name admin[/]");
            }

            return 0;
        });
        return command;
    }

    private static Command ListCommand(CommonOptions common)
    {
        var command = new Command("list", "List every org with its kind, parent and number of active keys");
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            await using var db = TrancheDatabase.CreateContext(database);
            var orgs = await db.Orgs.AsNoTracking().OrderBy(o => o.Name).ThenBy(o => o.Id).ToListAsync(cancellationToken);
            var activeKeys = await db.ApiKeys.IgnoreQueryFilters().Where(k => k.RevokedAt == null)
                .GroupBy(k => k.OrgId).Select(g => new { OrgId = g.Key, Count = g.Count() })
                .ToDictionaryAsync(g => g.OrgId, g => g.Count, cancellationToken);
            var rows = orgs.Select(o => new OrgRow(o.Id, o.Name, KindOf(o), o.IsPartner, o.ParentOrgId, o.CreatedAt, activeKeys.GetValueOrDefault(o.Id))).ToList();

            if (common.IsJson(result))
            {
                common.Environment.WriteJson(rows);
                return 0;
            }

            var names = orgs.ToDictionary(o => o.Id, o => o.Name);
            var table = new Table().AddColumn("Org id").AddColumn("Name").AddColumn("Kind").AddColumn("Parent").AddColumn(new TableColumn("Active keys").RightAligned()).AddColumn("Created (UTC)");
            foreach (var row in rows)
            {
                table.AddRow(
                    row.OrgId.ToString(),
                    Markup.Escape(row.Name),
                    row.IsPartner ? "partner" : row.Kind,
                    row.ParentOrgId is { } p ? Markup.Escape(names.GetValueOrDefault(p, p.ToString())) : "",
                    row.ActiveKeys.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    row.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
            }

            common.Environment.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static string KindOf(Org org) => org.Kind == Domain.Tenancy.OrgKind.Partnership ? "partnership" : "direct";
}

/// <summary>Opens the database a command names, making it current on SQLite as <c>serve</c> would, and the checks commands share.</summary>
internal static class CommandDatabase
{
    /// <summary>A <c>--name</c> value, trimmed: 1 to 200 characters, as the API requires.</summary>
    public static string DisplayName(string? value)
    {
        var name = value?.Trim() ?? "";
        return name.Length is > 0 and <= 200 ? name : throw new CliException("--name must be 1 to 200 characters.");
    }

    public static async Task RequireOrgAsync(TrancheDbContext db, Guid orgId, CancellationToken cancellationToken)
    {
        if (!await db.Orgs.AnyAsync(o => o.Id == orgId, cancellationToken))
        {
            throw new CliException($"There is no org {orgId}. See `tranche orgs list`.");
        }
    }

    /// <summary>A context scoped to an org that exists, for commands that act on one org's data.</summary>
    public static async Task<TrancheDbContext> OpenOrgAsync(CommonOptions common, ParseResult result, Guid orgId, CancellationToken cancellationToken)
    {
        var db = TrancheDatabase.CreateContext(await OpenAsync(common, result, cancellationToken), OrgScope.For(orgId));
        try
        {
            await RequireOrgAsync(db, orgId, cancellationToken);
            return db;
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    public static async Task<DatabaseTarget> OpenAsync(CommonOptions common, ParseResult result, CancellationToken cancellationToken)
    {
        var database = common.ResolveDatabase(result);
        await TrancheDatabase.PrepareAsync(database, migrate: false, cancellationToken);
        return database;
    }
}
