using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;
using Tranche.Providers.Offerings;
using Tranche.Providers.Purchasing;
using Tranche.Providers.Sandbox;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche purchase --org --plan [--yes]</c> buys a plan in the org's cloud account (the sandbox cloud for now), with
/// the same checks and ledger as the API; <c>tranche purchases --org</c> lists what was bought.
/// </summary>
internal static class PurchaseCommands
{
    public sealed record PurchaseLine(string Type, string Offering, int Quantity, string State, string? OrderId, string? Error);

    public sealed record PurchaseRow(Guid PurchaseId, Guid PlanId, string Provider, string Status, DateTime CreatedAt, decimal UpfrontCost, decimal MonthlyCost, IReadOnlyList<PurchaseLine> Lines);

    public static IEnumerable<Command> Create(CommonOptions common)
    {
        yield return Purchase(common);
        yield return List(common);
    }

    private static Command Purchase(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "Org to buy for", Required = true, HelpName = "org-id" };
        var plan = new Option<Guid>("--plan") { Description = "Plan to buy (see `tranche plans`)", Required = true, HelpName = "plan-id" };
        var yes = new Option<bool>("--yes") { Description = "Buy without asking (required when not interactive)" };
        var command = new Command("purchase", "Buy a commitment plan in the org's cloud account") { org, plan, yes };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            var planId = result.GetValue(plan);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);
            var target = await db.CommitmentPlans.AsNoTracking().SingleOrDefaultAsync(p => p.Id == planId, cancellationToken)
                ?? throw new CliException($"Org {orgId} has no plan {planId}. See `tranche plans --org {orgId}`.");
            if (!result.GetValue(yes))
            {
                var console = common.Environment.Console;
                if (common.IsJson(result) || !console.Profile.Capabilities.Interactive)
                {
                    throw new CliException("Buying commitments spends real money: add --yes to confirm.");
                }

                var upfront = await db.PlanLineItems.Where(i => i.PlanId == planId && i.IsSelected).SumAsync(i => i.UpfrontCost, cancellationToken);
                if (!await console.ConfirmAsync($"Buy {Markup.Escape(target.Name)} ({target.Provider}): {target.MonthlySavings:N2}/month savings expected, {upfront:N2} upfront?", defaultValue: false, cancellationToken))
                {
                    throw new CliException("Nothing was bought.");
                }
            }

            var now = common.Environment.Time.StorageNow();
            var (purchase, refusal) = await PurchaseOrders.CreateAsync(db, orgId, planId, null, Actor.Cli, now, cancellationToken);
            if (refusal is not null)
            {
                throw new CliException(refusal.Message);
            }

            await PurchaseRunner.RunAsync(common.ResolveDatabase(result), db, orgId, purchase!.Id, new OfferCatalogs(SandboxCatalog.Load()), new SandboxFaults(), common.Environment.Time, cancellationToken);
            var row = await RowAsync(db, purchase, cancellationToken);
            Write(common, result, [row]);
            return row.Status == PurchaseStates.Succeeded ? 0 : 1;
        });
        return command;
    }

    private static Command List(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "Org whose purchases to list", Required = true, HelpName = "org-id" };
        var command = new Command("purchases", "List the org's purchases, newest first, with each line's outcome") { org };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, result.GetValue(org), cancellationToken);
            var rows = new List<PurchaseRow>();
            foreach (var purchase in await db.Purchases.AsNoTracking().OrderByDescending(p => p.CreatedAt).ToListAsync(cancellationToken))
            {
                rows.Add(await RowAsync(db, purchase, cancellationToken));
            }

            Write(common, result, rows);
            return 0;
        });
        return command;
    }

    private static async Task<PurchaseRow> RowAsync(TrancheDbContext db, PurchaseRecord purchase, CancellationToken cancellationToken)
    {
        var lines = await db.PurchaseLines.AsNoTracking().Where(l => l.PurchaseId == purchase.Id).OrderBy(l => l.Sequence).ToListAsync(cancellationToken);
        return new PurchaseRow(purchase.Id, purchase.PlanId, purchase.Provider, purchase.Status, purchase.CreatedAt, purchase.TotalUpfrontCost, purchase.TotalMonthlyCost,
            [.. lines.Select(l => new PurchaseLine(l.OfferType, l.ProviderOfferingId, l.Quantity, l.State, l.ProviderOrderId, l.Error))]);
    }

    private static void Write(CommonOptions common, ParseResult result, IReadOnlyList<PurchaseRow> rows)
    {
        if (common.IsJson(result))
        {
            common.Environment.WriteJson(rows);
            return;
        }

        if (rows.Count == 0)
        {
            common.Environment.Console.MarkupLine("No purchases yet.");
            return;
        }

        var table = new Table().AddColumns("Purchase", "Provider", "Status", "Upfront", "Monthly", "Line", "Quantity", "State", "Order");
        foreach (var row in rows)
        {
            foreach (var line in row.Lines)
            {
                table.AddRow(row.PurchaseId.ToString(), row.Provider, row.Status, $"{row.UpfrontCost:N2}", $"{row.MonthlyCost:N2}", Markup.Escape($"{line.Type} {line.Offering}"),
                    $"{line.Quantity}", line.State, Markup.Escape(line.OrderId ?? line.Error ?? ""));
            }
        }

        common.Environment.Console.Write(table);
    }
}
