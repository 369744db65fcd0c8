using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Tranche.Domain.Tenancy;

namespace Tranche.Data;

/// <summary>
/// The one database model. Each provider has a subclass only so that its migrations live apart
/// (<see cref="SqliteTrancheDbContext"/>, <see cref="PostgresTrancheDbContext"/>).
/// </summary>
public abstract class TrancheDbContext(DbContextOptions options) : DbContext(options)
{
    private OrgScope _orgScope = new();

    public DbSet<Org> Orgs => Set<Org>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    public DbSet<AuditEvent> AuditEvents => Set<AuditEvent>();

    public DbSet<InstallationSetting> InstallationSettings => Set<InstallationSetting>();

    public DbSet<BillingPeriod> BillingPeriods => Set<BillingPeriod>();

    public DbSet<ChargeDay> ChargeDays => Set<ChargeDay>();

    public DbSet<UsagePool> UsagePools => Set<UsagePool>();

    public DbSet<UsageDay> UsageDays => Set<UsageDay>();

    public DbSet<BilledCommitment> BilledCommitments => Set<BilledCommitment>();

    public DbSet<CommitmentDay> CommitmentDays => Set<CommitmentDay>();

    public DbSet<CommitmentCoverage> CommitmentCoverage => Set<CommitmentCoverage>();

    public DbSet<BilledResource> BilledResources => Set<BilledResource>();

    public DbSet<ResourcePeriod> ResourcePeriods => Set<ResourcePeriod>();

    public DbSet<Upload> Uploads => Set<Upload>();

    public DbSet<Commitment> Commitments => Set<Commitment>();

    public DbSet<SandboxCommitment> SandboxCommitments => Set<SandboxCommitment>();

    public DbSet<CommitmentPlanRecord> CommitmentPlans => Set<CommitmentPlanRecord>();

    public DbSet<PlanLineItemRecord> PlanLineItems => Set<PlanLineItemRecord>();

    public DbSet<PurchaseRecord> Purchases => Set<PurchaseRecord>();

    public DbSet<PurchaseLineRecord> PurchaseLines => Set<PurchaseLineRecord>();

    public DbSet<SandboxOrder> SandboxOrders => Set<SandboxOrder>();

    public DbSet<PurchasePolicy> PurchasePolicies => Set<PurchasePolicy>();

    public DbSet<OrgEvent> OrgEvents => Set<OrgEvent>();

    public DbSet<AutomationPolicy> AutomationPolicies => Set<AutomationPolicy>();

    public DbSet<AutomationRun> AutomationRuns => Set<AutomationRun>();

    public DbSet<PartnerBranding> PartnerBrandings => Set<PartnerBranding>();

    public DbSet<OrgUser> OrgUsers => Set<OrgUser>();

    public DbSet<CloudIntegration> CloudIntegrations => Set<CloudIntegration>();

    public DbSet<ProviderOfferCatalog> ProviderOfferCatalogs => Set<ProviderOfferCatalog>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    /// <summary>Read by the query filters on every query, so it is a parameter, not a constant.</summary>
    public Guid? ScopedOrgId => _orgScope.OrgId;

    /// <summary>
    /// The org this context acts on. Contexts are pooled, so the scope is handed in each time one is rented and
    /// dropped when it goes back: a context never carries one request's org into the next.
    /// </summary>
    public OrgScope OrgScope
    {
        get => _orgScope;
        set => _orgScope = value ?? new OrgScope();
    }

    public override void Dispose()
    {
        _orgScope = new OrgScope();
        base.Dispose();
        GC.SuppressFinalize(this);
    }

    public override ValueTask DisposeAsync()
    {
        _orgScope = new OrgScope();
        GC.SuppressFinalize(this);
        return base.DisposeAsync();
    }

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Everything is UTC; SQLite hands DateTime back unspecified, so say so on the way out.
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        configurationBuilder.Properties<DateTime?>().HaveConversion<NullableUtcDateTimeConverter>();

        // Money is exact fixed point on both stores: whole billionths of the currency unit in a 64-bit integer,
        // summable in SQL and free of binary rounding.
        configurationBuilder.Properties<decimal>().HaveConversion<NanoUnitsConverter>();
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Org>(org =>
        {
            org.ToTable("orgs");
            org.HasKey(o => o.Id);
            org.Property(o => o.Id).HasColumnName("id").ValueGeneratedNever();
            org.Property(o => o.Name).HasColumnName("name").HasMaxLength(200);
            org.Property(o => o.ParentOrgId).HasColumnName("parent_org_id");
            org.Property(o => o.IsPartner).HasColumnName("is_partner");
            org.Property(o => o.CreatedAt).HasColumnName("created_at");
            org.Property(o => o.Email).HasMaxLength(255);
            org.Property(o => o.OffboardReason).HasMaxLength(500);
            org.Ignore(o => o.Kind);
            org.HasOne(o => o.Parent).WithMany().HasForeignKey(o => o.ParentOrgId).OnDelete(DeleteBehavior.Restrict);
            org.HasIndex(o => o.ParentOrgId);
        });

        modelBuilder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasColumnName("id").ValueGeneratedNever();
            key.Property(k => k.OrgId).HasColumnName("org_id");
            key.Property(k => k.Name).HasColumnName("name").HasMaxLength(200);
            key.Property(k => k.Prefix).HasColumnName("prefix").HasMaxLength(32);
            key.Property(k => k.SecretHash).HasColumnName("secret_hash").HasMaxLength(32);
            key.Property(k => k.Role).HasColumnName("role").HasConversion(RoleConverter).HasMaxLength(32);
            key.Property(k => k.CreatedAt).HasColumnName("created_at");
            key.Property(k => k.CreatedBy).HasColumnName("created_by").HasMaxLength(100);
            key.Property(k => k.LastUsedAt).HasColumnName("last_used_at");
            key.Property(k => k.RevokedAt).HasColumnName("revoked_at");
            key.HasIndex(k => k.SecretHash).IsUnique();
            key.HasIndex(k => k.OrgId);
            key.HasOne(k => k.Org).WithMany().HasForeignKey(k => k.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("audit_events");
            audit.HasKey(a => a.Id);
            audit.Property(a => a.Id).HasColumnName("id").ValueGeneratedNever();
            audit.Property(a => a.OrgId).HasColumnName("org_id");
            audit.Property(a => a.OccurredAt).HasColumnName("occurred_at");
            audit.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(100);
            audit.Property(a => a.ActorKeyId).HasColumnName("actor_key_id");
            audit.Property(a => a.Action).HasColumnName("action").HasMaxLength(100);
            audit.Property(a => a.TargetId).HasColumnName("target_id").HasMaxLength(200);
            audit.Property(a => a.RequestId).HasColumnName("request_id").HasMaxLength(100);
            audit.Property(a => a.Details).HasColumnName("details");
            audit.HasIndex(a => new { a.OrgId, a.OccurredAt });
            audit.HasOne<Org>().WithMany().HasForeignKey(a => a.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<InstallationSetting>(setting =>
        {
            setting.ToTable("installation_settings");
            setting.HasKey(s => s.Key);
            setting.Property(s => s.Key).HasColumnName("key").HasMaxLength(100);
            setting.Property(s => s.Value).HasColumnName("value");
        });

        MapBillingFacts(modelBuilder);
        MapInventory(modelBuilder);
        MapPlans(modelBuilder);
        MapPurchases(modelBuilder);
        MapBranding(modelBuilder);
        MapOnboarding(modelBuilder);
        MapWebhooks(modelBuilder);
        ApplySnakeCaseColumns(modelBuilder);
        ApplyOrgFilter(modelBuilder);
    }

    private static void MapBillingFacts(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<BillingPeriod>(period =>
        {
            period.ToTable("billing_periods");
            period.HasKey(p => p.Id);
            period.Property(p => p.Id).ValueGeneratedNever();
            period.Property(p => p.Provider).HasMaxLength(16);
            period.Property(p => p.BillingAccountId).HasMaxLength(200);
            period.Property(p => p.Currency).HasMaxLength(3);
            period.Property(p => p.SourceFormat).HasMaxLength(32);
            period.HasIndex(p => new { p.OrgId, p.Provider, p.BillingAccountId, p.PeriodStart }).IsUnique();
            period.HasOne<Org>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ChargeDay>(charge =>
        {
            charge.ToTable("charge_days");
            charge.HasKey(c => c.Id);
            charge.Property(c => c.Id).ValueGeneratedOnAdd();
            charge.Property(c => c.ChargeCategory).HasMaxLength(32);
            charge.Property(c => c.ChargeClass).HasMaxLength(32);
            charge.Property(c => c.PricingCategory).HasMaxLength(32);
            charge.HasIndex(c => c.BillingPeriodId);
            charge.HasIndex(c => new { c.OrgId, c.Day });
            charge.HasOne<BillingPeriod>().WithMany().HasForeignKey(c => c.BillingPeriodId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<UsagePool>(pool =>
        {
            pool.ToTable("usage_pools");
            pool.HasKey(p => p.Id);
            pool.Property(p => p.Id).ValueGeneratedNever();
            pool.Property(p => p.Provider).HasMaxLength(16);
            pool.Property(p => p.KeyHash).HasMaxLength(64);
            pool.HasIndex(p => new { p.OrgId, p.KeyHash }).IsUnique();
            pool.HasOne<Org>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<UsageDay>(day =>
        {
            day.ToTable("usage_days");
            day.HasKey(d => new { d.BillingPeriodId, d.PoolId, d.Day });
            day.HasIndex(d => new { d.OrgId, d.PoolId, d.Day });
            day.HasOne<BillingPeriod>().WithMany().HasForeignKey(d => d.BillingPeriodId).OnDelete(DeleteBehavior.Cascade);
            day.HasOne<UsagePool>().WithMany().HasForeignKey(d => d.PoolId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<BilledCommitment>(commitment =>
        {
            commitment.ToTable("billed_commitments");
            commitment.HasKey(c => c.Id);
            commitment.Property(c => c.Id).ValueGeneratedNever();
            commitment.Property(c => c.Provider).HasMaxLength(16);
            commitment.Property(c => c.ProviderCommitmentId).HasMaxLength(500);
            commitment.HasIndex(c => new { c.OrgId, c.Provider, c.ProviderCommitmentId }).IsUnique();
            commitment.HasOne<Org>().WithMany().HasForeignKey(c => c.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CommitmentDay>(day =>
        {
            day.ToTable("commitment_days");
            day.HasKey(d => new { d.BillingPeriodId, d.CommitmentId, d.Day });
            day.HasIndex(d => new { d.OrgId, d.CommitmentId, d.Day });
            day.HasOne<BillingPeriod>().WithMany().HasForeignKey(d => d.BillingPeriodId).OnDelete(DeleteBehavior.Cascade);
            day.HasOne<BilledCommitment>().WithMany().HasForeignKey(d => d.CommitmentId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<CommitmentCoverage>(coverage =>
        {
            coverage.ToTable("commitment_coverage");
            coverage.HasKey(c => new { c.BillingPeriodId, c.CommitmentId, c.PoolId, c.Day });
            coverage.HasIndex(c => new { c.OrgId, c.PoolId, c.Day });
            coverage.HasOne<BillingPeriod>().WithMany().HasForeignKey(c => c.BillingPeriodId).OnDelete(DeleteBehavior.Cascade);
            coverage.HasOne<BilledCommitment>().WithMany().HasForeignKey(c => c.CommitmentId).OnDelete(DeleteBehavior.Restrict);
            coverage.HasOne<UsagePool>().WithMany().HasForeignKey(c => c.PoolId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<BilledResource>(resource =>
        {
            resource.ToTable("billed_resources");
            resource.HasKey(r => r.Id);
            resource.Property(r => r.Id).ValueGeneratedNever();
            resource.Property(r => r.Provider).HasMaxLength(16);
            resource.Property(r => r.ProviderResourceId).HasMaxLength(1000);
            resource.HasIndex(r => new { r.OrgId, r.Provider, r.ProviderResourceId }).IsUnique();
            resource.HasOne<Org>().WithMany().HasForeignKey(r => r.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Upload>(upload =>
        {
            upload.ToTable("uploads");
            upload.HasKey(u => u.Id);
            upload.Property(u => u.Id).ValueGeneratedNever();
            upload.Property(u => u.FileName).HasMaxLength(255);
            upload.Property(u => u.ContentType).HasMaxLength(255);
            upload.Property(u => u.Description).HasMaxLength(255);
            upload.Property(u => u.Status).HasConversion<string>().HasMaxLength(16);
            upload.Property(u => u.Source).HasMaxLength(32);
            upload.Property(u => u.DetectedType).HasMaxLength(64);
            upload.Property(u => u.StoredPath).HasMaxLength(1000);
            upload.HasIndex(u => new { u.OrgId, u.CreatedAt });
            upload.HasIndex(u => u.Status);
            upload.HasOne<Org>().WithMany().HasForeignKey(u => u.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ResourcePeriod>(period =>
        {
            period.ToTable("resource_periods");
            period.HasKey(p => new { p.BillingPeriodId, p.ResourceId });
            period.HasIndex(p => new { p.OrgId, p.ResourceId });
            period.HasOne<BillingPeriod>().WithMany().HasForeignKey(p => p.BillingPeriodId).OnDelete(DeleteBehavior.Cascade);
            period.HasOne<BilledResource>().WithMany().HasForeignKey(p => p.ResourceId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    private static void MapInventory(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Commitment>(commitment =>
        {
            commitment.ToTable("commitments");
            commitment.HasKey(c => c.Id);
            commitment.Property(c => c.Id).ValueGeneratedNever();
            commitment.Property(c => c.Provider).HasMaxLength(16);
            commitment.Property(c => c.ProviderCommitmentId).HasMaxLength(500);
            commitment.Property(c => c.Source).HasMaxLength(16);
            commitment.Property(c => c.Type).HasMaxLength(64);
            commitment.Property(c => c.Category).HasMaxLength(16);
            commitment.Property(c => c.Unit).HasMaxLength(32);
            commitment.Property(c => c.Currency).HasMaxLength(3);
            commitment.Property(c => c.ProviderState).HasMaxLength(16);
            commitment.HasIndex(c => new { c.OrgId, c.Provider, c.ProviderCommitmentId }).IsUnique();
            commitment.HasIndex(c => new { c.OrgId, c.UpdatedAt });
            commitment.HasOne<Org>().WithMany().HasForeignKey(c => c.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SandboxCommitment>(commitment =>
        {
            commitment.ToTable("sandbox_commitments");
            commitment.HasKey(c => new { c.OrgId, c.Provider, c.ProviderCommitmentId });
            commitment.Property(c => c.Provider).HasMaxLength(16);
            commitment.Property(c => c.ProviderCommitmentId).HasMaxLength(500);
            commitment.HasOne<Org>().WithMany().HasForeignKey(c => c.OrgId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void MapPlans(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<CommitmentPlanRecord>(plan =>
        {
            plan.ToTable("commitment_plans");
            plan.HasKey(p => p.Id);
            plan.Property(p => p.Id).ValueGeneratedNever();
            plan.Property(p => p.Provider).HasMaxLength(16);
            plan.Property(p => p.Name).HasMaxLength(200);
            plan.Property(p => p.Kind).HasMaxLength(32);
            plan.Property(p => p.Status).HasMaxLength(32);
            plan.Property(p => p.CatalogVersion).HasMaxLength(64);
            plan.Property(p => p.MaxTerm).HasMaxLength(16);
            plan.HasIndex(p => new { p.OrgId, p.Provider, p.SupersededAt });
            plan.HasOne<Org>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PlanLineItemRecord>(item =>
        {
            item.ToTable("commitment_plan_line_items");
            item.HasKey(i => i.Id);
            item.Property(i => i.Id).ValueGeneratedNever();
            item.Property(i => i.PoolKey).HasMaxLength(500);
            item.Property(i => i.ProviderOfferingId).HasMaxLength(500);
            item.Property(i => i.OfferType).HasMaxLength(16);
            item.Property(i => i.CommitmentType).HasMaxLength(64);
            item.Property(i => i.PaymentOption).HasMaxLength(32);
            item.Property(i => i.Unit).HasMaxLength(32);
            item.HasIndex(i => i.PlanId);
            item.HasOne<CommitmentPlanRecord>().WithMany().HasForeignKey(i => i.PlanId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void MapPurchases(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PurchaseRecord>(purchase =>
        {
            purchase.ToTable("purchases");
            purchase.HasKey(p => p.Id);
            purchase.Property(p => p.Id).ValueGeneratedNever();
            purchase.Property(p => p.Provider).HasMaxLength(16);
            purchase.Property(p => p.Status).HasMaxLength(32);
            purchase.Property(p => p.IdempotencyKey).HasMaxLength(255);
            purchase.Property(p => p.RequestId).HasMaxLength(128);
            // One purchase per plan, and one per client key: the database itself refuses a second.
            purchase.HasIndex(p => new { p.OrgId, p.PlanId }).IsUnique();
            purchase.HasIndex(p => new { p.OrgId, p.IdempotencyKey }).IsUnique();
            purchase.HasIndex(p => p.Status);
            purchase.HasOne<Org>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
            purchase.HasOne<CommitmentPlanRecord>().WithMany().HasForeignKey(p => p.PlanId).OnDelete(DeleteBehavior.Restrict);
        });

        modelBuilder.Entity<PurchaseLineRecord>(line =>
        {
            line.ToTable("purchase_line_items");
            line.HasKey(l => l.Id);
            line.Property(l => l.Id).ValueGeneratedNever();
            line.Property(l => l.Provider).HasMaxLength(16);
            line.Property(l => l.OfferType).HasMaxLength(16);
            line.Property(l => l.ProviderOfferingId).HasMaxLength(500);
            line.Property(l => l.IdempotencyToken).HasMaxLength(128);
            line.Property(l => l.State).HasMaxLength(16);
            line.Property(l => l.ProviderOrderId).HasMaxLength(500);
            line.HasIndex(l => l.PurchaseId);
            line.HasIndex(l => l.IdempotencyToken).IsUnique();
            line.HasOne<PurchaseRecord>().WithMany().HasForeignKey(l => l.PurchaseId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<PurchasePolicy>(policy =>
        {
            policy.ToTable("purchase_policies");
            policy.HasKey(p => p.OrgId);
            policy.Property(p => p.AllowedProviders).HasMaxLength(100);
            policy.Property(p => p.AllowedCommitmentTypes).HasMaxLength(100);
            policy.Property(p => p.UpdatedBy).HasMaxLength(100);
            policy.HasOne<Org>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<OrgEvent>(evt =>
        {
            evt.ToTable("org_events");
            evt.HasKey(e => e.Id);
            evt.Property(e => e.Id).ValueGeneratedNever();
            evt.Property(e => e.Type).HasMaxLength(60);
            evt.Property(e => e.DedupeKey).HasMaxLength(200);
            evt.HasIndex(e => new { e.OrgId, e.Type, e.DedupeKey }).IsUnique();
            evt.HasIndex(e => e.DispatchedAt);
            evt.HasOne<Org>().WithMany().HasForeignKey(e => e.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AutomationPolicy>(policy =>
        {
            policy.ToTable("automation_policies");
            policy.HasKey(p => p.Id);
            policy.Property(p => p.Id).ValueGeneratedNever();
            policy.Property(p => p.Scope).HasMaxLength(20);
            policy.Property(p => p.Name).HasMaxLength(200);
            policy.Property(p => p.Schedule).HasMaxLength(120);
            policy.Property(p => p.TimeZone).HasMaxLength(64);
            policy.Property(p => p.Plan).HasMaxLength(40);
            policy.Property(p => p.Providers).HasMaxLength(100);
            policy.Property(p => p.AllowedCommitmentTypes).HasMaxLength(200);
            policy.Property(p => p.ApprovalMode).HasMaxLength(20);
            policy.Property(p => p.UpdatedBy).HasMaxLength(100);
            policy.HasIndex(p => new { p.OrgId, p.Scope }).IsUnique();
            policy.HasOne<Org>().WithMany().HasForeignKey(p => p.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AutomationRun>(run =>
        {
            run.ToTable("automation_runs");
            run.HasKey(r => r.Id);
            run.Property(r => r.Id).ValueGeneratedNever();
            run.Property(r => r.Trigger).HasMaxLength(20);
            run.Property(r => r.Decision).HasMaxLength(30);
            run.Property(r => r.Reason).HasMaxLength(2000);
            run.Property(r => r.Provider).HasMaxLength(20);
            run.Property(r => r.RanBy).HasMaxLength(200);
            run.HasIndex(r => new { r.PolicyId, r.OrgId, r.Provider, r.Trigger, r.ScheduledFor }).IsUnique();
            run.HasIndex(r => new { r.OrgId, r.StartedAt });
            run.HasOne<AutomationPolicy>().WithMany().HasForeignKey(r => r.PolicyId).OnDelete(DeleteBehavior.Cascade);
            run.HasOne<Org>().WithMany().HasForeignKey(r => r.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<SandboxOrder>(order =>
        {
            order.ToTable("sandbox_orders");
            order.HasKey(o => new { o.OrgId, o.Provider, o.OrderId });
            order.Property(o => o.Provider).HasMaxLength(16);
            order.Property(o => o.OrderId).HasMaxLength(500);
            order.Property(o => o.OfferType).HasMaxLength(16);
            order.Property(o => o.OfferingId).HasMaxLength(500);
            order.Property(o => o.ClientToken).HasMaxLength(128);
            order.HasIndex(o => new { o.OrgId, o.Provider, o.ClientToken }).IsUnique();
            order.HasOne<Org>().WithMany().HasForeignKey(o => o.OrgId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void MapBranding(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PartnerBranding>(branding =>
        {
            branding.ToTable("partner_brandings");
            branding.HasKey(b => b.OrgId);
            branding.Property(b => b.Name).HasMaxLength(100);
            branding.Property(b => b.LogoUrl).HasMaxLength(2000);
            branding.Property(b => b.PrimaryColor).HasMaxLength(7);
            branding.Property(b => b.SecondaryColor).HasMaxLength(7);
            branding.Property(b => b.AccentColor).HasMaxLength(7);
            branding.Property(b => b.SupportEmail).HasMaxLength(254);
            branding.Property(b => b.CustomDomain).HasMaxLength(253);
            branding.Property(b => b.UpdatedBy).HasMaxLength(100);
            // A host name leads to one partner's dashboard; the database refuses a second claim.
            branding.HasIndex(b => b.CustomDomain).IsUnique();
            branding.HasOne<Org>().WithMany().HasForeignKey(b => b.OrgId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void MapOnboarding(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OrgUser>(user =>
        {
            user.ToTable("org_users");
            user.HasKey(u => u.Id);
            user.Property(u => u.Id).ValueGeneratedNever();
            user.Property(u => u.Email).HasMaxLength(255);
            user.Property(u => u.Name).HasMaxLength(200);
            user.Property(u => u.Role).HasConversion(RoleConverter).HasMaxLength(32);
            user.Property(u => u.CreatedBy).HasMaxLength(100);
            user.HasIndex(u => new { u.OrgId, u.Email }).IsUnique();
            user.HasOne<Org>().WithMany().HasForeignKey(u => u.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<CloudIntegration>(integration =>
        {
            integration.ToTable("cloud_integrations");
            integration.HasKey(i => i.Id);
            integration.Property(i => i.Id).ValueGeneratedNever();
            integration.Property(i => i.Provider).HasMaxLength(16);
            integration.Property(i => i.State).HasMaxLength(16);
            integration.Property(i => i.ExternalId).HasMaxLength(100);
            integration.Property(i => i.AccountId).HasMaxLength(32);
            integration.Property(i => i.RoleArn).HasMaxLength(300);
            integration.Property(i => i.PurchaseRoleArn).HasMaxLength(300);
            integration.Property(i => i.TenantId).HasMaxLength(100);
            integration.Property(i => i.SubscriptionId).HasMaxLength(100);
            integration.Property(i => i.OrganizationId).HasMaxLength(100);
            integration.Property(i => i.ProjectId).HasMaxLength(100);
            integration.Property(i => i.BillingAccountId).HasMaxLength(100);
            integration.Property(i => i.LastSyncError).HasMaxLength(1000);
            // One integration per cloud and org: asking for a template or consent URL again reuses it, so what the
            // customer deployed with the first still matches.
            integration.HasIndex(i => new { i.OrgId, i.Provider }).IsUnique();
            integration.HasIndex(i => i.ExternalId).IsUnique();
            integration.HasOne<Org>().WithMany().HasForeignKey(i => i.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<ProviderOfferCatalog>(catalog =>
        {
            catalog.ToTable("provider_offer_catalogs");
            catalog.HasKey(c => c.Id);
            catalog.Property(c => c.Id).ValueGeneratedNever();
            catalog.Property(c => c.Provider).HasMaxLength(16);
            catalog.Property(c => c.Version).HasMaxLength(100);
            catalog.Property(c => c.LastError).HasMaxLength(2000);
            catalog.HasIndex(c => new { c.OrgId, c.Provider }).IsUnique();
            catalog.HasOne<Org>().WithMany().HasForeignKey(c => c.OrgId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void MapWebhooks(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<WebhookEndpoint>(endpoint =>
        {
            endpoint.ToTable("webhook_endpoints");
            endpoint.HasKey(e => e.Id);
            endpoint.Property(e => e.Id).ValueGeneratedNever();
            endpoint.Property(e => e.Url).HasMaxLength(2000);
            endpoint.Property(e => e.EventTypes).HasMaxLength(500);
            endpoint.Property(e => e.Secret).HasMaxLength(100);
            endpoint.Property(e => e.Description).HasMaxLength(500);
            endpoint.Property(e => e.DisabledReason).HasMaxLength(500);
            endpoint.Ignore(e => e.EventTypeList);
            endpoint.HasIndex(e => e.OrgId);
            endpoint.HasOne<Org>().WithMany().HasForeignKey(e => e.OrgId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<WebhookDelivery>(delivery =>
        {
            delivery.ToTable("webhook_deliveries");
            delivery.HasKey(d => d.Id);
            delivery.Property(d => d.Id).ValueGeneratedNever();
            delivery.Property(d => d.EventType).HasMaxLength(60);
            delivery.Property(d => d.Status).HasMaxLength(16);
            delivery.Property(d => d.LastError).HasMaxLength(1000);
            // The result of an attempt is written only by the replica that still holds the lease it took.
            delivery.Property(d => d.LeaseToken).IsConcurrencyToken();
            // One delivery per event and endpoint, however many replicas fan the event out.
            delivery.HasIndex(d => new { d.EndpointId, d.EventId }).IsUnique();
            delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
            delivery.HasIndex(d => new { d.OrgId, d.CreatedAt });
            delivery.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<WebhookAttempt>(attempt =>
        {
            attempt.ToTable("webhook_attempts");
            attempt.HasKey(a => a.Id);
            attempt.Property(a => a.Id).ValueGeneratedNever();
            attempt.Property(a => a.Error).HasMaxLength(1000);
            attempt.Property(a => a.ResponseExcerpt).HasMaxLength(WebhookAttempt.ResponseExcerptLength);
            attempt.HasIndex(a => new { a.DeliveryId, a.Number });
            attempt.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    /// <summary>Columns are snake_case, as in the API, so SQL written by hand reads like the model.</summary>
    private static void ApplySnakeCaseColumns(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
            {
                property.SetColumnName(System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name));
            }
        }
    }

    /// <summary>The tenancy filter: one rule for every org-owned entity, declared once.</summary>
    private void ApplyOrgFilter(ModelBuilder modelBuilder)
    {
        foreach (var entity in modelBuilder.Model.GetEntityTypes().Where(e => typeof(IOrgOwned).IsAssignableFrom(e.ClrType)))
        {
            var row = Expression.Parameter(entity.ClrType, "row");
            var rowOrgId = Expression.Convert(Expression.Property(row, nameof(IOrgOwned.OrgId)), typeof(Guid?));
            var scopedOrgId = Expression.Property(Expression.Constant(this, typeof(TrancheDbContext)), nameof(ScopedOrgId));
            var filter = Expression.Lambda(Expression.Equal(rowOrgId, scopedOrgId), row);
            modelBuilder.Entity(entity.ClrType).HasQueryFilter(filter);
        }
    }

    private static readonly ValueConverter<OrgRole, string> RoleConverter = new(
        role => OrgRoleNames.ToWire(role),
        text => OrgRoleNames.Parse(text));

    private sealed class NanoUnitsConverter() : ValueConverter<decimal, long>(
        value => Money.ToNanoUnits(value),
        nanos => Money.FromNanoUnits(nanos));

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        value => value == null ? null : value.Value.Kind == DateTimeKind.Utc ? value : value.Value.ToUniversalTime(),
        value => value == null ? null : DateTime.SpecifyKind(value.Value, DateTimeKind.Utc));
}

public sealed class SqliteTrancheDbContext(DbContextOptions<SqliteTrancheDbContext> options) : TrancheDbContext(options);

public sealed class PostgresTrancheDbContext(DbContextOptions<PostgresTrancheDbContext> options) : TrancheDbContext(options);
