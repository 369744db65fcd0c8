using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1;

/// <summary>An org the caller can see, as published: its id, name, the caller's role and how the caller holds it.</summary>
[ApiSchema("Org")]
public sealed record OrgResponse(string OrgId, string Name, OrgRole Role, OrgKind Kind);

/// <summary><c>GET /v1/orgs</c>: the caller's own org and, for a partner key, its customer orgs.</summary>
internal static class OrgsApi
{
    private static readonly CompiledQuery<Func<TrancheDbContext, Guid, bool, IAsyncEnumerable<VisibleOrg>>> s_visibleOrgs = new(() =>
        EF.CompileAsyncQuery((TrancheDbContext db, Guid callerOrgId, bool callerIsPartner) =>
            db.Orgs
                .Where(o => o.Id == callerOrgId || (callerIsPartner && o.ParentOrgId == callerOrgId && o.OffboardedAt == null))
                .OrderBy(o => o.ParentOrgId != null).ThenBy(o => o.Name).ThenBy(o => o.Id)
                .Select(o => new VisibleOrg(o.Id, o.Name, o.ParentOrgId))));

    private sealed record VisibleOrg(Guid Id, string Name, Guid? ParentOrgId);

    public static void MapOrgs(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/orgs", ListOrgs)
            .RequireAuthorization()
            .WithTags("Orgs")
            .WithSummary("List accessible organizations")
            .WithDescription("The caller's own org (kind `direct`) and, for a partner key, each of the partner's customer orgs that is not offboarded (kind `partnership`). `role` is the role of the calling key.")
            .Produces<OrgResponse[]>()
            .WithApiErrors();
    }

    private static async Task<IResult> ListOrgs(HttpContext context, TrancheDbContext db)
    {
        var caller = context.Caller();
        var orgs = new List<OrgResponse>();
        await foreach (var org in s_visibleOrgs.For(db)(db, caller.OrgId, caller.OrgIsPartner).WithCancellation(context.RequestAborted))
        {
            var relation = OrgAccess.Relation(caller.OrgId, caller.OrgIsPartner, org.Id, org.ParentOrgId);
            orgs.Add(new OrgResponse(org.Id.ToString(), org.Name, caller.Role, OrgAccess.KindSeenBy(relation)));
        }

        return TypedResults.Ok(orgs);
    }
}
