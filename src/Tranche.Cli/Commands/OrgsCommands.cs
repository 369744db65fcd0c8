using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;

namespace Tranche.Cli.Commands;

/// <summary><c>tranche orgs create|list</c>: orgs, straight on the database, for operators bootstrapping a server.</summary>
internal static class OrgsCommands
{
    public sealed record OrgRow(
        Guid OrgId, string Name, string Kind, bool IsPartner, bool AllowNestedPartners, Guid? ParentOrgId, DateTime CreatedAt, DateTime? OffboardedAt, int ActiveKeys);

    public static Command Create(CommonOptions common)
    {
        var orgs = new Command("orgs", "Create and list orgs (operator commands that work directly on the database)");
        orgs.Subcommands.Add(CreateCommand(common));
        orgs.Subcommands.Add(ListCommand(common));
        orgs.Subcommands.Add(UpdateCommand(common));
        return orgs;
    }

    private static Command CreateCommand(CommonOptions common)
    {
        var name = new Option<string>("--name") { Description = "Display name of the org", Required = true };
        var partner = new Option<bool>("--partner") { Description = "Make it a partner org, which may own customer orgs" };
        var parent = new Option<Guid?>("--parent") { Description = "Partner org that owns the new org (makes it a customer org)", HelpName = "org-id" };
        var nested = new Option<bool>("--allow-nested-partners") { Description = "With --partner: the partner may register customer orgs that are partners themselves" };
        var command = new Command("create", "Create an org") { name, partner, parent, nested };
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

            if (result.GetValue(nested) && !result.GetValue(partner))
            {
                throw new CliException("--allow-nested-partners applies to partner orgs: add --partner.");
            }

            var now = common.Environment.Time.StorageNow();
            var org = new Org
            {
                Id = Guid.NewGuid(), Name = displayName, IsPartner = result.GetValue(partner), AllowNestedPartners = result.GetValue(nested), ParentOrgId = parentId, CreatedAt = now,
            };
            db.Orgs.Add(org);
            db.Record(org.Id, Actor.Cli, "org.created", org.Id.ToString(), new { org.Name, org.IsPartner, org.AllowNestedPartners, org.ParentOrgId }, now);
            await db.SaveChangesAsync(cancellationToken);

            var row = ToRow(org, 0);
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
            var rows = orgs.Select(o => ToRow(o, activeKeys.GetValueOrDefault(o.Id))).ToList();

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
                    (row.IsPartner ? "partner" : row.Kind) + (row.OffboardedAt is null ? "" : " (offboarded)"),
                    row.ParentOrgId is { } p ? Markup.Escape(names.GetValueOrDefault(p, p.ToString())) : "",
                    row.ActiveKeys.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    row.CreatedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture));
            }

            common.Environment.Console.Write(table);
            return 0;
        });
        return command;
    }

    private static Command UpdateCommand(CommonOptions common)
    {
        var id = new Argument<Guid>("org-id") { Description = "The org to change" };
        var name = new Option<string?>("--name") { Description = "New display name" };
        var partner = new Option<bool?>("--partner") { Description = "Whether the org is a partner (true or false)" };
        var nested = new Option<bool?>("--allow-nested-partners") { Description = "Whether the partner may register customer orgs that are partners themselves (true or false)" };
        var command = new Command("update", "Change an org's name, partner flag or nested-partner permission") { id, name, partner, nested };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var database = await CommandDatabase.OpenAsync(common, result, cancellationToken);
            await using var db = TrancheDatabase.CreateContext(database);
            var orgId = result.GetValue(id);
            var org = await db.Orgs.SingleOrDefaultAsync(o => o.Id == orgId, cancellationToken)
                ?? throw new CliException($"There is no org {orgId}. See `tranche orgs list`.");
            if (result.GetValue(name) is null && result.GetValue(partner) is null && result.GetValue(nested) is null)
            {
                throw new CliException("Nothing to change: give --name, --partner or --allow-nested-partners.");
            }

            var before = new { org.Name, org.IsPartner, org.AllowNestedPartners };
            org.Name = result.GetValue(name) is { } newName ? CommandDatabase.DisplayName(newName) : org.Name;
            org.IsPartner = result.GetValue(partner) ?? org.IsPartner;
            org.AllowNestedPartners = result.GetValue(nested) ?? org.AllowNestedPartners;
            if (org.AllowNestedPartners && !org.IsPartner)
            {
                throw new CliException($"Org {orgId} is not a partner org: nested partners apply to partners (add --partner true).");
            }

            var now = common.Environment.Time.StorageNow();
            db.Record(org.Id, Actor.Cli, "org.updated", org.Id.ToString(), new { before, after = new { org.Name, org.IsPartner, org.AllowNestedPartners } }, now);
            await db.SaveChangesAsync(cancellationToken);
            var activeKeys = await db.ApiKeys.IgnoreQueryFilters().CountAsync(k => k.OrgId == org.Id && k.RevokedAt == null, cancellationToken);
            var row = ToRow(org, activeKeys);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(row);
            }
            else
            {
                common.Environment.Console.MarkupLine(
                    $"Updated org [bold]{Markup.Escape(org.Name)}[/] ({org.Id}): partner {(org.IsPartner ? "yes" : "no")}, nested partners {(org.AllowNestedPartners ? "allowed" : "not allowed")}.");
            }

            return 0;
        });
        return command;
    }

    private static OrgRow ToRow(Org o, int activeKeys) =>
        new(o.Id, o.Name, KindOf(o), o.IsPartner, o.AllowNestedPartners, o.ParentOrgId, o.CreatedAt, o.OffboardedAt, activeKeys);

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
