using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Web;
using Microsoft.AspNetCore.Http;
using Tranche.Data;
using Tranche.Providers.Onboarding;
using Tranche.Testing;

namespace Tranche.Providers.Tests.Onboarding;

/// <summary>
/// GCP verification against a stand-in of Google: the token endpoint named in the key file (which checks the signed
/// assertion with the key's public half) and the testIamPermissions methods of Cloud Billing and Resource Manager.
/// </summary>
public sealed class GcpVerifierTests
{
    private const string Account = "tranche@tranche-prod.iam.gserviceaccount.com";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Verification_passes_when_the_customer_granted_every_permission_and_names_the_ones_missing_otherwise()
    {
        using var key = RSA.Create(2048);
        var granted = new HashSet<string>(GcpVerifier.BillingAccountPermissions.Concat(GcpVerifier.ProjectPermissions), StringComparer.Ordinal);
        await using var google = await GoogleStandIn(key, granted);
        var verifier = new GcpVerifier(Settings(google, KeyFile(key, google)), new HttpClient());

        var all = await verifier.VerifyAsync(Integration(), Cancel);
        granted.Remove("compute.commitments.create");
        var some = await verifier.VerifyAsync(Integration(), Cancel);

        Assert.All(all, v => Assert.True(v.Passed, v.Message));
        Assert.Equal(["tranche_service_account", "tranche_credentials", "billing_account_readable", "project_permissions"], all.Select(v => v.Name));
        var project = some.Single(v => v.Name == "project_permissions");
        Assert.False(project.Passed);
        Assert.Contains("lacks compute.commitments.create on project acme-billing", project.Message, StringComparison.Ordinal);
        Assert.True(some.Single(v => v.Name == "billing_account_readable").Passed);
        var paths = google.Received.Select(r => r.Path).ToList();
        Assert.Contains("/v1/billingAccounts/01ABCD-23EF45-6789AB:testIamPermissions", paths);
        Assert.Contains("/v1/projects/acme-billing:testIamPermissions", paths);
        Assert.All(google.Received.Where(r => r.Path != "/token"), r => Assert.Equal("Bearer stand-in-token", r.Headers["Authorization"]));
    }

    [Fact]
    public async Task A_key_google_refuses_or_a_missing_key_file_fails_verification_with_the_reason()
    {
        using var key = RSA.Create(2048);
        using var other = RSA.Create(2048);
        await using var google = await GoogleStandIn(key, new HashSet<string>());

        var refused = await new GcpVerifier(Settings(google, KeyFile(other, google)), new HttpClient()).VerifyAsync(Integration(), Cancel);
        var missing = await new GcpVerifier(Settings(google, Path.Combine(TestDatabases.NewTempDirectory("gcp"), "absent.json")), new HttpClient()).VerifyAsync(Integration(), Cancel);

        Assert.Contains("invalid_grant", refused.Single(v => v.Name == "tranche_credentials").Message, StringComparison.Ordinal);
        Assert.All(refused.Where(v => v.Name is "billing_account_readable" or "project_permissions"), v => Assert.StartsWith("Not tried", v.Message, StringComparison.Ordinal));
        Assert.Contains("cannot be used as a service account key", missing.Single(v => v.Name == "tranche_credentials").Message, StringComparison.Ordinal);
        Assert.DoesNotContain(google.Received, r => r.Path.Contains("testIamPermissions", StringComparison.Ordinal));
    }

    private static CloudIntegration Integration() => new()
    {
        Id = Guid.NewGuid(), OrgId = Guid.NewGuid(), Provider = "gcp", State = CloudIntegrationStates.Created, ExternalId = "x",
        OrganizationId = "123456789012", ProjectId = "acme-billing", BillingAccountId = "01ABCD-23EF45-6789AB",
    };

    private static CloudSettings Settings(LoopbackHost google, string keyFile) => new()
    {
        GcpServiceAccount = Account,
        GcpCredentialsFile = keyFile,
        GcpBillingCatalogUrl = google.BaseAddress,
        GcpResourceManagerUrl = google.BaseAddress,
    };

    private static string KeyFile(RSA key, LoopbackHost google)
    {
        var path = Path.Combine(TestDatabases.NewTempDirectory("gcp"), "key.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account", ["project_id"] = "tranche-prod", ["private_key_id"] = "k1", ["private_key"] = key.ExportPkcs8PrivateKeyPem(),
            ["client_email"] = Account, ["client_id"] = "1", ["token_uri"] = new Uri(google.BaseAddress, "token").ToString(),
        }));
        return path;
    }

    /// <summary>Google as far as verification sees it: a token for an assertion signed with <paramref name="key"/>, and the <paramref name="granted"/> permissions.</summary>
    private static Task<LoopbackHost> GoogleStandIn(RSA key, IReadOnlySet<string> granted) => LoopbackHost.StartAsync(async (context, request) =>
    {
        if (request.Path == "/token")
        {
            var form = HttpUtility.ParseQueryString(request.Body);
            var parts = (form["assertion"] ?? "").Split('.');
            var signed = parts.Length == 3 && key.VerifyData(
                Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var claims = signed ? JsonDocument.Parse(Base64Url(parts[1])).RootElement : default;
            if (!signed || form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || claims.GetProperty("iss").GetString() != Account
                || claims.GetProperty("scope").GetString() != GcpAccess.CloudPlatformScope)
            {
                context.Response.StatusCode = 400;
                await context.Response.WriteAsJsonAsync(new { error = "invalid_grant", error_description = "Invalid JWT Signature." }, Cancel);
                return;
            }

            await context.Response.WriteAsJsonAsync(new { access_token = "stand-in-token", expires_in = 3600, token_type = "Bearer" }, Cancel);
            return;
        }

        var asked = JsonDocument.Parse(request.Body).RootElement.GetProperty("permissions").EnumerateArray().Select(p => p.GetString()!);
        await context.Response.WriteAsJsonAsync(new { permissions = asked.Where(granted.Contains).ToArray() }, Cancel);
    });

    private static byte[] Base64Url(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));
}
