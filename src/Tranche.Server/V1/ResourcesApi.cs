using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Billing;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1;

/// <summary>A billed resource as published (<c>ResourceSKU</c>).</summary>
[ApiSchema("ResourceSKU")]
public sealed record ResourceSkuResponse(
    string Id,
    Guid ResourceId,
    string Provider,
    string ProviderResourceId,
    bool IsSpot,
    string? Name,
    string? ResourceGroup,
    DateOnly UsageEnd,
    DateOnly UsageStart,
    IReadOnlyDictionary<string, string> Tags,
    DateOnly CreatedAt,
    DateOnly UpdatedAt,
    string InstanceId,
    string BillingAccountId,
    string SubAccountId,
    string ManagementAccountId,
    string OwnerAccountId,
    string SkuTitle,
    string? SkuName,
    string? AvailabilityZone,
    string? CacheEngine,
    string? DatabaseEngine,
    string? Description,
    string? Family,
    string? FullRegionName,
    bool? HasOndemandTerms,
    string? InstanceType,
    string? InstanceTypeFamily,
    bool? IsReservable,
    string? LicenseModel,
    string? LocationType,
    string? NormalizationSizeFactor,
    string? OperatingSystem,
    string? PreInstalledSw,
    string? PriceCurrency,
    string? ProviderService,
    string? ProviderSkuId,
    string? PublicationDate,
    string? Region,
    string? Service,
    string? Tenancy,
    string? UsageType,
    string? Version,
    bool? VpcNetworkingSupport,
    string? OndemandUsageUnit);

/// <summary>One day of a resource's usage and cost, as published (<c>SKUUsageDaily</c>).</summary>
[ApiSchema("SKUUsageDaily")]
public sealed record SkuUsageDailyResponse(
    DateOnly Date,
    string UsageAccountId,
    string SubAccountId,
    double Usage,
    double ReservationUsage,
    double FreeTierUsage,
    decimal OndemandCost,
    decimal ReservedCost,
    decimal IfAllOndemandCost,
    decimal SpotCost,
    decimal FreeTierSavings,
    string? UsageType,
    string? CommonUsageType,
    double CoveredUsage,
    double Uptime);

/// <summary>
/// <c>GET /v1/org/{org_id}/resources</c> and <c>.../resources/{resource_id}/daily-usage</c>: the resources billing data
/// names, with the days they ran and what they cost. Resources of providers outside the published enum (OCI) are not listed.
/// </summary>
internal static partial class ResourcesApi
{
    public static readonly string[] Providers = ["aws", "azure", "gcp"];

    public static void MapResources(this IEndpointRouteBuilder routes)
    {
        var resources = routes.MapGroup("/v1/org/{org_id}/resources").ForOrg().WithTags("Resources").WithApiErrors();

        resources.MapGet("", ListResources)
            .WithSummary("/resources")
            .WithDescription("Resources found in the org's billing data, with the first and last day they had usage. `search` matches ids, names, types, regions and accounts (case-insensitive). Paged (`page_size` up to 100); totals in `X-Pagination`.")
            .Produces<ResourceSkuResponse[]>();

        resources.MapGet("/{resource_id}/daily-usage", DailyUsage)
            .WithSummary("/resources/{resource_id}/daily-usage")
            .WithDescription("Per day from `start_date` to `end_date` (both included): usage, the part commitments covered, costs, and uptime (share of the day it ran). Paged (`page_size` up to 10,000, default 100).")
            .Produces<SkuUsageDailyResponse[]>();
    }

    private static async Task<IResult> ListResources(HttpContext context, TrancheDbContext db)
    {
        var query = new QueryArgs(context.Request);
        var provider = query.OneOf("provider", Providers);
        var segment = query.Uuid("segment_id");
        var search = query.String("search", maxLength: 200);
        var desc = query.NullableBool("desc");
        var orderBy = query.OneOf("order_by", ["id", "usage_start", "null"], defaultValue: "id");
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        query.ThrowIfInvalid();
        if (segment is { } segmentId)
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no segment {segmentId}.", "segment_not_found");
        }

        var resources = db.BilledResources.AsNoTracking().Where(r => Providers.Contains(r.Provider));
        if (provider is not null)
        {
            resources = resources.Where(r => r.Provider == provider);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLowerInvariant();
            resources = resources.Where(r =>
                r.ProviderResourceId.ToLower().Contains(term) ||
                (r.Name != null && r.Name.ToLower().Contains(term)) ||
                (r.InstanceType != null && r.InstanceType.ToLower().Contains(term)) ||
                (r.RegionId != null && r.RegionId.ToLower().Contains(term)) ||
                (r.SubAccountId != null && r.SubAccountId.ToLower().Contains(term)) ||
                (r.ServiceName != null && r.ServiceName.ToLower().Contains(term)) ||
                (r.ResourceType != null && r.ResourceType.ToLower().Contains(term)));
        }

        var usage = db.ResourcePeriods.GroupBy(p => p.ResourceId).Select(g => new { ResourceId = g.Key, Start = g.Min(p => p.FirstUsageDay), End = g.Max(p => p.LastUsageDay) });
        var rows = resources.Join(usage, r => r.Id, u => u.ResourceId, (r, u) => new { Resource = r, u.Start, u.End });
        var total = await rows.CountAsync(context.RequestAborted);
        var descending = desc == true;
        rows = orderBy == "usage_start"
            ? descending ? rows.OrderByDescending(r => r.Start).ThenByDescending(r => r.Resource.Id) : rows.OrderBy(r => r.Start).ThenBy(r => r.Resource.Id)
            : descending ? rows.OrderByDescending(r => r.Resource.Id) : rows.OrderBy(r => r.Resource.Id);
        var pageRows = await rows.Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);

        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(pageRows.Select(r => ToResponse(r.Resource, r.Start, r.End)));
    }

    private static async Task<IResult> DailyUsage(HttpContext context, TrancheDbContext db, string resource_id)
    {
        var id = PathIds.Parse(resource_id, nameof(resource_id));
        var query = new QueryArgs(context.Request);
        var start = query.Date("start_date");
        var end = query.Date("end_date");
        var catalogSku = query.Uuid("catalog_sku_id");
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 100, 1, 10_000);
        if (start != default && end != default && end < start)
        {
            query.Fail("end_date", $"Must not be before start_date ({start:yyyy-MM-dd}).");
            query.Fail("start_date", $"Must not be after end_date ({end:yyyy-MM-dd}).");
        }

        query.ThrowIfInvalid();
        var resource = await db.BilledResources.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, context.RequestAborted);
        if (resource is null)
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no resource {id}.", "resource_not_found");
        }

        if (catalogSku is { } sku)
        {
            return ApiResults.NotFound($"Resource {id} has no catalog SKU {sku}.", "catalog_sku_not_found");
        }

        // A resource's days live in one row per billing period; unfold those that touch the window.
        var periods = await db.ResourcePeriods.AsNoTracking()
            .Where(p => p.ResourceId == id && p.FirstUsageDay <= end && p.LastUsageDay >= start)
            .ToListAsync(context.RequestAborted);
        var days = periods.SelectMany(Unfold)
            .Where(d => d.Day >= start && d.Day <= end)
            .GroupBy(d => d.Day)
            .Select(g => g.Aggregate((a, b) => a.Plus(b)))
            .OrderBy(d => d.Day)
            .ToList();
        var total = days.Count;
        var rows = days.Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToList();

        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        var account = resource.SubAccountId ?? resource.BillingAccountId ?? "";
        return TypedResults.Ok(rows.Select(d => new SkuUsageDailyResponse(
            d.Day, account, account, d.Quantity, d.Covered, 0, d.Effective - d.CoveredEffective, d.CoveredEffective, d.List, d.Spot, 0,
            resource.Unit, resource.Unit, d.Covered, Math.Min(1, d.Hours / 24))));
    }

    internal sealed record UsageDay(
        DateOnly Day, double Quantity, double Covered, double Hours, decimal List, decimal Effective, decimal CoveredEffective, decimal Spot)
    {
        public UsageDay Plus(UsageDay other) => this with
        {
            Quantity = Quantity + other.Quantity,
            Covered = Covered + other.Covered,
            Hours = Hours + other.Hours,
            List = List + other.List,
            Effective = Effective + other.Effective,
            CoveredEffective = CoveredEffective + other.CoveredEffective,
            Spot = Spot + other.Spot,
        };
    }

    internal static IEnumerable<UsageDay> Unfold(ResourcePeriod period)
    {
        var presence = DailyValues.DecodeDoubles(period.DailyPresence);
        var quantity = DailyValues.DecodeDoubles(period.DailyQuantity);
        var covered = DailyValues.DecodeDoubles(period.DailyCoveredQuantity);
        var hours = DailyValues.DecodeDoubles(period.DailyUsageHours);
        var list = DailyValues.DecodeLongs(period.DailyListCost);
        var effective = DailyValues.DecodeLongs(period.DailyEffectiveCost);
        var coveredEffective = DailyValues.DecodeLongs(period.DailyCoveredEffectiveCost);
        var spot = DailyValues.DecodeLongs(period.DailySpotCost);
        for (var i = 0; i < period.Days; i++)
        {
            if (presence[i] > 0)
            {
                yield return new UsageDay(
                    period.FirstDay.AddDays(i), quantity[i], covered[i], hours[i], Money.FromNanoUnits(list[i]), Money.FromNanoUnits(effective[i]),
                    Money.FromNanoUnits(coveredEffective[i]), Money.FromNanoUnits(spot[i]));
            }
        }
    }

    internal static ResourceSkuResponse ToResponse(BilledResource r, DateOnly start, DateOnly end)
    {
        var billingAccount = r.BillingAccountId ?? "";
        var subAccount = r.SubAccountId ?? "";
        var reservable = r.InstanceType is not null && r.ServiceCategory is "Compute" or "Databases";
        return new ResourceSkuResponse(
            r.Id.ToString(), r.Id, r.Provider, r.ProviderResourceId, r.IsSpot, r.Name, ResourceGroupOf(r.ProviderResourceId), end, start, TagsOf(r.Tags),
            DateOnly.FromDateTime(r.CreatedAt), DateOnly.FromDateTime(r.UpdatedAt), InstanceIdOf(r.ProviderResourceId), billingAccount, subAccount,
            billingAccount, subAccount, string.Join(" ", new[] { r.InstanceType, r.Platform, r.ServiceName }.Where(p => p is not null)), r.InstanceType,
            r.AvailabilityZone, null, r.ServiceCategory == "Databases" ? r.Platform : null, r.ResourceType, r.ServiceCategory, null, true,
            r.InstanceType, FamilyOf(r.Provider, r.InstanceType), reservable, null, null, null, r.Platform, null, null, r.ServiceName, r.SkuId, null,
            r.RegionId, r.ServiceName, null, r.Unit, null, null, r.Unit);
    }

    private static string? ResourceGroupOf(string id) => ResourceGroup().Match(id) is { Success: true } match ? match.Groups[1].Value : null;

    private static string InstanceIdOf(string id) => id[(id.LastIndexOfAny(['/', ':']) + 1)..];

    /// <summary>AWS and Google name families before the first separator (<c>m5</c>.large, <c>n2</c>-standard-4); Azure sizes carry no such split.</summary>
    private static string? FamilyOf(string provider, string? instanceType) => instanceType is null ? null : provider switch
    {
        "aws" when instanceType.Contains('.', StringComparison.Ordinal) => instanceType[..instanceType.LastIndexOf('.')],
        "gcp" when instanceType.Contains('-', StringComparison.Ordinal) => instanceType[..instanceType.IndexOf('-', StringComparison.Ordinal)],
        _ => null,
    };

    /// <summary>Tags as strings, as published: nested values keep their JSON text.</summary>
    private static Dictionary<string, string> TagsOf(string? json)
    {
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(json))
        {
            return tags;
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var tag in document.RootElement.EnumerateObject())
                {
                    tags[tag.Name] = tag.Value.ValueKind == JsonValueKind.String ? tag.Value.GetString()! : tag.Value.GetRawText();
                }
            }
        }
        catch (JsonException)
        {
            // Ingest keeps only valid JSON; anything else has no tags to show.
        }

        return tags;
    }

    [GeneratedRegex("/resourceGroups/([^/]+)", RegexOptions.IgnoreCase)]
    private static partial Regex ResourceGroup();
}
