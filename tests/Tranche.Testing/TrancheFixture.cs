using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server;
using Tranche.Server.Auth;

namespace Tranche.Testing;

/// <summary>
/// A real Tranche server on a loopback port, on a fresh database of its own. Tests talk to it over HTTP and
/// arrange data through the same database it uses.
/// </summary>
public abstract class TrancheFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private Uri? _baseAddress;
    private DatabaseTarget? _database;

    public abstract StoreKind Store { get; }

    /// <summary>Tests are not throttled unless they are about throttling.</summary>
    protected virtual RateLimitOptions RateLimit => new() { PermitsPerSecond = 0 };

    /// <summary>Configuration laid over the environment's for this server.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    /// <summary>Why this fixture's store cannot run here, or null.</summary>
    public string? SkipReason { get; private set; }

    public WebApplication App => _app ?? throw new InvalidOperationException(SkipReason ?? "The server has not started.");

    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException(SkipReason ?? "The server has not started.");

    public DatabaseTarget Database => _database ?? throw new InvalidOperationException(SkipReason ?? "The database has not been made.");

    public string DataDirectory { get; } = TestDatabases.NewTempDirectory("data");

    public TimeProvider Time { get; } = TimeProvider.System;

    /// <summary>The server's warnings and errors so far.</summary>
    public CollectedLogs Logs { get; } = new();

    public virtual async ValueTask InitializeAsync()
    {
        try
        {
            _database = await TestDatabases.CreateAsync(Store, GetType().Name.ToLowerInvariant());
        }
        catch (StoreUnavailableException e)
        {
            SkipReason = e.Message;
            return;
        }

        await TrancheDatabase.MigrateAsync(_database);
        _app = TrancheServer.Build(
            new TrancheServerOptions
            {
                Urls = ["http://127.0.0.1:0"],
                Database = _database,
                DataDirectory = DataDirectory,
                RateLimit = RateLimit,
                MinimumLogLevel = LogLevel.Warning,
                Time = Time,
                Settings = Settings,
            },
            configureServices: services =>
            {
                services.AddLogging(logging => logging.AddProvider(Logs));
                ConfigureServices(services);
            },
            configureApp: ConfigureApp);
        await _app.StartAsync();
        _baseAddress = new Uri(_app.Urls.First());
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    /// <summary>Services a fixture replaces after Tranche's own (for example an offer catalog other than the bundled one).</summary>
    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Extra endpoints a fixture needs (for example one that fails on purpose).</summary>
    protected virtual void ConfigureApp(WebApplication app)
    {
    }

    /// <summary>Skips the calling test when this store cannot run on this machine, saying why.</summary>
    public void SkipIfUnavailable()
    {
        if (SkipReason is not null)
        {
            Assert.Skip(SkipReason);
        }
    }

    /// <summary>An HTTP client for this server, sending <paramref name="apiKey"/> in <c>x-api-key</c> when given.</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("x-api-key", apiKey);
        }

        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    public TrancheDbContext Db(Guid? orgId = null) => TrancheDatabase.CreateContext(Database, orgId is { } id ? OrgScope.For(id) : null);

    public async Task<Org> CreateOrgAsync(string? name = null, bool partner = false, Guid? parent = null)
    {
        await using var db = Db();
        var org = new Org
        {
            Id = Guid.NewGuid(),
            Name = name ?? $"Org {Guid.NewGuid():N}"[..12],
            IsPartner = partner,
            ParentOrgId = parent,
            CreatedAt = Time.StorageNow(),
        };
        db.Orgs.Add(org);
        await db.SaveChangesAsync();
        return org;
    }

    /// <summary>Makes a key for <paramref name="orgId"/> and returns its secret.</summary>
    public async Task<string> CreateKeyAsync(Guid orgId, OrgRole role = OrgRole.Admin, string name = "test")
    {
        await using var db = Db(orgId);
        var issued = db.IssueApiKey(orgId, name, role, Actor.System, Time.StorageNow());
        await db.SaveChangesAsync();
        return issued.Secret;
    }

    /// <summary>
    /// A partner with two customer orgs, a standalone org, and a second partner with a customer of its own,
    /// each with an admin key: the cast of every tenancy test.
    /// </summary>
    public async Task<Tenants> CreateTenantsAsync()
    {
        var partner = await CreateOrgAsync("Partner A", partner: true);
        var child = await CreateOrgAsync("Customer A1", parent: partner.Id);
        var sibling = await CreateOrgAsync("Customer A2", parent: partner.Id);
        var direct = await CreateOrgAsync("Direct D");
        var otherPartner = await CreateOrgAsync("Partner B", partner: true);
        var otherChild = await CreateOrgAsync("Customer B1", parent: otherPartner.Id);
        return new Tenants(
            new Tenant(partner, await CreateKeyAsync(partner.Id)),
            new Tenant(child, await CreateKeyAsync(child.Id)),
            new Tenant(sibling, await CreateKeyAsync(sibling.Id)),
            new Tenant(direct, await CreateKeyAsync(direct.Id)),
            new Tenant(otherPartner, await CreateKeyAsync(otherPartner.Id)),
            new Tenant(otherChild, await CreateKeyAsync(otherChild.Id)));
    }
}

public sealed record Tenant(Org Org, string Key)
{
    public Guid Id => Org.Id;
}

public sealed record Tenants(Tenant Partner, Tenant Child, Tenant Sibling, Tenant Direct, Tenant OtherPartner, Tenant OtherChild);

public class SqliteTranche : TrancheFixture
{
    public override StoreKind Store => StoreKind.Sqlite;
}

public class PostgresTranche : TrancheFixture
{
    public override StoreKind Store => StoreKind.Postgres;
}
