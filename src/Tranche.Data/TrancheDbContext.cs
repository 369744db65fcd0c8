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

        ApplyOrgFilter(modelBuilder);
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

    private sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
        value => value.Kind == DateTimeKind.Utc ? value : value.ToUniversalTime(),
        value => DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private sealed class NullableUtcDateTimeConverter() : ValueConverter<DateTime?, DateTime?>(
        value => value == null ? null : value.Value.Kind == DateTimeKind.Utc ? value : value.Value.ToUniversalTime(),
        value => value == null ? null : DateTime.SpecifyKind(value.Value, DateTimeKind.Utc));
}

public sealed class SqliteTrancheDbContext(DbContextOptions<SqliteTrancheDbContext> options) : TrancheDbContext(options);

public sealed class PostgresTrancheDbContext(DbContextOptions<PostgresTrancheDbContext> options) : TrancheDbContext(options);
