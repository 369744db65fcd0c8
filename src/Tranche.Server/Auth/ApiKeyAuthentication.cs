using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Tranche.Data;
using Tranche.Domain.Tenancy;
using Tranche.Server.Api;

namespace Tranche.Server.Auth;

/// <summary>The API key a request came in with, and the org it belongs to.</summary>
public sealed record Caller(Guid KeyId, string KeyPrefix, Guid OrgId, bool OrgIsPartner, OrgRole Role)
{
    public Actor AsActor(HttpContext context) => Actor.ApiKey(KeyId, context.TraceIdentifier);
}

public static class CallerExtensions
{
    /// <summary>The authenticated caller; endpoints behind <c>RequireAuthorization</c> always have one.</summary>
    public static Caller Caller(this HttpContext context) =>
        context.Features.Get<Caller>() ?? throw new InvalidOperationException("This endpoint was reached without an authenticated API key.");

    /// <summary>Null when the caller's key is an admin key; otherwise the 403 saying that <paramref name="action"/> needs one.</summary>
    public static IResult? RequireAdmin(this HttpContext context, string action)
    {
        var role = context.Caller().Role;
        return role == OrgRole.Admin
            ? null
            : Api.ApiResults.Forbidden($"{action} needs an admin key; this key's role is {OrgRoleNames.ToWire(role)}.", "role_not_allowed");
    }
}

/// <summary>
/// Authenticates by API key, sent as <c>x-api-key</c> (any casing) or, as deployed partner code does, as HTTP Basic
/// credentials with the key as user name (<c>base64(key)</c>, <c>base64(key:)</c>) or password (<c>base64(:key)</c>).
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    TrancheDbContext db,
    TimeProvider time)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "x-api-key";

    /// <summary>Recording every use would make each read a write; once a minute is enough to answer "is this key in use?".</summary>
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);

    private static readonly CompiledQuery<Func<TrancheDbContext, byte[], Task<KeyRow?>>> s_findKey = new(() =>
        EF.CompileAsyncQuery((TrancheDbContext context, byte[] hash) =>
            context.ApiKeys.IgnoreQueryFilters()
                .Where(k => k.SecretHash == hash && k.RevokedAt == null)
                .Select(k => new KeyRow(k.Id, k.Prefix, k.OrgId, k.Org!.IsPartner, k.Role, k.LastUsedAt))
                .SingleOrDefault()));

    private sealed record KeyRow(Guid Id, string Prefix, Guid OrgId, bool OrgIsPartner, OrgRole Role, DateTime? LastUsedAt);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var secret = ReadKey(Request);
        if (secret is null)
        {
            return AuthenticateResult.NoResult();
        }

        if (secret.Length > 200)
        {
            return AuthenticateResult.Fail("The API key is not valid.");
        }

        var row = await s_findKey.For(db)(db, ApiKeySecrets.Hash(secret));
        if (row is null)
        {
            Telemetry.RefusedApiKeys.Add(1);
            return AuthenticateResult.Fail("The API key is not valid or has been revoked.");
        }

        var now = time.StorageNow();
        if (row.LastUsedAt is null || now - row.LastUsedAt.Value >= s_lastUsedResolution)
        {
            await db.ApiKeys.IgnoreQueryFilters().Where(k => k.Id == row.Id).ExecuteUpdateAsync(k => k.SetProperty(x => x.LastUsedAt, now));
        }

        var caller = new Caller(row.Id, row.Prefix, row.OrgId, row.OrgIsPartner, row.Role);
        Context.Features.Set(caller);
        var identity = new ClaimsIdentity(
            [new Claim("key_id", row.Id.ToString()), new Claim("org_id", row.OrgId.ToString())],
            SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failure = (await HandleAuthenticateOnceSafeAsync()).Failure;
        var message = failure?.Message
            ?? $"This endpoint needs an API key: send it in the '{HeaderName}' header.";
        // A scheme of our own: "Basic" here would make browsers (the docs page, dashboards) pop up a login box.
        Response.Headers.WWWAuthenticate = $"ApiKey realm=\"tranche\", header=\"{HeaderName}\"";
        await ApiResults.WriteErrorAsync(Context, StatusCodes.Status401Unauthorized, message, failure is null ? "missing_api_key" : "invalid_api_key");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiResults.WriteErrorAsync(Context, StatusCodes.Status403Forbidden, "This API key may not do this.", "forbidden");

    internal static string? ReadKey(HttpRequest request)
    {
        var header = request.Headers[HeaderName];
        if (header.Count > 0 && !string.IsNullOrWhiteSpace(header[0]))
        {
            return header[0]!.Trim();
        }

        var authorization = request.Headers.Authorization;
        if (authorization.Count == 0 || authorization[0] is not { } value)
        {
            return null;
        }

        const string basic = "Basic ";
        if (!value.StartsWith(basic, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value[basic.Length..].Trim()));
        }
        catch (FormatException)
        {
            return "";
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return decoded.Trim();
        }

        var user = decoded[..colon].Trim();
        return user.Length > 0 ? user : decoded[(colon + 1)..].Trim();
    }
}

internal static class ApiKeyAuthenticationExtensions
{
    public static IServiceCollection AddApiKeyAuthentication(this IServiceCollection services)
    {
        // Authentication pulls in data protection, which Tranche never uses (no cookies, no tokens of its own);
        // keep its keys in memory so starting the server writes nothing outside the data directory.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        return services;
    }
}
