using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using Tranche.Data;

namespace Tranche.Providers.Onboarding;

/// <summary>
/// Azure onboarding: a global admin of the customer's tenant consents to Tranche's multi-tenant app (the admin-consent
/// URL), then verification signs in to that tenant as the app and reads the subscription.
/// </summary>
public static class AzureOnboarding
{
    public const string ManagementScope = "https://management.azure.com/.default";

    /// <summary>The Microsoft identity platform admin-consent URL; <c>state</c> is the integration's external id, so the answer comes back to it.</summary>
    public static string AuthUrl(CloudIntegration integration, string clientId, string redirectUri) =>
        $"https://login.microsoftonline.com/{Uri.EscapeDataString(integration.TenantId!)}/v2.0/adminconsent" +
        $"?client_id={Uri.EscapeDataString(clientId)}&scope={Uri.EscapeDataString(ManagementScope)}" +
        $"&redirect_uri={Uri.EscapeDataString(redirectUri)}&state={Uri.EscapeDataString(integration.ExternalId)}";
}

public sealed class AzureVerifier(CloudSettings settings, HttpClient http) : ICloudVerifier
{
    public string Provider => "azure";

    public async Task<IReadOnlyList<Validation>> VerifyAsync(CloudIntegration integration, CancellationToken cancellationToken)
    {
        var validations = new List<Validation>
        {
            settings.AzureClientId is null
                ? Validation.Fail("tranche_app", "Tranche has no Azure app configured: set TRANCHE_AZURE_CLIENT_ID to its multi-tenant app registration.")
                : Validation.Pass("tranche_app", $"Tranche signs in as app {settings.AzureClientId}."),
            settings.AzureClientSecret is null
                ? Validation.Fail("tranche_credentials", "Tranche has no Azure credentials: set TRANCHE_AZURE_CLIENT_SECRET to a client secret of its app.")
                : Validation.Pass("tranche_credentials", "Tranche has a client secret for its app."),
        };
        if (validations.Any(v => !v.Passed))
        {
            validations.AddRange(Verification.NotTried("Tranche cannot sign in to Azure without its app id and secret.", "admin_consent", "subscription_readable"));
            return validations;
        }

        string token;
        try
        {
            var options = new ClientSecretCredentialOptions();
            options.Retry.MaxRetries = 1;
            options.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
            var credential = new ClientSecretCredential(integration.TenantId, settings.AzureClientId, settings.AzureClientSecret, options);
            token = (await credential.GetTokenAsync(new TokenRequestContext([AzureOnboarding.ManagementScope]), cancellationToken)).Token;
            validations.Add(Validation.Pass("admin_consent", $"Signed in to tenant {integration.TenantId} as the app: consent was granted."));
        }
        catch (AuthenticationFailedException e)
        {
            validations.Add(Validation.Fail("admin_consent", $"Could not sign in to tenant {integration.TenantId}; has an admin opened the auth URL and consented? {e.Message}"));
            validations.AddRange(Verification.NotTried("no token for the tenant.", "subscription_readable"));
            return validations;
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://management.azure.com/subscriptions/{Uri.EscapeDataString(integration.SubscriptionId!)}?api-version=2022-12-01");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                validations.Add(Validation.Fail("subscription_readable", $"Reading subscription {integration.SubscriptionId} answered {(int)response.StatusCode}: grant the app Reader (and Reservation Purchaser to buy) on it."));
            }
            else
            {
                using var document = JsonDocument.Parse(body);
                var state = document.RootElement.TryGetProperty("state", out var s) ? s.GetString() : null;
                validations.Add(state == "Enabled"
                    ? Validation.Pass("subscription_readable", $"Subscription {integration.SubscriptionId} is readable and enabled.")
                    : Validation.Fail("subscription_readable", $"Subscription {integration.SubscriptionId} is {state ?? "in an unknown state"}."));
            }
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            validations.Add(Validation.Fail("subscription_readable", $"Could not read subscription {integration.SubscriptionId}: {e.Message}"));
        }

        return validations;
    }
}

/// <summary>GCP onboarding: the customer grants Tranche's service account roles on its billing account and project.</summary>
public static class GcpOnboarding
{
    /// <summary>Read billing, read and buy committed use discounts, read the billing exports in BigQuery.</summary>
    public static readonly string[] ProjectRoles = ["roles/compute.viewer", "roles/bigquery.dataViewer", "roles/bigquery.jobUser", "roles/compute.admin"];

    public static readonly string[] BillingAccountRoles = ["roles/billing.viewer"];

    public static readonly string[] OrganizationRoles = ["roles/browser"];

    public static readonly string[] RequiredValues =
        ["organization_id", "project_id", "billing_account_id", "billing_export_project_id", "billing_export_dataset_id", "pricing_export_dataset_id", "cud_export_dataset_id"];
}

/// <summary>
/// GCP verification. Tranche has no GCP reader yet, so with credentials configured it still answers failed and says
/// so: a verification that did not reach the account never reads as a success.
/// </summary>
public sealed class GcpVerifier(CloudSettings settings) : ICloudVerifier
{
    public string Provider => "gcp";

    public Task<IReadOnlyList<Validation>> VerifyAsync(CloudIntegration integration, CancellationToken cancellationToken)
    {
        var validations = new List<Validation>
        {
            settings.GcpServiceAccount is null
                ? Validation.Fail("tranche_service_account", "Tranche has no GCP service account configured: set TRANCHE_GCP_SERVICE_ACCOUNT to the account customers grant roles to.")
                : Validation.Pass("tranche_service_account", $"Customers grant roles to {settings.GcpServiceAccount}."),
            settings.GcpCredentialsFile is null
                ? Validation.Fail("tranche_credentials", "Tranche has no GCP credentials: set GOOGLE_APPLICATION_CREDENTIALS to the key file of its service account.")
                : Validation.Pass("tranche_credentials", "Tranche has a key file for its service account."),
        };
        validations.Add(validations.All(v => v.Passed)
            ? Validation.Fail("billing_account_readable", $"Reading billing account {integration.BillingAccountId} through the service account is not available in this version of Tranche; the integration cannot be verified yet.")
            : Validation.Fail("billing_account_readable", "Not tried: Tranche cannot call GCP without its service account and credentials."));
        return Task.FromResult<IReadOnlyList<Validation>>(validations);
    }
}
