using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Providers.Offerings;
using Tranche.Providers.Sandbox.Catalog;
using Tranche.Server.Scheduling;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>
/// An org with a verified AWS integration gets its plans from the catalog read from AWS's offering APIs (here a
/// stand-in reader that prices what it is asked for 10% below the bundled catalog, under its own offer ids).
/// </summary>
public abstract class ProviderCatalogTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture, IStandInOfferings
{
    [Fact]
    public async Task Plans_of_an_org_with_a_real_cloud_integration_come_from_the_catalog_read_from_its_offering_apis()
    {
        var (tenants, _) = await Server.CustomerWithAwsBillingAsync();
        var child = tenants.Child.Id;
        using var partner = Server.Client(tenants.Partner.Key);
        var reader = Server.Offerings;
        Assert.Equal(SandboxCatalog.Load().Version, await CatalogVersionOfPlansAsync(partner, child));

        await VerifiedAwsIntegrationAsync(child);
        var job = ActivatorUtilities.CreateInstance<OfferCatalogReadJob>(Server.App.Services);
        await job.ReadDueAsync(Cancel);

        // It asked for exactly the instance pools the billing shows.
        await using (var db = Server.Db(child))
        {
            var billed = await db.UsagePools.Where(p => p.Provider == "aws" && p.InstanceType != null && p.RegionId != null)
                .Select(p => p.RegionId + "/" + p.InstanceType).Distinct().ToListAsync(Cancel);
            Assert.Equal(billed.Order(StringComparer.Ordinal), reader.Asked(child).Select(p => $"{p.Region}/{p.InstanceType}").Order(StringComparer.Ordinal));
            var stored = await db.ProviderOfferCatalogs.SingleAsync(c => c.Provider == "aws", Cancel);
            Assert.StartsWith("aws-offerings-", stored.Version, StringComparison.Ordinal);
            Assert.Null(stored.LastError);
            Assert.Equal(billed.Count, stored.PoolsAsked);
            Assert.Equal(billed.Count(p => SandboxCatalog.Load().Find("aws", p.Split('/')[0], p.Split('/')[1]) is not null), stored.PoolsPriced);
        }

        // The plans were computed again from it at once: its version, its offer ids, its prices.
        string version;
        await using (var db = Server.Db(child))
        {
            version = (await db.ProviderOfferCatalogs.SingleAsync(c => c.Provider == "aws", Cancel)).Version!;
        }

        var plans = await PlansAsync(partner, child);
        Assert.Equal(version, await CatalogVersionOfPlansAsync(partner, child));
        var lines = plans.EnumerateArray().SelectMany(p => p.GetProperty("line_items").EnumerateArray()).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.StartsWith(StandInOfferingReader.IdPrefix, l.GetProperty("provider_offering_id").GetString(), StringComparison.Ordinal));

        // The comparison finds the plan's offers and their alternatives in the read catalog (the bundled one has none of these ids).
        using var childKey = Server.Client(tenants.Child.Key);
        var planId = plans.EnumerateArray().First(p => p.GetProperty("line_items").GetArrayLength() > 0).GetProperty("plan").GetProperty("id").GetString();
        var comparison = await childKey.GetAsync($"/v1/org/{child}/commitment-plans/{planId}/comparison?payment_options=no_upfront,all_upfront", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, comparison);
        var rows = (await comparison.JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        Assert.NotEmpty(rows);
        Assert.All(rows, row => Assert.True(row.GetProperty("candidates").GetArrayLength() > 1));

        // Read within the day: not read again.
        var reads = reader.Reads(child);
        await job.ReadDueAsync(Cancel);
        Assert.Equal(reads, reader.Reads(child));

        // A failed read a day later keeps the catalog read before it, and says why.
        reader.FailFor(child, "EC2 DescribeReservedInstancesOfferings in us-east-1 answered UnauthorizedOperation: not allowed");
        await using (var db = Server.Db(child))
        {
            var stored = await db.ProviderOfferCatalogs.SingleAsync(c => c.Provider == "aws", Cancel);
            stored.ReadAt = stored.AttemptedAt = stored.ReadAt!.Value.AddHours(-25);
            await db.SaveChangesAsync(Cancel);
        }

        await job.ReadDueAsync(Cancel);
        Assert.Equal(reads + 1, reader.Reads(child));
        await using (var db = Server.Db(child))
        {
            var stored = await db.ProviderOfferCatalogs.SingleAsync(c => c.Provider == "aws", Cancel);
            Assert.Equal(version, stored.Version);
            Assert.Contains("UnauthorizedOperation", stored.LastError, StringComparison.Ordinal);
            Assert.Contains(await db.AuditEvents.Select(a => a.Action).ToListAsync(Cancel), a => a == "offer_catalog.read_failed");
        }

        Assert.Equal(version, await CatalogVersionOfPlansAsync(partner, child));
    }

    private async Task VerifiedAwsIntegrationAsync(Guid orgId)
    {
        await using var db = Server.Db(orgId);
        var now = DateTime.UtcNow;
        db.CloudIntegrations.Add(new CloudIntegration
        {
            Id = Guid.NewGuid(), OrgId = orgId, Provider = "aws", State = CloudIntegrationStates.Verified, ExternalId = Guid.NewGuid().ToString("N"),
            AccountId = "123456789012", RoleArn = "arn:aws:iam::123456789012:role/TrancheReadOnly-x", PurchaseRoleArn = "arn:aws:iam::123456789012:role/TranchePurchase-x",
            CreatedAt = now, VerifiedAt = now, LastVerifiedAt = now,
        });
        await db.SaveChangesAsync(Cancel);
    }

    private async Task<JsonElement> PlansAsync(HttpClient partner, Guid child)
    {
        var response = await partner.GetAsync($"/v2/org/{child}/partners/plans/default", Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, response);
        return (await response.JsonAsync()).GetProperty("plans");
    }

    private async Task<string?> CatalogVersionOfPlansAsync(HttpClient partner, Guid child) =>
        (await PlansAsync(partner, child)).EnumerateArray().Select(p => p.GetProperty("configuration").GetProperty("catalog_version").GetString()).Distinct().Single();
}

/// <summary>A fixture whose server reads offer catalogs through <see cref="StandInOfferingReader"/>.</summary>
public interface IStandInOfferings
{
    StandInOfferingReader Offerings { get; }
}

/// <summary>
/// An AWS offering reader that prices each pool it is asked for as the bundled catalog does, 10% cheaper and under
/// its own offer ids; pools the bundled catalog lacks are not priced. It can be told to fail for an org.
/// </summary>
public sealed class StandInOfferingReader : IOfferingReader
{
    public const string IdPrefix = "aws-api:";

    private readonly ConcurrentDictionary<Guid, List<PricedPool>> _asked = new();
    private readonly ConcurrentDictionary<Guid, int> _reads = new();
    private readonly ConcurrentDictionary<Guid, string> _failures = new();

    public string Provider => "aws";

    public IReadOnlyList<PricedPool> Asked(Guid orgId) => _asked.GetValueOrDefault(orgId) ?? [];

    public int Reads(Guid orgId) => _reads.GetValueOrDefault(orgId);

    public void FailFor(Guid orgId, string message) => _failures[orgId] = message;

    public Task<ProviderOfferings> ReadAsync(CloudIntegration integration, IReadOnlyList<PricedPool> pools, CancellationToken cancellationToken)
    {
        _reads.AddOrUpdate(integration.OrgId, 1, (_, n) => n + 1);
        _asked[integration.OrgId] = [.. pools];
        if (_failures.TryGetValue(integration.OrgId, out var failure))
        {
            throw new OfferingReadException(failure);
        }

        var bundled = SandboxCatalog.Load();
        var entries = new List<CatalogEntry>();
        var unpriced = new List<string>();
        foreach (var pool in pools)
        {
            if (bundled.Find("aws", pool.Region, pool.InstanceType) is not { } entry)
            {
                unpriced.Add($"aws/{pool}: no price");
                continue;
            }

            entries.Add(entry with
            {
                Offers = [.. entry.Offers.Select(o => o with
                {
                    Offer = o.Offer with
                    {
                        OfferId = IdPrefix + o.Offer.OfferId,
                        UpfrontPerUnit = decimal.Round(o.Offer.UpfrontPerUnit * 0.9m, 2),
                        HourlyPerUnit = decimal.Round(o.Offer.HourlyPerUnit * 0.9m, 6),
                    },
                })],
            });
        }

        var sources = new[] { new CatalogSource("aws-stand-in", "aws", "A stand-in of AWS's offering APIs", "https://ec2.us-east-1.amazonaws.com/", DateOnly.FromDateTime(DateTime.UtcNow), "everything") };
        return Task.FromResult(new ProviderOfferings(sources, entries, [], unpriced));
    }
}

public sealed class SqliteStandInOfferings : SqliteTranche, IStandInOfferings
{
    public StandInOfferingReader Offerings { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IReadOnlyList<IOfferingReader>>([Offerings]);
}

public sealed class PostgresStandInOfferings : PostgresTranche, IStandInOfferings
{
    public StandInOfferingReader Offerings { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IReadOnlyList<IOfferingReader>>([Offerings]);
}

public sealed class ProviderCatalogOnSqlite(SqliteStandInOfferings fixture) : ProviderCatalogTests<SqliteStandInOfferings>(fixture), IClassFixture<SqliteStandInOfferings>;

public sealed class ProviderCatalogOnPostgres(PostgresStandInOfferings fixture) : ProviderCatalogTests<PostgresStandInOfferings>(fixture), IClassFixture<PostgresStandInOfferings>;
