using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;
using Tranche.Providers.Offerings;
using Tranche.Providers.Plans;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche plans --org</c>: the org's default commitment plans per provider, computed as the API computes them (and
/// stored, so the API serves the same plans).
/// </summary>
internal static class PlansCommand
{
    public sealed record PlanLine(string Pool, string Offer, string Type, int TermMonths, string PaymentOption, int Quantity, decimal MonthlyCost, decimal MonthlySavings);

    public sealed record PlanRow(
        Guid PlanId, string Provider, string Name, bool IsRecommended, double Coverage, decimal MonthlySavings, decimal UpfrontCost, double BreakevenHours,
        decimal ExpectedNetSavings, double LossProbability, string? Description, IReadOnlyList<PlanLine> LineItems);

    public static Command Create(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "Org to plan for", Required = true, HelpName = "org-id" };
        var provider = new Option<string?>("--provider") { Description = "Only this provider (default: every provider with billing data)" };
        provider.AcceptOnlyFromAmong("aws", "azure", "gcp");
        var command = new Command("plans", "Show the org's default commitment plans (Recommended, Balanced, High Savings) with savings and risk") { org, provider };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);

            var providers = await db.BillingPeriods.Select(p => p.Provider).Distinct().ToListAsync(cancellationToken);
            providers = [.. providers.Where(p => p is "aws" or "azure" or "gcp" && (result.GetValue(provider) is not { } only || only == p)).Order(StringComparer.Ordinal)];
            var catalogs = new OfferCatalogs(SandboxCatalog.Load());
            var rows = new List<PlanRow>();
            foreach (var name in providers)
            {
                var plans = await PlanGeneration.CurrentAsync(db, orgId, name, catalogs, common.Environment.Time.StorageNow(), cancellationToken);
                var ids = plans.Select(p => p.Id).ToList();
                var lines = (await db.PlanLineItems.AsNoTracking().Where(i => ids.Contains(i.PlanId)).ToListAsync(cancellationToken)).ToLookup(i => i.PlanId);
                rows.AddRange(plans.Select(p => new PlanRow(
                    p.Id, name, p.Name, p.IsRecommended, p.CommitmentCoverage, p.MonthlySavings, lines[p.Id].Sum(l => l.UpfrontCost), p.BreakevenHours,
                    p.ExpectedNetSavings, p.LossProbability, p.Description,
                    [.. lines[p.Id].OrderByDescending(l => l.MonthlySavings).Select(l => new PlanLine(
                        l.PoolKey, l.ProviderOfferingId, l.OfferType, l.TermMonths, l.PaymentOption, l.SelectedQuantity, l.MonthlyCost, l.MonthlySavings))])));
            }

            if (common.IsJson(result))
            {
                common.Environment.WriteJson(rows);
                return 0;
            }

            if (rows.Count == 0)
            {
                common.Environment.Console.MarkupLine("The org has no billing data to plan from yet: load an export with [bold]tranche ingest[/].");
                return 0;
            }

            var table = new Table().AddColumns("Provider", "Plan", "Coverage", "Savings / month", "Upfront", "Breakeven (h)", "Expected net", "P(loss)", "Purchases");
            foreach (var row in rows)
            {
                table.AddRow(
                    row.Provider, row.IsRecommended ? $"[bold]{Markup.Escape(row.Name)}[/] (recommended)" : Markup.Escape(row.Name), $"{row.Coverage:P0}",
                    $"{row.MonthlySavings:N2}", $"{row.UpfrontCost:N2}", $"{row.BreakevenHours:N0}", $"{row.ExpectedNetSavings:N2}", $"{row.LossProbability:P0}",
                    $"{row.LineItems.Count}");
            }

            common.Environment.Console.Write(table);
            return 0;
        });
        return command;
    }
}
