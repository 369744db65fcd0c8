using System.Net.Mail;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Onboarding;
using Tranche.Domain.Tenancy;
using Tranche.Providers.Onboarding;
using Tranche.Server.Api;
using Tranche.Server.Auth;
using Tranche.Server.V1;

namespace Tranche.Server.V2;

/// <summary>The published <c>RegisterOrg</c>, plus <c>is_partner</c> for partners allowed to register partners.</summary>
[ApiSchema("RegisterOrg")]
public sealed record RegisterOrgRequest(string? OrgName, string? OrgEmail, IReadOnlyList<string?>? UserEmails, IReadOnlyList<string?>? UserNames, bool? IsPartner)
    : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        OrgFields.Name(errors, "org_name", OrgName, required: true);
        OrgFields.Email(errors, "org_email", OrgEmail, required: true);
        var emails = UserEmails ?? [];
        var names = UserNames ?? [];
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < emails.Count; i++)
        {
            if (OrgFields.Email(errors, $"user_emails.{i}", emails[i], required: true) && !seen.Add(emails[i]!.Trim()))
            {
                errors.Add("json", $"user_emails.{i}", $"Duplicate address {emails[i]!.Trim()}: each user once.");
            }
        }

        if (names.Count != emails.Count)
        {
            errors.Add("json", "user_names", $"Has {names.Count} name(s) for {emails.Count} address(es) in user_emails: give one name per address, in the same order.");
        }

        for (var i = 0; i < names.Count; i++)
        {
            OrgFields.Name(errors, $"user_names.{i}", names[i], required: true);
        }
    }
}

/// <summary>A registered customer org: save <c>child_org_id</c>, every partner route on the customer takes it.</summary>
[ApiSchema("RegisterOrgResponse")]
public sealed record RegisterOrgResponse(
    Guid ChildOrgId, Guid PartnerOrgId, string OrgName, string? OrgEmail, bool IsPartner, DateTime CreatedAt, IReadOnlyList<OrgUserResponse> Users);

[ApiSchema("OrgUser")]
public sealed record OrgUserResponse(Guid Id, Guid OrgId, string Email, string? Name, OrgRole Role, DateTime CreatedAt);

/// <summary>Where a customer stands in its onboarding: ready or not, and the steps still to do, in order.</summary>
public sealed record PartnerChildOnboarding(bool Ready, IReadOnlyList<string> Missing);

/// <summary>A customer org as its partner sees it; <c>users</c> and <c>onboarding</c> are filled when reading one org, null in lists.</summary>
[ApiSchema("PartnerChildOrg")]
public sealed record PartnerChildOrgResponse(
    Guid ChildOrgId, Guid PartnerOrgId, string OrgName, string? OrgEmail, bool IsPartner, bool AllowNestedPartners, DateTime CreatedAt, DateTime? OffboardedAt,
    string? OffboardReason, IReadOnlyList<OrgUserResponse>? Users, PartnerChildOnboarding? Onboarding);

[ApiSchema("UpdateOrg")]
public sealed record UpdateOrgRequest(string? OrgName, string? OrgEmail) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        if (OrgName is null && OrgEmail is null)
        {
            errors.Add("json", "_schema", "Send org_name, org_email or both.");
        }

        OrgFields.Name(errors, "org_name", OrgName, required: false);
        OrgFields.Email(errors, "org_email", OrgEmail, required: false);
    }
}

[ApiSchema("OffboardOrg")]
public sealed record OffboardOrgRequest(string? Reason) : IValidatedRequest
{
    public const int MaxReasonLength = 500;

    public void Validate(RequestErrors errors)
    {
        if (Reason is { Length: > MaxReasonLength })
        {
            errors.Add("json", "reason", $"Longer than maximum length {MaxReasonLength}.");
        }
    }
}

/// <summary>The published <c>UserInvite</c>: an address and a role (default <c>user</c>).</summary>
[ApiSchema("UserInvite")]
public sealed record UserInviteRequest(string? Email, OrgRole? Role, string? Name) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        OrgFields.Email(errors, "email", Email, required: true);
        OrgFields.Name(errors, "name", Name, required: false);
    }
}

/// <summary>The legacy partner registration body: <c>company</c>, and optionally <c>email</c> and a Labra subscription.</summary>
public sealed record RegisterChildRequest(string? Company, string? Email, string? LabraSubscriptionId) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        OrgFields.Name(errors, "company", Company, required: true);
        OrgFields.Email(errors, "email", Email, required: false);
    }
}

public sealed record RegisterChildResponse(Guid OrgId);

/// <summary>Checks shared by the org bodies: names of 1 to 200 printable characters, addresses that are addresses.</summary>
internal static class OrgFields
{
    public const int MaxNameLength = 200;
    public const int MaxEmailLength = 255;

    public static bool Name(RequestErrors errors, string field, string? value, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add("json", field, "Missing data for required field.");
            }

            return !required;
        }

        var message = string.IsNullOrWhiteSpace(value) ? "Must not be blank."
            : value.Trim().Length > MaxNameLength ? $"Longer than maximum length {MaxNameLength}."
            : value.Any(char.IsControl) ? "Must not contain control characters."
            : null;
        if (message is not null)
        {
            errors.Add("json", field, message);
        }

        return message is null;
    }

    public static bool Email(RequestErrors errors, string field, string? value, bool required)
    {
        if (value is null)
        {
            if (required)
            {
                errors.Add("json", field, "Missing data for required field.");
            }

            return !required;
        }

        var text = value.Trim();
        var valid = text.Length is > 0 and <= MaxEmailLength && !text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            && MailAddress.TryCreate(text, out var address) && address.Address == text && address.Host.Contains('.', StringComparison.Ordinal);
        if (!valid)
        {
            errors.Add("json", field, text.Length > MaxEmailLength ? $"Longer than maximum length {MaxEmailLength}." : "Not a valid email address.");
        }

        return valid;
    }
}

/// <summary>
/// <c>/v2/partners/{partner_org_id}/orgs</c>: a partner registers its customer orgs, lists, reads, renames and offboards
/// them, invites their users and makes their API keys. Registering creates the org with the partner as parent, its
/// users and the partnership in one save, in the audit log of both orgs.
/// </summary>
internal static class PartnerOrgsApi
{
    public static void MapPartnerOrgs(this IEndpointRouteBuilder routes)
    {
        var orgs = routes.MapGroup("/v2/partners/{partner_org_id}/orgs").ForOrg("partner_org_id", OrgReach.PartnerItself).WithTags("Partner").WithApiErrors();

        orgs.MapPost("", Register)
            .WithSummary("Register a customer org")
            .WithDescription("Creates the organization, sets up user memberships, and establishes the partnership relationship. Save `child_org_id`: every partner route on the customer takes it. `user_emails` and `user_names` pair up in order; the users are the org's admins. `is_partner: true` registers a customer that is a partner itself, refused with 403 unless the operator allowed this partner nested partners. 409 when the partner already has a customer of that name; 422 naming the field for bad input. Partner admin keys only.")
            .WithBody<RegisterOrgRequest>("application/json")
            .Produces<RegisterOrgResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        orgs.MapGet("", List)
            .WithSummary("List the partner's customer orgs")
            .WithDescription("By name; `search` matches part of the name (any case); offboarded orgs are left out unless `include_offboarded=true`. Paged by `page` and `page_size` (1 to 100, default 20); totals in `X-Pagination`.")
            .Produces<PartnerChildOrgResponse[]>();

        var child = routes.MapGroup("/v2/partners/{partner_org_id}/orgs/{child_org_id}").ForPartnerChild("partner_org_id", "child_org_id").WithTags("Partner").WithApiErrors();

        child.MapGet("", Get)
            .AnswersOffboarded()
            .WithSummary("A customer org with its users and where its onboarding stands")
            .Produces<PartnerChildOrgResponse>();

        child.MapPatch("", Update)
            .WithSummary("Rename a customer org or change its email")
            .WithDescription("409 when another customer of the partner has the name; 410 for an offboarded org.")
            .WithBody<UpdateOrgRequest>("application/json")
            .Produces<PartnerChildOrgResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        child.MapDelete("", Offboard)
            .AnswersOffboarded()
            .WithSummary("Offboard a customer org")
            .WithDescription("Marks the org offboarded with the time and the optional `reason` (JSON body `{\"reason\": \"...\"}` or query parameter), revokes every API key of the org at once, and from then on the partner's plan, purchase and onboarding routes answer 410 `org_offboarded` for it. Its history stays readable. The org leaves the partner's list unless `include_offboarded=true`. Offboarding again changes nothing and answers the same.")
            .Produces<PartnerChildOrgResponse>();

        child.MapPost("/users", Invite)
            .WithSummary("Invite a user to a customer org")
            .WithDescription("Body: the published `UserInvite` (`email`, `role`: user, admin, support, cloud_rep or restricted_user; default user) and an optional `name`. 409 when the org already has a user with that address.")
            .WithBody<UserInviteRequest>("application/json")
            .Produces<OrgUserResponse>(StatusCodes.Status201Created)
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        child.MapGet("/users", Users)
            .AnswersOffboarded()
            .WithSummary("Users of a customer org")
            .Produces<OrgUserResponse[]>();

        child.MapPost("/api-keys", ApiKeysApi.CreateKey)
            .WithSummary("Make an API key for a customer org")
            .WithDescription("The customer's own key, for its v1 routes: it acts on the customer org only, never on the partner. The secret is in `key`, shown this once. `role` defaults to `user`.")
            .WithBody<CreateApiKeyRequest>("application/json")
            .Produces<CreatedApiKeyResponse>(StatusCodes.Status201Created);

        child.MapGet("/api-keys", ApiKeysApi.ListKeys)
            .AnswersOffboarded()
            .WithSummary("API keys of a customer org")
            .WithDescription("Every key of the customer org, revoked ones included, newest first. Secrets are never shown again.")
            .Produces<ApiKeyResponse[]>();

        // The unversioned registration deployed partner code calls: {company, email} in, {org_id} out.
        routes.MapGroup("/org/{partner_org_id}/partners/onboarding").ForOrg("partner_org_id", OrgReach.PartnerItself).WithTags("Partner").WithApiErrors()
            .MapPost("/register_child", RegisterChild)
            .WithSummary("Register a customer org (legacy form)")
            .WithDescription("The older form of `POST /v2/partners/{partner_org_id}/orgs`: `company` is the org name, `email` its address; answers `{\"org_id\": ...}`.")
            .WithBody<RegisterChildRequest>("application/json")
            .Produces<RegisterChildResponse>();
    }

    private static async Task<IResult> Register(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<RegisterOrgRequest>(context.Request);
        var emails = request.UserEmails ?? [];
        var names = request.UserNames ?? [];
        var users = emails.Select((email, i) => (email!.Trim(), (string?)names[i]!.Trim(), OrgRole.Admin)).ToList();
        var (registered, refused) = await RegisterAsync(context, db, time, request.OrgName!.Trim(), request.OrgEmail?.Trim(), users, request.IsPartner ?? false);
        if (refused is not null)
        {
            return refused;
        }

        var (org, members) = registered!.Value;
        return TypedResults.Ok(new RegisterOrgResponse(org.Id, org.ParentOrgId!.Value, org.Name, org.Email, org.IsPartner, org.CreatedAt, [.. members.Select(ToResponse)]));
    }

    private static async Task<IResult> RegisterChild(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<RegisterChildRequest>(context.Request);
        var (registered, refused) = await RegisterAsync(context, db, time, request.Company!.Trim(), request.Email?.Trim(), [], isPartner: false);
        return refused ?? TypedResults.Ok(new RegisterChildResponse(registered!.Value.Org.Id));
    }

    /// <summary>The one way a partner makes a customer org: checks, the org, its users, audit entries, one save.</summary>
    private static async Task<((Org Org, List<OrgUser> Users)? Registered, IResult? Refused)> RegisterAsync(
        HttpContext context, TrancheDbContext db, TimeProvider time, string name, string? email, List<(string Email, string? Name, OrgRole Role)> users, bool isPartner)
    {
        var partnerId = context.Org().OrgId;
        var partner = await db.Orgs.AsNoTracking().SingleAsync(o => o.Id == partnerId, context.RequestAborted);
        if (isPartner && !partner.AllowNestedPartners)
        {
            return (null, ApiResults.Forbidden(
                $"Partner org {partnerId} may not register partner orgs (is_partner: true): the operator allows nested partners with `tranche orgs update {partnerId} --allow-nested-partners true`.",
                "nested_partners_not_allowed"));
        }

        if (await NameTakenAsync(db, partnerId, name, null, context.RequestAborted))
        {
            return (null, ApiResults.Conflict($"Partner org {partnerId} already has a customer org named '{name}'.", "org_name_taken", new { org_name = name }));
        }

        var now = time.StorageNow();
        var actor = context.Caller().AsActor(context);
        var org = new Org { Id = Guid.CreateVersion7(now), Name = name, Email = email, ParentOrgId = partnerId, IsPartner = isPartner, CreatedAt = now };
        db.Orgs.Add(org);
        var members = users.Select(u => new OrgUser
        {
            Id = Guid.CreateVersion7(now), OrgId = org.Id, Email = u.Email.ToLowerInvariant(), Name = u.Name, Role = u.Role, CreatedAt = now, CreatedBy = actor.Name,
        }).ToList();
        db.OrgUsers.AddRange(members);
        var details = new { org_name = name, org_email = email, is_partner = isPartner, users = members.Select(m => m.Email).ToList() };
        db.Record(partnerId, actor, "partner.org_registered", org.Id.ToString(), details, now);
        db.Record(org.Id, actor, "org.created", org.Id.ToString(), new { details.org_name, details.org_email, details.is_partner, partner_org_id = partnerId }, now);
        await db.SaveChangesAsync(context.RequestAborted);
        return ((org, members), null);
    }

    private static async Task<IResult> List(HttpContext context, TrancheDbContext db)
    {
        var query = new QueryArgs(context.Request);
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 20, 1, 100);
        var search = query.String("search", OrgFields.MaxNameLength);
        var includeOffboarded = query.Bool("include_offboarded", false);
        query.ThrowIfInvalid();

        var partnerId = context.Org().OrgId;
        var orgs = db.Orgs.AsNoTracking().Where(o => o.ParentOrgId == partnerId);
        if (!includeOffboarded)
        {
            orgs = orgs.Where(o => o.OffboardedAt == null);
        }

        if (!string.IsNullOrWhiteSpace(search))
        {
            var needle = search.Trim().ToLowerInvariant();
            orgs = orgs.Where(o => o.Name.ToLower().Contains(needle));
        }

        var total = await orgs.CountAsync(context.RequestAborted);
        var rows = await orgs.OrderBy(o => o.Name).ThenBy(o => o.Id)
            .Skip(PaginationMetadata.Offset(page, pageSize)).Take(pageSize).ToListAsync(context.RequestAborted);
        PaginationMetadata.For(total, page, pageSize).WriteTo(context.Response);
        return TypedResults.Ok(rows.Select(o => ToResponse(o, null)));
    }

    private static async Task<IResult> Get(HttpContext context, TrancheDbContext db)
    {
        var org = await ChildAsync(context, db);
        var users = await db.OrgUsers.AsNoTracking().OrderBy(u => u.Email).ToListAsync(context.RequestAborted);
        var readiness = await OnboardingStatus.ReadAsync(db, context.RequestAborted);
        var onboarding = new PartnerChildOnboarding(
            readiness.Ready, [.. readiness.Steps.Where(s => s.Status != StepStatus.Complete).Select(s => OnboardingRules.Name(s.Step))]);
        return TypedResults.Ok(ToResponse(org, users) with { Onboarding = onboarding });
    }

    private static async Task<IResult> Update(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<UpdateOrgRequest>(context.Request);
        var org = await ChildAsync(context, db);
        var name = request.OrgName?.Trim();
        if (name is not null && await NameTakenAsync(db, org.ParentOrgId!.Value, name, org.Id, context.RequestAborted))
        {
            return ApiResults.Conflict($"Partner org {org.ParentOrgId} already has a customer org named '{name}'.", "org_name_taken", new { org_name = name });
        }

        var before = new { org_name = org.Name, org_email = org.Email };
        org.Name = name ?? org.Name;
        org.Email = request.OrgEmail?.Trim() ?? org.Email;
        var now = time.StorageNow();
        var changes = new { before, after = new { org_name = org.Name, org_email = org.Email } };
        db.Record(org.Id, context.Caller().AsActor(context), "org.updated", org.Id.ToString(), changes, now);
        db.Record(org.ParentOrgId!.Value, context.Caller().AsActor(context), "partner.org_updated", org.Id.ToString(), changes, now);
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok(ToResponse(org, null));
    }

    private static async Task<IResult> Offboard(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var query = new QueryArgs(context.Request);
        var reason = query.String("reason", OffboardOrgRequest.MaxReasonLength);
        query.ThrowIfInvalid();
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            reason = (await RequestJson.ReadAsync<OffboardOrgRequest>(context.Request)).Reason ?? reason;
        }

        var org = await ChildAsync(context, db);
        if (org.OffboardedAt is null)
        {
            var now = time.StorageNow();
            var actor = context.Caller().AsActor(context);
            org.OffboardedAt = now;
            org.OffboardReason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
            var keys = await db.ApiKeys.Where(k => k.RevokedAt == null).Select(k => k.Id).ToListAsync(context.RequestAborted);
            foreach (var key in keys)
            {
                await db.RevokeApiKeyAsync(key, actor, now, context.RequestAborted);
            }

            var details = new { reason = org.OffboardReason, revoked_keys = keys.Count };
            db.Record(org.Id, actor, "org.offboarded", org.Id.ToString(), details, now);
            db.Record(org.ParentOrgId!.Value, actor, "partner.org_offboarded", org.Id.ToString(), details, now);
            await db.SaveChangesAsync(context.RequestAborted);
        }

        return TypedResults.Ok(ToResponse(org, null));
    }

    private static async Task<IResult> Invite(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<UserInviteRequest>(context.Request);
        var orgId = context.Org().OrgId;
        var email = request.Email!.Trim().ToLowerInvariant();
        if (await db.OrgUsers.AnyAsync(u => u.Email == email, context.RequestAborted))
        {
            return ApiResults.Conflict($"Org {orgId} already has a user {email}.", "user_exists", new { email });
        }

        var now = time.StorageNow();
        var actor = context.Caller().AsActor(context);
        var user = new OrgUser { Id = Guid.CreateVersion7(now), OrgId = orgId, Email = email, Name = request.Name?.Trim(), Role = request.Role ?? OrgRole.User, CreatedAt = now, CreatedBy = actor.Name };
        db.OrgUsers.Add(user);
        db.Record(orgId, actor, "user.invited", user.Id.ToString(), new { user.Email, role = OrgRoleNames.ToWire(user.Role) }, now);
        try
        {
            await db.SaveChangesAsync(context.RequestAborted);
        }
        catch (DbUpdateException)
        {
            return ApiResults.Conflict($"Org {orgId} already has a user {email}.", "user_exists", new { email });
        }

        return TypedResults.Created($"/v2/partners/{context.Caller().OrgId}/orgs/{orgId}/users", ToResponse(user));
    }

    private static async Task<IResult> Users(HttpContext context, TrancheDbContext db) =>
        TypedResults.Ok((await db.OrgUsers.AsNoTracking().OrderBy(u => u.Email).ToListAsync(context.RequestAborted)).Select(ToResponse));

    /// <summary>The customer org of the request; the access check already found it among the caller's customers.</summary>
    private static Task<Org> ChildAsync(HttpContext context, TrancheDbContext db)
    {
        var id = context.Org().OrgId;
        return db.Orgs.SingleAsync(o => o.Id == id, context.RequestAborted);
    }

    private static Task<bool> NameTakenAsync(TrancheDbContext db, Guid partnerId, string name, Guid? except, CancellationToken cancellationToken)
    {
        var lower = name.ToLowerInvariant();
        return db.Orgs.AnyAsync(o => o.ParentOrgId == partnerId && o.OffboardedAt == null && o.Id != except && o.Name.ToLower() == lower, cancellationToken);
    }

    private static IResult? RequireAdmin(HttpContext context) => context.RequireAdmin("Managing customer orgs");

    private static OrgUserResponse ToResponse(OrgUser user) => new(user.Id, user.OrgId, user.Email, user.Name, user.Role, user.CreatedAt);

    private static PartnerChildOrgResponse ToResponse(Org org, IReadOnlyList<OrgUser>? users) => new(
        org.Id, org.ParentOrgId!.Value, org.Name, org.Email, org.IsPartner, org.AllowNestedPartners, org.CreatedAt, org.OffboardedAt, org.OffboardReason,
        users?.Select(ToResponse).ToList(), null);
}
