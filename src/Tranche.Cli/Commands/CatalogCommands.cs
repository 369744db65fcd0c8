using System.CommandLine;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Spectre.Console;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Providers.Offerings;
using Tranche.Providers.Onboarding;
using Tranche.Providers.Sandbox.Catalog;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche catalog --org</c>: the offer catalog each provider's plans are computed from (read from the provider's
/// offering APIs through the org's cloud integration, or the bundled sandbox catalog), and <c>tranche catalog read</c>,
/// which reads it now instead of waiting for the server's daily read.
/// </summary>
internal static class CatalogCommands
{
    private static readonly string[] s_clouds = ["aws", "azure", "gcp"];

    public sealed record CatalogRow(
        string Provider, string Source, string Version, DateTime? ReadAt, int Pools, int PoolsAsked, IReadOnlyList<string> Unpriced,
        DateTime? LastAttemptAt, string? LastError, IReadOnlyList<PoolPrices> Prices);

    public sealed record PoolPrices(string Region, string InstanceType, decimal OnDemandHourly, int Offers, decimal? BestOneYearDiscount, decimal? BestThreeYearDiscount);

    public static Command Create(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "The org", Required = true, HelpName = "org-id" };
        var provider = ProviderOption();
        var command = new Command("catalog", "The offer catalog each provider's plans are computed from: read from the provider's offering APIs, or the bundled sandbox catalog") { org, provider };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);
            var rows = await RowsAsync(db, orgId, result.GetValue(provider), cancellationToken);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(rows);
                return 0;
            }

            Write(common.Environment.Console, rows);
            return 0;
        });
        command.Subcommands.Add(ReadCommand(common));
        return command;
    }

    private static Option<string?> ProviderOption()
    {
        var provider = new Option<string?>("--provider") { Description = "Only this provider (default: all)" };
        provider.AcceptOnlyFromAmong(s_clouds);
        return provider;
    }

    private static Command ReadCommand(CommonOptions common)
    {
        var org = new Option<Guid>("--org") { Description = "The org whose catalogs to read", Required = true, HelpName = "org-id" };
        var provider = ProviderOption();
        var command = new Command("read", "Read the org's offer catalogs from the providers' offering APIs now, through its verified cloud integrations, and store them") { org, provider };
        command.SetGuardedAction(common, async (result, cancellationToken) =>
        {
            var orgId = result.GetValue(org);
            await using var db = await CommandDatabase.OpenOrgAsync(common, result, orgId, cancellationToken);
            var now = common.Environment.Time.StorageNow();
            using var http = OfferingReaders.CreateHttpClient();
            var readers = OfferingReaders.Create(CloudSettings.From(common.Environment.Variables), http, common.Environment.Time);
            IReadOnlyList<CatalogReadResult> reads = [];
            if (common.IsJson(result))
            {
                reads = await ProviderCatalogs.ReadAsync(db, orgId, readers, result.GetValue(provider), Actor.Cli, now, cancellationToken);
                common.Environment.WriteJson(reads);
                return reads.Any(r => r.Error is not null) ? 1 : 0;
            }

            await common.Environment.Console.Status().StartAsync("Reading offer catalogs from the providers' APIs…", async _ =>
                reads = await ProviderCatalogs.ReadAsync(db, orgId, readers, result.GetValue(provider), Actor.Cli, now, cancellationToken));
            if (reads.Count == 0)
            {
                common.Environment.Console.MarkupLine("The org has no verified integration with AWS, Azure or GCP: its plans use the bundled sandbox catalog.");
                return 0;
            }

            var table = new Table().AddColumns("Provider", "Version", "Pools asked", "Priced", "Not priced", "Error");
            foreach (var read in reads)
            {
                table.AddRow(read.Provider, read.Version ?? "", $"{read.PoolsAsked:N0}", $"{read.PoolsPriced:N0}", $"{read.Unpriced.Count:N0}", Markup.Escape(read.Error ?? ""));
            }

            common.Environment.Console.Write(table);
            return reads.Any(r => r.Error is not null) ? 1 : 0;
        });
        return command;
    }

    private static async Task<IReadOnlyList<CatalogRow>> RowsAsync(TrancheDbContext db, Guid orgId, string? onlyProvider, CancellationToken cancellationToken)
    {
        var stored = await db.ProviderOfferCatalogs.AsNoTracking().Where(c => c.OrgId == orgId).ToListAsync(cancellationToken);
        var rows = new List<CatalogRow>();
        foreach (var provider in s_clouds.Where(p => onlyProvider is null || p == onlyProvider))
        {
            var row = stored.FirstOrDefault(c => c.Provider == provider);
            if (row?.Catalog is { } json)
            {
                var catalog = ProviderCatalogs.Read(json);
                rows.Add(new CatalogRow(
                    provider, "provider offering APIs", catalog.Version, row.ReadAt, catalog.Entries.Count, row.PoolsAsked, ProviderCatalogs.ReadUnpriced(row.Unpriced),
                    row.AttemptedAt, row.LastError, Prices(catalog, provider)));
            }
            else
            {
                var bundled = SandboxCatalog.Load();
                var entries = bundled.Entries.Count(e => e.Provider == provider);
                rows.Add(new CatalogRow(
                    provider, "bundled sandbox catalog", bundled.Version, null, entries, 0, [], row?.AttemptedAt, row?.LastError, Prices(bundled, provider)));
            }
        }

        return rows;
    }

    private static List<PoolPrices> Prices(OfferCatalog catalog, string provider) =>
        [.. catalog.Entries.Where(e => e.Provider == provider).Select(e => new PoolPrices(
            e.Region, e.InstanceType, e.OnDemandHourly, e.Offers.Count, BestDiscount(e, 12), BestDiscount(e, 36)))];

    private static decimal? BestDiscount(CatalogEntry entry, int termMonths) =>
        entry.Offers.Where(o => o.Offer.TermMonths == termMonths).Select(o => (decimal?)(1 - o.DiscountRatio)).Max() is { } best ? decimal.Round(best, 4) : null;

    private static void Write(IAnsiConsole console, IReadOnlyList<CatalogRow> rows)
    {
        var summary = new Table().AddColumns("Provider", "Catalog", "Version", "Read (UTC)", "Pools priced", "Not priced", "Last error");
        foreach (var row in rows)
        {
            summary.AddRow(
                row.Provider, row.Source, Markup.Escape(row.Version), row.ReadAt?.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "",
                $"{row.Pools:N0}", $"{row.Unpriced.Count:N0}", Markup.Escape(row.LastError ?? ""));
        }

        console.Write(summary);
        foreach (var row in rows.Where(r => r.Unpriced.Count > 0))
        {
            console.MarkupLine($"[yellow]{row.Provider}: not priced[/]");
            foreach (var reason in row.Unpriced.Take(20))
            {
                console.MarkupLine("  " + Markup.Escape(reason));
            }

            if (row.Unpriced.Count > 20)
            {
                console.MarkupLine($"  … and {row.Unpriced.Count - 20:N0} more (--json lists all)");
            }
        }
    }
}
