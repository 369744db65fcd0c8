using System.Net.Mail;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.Branding;

/// <summary>A partner's white-label settings, as set with <c>PUT</c>. Every field but <c>custom_domain</c> is required.</summary>
[ApiSchema("PartnerBrandingSettings")]
public sealed partial record BrandingBody(
    string? Name, string? LogoUrl, string? PrimaryColor, string? SecondaryColor, string? AccentColor, string? SupportEmail, string? CustomDomain) : IValidatedRequest
{
    public const int MaxNameLength = 100;

    public void Validate(RequestErrors errors)
    {
        if (Required(errors, "name", Name) is { } name)
        {
            if (name.Trim().Length == 0)
            {
                errors.Add("json", "name", "Must not be blank.");
            }
            else if (name.Length > MaxNameLength)
            {
                errors.Add("json", "name", $"Longer than maximum length {MaxNameLength}.");
            }
            else if (name.Any(char.IsControl))
            {
                errors.Add("json", "name", "Must not contain control characters.");
            }
        }

        if (Required(errors, "logo_url", LogoUrl) is { } logo &&
            (logo.Length > 2000 || !Uri.TryCreate(logo, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.Host.Length == 0 || uri.UserInfo.Length > 0))
        {
            errors.Add("json", "logo_url", "Must be an absolute https URL (at most 2000 characters, no user name or password).");
        }

        foreach (var (field, value) in new[] { ("primary_color", PrimaryColor), ("secondary_color", SecondaryColor), ("accent_color", AccentColor) })
        {
            if (Required(errors, field, value) is { } color && !Color().IsMatch(color))
            {
                errors.Add("json", field, "Must be a colour as #RRGGBB, e.g. #1A2B3C.");
            }
        }

        if (Required(errors, "support_email", SupportEmail) is { } email &&
            (email.Length > 254 || !MailAddress.TryCreate(email, out var address) || address.Address != email || address.DisplayName.Length > 0 || !address.Host.Contains('.', StringComparison.Ordinal)))
        {
            errors.Add("json", "support_email", "Must be an email address, e.g. support@example.com.");
        }

        if (CustomDomain is { } domain && !HostName().IsMatch(domain))
        {
            errors.Add("json", "custom_domain", "Must be a host name such as savings.example.com: no scheme, port or path, at most 253 characters.");
        }
    }

    private static string? Required(RequestErrors errors, string field, string? value)
    {
        if (value is null)
        {
            errors.Add("json", field, "Missing data for required field.");
        }

        return value;
    }

    [GeneratedRegex("^#[0-9A-Fa-f]{6}$")]
    private static partial Regex Color();

    [GeneratedRegex(@"^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")]
    private static partial Regex HostName();
}

/// <summary>
/// What a dashboard shows: a partner's branding (<c>source</c> <c>partner</c>), or Tranche's own (<c>default</c>) for
/// a direct org or a partner that has set none.
/// </summary>
[ApiSchema("Branding")]
public sealed record BrandingResponse(
    string Source,
    Guid? PartnerOrgId,
    string Name,
    string? LogoUrl,
    string PrimaryColor,
    string SecondaryColor,
    string AccentColor,
    string? SupportEmail,
    string? CustomDomain,
    DateTime? UpdatedAt)
{
    /// <summary>Tranche's own look.</summary>
    public static BrandingResponse Default(Guid? partnerOrgId) => new("default", partnerOrgId, "Tranche", null, "#0F766E", "#134E4A", "#F59E0B", null, null, null);

    public static BrandingResponse Of(PartnerBranding b) => new(
        "partner", b.OrgId, b.Name, b.LogoUrl, b.PrimaryColor, b.SecondaryColor, b.AccentColor, b.SupportEmail, b.CustomDomain, b.UpdatedAt);
}

/// <summary>
/// White-label settings (a Tranche extension): <c>GET, PUT /v2/partners/{partner_org_id}/branding</c> for the partner,
/// and <c>GET /v1/org/{org_id}/branding</c>, the branding an org's dashboard shows: its partner's for a customer org,
/// Tranche's for a direct org.
/// </summary>
internal static class BrandingApi
{
    public static void MapBranding(this IEndpointRouteBuilder routes)
    {
        var partner = routes.MapGroup("/v2/partners/{partner_org_id}/branding").ForOrg("partner_org_id", OrgReach.PartnerItself).WithTags("Partner").WithApiErrors();

        partner.MapGet("", GetPartner)
            .WithSummary("The partner's white-label settings")
            .WithDescription("Name, logo, colours, support address and custom domain the partner's customer orgs see; Tranche's defaults (`source: default`) until set. The partner's own key only.")
            .Produces<BrandingResponse>();

        partner.MapPut("", Put)
            .WithSummary("Set the partner's white-label settings")
            .WithDescription("Replaces the settings: `name` (1-100 characters), `logo_url` (absolute https URL), `primary_color`, `secondary_color`, `accent_color` (`#RRGGBB`), `support_email`, and optionally `custom_domain` (a host name, no two partners the same: 409 `custom_domain_taken`). 422 names each bad field. Needs the partner's admin key; recorded in the audit log.")
            .WithBody<BrandingBody>("application/json")
            .Produces<BrandingResponse>();

        routes.MapGroup("/v1/org/{org_id}/branding").ForOrg().WithTags("Orgs").WithApiErrors()
            .MapGet("", GetForOrg)
            .WithSummary("The branding the org's dashboard shows")
            .WithDescription("A customer org shows its partner's branding (`source: partner`); a direct org, or a customer of a partner that has set none, shows Tranche's (`source: default`). A partner org shows its own.")
            .Produces<BrandingResponse>();
    }

    private static async Task<IResult> GetPartner(HttpContext context, TrancheDbContext db)
    {
        var partnerId = context.Org().OrgId;
        var branding = await db.PartnerBrandings.AsNoTracking().SingleOrDefaultAsync(context.RequestAborted);
        return TypedResults.Ok(branding is null ? BrandingResponse.Default(partnerId) : BrandingResponse.Of(branding));
    }

    private static async Task<IResult> GetForOrg(HttpContext context, TrancheDbContext db)
    {
        var orgId = context.Org().OrgId;
        var org = await db.Orgs.AsNoTracking().Where(o => o.Id == orgId).Select(o => new { o.ParentOrgId, o.IsPartner }).SingleAsync(context.RequestAborted);
        var partnerId = org.ParentOrgId ?? (org.IsPartner ? orgId : (Guid?)null);
        if (partnerId is not { } id)
        {
            return TypedResults.Ok(BrandingResponse.Default(null));
        }

        // A customer org shows its partner's settings: the one read across orgs here, and only of the org's own partner.
        var branding = await db.PartnerBrandings.IgnoreQueryFilters().AsNoTracking().SingleOrDefaultAsync(b => b.OrgId == id, context.RequestAborted);
        return TypedResults.Ok(branding is null ? BrandingResponse.Default(id) : BrandingResponse.Of(branding));
    }

    private static async Task<IResult> Put(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (context.RequireAdmin("Setting branding") is { } denied)
        {
            return denied;
        }

        var caller = context.Caller();

        var body = await RequestJson.ReadAsync<BrandingBody>(context.Request);
        var partnerId = context.Org().OrgId;
        var domain = body.CustomDomain?.ToLowerInvariant();
        if (domain is not null && await db.PartnerBrandings.IgnoreQueryFilters().AnyAsync(b => b.CustomDomain == domain && b.OrgId != partnerId, context.RequestAborted))
        {
            return DomainTaken(domain);
        }

        var now = time.StorageNow();
        var actor = caller.AsActor(context);
        var branding = await db.PartnerBrandings.SingleOrDefaultAsync(context.RequestAborted);
        if (branding is null)
        {
            branding = new PartnerBranding
            {
                OrgId = partnerId, Name = "", LogoUrl = "", PrimaryColor = "", SecondaryColor = "", AccentColor = "", SupportEmail = "", UpdatedBy = actor.Name,
            };
            db.PartnerBrandings.Add(branding);
        }

        branding.Name = body.Name!.Trim();
        branding.LogoUrl = body.LogoUrl!;
        branding.PrimaryColor = body.PrimaryColor!.ToUpperInvariant();
        branding.SecondaryColor = body.SecondaryColor!.ToUpperInvariant();
        branding.AccentColor = body.AccentColor!.ToUpperInvariant();
        branding.SupportEmail = body.SupportEmail!;
        branding.CustomDomain = domain;
        branding.UpdatedAt = now;
        branding.UpdatedBy = actor.Name;
        var result = BrandingResponse.Of(branding);
        db.Record(partnerId, actor, "branding.changed", partnerId.ToString(), result, now);
        try
        {
            await db.SaveChangesAsync(context.RequestAborted);
        }
        catch (DbUpdateException) when (domain is not null)
        {
            // Another partner claimed the domain between the check and the write; the unique index refused it.
            return DomainTaken(domain);
        }

        return TypedResults.Ok(result);
    }

    private static IResult DomainTaken(string domain) =>
        ApiResults.Conflict($"The custom domain {domain} is already used by another partner.", "custom_domain_taken");
}
