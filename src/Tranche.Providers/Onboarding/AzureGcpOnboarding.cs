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
/// GCP verification: Tranche gets a token for its own service account, then asks Google which of the permissions it
/// needs the customer granted it, on the billing account (read billing and prices) and on the project (read and buy
/// committed use discounts, read the billing exports in BigQuery). Each missing permission is named.
/// </summary>
public sealed class GcpVerifier(CloudSettings settings, HttpClient http) : ICloudVerifier
{
    /// <summary>What <c>roles/billing.viewer</c> gives on the billing account that Tranche reads.</summary>
    public static readonly string[] BillingAccountPermissions = ["billing.accounts.get", "billing.accounts.getSpendingInformation"];

    /// <summary>What the project roles give that Tranche uses: list and buy commitments, query the billing exports.</summary>
    public static readonly string[] ProjectPermissions =
        ["compute.commitments.list", "compute.commitments.get", "compute.commitments.create", "bigquery.jobs.create", "bigquery.tables.getData"];

    public string Provider => "gcp";

    public async Task<IReadOnlyList<Validation>> VerifyAsync(CloudIntegration integration, CancellationToken cancellationToken)
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
        if (validations.Any(v => !v.Passed))
        {
            validations.AddRange(Verification.NotTried("Tranche cannot call GCP without its service account and credentials.", "billing_account_readable", "project_permissions"));
            return validations;
        }

        var (token, problem) = await GcpAccess.TokenAsync(settings, GcpAccess.CloudPlatformScope, cancellationToken);
        if (token is null)
        {
            validations[1] = Validation.Fail("tranche_credentials", problem!);
            validations.AddRange(Verification.NotTried("Tranche could not get a token for its service account.", "billing_account_readable", "project_permissions"));
            return validations;
        }

        validations.Add(await CheckAsync(
            "billing_account_readable", $"billing account {integration.BillingAccountId}",
            new Uri(settings.GcpBillingCatalogUrl, $"v1/billingAccounts/{Uri.EscapeDataString(integration.BillingAccountId!)}:testIamPermissions"),
            BillingAccountPermissions, "roles/billing.viewer", token, cancellationToken));
        validations.Add(await CheckAsync(
            "project_permissions", $"project {integration.ProjectId}",
            new Uri(settings.GcpResourceManagerUrl, $"v1/projects/{Uri.EscapeDataString(integration.ProjectId!)}:testIamPermissions"),
            ProjectPermissions, string.Join(", ", GcpOnboarding.ProjectRoles), token, cancellationToken));
        return validations;
    }

    private async Task<Validation> CheckAsync(
        string name, string resource, Uri url, IReadOnlyList<string> wanted, string roles, string token, CancellationToken cancellationToken)
    {
        var (granted, problem) = await GcpAccess.GrantedAsync(http, token, url, wanted, cancellationToken);
        if (granted is null)
        {
            return Validation.Fail(name, $"Could not ask Google about {resource}: {problem}");
        }

        var missing = wanted.Where(p => !granted.Contains(p)).ToList();
        return missing.Count == 0
            ? Validation.Pass(name, $"{settings.GcpServiceAccount} holds every permission Tranche needs on {resource}.")
            : Validation.Fail(name, $"{settings.GcpServiceAccount} lacks {string.Join(", ", missing)} on {resource}: grant it {roles}.");
    }
}
