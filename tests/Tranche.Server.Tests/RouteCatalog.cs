using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Tranche.Server.Auth;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>One method on one route of the running server, with the URL filled in for a given org.</summary>
public sealed record ApiRoute(string Method, string Pattern, OrgRouteMetadata? Org)
{
    public bool HasBody => Method is "POST" or "PUT" or "PATCH";

    /// <summary>The URL with the org parameter set to <paramref name="orgId"/> and any other id set to <paramref name="otherIds"/>.</summary>
    public string Url(Guid orgId, string? otherIds = null) =>
        Regex.Replace(Pattern, @"\{([a-z_]+)(:[^}]*)?\}", m =>
            Org is not null && m.Groups[1].Value == Org.Parameter ? orgId.ToString() : otherIds ?? Guid.NewGuid().ToString());

    public override string ToString() => $"{Method} {Pattern}";
}

/// <summary>Every API route the server maps, read from its endpoint table, so new routes join these tests by themselves.</summary>
public static partial class RouteCatalog
{
    public static IReadOnlyList<ApiRoute> ApiRoutes(TrancheFixture server) =>
        server.App.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/v1/", StringComparison.Ordinal) || raw.StartsWith("/v2/", StringComparison.Ordinal)))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(method =>
                new ApiRoute(method, e.RoutePattern.RawText!, e.Metadata.GetMetadata<OrgRouteMetadata>())))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal)
            .ToList();

    public static IReadOnlyList<ApiRoute> OrgRoutes(TrancheFixture server) => [.. ApiRoutes(server).Where(r => r.Org is not null)];

    public static HttpRequestMessage Request(ApiRoute route, string url, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(route.Method), url);
        if (route.HasBody || body is not null)
        {
            request.Content = Http.Json(body ?? "{}");
        }

        return request;
    }
}
