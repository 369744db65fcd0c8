using System.Text.Json;
using System.Text.Json.Serialization;
using Tranche.Data;

namespace Tranche.Providers.Onboarding;

/// <summary>One check of a verification: its name, whether it passed, and what was found.</summary>
public sealed record Validation(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("message")] string Message)
{
    public const string Success = "success";
    public const string Failed = "failed";

    public bool Passed => Status == Success;

    public static Validation Pass(string name, string message) => new(name, Success, message);

    public static Validation Fail(string name, string message) => new(name, Failed, message);
}

/// <summary>What Tranche needs of its own to reach customers' clouds: its identities and credentials, from settings.</summary>
public sealed record CloudSettings
{
    /// <summary><c>TRANCHE_AWS_PRINCIPAL_ARN</c>: the AWS principal (user or role) customer roles trust.</summary>
    public string? AwsPrincipalArn { get; init; }

    /// <summary><c>TRANCHE_AWS_TEMPLATE_URL</c>: an S3 copy of the CloudFormation template, for the console quick-create link.</summary>
    public string? AwsTemplateUrl { get; init; }

    public string? AwsAccessKeyId { get; init; }

    public string? AwsSecretAccessKey { get; init; }

    public string? AwsSessionToken { get; init; }

    public string? AwsProfile { get; init; }

    public string AwsRegion { get; init; } = "us-east-1";

    /// <summary><c>TRANCHE_AZURE_CLIENT_ID</c>: Tranche's multi-tenant app registration.</summary>
    public string? AzureClientId { get; init; }

    public string? AzureClientSecret { get; init; }

    /// <summary>Where Microsoft sends the admin back after consent.</summary>
    public string? AzureRedirectUri { get; init; }

    /// <summary><c>TRANCHE_GCP_SERVICE_ACCOUNT</c>: the service account customers grant roles to.</summary>
    public string? GcpServiceAccount { get; init; }

    /// <summary><c>GOOGLE_APPLICATION_CREDENTIALS</c>: the key file of that service account.</summary>
    public string? GcpCredentialsFile { get; init; }

    /// <summary>
    /// <c>TRANCHE_AWS_ENDPOINT_URL</c>: one address every AWS call goes to instead of the service's own (STS, EC2,
    /// Savings Plans, Price List), for a proxy or a stand-in of AWS. Unset: the real endpoints.
    /// </summary>
    public Uri? AwsEndpointUrl { get; init; }

    /// <summary><c>TRANCHE_AZURE_PRICES_URL</c>: the Azure Retail Prices API (default <c>https://prices.azure.com</c>).</summary>
    public Uri AzurePricesUrl { get; init; } = new("https://prices.azure.com");

    /// <summary>
    /// <c>TRANCHE_AZURE_ISF_RATIO_URL</c>: Microsoft's instance size flexibility ratio sheet (CSV), which groups VM sizes
    /// and gives each its ratio.
    /// </summary>
    public Uri AzureIsfRatioUrl { get; init; } = new("https://isfratio.blob.core.windows.net/isfratio/ISFRatio.csv");

    /// <summary><c>TRANCHE_GCP_BILLING_CATALOG_URL</c>: the Cloud Billing Catalog API (default <c>https://cloudbilling.googleapis.com</c>).</summary>
    public Uri GcpBillingCatalogUrl { get; init; } = new("https://cloudbilling.googleapis.com");

    /// <summary>
    /// <c>TRANCHE_GCP_RESOURCE_MANAGER_URL</c>: the Resource Manager API verification asks for the permissions granted on
    /// the customer's project (default <c>https://cloudresourcemanager.googleapis.com</c>).
    /// </summary>
    public Uri GcpResourceManagerUrl { get; init; } = new("https://cloudresourcemanager.googleapis.com");

    public static CloudSettings From(Func<string, string?> setting)
    {
        string? Value(string name) => setting(name) is { } v && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        Uri? Url(string name) => Value(name) is { } v
            ? Uri.TryCreate(v, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
                ? uri
                : throw new ArgumentException($"{name} is '{v}', not an http(s) address.")
            : null;
        return new CloudSettings
        {
            AwsPrincipalArn = Value("TRANCHE_AWS_PRINCIPAL_ARN"),
            AwsTemplateUrl = Value("TRANCHE_AWS_TEMPLATE_URL"),
            AwsAccessKeyId = Value("AWS_ACCESS_KEY_ID"),
            AwsSecretAccessKey = Value("AWS_SECRET_ACCESS_KEY"),
            AwsSessionToken = Value("AWS_SESSION_TOKEN"),
            AwsProfile = Value("AWS_PROFILE"),
            AwsRegion = Value("AWS_REGION") ?? "us-east-1",
            AzureClientId = Value("TRANCHE_AZURE_CLIENT_ID"),
            AzureClientSecret = Value("TRANCHE_AZURE_CLIENT_SECRET"),
            AzureRedirectUri = Value("TRANCHE_AZURE_REDIRECT_URI"),
            GcpServiceAccount = Value("TRANCHE_GCP_SERVICE_ACCOUNT"),
            GcpCredentialsFile = Value("GOOGLE_APPLICATION_CREDENTIALS"),
            AwsEndpointUrl = Url("TRANCHE_AWS_ENDPOINT_URL"),
            AzurePricesUrl = Url("TRANCHE_AZURE_PRICES_URL") ?? new Uri("https://prices.azure.com"),
            AzureIsfRatioUrl = Url("TRANCHE_AZURE_ISF_RATIO_URL") ?? new Uri("https://isfratio.blob.core.windows.net/isfratio/ISFRatio.csv"),
            GcpBillingCatalogUrl = Url("TRANCHE_GCP_BILLING_CATALOG_URL") ?? new Uri("https://cloudbilling.googleapis.com"),
            GcpResourceManagerUrl = Url("TRANCHE_GCP_RESOURCE_MANAGER_URL") ?? new Uri("https://cloudresourcemanager.googleapis.com"),
        };
    }
}

/// <summary>Checks that Tranche can reach an integration's account with the permissions it needs, by calling the provider.</summary>
public interface ICloudVerifier
{
    /// <summary><c>aws</c>, <c>azure</c>, <c>gcp</c> or <c>sandbox</c>.</summary>
    string Provider { get; }

    Task<IReadOnlyList<Validation>> VerifyAsync(CloudIntegration integration, CancellationToken cancellationToken);
}

public static class Verification
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>Records a verification on the integration: verified when every validation passed, failed otherwise.</summary>
    public static void Apply(CloudIntegration integration, IReadOnlyList<Validation> validations, DateTime now)
    {
        integration.LastVerifiedAt = now;
        integration.LastVerification = JsonSerializer.Serialize(validations, s_json);
        if (validations.Count > 0 && validations.All(v => v.Passed))
        {
            integration.State = CloudIntegrationStates.Verified;
            integration.VerifiedAt ??= now;
        }
        else
        {
            integration.State = CloudIntegrationStates.Failed;
            integration.VerifiedAt = null;
        }
    }

    public static IReadOnlyList<Validation> Read(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<Validation>>(json, s_json) ?? [];

    /// <summary>The first failed validation of a stored verification, for the readiness step's detail.</summary>
    public static string? FailureSummary(string? json) =>
        Read(json).FirstOrDefault(v => !v.Passed) is { } failed ? $"Verification failed at '{failed.Name}': {failed.Message}" : "The last verification failed.";

    /// <summary>The checks that could not run because an earlier one failed, reported as failed and saying why.</summary>
    public static IEnumerable<Validation> NotTried(string reason, params string[] names) =>
        names.Select(name => Validation.Fail(name, $"Not tried: {reason}"));
}

/// <summary>The built-in sandbox cloud: always reachable, so its verification always passes.</summary>
public sealed class SandboxVerifier : ICloudVerifier
{
    public string Provider => "sandbox";

    public Task<IReadOnlyList<Validation>> VerifyAsync(CloudIntegration integration, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Validation>>(
        [
            Validation.Pass("sandbox_account", "The sandbox cloud account of this org is reachable."),
            Validation.Pass("billing_read", "The sandbox cloud serves billing data through uploads and ingest."),
            Validation.Pass("commitments_read", "The sandbox cloud lists the org's commitments for the inventory sync."),
            Validation.Pass("purchase", "The sandbox cloud takes commitment orders with idempotency tokens."),
        ]);
}
