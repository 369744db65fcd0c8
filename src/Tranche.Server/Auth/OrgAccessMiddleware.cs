using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server.Api;

namespace Tranche.Server.Auth;

/// <summary>Which orgs an org-scoped route may be called on, seen from the caller's org.</summary>
public enum OrgReach
{
    /// <summary>The caller's own org, or, for a partner's key, one of its customer orgs (<c>/v1/org/{org_id}/...</c>).</summary>
    OwnOrChild,

    /// <summary>Only a customer org of the calling partner (<c>/v2/org/{child_org_id}/partners/...</c>).</summary>
    ChildOfPartner,

    /// <summary>Only the calling partner org itself (<c>/v2/partners/{partner_org_id}/...</c>).</summary>
    PartnerItself,
}

/// <summary>
/// Marks a route whose path names the org it acts on. <paramref name="PartnerParameter"/> is set on partner routes
/// that name the partner and one of its customers (<c>/v2/partners/{partner_org_id}/orgs/{child_org_id}</c>): the
/// partner must be the caller's own org.
/// </summary>
public sealed record OrgRouteMetadata(string Parameter, OrgReach Reach, string? PartnerParameter = null);

/// <summary>Marks a route that still answers for an offboarded customer org (reading it, offboarding it again).</summary>
public sealed record AnswersOffboardedMetadata;

/// <summary>The org a request acts on, after access was checked.</summary>
public sealed record OrgContext(Guid OrgId, OrgRelation Relation);

/// <summary>
/// The one place where org access is decided. For every route marked with <see cref="OrgRouteMetadata"/> it parses
/// the org id, checks it against the caller's key, and scopes the request's database context to that org, so
/// handlers never filter by org themselves.
/// </summary>
internal sealed class OrgAccessMiddleware(RequestDelegate next)
{
    private static readonly CompiledQuery<Func<TrancheDbContext, Guid, Task<OrgParentRow?>>> s_findOrg = new(() =>
        EF.CompileAsyncQuery((TrancheDbContext context, Guid id) =>
            context.Orgs.Where(o => o.Id == id).Select(o => new OrgParentRow(o.ParentOrgId, o.OffboardedAt)).SingleOrDefault()));

    private sealed record OrgParentRow(Guid? ParentOrgId, DateTime? OffboardedAt);

    public async Task InvokeAsync(HttpContext context, TrancheDbContext db, OrgScope scope)
    {
        var route = context.GetEndpoint()?.Metadata.GetMetadata<OrgRouteMetadata>();
        if (route is null || context.Features.Get<Caller>() is not { } caller)
        {
            await next(context);
            return;
        }

        var orgId = PathIds.Parse(context.GetRouteValue(route.Parameter) as string, route.Parameter);
        if (route.PartnerParameter is { } partnerParameter)
        {
            var partnerId = PathIds.Parse(context.GetRouteValue(partnerParameter) as string, partnerParameter);
            if (!caller.OrgIsPartner || partnerId != caller.OrgId)
            {
                await ApiResults.WriteErrorAsync(context, StatusCodes.Status403Forbidden, $"API key {caller.KeyPrefix}… has no access to partner org {partnerId}.", "org_access_denied");
                return;
            }
        }

        var relation = OrgRelation.Own;
        OrgParentRow? org = null;
        if (orgId != caller.OrgId)
        {
            org = caller.OrgIsPartner ? await s_findOrg.For(db)(db, orgId) : null;
            relation = OrgAccess.Relation(caller.OrgId, caller.OrgIsPartner, orgId, org?.ParentOrgId);
        }

        var denial = (route.Reach, relation) switch
        {
            (_, OrgRelation.None) => $"API key {caller.KeyPrefix}… has no access to org {orgId}.",
            (OrgReach.ChildOfPartner, OrgRelation.Own) when !caller.OrgIsPartner => "This route is for partner API keys, acting on one of their customer orgs.",
            (OrgReach.ChildOfPartner, OrgRelation.Own) => $"Org {orgId} is the partner org itself; this route acts on its customer orgs.",
            (OrgReach.PartnerItself, _) when !caller.OrgIsPartner => $"Org {orgId} is not a partner org.",
            (OrgReach.PartnerItself, OrgRelation.Child) => $"This route acts on a partner org; {orgId} is a customer org.",
            _ => null,
        };
        if (denial is not null)
        {
            await ApiResults.WriteErrorAsync(context, StatusCodes.Status403Forbidden, denial, "org_access_denied");
            return;
        }

        // An offboarded customer keeps its history readable by its partner, but nothing acts on it any more.
        if (org?.OffboardedAt is { } offboardedAt && relation == OrgRelation.Child
            && context.GetEndpoint()?.Metadata.GetMetadata<AnswersOffboardedMetadata>() is null
            && (route.Reach == OrgReach.ChildOfPartner || !HttpMethods.IsGet(context.Request.Method)))
        {
            await ApiResults.WriteErrorAsync(
                context, StatusCodes.Status410Gone, $"Org {orgId} was offboarded at {offboardedAt:u}: it no longer answers partner routes and takes no changes.", "org_offboarded");
            return;
        }

        scope.Enter(orgId);
        context.Features.Set(new OrgContext(orgId, relation));
        await next(context);
    }
}

internal static class OrgAccessExtensions
{
    public static IApplicationBuilder UseOrgAccess(this IApplicationBuilder app) => app.UseMiddleware<OrgAccessMiddleware>();

    /// <summary>Declares that this route group acts on the org named by <paramref name="parameter"/> and requires an API key.</summary>
    public static RouteGroupBuilder ForOrg(this RouteGroupBuilder group, string parameter = "org_id", OrgReach reach = OrgReach.OwnOrChild)
    {
        group.RequireAuthorization();
        group.WithMetadata(new OrgRouteMetadata(parameter, reach));
        return group;
    }

    /// <summary>Declares a partner route on one of its customers: <paramref name="partnerParameter"/> must name the caller's own org.</summary>
    public static RouteGroupBuilder ForPartnerChild(this RouteGroupBuilder group, string partnerParameter, string childParameter)
    {
        group.RequireAuthorization();
        group.WithMetadata(new OrgRouteMetadata(childParameter, OrgReach.ChildOfPartner, partnerParameter));
        return group;
    }

    /// <summary>Lets this route answer for an offboarded customer org.</summary>
    public static TBuilder AnswersOffboarded<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(new AnswersOffboardedMetadata());

    public static OrgContext Org(this HttpContext context) =>
        context.Features.Get<OrgContext>() ?? throw new InvalidOperationException("This endpoint is not declared as org-scoped.");
}
