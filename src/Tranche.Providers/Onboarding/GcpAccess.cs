using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Google.Apis.Auth.OAuth2.Responses;

namespace Tranche.Providers.Onboarding;

/// <summary>
/// Tranche's own access to Google Cloud: an OAuth access token for its service account (the key file named by
/// <c>GOOGLE_APPLICATION_CREDENTIALS</c>, exchanged at the file's <c>token_uri</c>), and the IAM question "which of these
/// permissions does Tranche hold on that resource", which the customer's grants answer.
/// </summary>
public static class GcpAccess
{
    public const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>
    /// A token for <paramref name="scope"/>, or null with the reason as the problem: no key file, a key
    /// file that is not a service account's, or a token endpoint that refused it.
    /// </summary>
    public static async Task<(string? Token, string? Problem)> TokenAsync(CloudSettings settings, string scope, CancellationToken cancellationToken)
    {
        if (settings.GcpCredentialsFile is not { } file)
        {
            return (null, "Tranche has no GCP credentials: set GOOGLE_APPLICATION_CREDENTIALS to the key file of its service account.");
        }

        try
        {
            var credential = (await CredentialFactory.FromFileAsync(file, JsonCredentialParameters.ServiceAccountCredentialType, cancellationToken)).CreateScoped(scope);
            return (await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(cancellationToken: cancellationToken), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or ArgumentException or JsonException)
        {
            return (null, $"The key file {file} (GOOGLE_APPLICATION_CREDENTIALS) cannot be used as a service account key: {e.Message}");
        }
        catch (TokenResponseException e)
        {
            return (null, $"Google refused a token for the service account: {e.Error?.Error} {e.Error?.ErrorDescription}".TrimEnd());
        }
        catch (HttpRequestException e)
        {
            return (null, $"Google's token endpoint could not be reached: {e.Message}");
        }
    }

    /// <summary>
    /// The permissions of <paramref name="wanted"/> Tranche's service account holds on a resource, through its
    /// <c>testIamPermissions</c> method (<paramref name="url"/>), or null with the reason the call failed.
    /// </summary>
    public static async Task<(IReadOnlySet<string>? Granted, string? Problem)> GrantedAsync(
        HttpClient http, string token, Uri url, IReadOnlyList<string> wanted, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(new { permissions = wanted }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{url.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}: {GoogleError(body)}");
            }

            using var document = JsonDocument.Parse(body);
            var granted = document.RootElement.TryGetProperty("permissions", out var list) && list.ValueKind == JsonValueKind.Array
                ? list.EnumerateArray().Select(p => p.GetString() ?? "").ToHashSet(StringComparer.Ordinal)
                : [];
            return (granted, null);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return (null, $"{url.GetLeftPart(UriPartial.Path)} could not be read: {e.Message}");
        }
    }

    /// <summary>The message of Google's error envelope (<c>{"error": {"code", "message", "status"}}</c>), or the body itself.</summary>
    public static string GoogleError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                var status = error.TryGetProperty("status", out var s) ? s.GetString() : null;
                var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
                return string.Join(": ", new[] { status, message }.Where(v => !string.IsNullOrEmpty(v)));
            }
        }
        catch (JsonException)
        {
        }

        return body.Length > 300 ? body[..300] + "…" : body;
    }
}
