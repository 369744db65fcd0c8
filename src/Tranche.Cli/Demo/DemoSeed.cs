using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Ingest;
using Tranche.Ingest.Generation;
using Tranche.Providers.Onboarding;
using Tranche.Providers.Sandbox;

namespace Tranche.Cli.Demo;

/// <summary>What <c>demo</c> writes to <c>&lt;data-dir&gt;/demo-credentials.json</c>.</summary>
public sealed record DemoCredentials(
    [property: JsonPropertyName("partner_org_id")] string PartnerOrgId,
    [property: JsonPropertyName("partner_api_key")] string PartnerApiKey,
    [property: JsonPropertyName("orgs")] IReadOnlyList<DemoOrgCredentials> Orgs);

public sealed record DemoOrgCredentials(
    [property: JsonPropertyName("org_id")] string OrgId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("api_key")] string ApiKey);

/// <summary>
/// The demo installation: a partner org with three customer orgs, each with an admin key. Seeding happens once;
/// later starts reuse the same orgs and, while they still work, the same keys.
/// </summary>
public static class DemoSeed
{
    public const string CredentialsFileName = "demo-credentials.json";
    public const string PartnerName = "Northwind Cloud Partners";
    public static readonly IReadOnlyList<string> CustomerNames = ["Acme Retail", "Globex Logistics", "Initech Analytics"];

    private const string PartnerSettingKey = "demo.partner_org_id";
    private const string KeyName = "demo";

    public static async Task<DemoCredentials> EnsureAsync(DatabaseTarget database, string dataDirectory, DateTime now, Action<string>? say, CancellationToken cancellationToken)
    {
        var credentialsPath = Path.Combine(dataDirectory, CredentialsFileName);
        await using var db = TrancheDatabase.CreateContext(database);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var partner = await FindSeededPartnerAsync(db, cancellationToken);
        if (partner is null)
        {
            partner = SeedOrgs(db, now);
            await db.SaveChangesAsync(cancellationToken);
        }

        var customers = await db.Orgs.Where(o => o.ParentOrgId == partner.Id).OrderBy(o => o.Name).ToListAsync(cancellationToken);

        var previous = await ReadCredentialsAsync(credentialsPath, cancellationToken);
        var partnerKey = await ReuseOrIssueAsync(db, partner.Id, previous?.PartnerOrgId == partner.Id.ToString() ? previous.PartnerApiKey : null, now, cancellationToken);
        var orgs = new List<DemoOrgCredentials>();
        foreach (var customer in customers)
        {
            var previousKey = previous?.Orgs.FirstOrDefault(o => o.OrgId == customer.Id.ToString())?.ApiKey;
            orgs.Add(new DemoOrgCredentials(customer.Id.ToString(), customer.Name, await ReuseOrIssueAsync(db, customer.Id, previousKey, now, cancellationToken)));
        }

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var credentials = new DemoCredentials(partner.Id.ToString(), partnerKey, orgs);
        await WriteCredentialsAsync(credentialsPath, credentials, cancellationToken);
        await SeedBillingAsync(database, dataDirectory, customers, now, say, cancellationToken);
        return credentials;
    }

    /// <summary>
    /// Each customer org gets its own cloud and fleet: the sandbox cloud connected and verified, 120 days of generated
    /// FOCUS data up to yesterday loaded once (an org that already has billing data keeps it), and its inventory synced,
    /// which completes its onboarding.
    /// </summary>
    private static async Task SeedBillingAsync(DatabaseTarget database, string dataDirectory, IReadOnlyList<Org> customers, DateTime now, Action<string>? say, CancellationToken cancellationToken)
    {
        var clouds = new[] { ("aws", 80), ("azure", 40), ("gcp", 50) };
        for (var i = 0; i < customers.Count; i++)
        {
            var org = customers[i];
            bool hasBilling;
            await using (var db = TrancheDatabase.CreateContext(database, OrgScope.For(org.Id)))
            {
                hasBilling = await db.BillingPeriods.AnyAsync(cancellationToken);
                if (hasBilling && await db.CloudIntegrations.AnyAsync(cancellationToken))
                {
                    continue;
                }

                // Each demo customer is onboarded as a partner would onboard it: the sandbox cloud connected and verified.
                await CloudIntegrations.ConnectSandboxAsync(db, org.Id, Actor.Cli, now, cancellationToken);
            }

            if (hasBilling)
            {
                await SyncAsync(database, org.Id, now, cancellationToken);
                continue;
            }

            var (provider, instances) = clouds[i % clouds.Length];
            say?.Invoke($"Generating and loading {BillingDays} days of {provider} billing data for {org.Name} (first start only)...");

            // The files are scaffolding: the same seed writes them again, so they do not outlive the load.
            var folder = Path.Combine(dataDirectory, "tmp", "demo-billing-" + org.Id.ToString("N"));
            try
            {
                var manifest = FocusGenerator.Generate(new GenerateRequest(provider, BillingDays, Seed: 1000 + i, folder)
                {
                    End = DateOnly.FromDateTime(now),
                    Instances = instances,
                });
                var report = await BillingIngest.RunAsync(database, new IngestRequest(org.Id, [folder]), TimeProvider.System, progress: null, cancellationToken);
                if (report.Outcome != IngestOutcome.Loaded)
                {
                    throw new InvalidOperationException($"Demo billing data for {org.Name} did not load: {report.Problem}");
                }

                // The org's sandbox account holds the same commitments its billing data shows; a sync brings in their terms.
                await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(org.Id));
                var sandbox = new SandboxCloud(db);
                await sandbox.AddAsync(org.Id, SandboxTerms.For([.. manifest.Commitments.Select(c => new FleetCommitment(
                    provider, c.Id, c.Name, c.Type, c.Category, c.BillingAccountId, c.InstanceType, c.InstanceFamily, c.Region, c.Quantity, c.HourlyFee, c.Start, c.End))]),
                    now, cancellationToken);
                await SyncAsync(database, org.Id, now, cancellationToken);
            }
            finally
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        }
    }

    /// <summary>Syncs the inventory from the org's sandbox account, which completes its onboarding.</summary>
    private static async Task SyncAsync(DatabaseTarget database, Guid orgId, DateTime now, CancellationToken cancellationToken)
    {
        await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(orgId));
        await IntegrationSync.RunAsync(db, orgId, null, Actor.Cli, now, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await OnboardingStatus.CompleteIfReadyAsync(db, orgId, now, cancellationToken);
    }

    /// <summary>Days of billing data each demo org starts with.</summary>
    public const int BillingDays = 120;

    private static async Task<Org?> FindSeededPartnerAsync(TrancheDbContext db, CancellationToken cancellationToken)
    {
        var setting = await db.InstallationSettings.SingleOrDefaultAsync(s => s.Key == PartnerSettingKey, cancellationToken);
        return setting is not null && Guid.TryParse(setting.Value, out var id)
            ? await db.Orgs.SingleOrDefaultAsync(o => o.Id == id, cancellationToken)
            : null;
    }

    private static Org SeedOrgs(TrancheDbContext db, DateTime now)
    {
        var partner = new Org { Id = Guid.NewGuid(), Name = PartnerName, IsPartner = true, CreatedAt = now };
        db.Orgs.Add(partner);
        foreach (var name in CustomerNames)
        {
            db.Orgs.Add(new Org { Id = Guid.NewGuid(), Name = name, ParentOrgId = partner.Id, CreatedAt = now });
        }

        var setting = db.InstallationSettings.Local.FirstOrDefault(s => s.Key == PartnerSettingKey);
        if (setting is null)
        {
            db.InstallationSettings.Add(new InstallationSetting { Key = PartnerSettingKey, Value = partner.Id.ToString() });
        }
        else
        {
            setting.Value = partner.Id.ToString();
        }

        return partner;
    }

    /// <summary>Keeps a key from the credentials file if it still works for that org; otherwise makes a new one.</summary>
    private static async Task<string> ReuseOrIssueAsync(TrancheDbContext db, Guid orgId, string? previousSecret, DateTime now, CancellationToken cancellationToken)
    {
        if (previousSecret is not null)
        {
            var hash = ApiKeySecrets.Hash(previousSecret);
            var stillValid = await db.ApiKeys.IgnoreQueryFilters()
                .AnyAsync(k => k.SecretHash == hash && k.OrgId == orgId && k.RevokedAt == null, cancellationToken);
            if (stillValid)
            {
                return previousSecret;
            }
        }

        return db.IssueApiKey(orgId, KeyName, OrgRole.Admin, Actor.Cli, now).Secret;
    }

    private static async Task<DemoCredentials?> ReadCredentialsAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            await using var stream = File.OpenRead(path);
            return await JsonSerializer.DeserializeAsync<DemoCredentials>(stream, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            // A damaged file is replaced with fresh keys.
            return null;
        }
    }

    private static async Task WriteCredentialsAsync(string path, DemoCredentials credentials, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, JsonSerializer.Serialize(credentials, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
