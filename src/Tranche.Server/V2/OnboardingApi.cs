using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Onboarding;
using Tranche.Providers.Onboarding;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V2;

[ApiSchema("OnboardingStep")]
public sealed record OnboardingStepResponse(string Step, string Status, DateTime? CompletedAt, string Detail);

[ApiSchema("OnboardingDataWindow")]
public sealed record DataWindowResponse(DateOnly FirstDay, DateOnly LastDay, int Days, IReadOnlyList<string> Providers);

[ApiSchema("CloudValidation")]
public sealed record ValidationResponse(string Name, string Status, string Message);

/// <summary>How Tranche reaches one cloud account of the org, and what its last verification and sync found.</summary>
[ApiSchema("CloudIntegration")]
public sealed record CloudIntegrationResponse(
    Guid Id, Guid OrgId, string Provider, string State, string ExternalId, string? AccountId, string? RoleArn, string? PurchaseRoleArn, string? TenantId,
    string? SubscriptionId, string? OrganizationId, string? ProjectId, string? BillingAccountId, DateTime CreatedAt, DateTime? VerifiedAt, DateTime? LastVerifiedAt,
    IReadOnlyList<ValidationResponse> LastVerification, DateTime? LastSyncedAt, string? LastSyncError);

/// <summary>Whether the org is ready for plans and purchases, each step with its state, and the billed days behind them.</summary>
[ApiSchema("Onboarding")]
public sealed record OnboardingResponse(
    Guid OrgId, bool Ready, DateTime? CompletedAt, IReadOnlyList<OnboardingStepResponse> Steps, IReadOnlyList<string> Missing, DataWindowResponse? DataWindow,
    IReadOnlyList<CloudIntegrationResponse> Integrations);

[ApiSchema("CloudFormation")]
public sealed record CloudFormationResponse(
    JsonObject Template, string? LaunchUrl, string? TemplateUrl, string StackName, string ExternalId, Guid IntegrationId, string ReadRoleName, string PurchaseRoleName);

public sealed record AwsVerifyRequest(string? AccountId, string? RoleArn, string? PurchaseRoleArn, string? OnboardingId) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        if (AccountId is null)
        {
            errors.Add("json", "account_id", "Missing data for required field.");
        }
        else if (!Patterns.AwsAccount().IsMatch(AccountId))
        {
            errors.Add("json", "account_id", "Not an AWS account id (12 digits).");
        }

        foreach (var (field, value) in new[] { ("role_arn", RoleArn), ("purchase_role_arn", PurchaseRoleArn) })
        {
            if (value is not null && (!Patterns.AwsRoleArn().IsMatch(value) || (AccountId is not null && !value.StartsWith($"arn:aws:iam::{AccountId}:", StringComparison.Ordinal))))
            {
                errors.Add("json", field, "Not an IAM role ARN of the account (arn:aws:iam::ACCOUNT_ID:role/NAME).");
            }
        }

        if (OnboardingId is { Length: > 100 })
        {
            errors.Add("json", "onboarding_id", "Longer than maximum length 100.");
        }
    }
}

public sealed record AzureAuthUrlRequest(string? TenantId, string? SubscriptionId) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        foreach (var (field, value) in new[] { ("tenant_id", TenantId), ("subscription_id", SubscriptionId) })
        {
            if (value is null)
            {
                errors.Add("json", field, "Missing data for required field.");
            }
            else if (!Guid.TryParseExact(value, "D", out _))
            {
                errors.Add("json", field, "Not a valid UUID (Azure ids look like 00000000-0000-0000-0000-000000000000).");
            }
        }
    }
}

public sealed record AzureAuthUrlResponse(string AuthUrl, Guid IntegrationId, string RedirectUri);

/// <summary>The seven values a GCP integration needs.</summary>
public sealed record GcpVerifyRequest(
    string? OrganizationId, string? ProjectId, string? BillingAccountId, string? BillingExportProjectId, string? BillingExportDatasetId, string? PricingExportDatasetId,
    string? CudExportDatasetId) : IValidatedRequest
{
    public void Validate(RequestErrors errors)
    {
        Check(errors, "organization_id", OrganizationId, Patterns.GcpOrganization(), "Not a GCP organization id (digits).");
        Check(errors, "project_id", ProjectId, Patterns.GcpProject(), "Not a GCP project id (6 to 30 lower-case letters, digits and hyphens, starting with a letter).");
        Check(errors, "billing_account_id", BillingAccountId, Patterns.GcpBillingAccount(), "Not a GCP billing account id (XXXXXX-XXXXXX-XXXXXX).");
        Check(errors, "billing_export_project_id", BillingExportProjectId, Patterns.GcpProject(), "Not a GCP project id.");
        Check(errors, "billing_export_dataset_id", BillingExportDatasetId, Patterns.BigQueryDataset(), "Not a BigQuery dataset id (letters, digits and underscores).");
        Check(errors, "pricing_export_dataset_id", PricingExportDatasetId, Patterns.BigQueryDataset(), "Not a BigQuery dataset id (letters, digits and underscores).");
        Check(errors, "cud_export_dataset_id", CudExportDatasetId, Patterns.BigQueryDataset(), "Not a BigQuery dataset id (letters, digits and underscores).");
    }

    private static void Check(RequestErrors errors, string field, string? value, Regex pattern, string message)
    {
        if (value is null)
        {
            errors.Add("json", field, "Missing data for required field.");
        }
        else if (!pattern.IsMatch(value))
        {
            errors.Add("json", field, message);
        }
    }
}

public sealed record GcpInstructionsResponse(
    string? ServiceAccount, IReadOnlyList<string> OrganizationRoles, IReadOnlyList<string> BillingAccountRoles, IReadOnlyList<string> ProjectRoles,
    IReadOnlyList<string> Commands, IReadOnlyList<string> RequiredValues, string Note);

internal static partial class Patterns
{
    [GeneratedRegex(@"^\d{12}$")]
    public static partial Regex AwsAccount();

    [GeneratedRegex(@"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")]
    public static partial Regex AwsRoleArn();

    [GeneratedRegex(@"^\d{1,20}$")]
    public static partial Regex GcpOrganization();

    [GeneratedRegex(@"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    public static partial Regex GcpProject();

    [GeneratedRegex(@"^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$")]
    public static partial Regex GcpBillingAccount();

    [GeneratedRegex(@"^[A-Za-z0-9_]{1,1024}$")]
    public static partial Regex BigQueryDataset();
}

/// <summary>
/// Onboarding of an org: connect a cloud account (AWS CloudFormation roles, Azure admin consent, GCP service account,
/// or the built-in sandbox cloud), verify it by calling the provider, sync its commitment inventory, and read where the
/// org stands. The same routes serve a partner for its customers (<c>/v2/org/{child_org_id}/partners/onboarding</c>)
/// and an org for itself (<c>/v1/org/{org_id}/onboarding</c>).
/// </summary>
internal static class OnboardingApi
{
    public const string AzureConsentPath = "/onboarding/azure/consent";

    public static void MapOnboarding(this IEndpointRouteBuilder routes)
    {
        Map(routes.MapGroup("/v2/org/{child_org_id}/partners/onboarding").ForOrg("child_org_id", OrgReach.ChildOfPartner).WithTags("Partner").WithApiErrors(), "the customer org");
        Map(routes.MapGroup("/v1/org/{org_id}/onboarding").ForOrg().WithTags("Onboarding").WithApiErrors(), "the org");

        routes.MapGet(AzureConsentPath, AzureConsent)
            .WithTags("Onboarding")
            .WithSummary("Where Microsoft sends an admin back after Azure consent")
            .WithDescription("Records the answer on the integration named by `state` and tells the admin what happens next. Needs no API key: `state` is the integration's secret external id.")
            .Produces<AzureConsentResponse>();
    }

    private static void Map(RouteGroupBuilder group, string who)
    {
        group.MapGet("", Readiness)
            .WithSummary($"Onboarding readiness of {who}")
            .WithDescription("`ready` is true when every step is complete: `cloud_integration_created`, `permissions_verified`, `billing_data_received`, `synced` (each `complete`, `missing` or `failed`, with when and why). `missing` lists the steps not complete, in order; `data_window` is the first and last billed day. Plans for partners and purchases answer 409 naming the first missing step (`onboarding_cloud_integration_missing`, `onboarding_permissions_not_verified`, `onboarding_no_billing_data`, `onboarding_not_synced`) until it is ready.")
            .Produces<OnboardingResponse>();

        group.MapGet("/aws/cloudformation_template", CloudFormationTemplate)
            .WithSummary("CloudFormation template for AWS access")
            .WithDescription("Creates the AWS integration (state `created`) on first call, and answers `{\"template\": ...}`: two IAM roles for the customer's management account, one read-only (Cost Explorer, billing exports, pricing, Savings Plans and Reserved Instance reads) and one that buys commitments (EC2 Reserved Instances, Savings Plans, RDS reserved instances, and tagging them), each trusting Tranche's principal (`TRANCHE_AWS_PRINCIPAL_ARN`) only with the integration's `sts:ExternalId`. `launch_url` opens the AWS console's quick-create with the values filled in when `TRANCHE_AWS_TEMPLATE_URL` points at an S3 copy of the template. 409 when Tranche has no AWS principal configured.")
            .Produces<CloudFormationResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        group.MapPost("/aws/verify", AwsVerify)
            .WithSummary("Verify the AWS integration")
            .WithDescription("Body `{\"account_id\": \"123456789012\"}`, optionally `role_arn` and `purchase_role_arn` (default: the template's role names in that account). Tranche assumes both roles through AWS STS with the external id and answers the list of validations (`name`, `status` `success` or `failed`, `message`); all must be `success`. Without AWS credentials of its own the validations fail and say which setting is missing.")
            .WithBody<AwsVerifyRequest>("application/json")
            .Produces<ValidationResponse[]>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        group.MapPost("/azure/auth-url", AzureAuthUrl)
            .WithSummary("Azure admin-consent URL")
            .WithDescription("Body `{\"tenant_id\", \"subscription_id\"}`. Creates or updates the Azure integration and answers `auth_url`, the Microsoft identity platform admin-consent URL for Tranche's app (`TRANCHE_AZURE_CLIENT_ID`) with a `state` bound to the integration. Send a global admin of the tenant there, then call verify. 409 when Tranche has no Azure app configured.")
            .WithBody<AzureAuthUrlRequest>("application/json")
            .Produces<AzureAuthUrlResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        group.MapPost("/azure/verify", AzureVerify)
            .WithSummary("Verify the Azure integration")
            .WithDescription("Signs in to the customer's tenant as Tranche's app and reads the subscription. Answers the list of validations; all validations should return `success`. Takes no body.")
            .Produces<ValidationResponse[]>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        group.MapGet("/gcp/instructions", GcpInstructions)
            .WithSummary("How to grant Tranche access to GCP")
            .WithDescription("The service account to grant, the roles on the organization, billing account and project, the gcloud commands, and the seven values `gcp/verify` needs.")
            .Produces<GcpInstructionsResponse>();

        group.MapPost("/gcp/verify", GcpVerify)
            .WithSummary("Verify the GCP integration")
            .WithDescription("Body: the seven values (`organization_id`, `project_id`, `billing_account_id`, `billing_export_project_id`, `billing_export_dataset_id`, `pricing_export_dataset_id`, `cud_export_dataset_id`). Creates or updates the GCP integration and answers the list of validations.")
            .WithBody<GcpVerifyRequest>("application/json")
            .Produces<ValidationResponse[]>();

        group.MapPost("/sandbox", ConnectSandbox)
            .WithSummary("Connect the sandbox cloud")
            .WithDescription("Connects the built-in sandbox cloud (a simulated account for every provider, used by the demo and for trying Tranche without a cloud account). 201 with the integration when new, 200 when it was connected before. Takes no body.")
            .Produces<CloudIntegrationResponse>(StatusCodes.Status201Created)
            .Produces<CloudIntegrationResponse>();

        group.MapPost("/sandbox/verify", SandboxVerify)
            .WithSummary("Verify the sandbox cloud")
            .WithDescription("The sandbox cloud is always reachable: its validations all succeed. Takes no body.")
            .Produces<ValidationResponse[]>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);

        group.MapPost("/sync", Sync)
            .WithSummary("Sync the commitment inventory from the connected accounts")
            .WithDescription("Reads the commitments every verified integration's account holds into the inventory and records the sync (the `synced` step), then answers the readiness. 409 naming the step when no verified integration exists. Takes no body.")
            .Produces<OnboardingResponse>()
            .Produces<ApiErrorResponse>(StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> Readiness(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        var orgId = context.Org().OrgId;
        // Whoever first sees the org ready raises the event: billing data may have arrived by any path.
        var readiness = await OnboardingStatus.CompleteIfReadyAsync(db, orgId, time.StorageNow(), context.RequestAborted);
        return TypedResults.Ok(await ResponseAsync(db, orgId, readiness, context.RequestAborted));
    }

    private static async Task<IResult> CloudFormationTemplate(HttpContext context, TrancheDbContext db, CloudSettings settings, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        if (settings.AwsPrincipalArn is not { } principal)
        {
            return ApiResults.Conflict("Tranche has no AWS principal configured, so no role can trust it: the operator sets TRANCHE_AWS_PRINCIPAL_ARN.", "tranche_aws_not_configured");
        }

        var orgId = context.Org().OrgId;
        var integration = await IntegrationAsync(context, db, "aws", time, create: true);
        var org = await db.Orgs.AsNoTracking().SingleAsync(o => o.Id == orgId, context.RequestAborted);
        var suffix = AwsOnboarding.RoleSuffix(integration!);
        return TypedResults.Ok(new CloudFormationResponse(
            AwsOnboarding.Template(integration!, principal, org.Name),
            settings.AwsTemplateUrl is { } url ? AwsOnboarding.LaunchUrl(integration!, url, principal, settings.AwsRegion) : null,
            settings.AwsTemplateUrl,
            AwsOnboarding.StackName(integration!),
            integration!.ExternalId,
            integration.Id,
            AwsOnboarding.ReadRolePrefix + suffix,
            AwsOnboarding.PurchaseRolePrefix + suffix));
    }

    private static async Task<IResult> AwsVerify(HttpContext context, TrancheDbContext db, IEnumerable<ICloudVerifier> verifiers, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<AwsVerifyRequest>(context.Request);
        if (await IntegrationAsync(context, db, "aws", time, create: false) is not { } integration)
        {
            return NoIntegration(context, "aws", $"GET {Base(context)}/aws/cloudformation_template and deploy the template first");
        }

        var suffix = AwsOnboarding.RoleSuffix(integration);
        integration.AccountId = request.AccountId;
        integration.RoleArn = request.RoleArn ?? AwsOnboarding.RoleArn(request.AccountId!, AwsOnboarding.ReadRolePrefix + suffix);
        integration.PurchaseRoleArn = request.PurchaseRoleArn ?? AwsOnboarding.RoleArn(request.AccountId!, AwsOnboarding.PurchaseRolePrefix + suffix);
        return await VerifyAsync(context, db, integration, verifiers, time);
    }

    private static async Task<IResult> AzureAuthUrl(HttpContext context, TrancheDbContext db, CloudSettings settings, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<AzureAuthUrlRequest>(context.Request);
        if (settings.AzureClientId is not { } clientId)
        {
            return ApiResults.Conflict("Tranche has no Azure app configured, so there is nothing to consent to: the operator sets TRANCHE_AZURE_CLIENT_ID (and TRANCHE_AZURE_CLIENT_SECRET).", "tranche_azure_not_configured");
        }

        var integration = (await IntegrationAsync(context, db, "azure", time, create: true))!;
        if (integration.TenantId != request.TenantId || integration.SubscriptionId != request.SubscriptionId)
        {
            // Another tenant or subscription is another account: what was verified before no longer holds.
            integration.TenantId = request.TenantId;
            integration.SubscriptionId = request.SubscriptionId;
            integration.State = CloudIntegrationStates.Created;
            integration.VerifiedAt = null;
            await db.SaveChangesAsync(context.RequestAborted);
        }

        var redirect = settings.AzureRedirectUri ?? $"{context.Request.Scheme}://{context.Request.Host}{AzureConsentPath}";
        return TypedResults.Ok(new AzureAuthUrlResponse(AzureOnboarding.AuthUrl(integration, clientId, redirect), integration.Id, redirect));
    }

    private static async Task<IResult> AzureVerify(HttpContext context, TrancheDbContext db, IEnumerable<ICloudVerifier> verifiers, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        return await IntegrationAsync(context, db, "azure", time, create: false) is { } integration
            ? await VerifyAsync(context, db, integration, verifiers, time)
            : NoIntegration(context, "azure", $"POST {Base(context)}/azure/auth-url and have an admin consent first");
    }

    private static IResult GcpInstructions(HttpContext context, CloudSettings settings)
    {
        var account = settings.GcpServiceAccount ?? "SERVICE_ACCOUNT";
        var commands = new List<string>();
        commands.AddRange(GcpOnboarding.OrganizationRoles.Select(r => $"gcloud organizations add-iam-policy-binding ORGANIZATION_ID --member=serviceAccount:{account} --role={r}"));
        commands.AddRange(GcpOnboarding.BillingAccountRoles.Select(r => $"gcloud billing accounts add-iam-policy-binding BILLING_ACCOUNT_ID --member=serviceAccount:{account} --role={r}"));
        commands.AddRange(GcpOnboarding.ProjectRoles.Select(r => $"gcloud projects add-iam-policy-binding PROJECT_ID --member=serviceAccount:{account} --role={r}"));
        return TypedResults.Ok(new GcpInstructionsResponse(
            settings.GcpServiceAccount, GcpOnboarding.OrganizationRoles, GcpOnboarding.BillingAccountRoles, GcpOnboarding.ProjectRoles, commands, GcpOnboarding.RequiredValues,
            settings.GcpServiceAccount is null
                ? "Tranche has no GCP service account configured (TRANCHE_GCP_SERVICE_ACCOUNT): ask the operator before granting roles."
                : $"Run the commands as an organization owner, then POST {Base(context)}/gcp/verify with the seven values."));
    }

    private static async Task<IResult> GcpVerify(HttpContext context, TrancheDbContext db, IEnumerable<ICloudVerifier> verifiers, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var request = await RequestJson.ReadAsync<GcpVerifyRequest>(context.Request);
        var integration = (await IntegrationAsync(context, db, "gcp", time, create: true))!;
        integration.OrganizationId = request.OrganizationId;
        integration.ProjectId = request.ProjectId;
        integration.BillingAccountId = request.BillingAccountId;
        integration.Settings = JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["billing_export_project_id"] = request.BillingExportProjectId,
            ["billing_export_dataset_id"] = request.BillingExportDatasetId,
            ["pricing_export_dataset_id"] = request.PricingExportDatasetId,
            ["cud_export_dataset_id"] = request.CudExportDatasetId,
        });
        return await VerifyAsync(context, db, integration, verifiers, time);
    }

    private static async Task<IResult> ConnectSandbox(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var existing = await IntegrationAsync(context, db, OnboardingRules.Sandbox, time, create: false);
        var integration = existing ?? (await IntegrationAsync(context, db, OnboardingRules.Sandbox, time, create: true))!;
        var response = ToResponse(integration);
        return existing is null ? TypedResults.Created($"{Base(context)}", response) : TypedResults.Ok(response);
    }

    private static async Task<IResult> SandboxVerify(HttpContext context, TrancheDbContext db, IEnumerable<ICloudVerifier> verifiers, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        return await IntegrationAsync(context, db, OnboardingRules.Sandbox, time, create: false) is { } integration
            ? await VerifyAsync(context, db, integration, verifiers, time)
            : NoIntegration(context, OnboardingRules.Sandbox, $"POST {Base(context)}/sandbox first");
    }

    private static async Task<IResult> Sync(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        if (RequireAdmin(context) is { } denied)
        {
            return denied;
        }

        var orgId = context.Org().OrgId;
        var before = await OnboardingStatus.ReadAsync(db, context.RequestAborted);
        if (before.Steps.Take(2).FirstOrDefault(s => s.Status != StepStatus.Complete) is { } step)
        {
            return ApiResults.Refused(OnboardingStatus.Refusal(orgId, before, step));
        }

        var now = time.StorageNow();
        await IntegrationSync.RunAsync(db, orgId, null, context.Caller().AsActor(context), now, context.RequestAborted);
        await db.SaveChangesAsync(context.RequestAborted);
        var readiness = await OnboardingStatus.CompleteIfReadyAsync(db, orgId, now, context.RequestAborted);
        return TypedResults.Ok(await ResponseAsync(db, orgId, readiness, context.RequestAborted));
    }

    private sealed record AzureConsentResponse(string Message);

    private static async Task<IResult> AzureConsent(HttpContext context, TrancheDbContext db, TimeProvider time)
    {
        var state = context.Request.Query["state"].FirstOrDefault();
        var integration = state is { Length: > 0 and <= 100 }
            ? await db.CloudIntegrations.IgnoreQueryFilters().SingleOrDefaultAsync(i => i.ExternalId == state && i.Provider == "azure", context.RequestAborted)
            : null;
        if (integration is null)
        {
            return ApiResults.NotFound("This consent answer names no Azure integration of Tranche (unknown or missing state).", "integration_not_found");
        }

        var granted = string.Equals(context.Request.Query["admin_consent"].FirstOrDefault(), "true", StringComparison.OrdinalIgnoreCase);
        var error = context.Request.Query["error_description"].FirstOrDefault() ?? context.Request.Query["error"].FirstOrDefault();
        db.Record(integration.OrgId, Actor.System, granted ? "cloud_integration.consented" : "cloud_integration.consent_refused", integration.Id.ToString(),
            new { tenant = context.Request.Query["tenant"].FirstOrDefault(), error = error is { Length: > 500 } ? error[..500] : error }, time.StorageNow());
        await db.SaveChangesAsync(context.RequestAborted);
        return TypedResults.Ok(new AzureConsentResponse(granted
            ? "Consent recorded. Tranche will verify its access to the subscription; you can close this window."
            : $"Consent was not granted{(error is null ? "" : ": " + error)}. Ask your partner for a new link to try again."));
    }

    /// <summary>Runs the provider's verification, records it, and raises <c>onboarding.completed</c> when that made the org ready.</summary>
    private static async Task<IResult> VerifyAsync(HttpContext context, TrancheDbContext db, CloudIntegration integration, IEnumerable<ICloudVerifier> verifiers, TimeProvider time)
    {
        var verifier = verifiers.Single(v => v.Provider == integration.Provider);
        var validations = await verifier.VerifyAsync(integration, context.RequestAborted);
        var now = time.StorageNow();
        Verification.Apply(integration, validations, now);
        db.Record(integration.OrgId, context.Caller().AsActor(context), "cloud_integration.verified", integration.Id.ToString(),
            new { integration.Provider, integration.State, failed = validations.Where(v => !v.Passed).Select(v => v.Name).ToList() }, now);
        await db.SaveChangesAsync(context.RequestAborted);
        await OnboardingStatus.CompleteIfReadyAsync(db, integration.OrgId, now, context.RequestAborted);
        return TypedResults.Ok(validations.Select(v => new ValidationResponse(v.Name, v.Status, v.Message)).ToList());
    }

    /// <summary>The org's integration with <paramref name="provider"/>; made (state <c>created</c>) when asked to and absent.</summary>
    private static async Task<CloudIntegration?> IntegrationAsync(HttpContext context, TrancheDbContext db, string provider, TimeProvider time, bool create)
    {
        var integration = await db.CloudIntegrations.SingleOrDefaultAsync(i => i.Provider == provider, context.RequestAborted);
        if (integration is not null || !create)
        {
            return integration;
        }

        integration = CloudIntegrations.Create(db, context.Org().OrgId, provider, context.Caller().AsActor(context), time.StorageNow());
        try
        {
            await db.SaveChangesAsync(context.RequestAborted);
            return integration;
        }
        catch (DbUpdateException)
        {
            // A concurrent request made it first: use that one.
            db.ChangeTracker.Clear();
            return await db.CloudIntegrations.SingleAsync(i => i.Provider == provider, context.RequestAborted);
        }
    }

    private static IResult NoIntegration(HttpContext context, string provider, string howTo) =>
        ApiResults.Conflict($"Org {context.Org().OrgId} has no {provider} integration yet: {howTo}.", OnboardingRules.ErrorCode(OnboardingStep.CloudIntegrationCreated),
            new { step = OnboardingRules.Name(OnboardingStep.CloudIntegrationCreated), provider });

    private static string Base(HttpContext context) => context.Request.Path.Value is { } path && path.StartsWith("/v2/", StringComparison.Ordinal)
        ? $"/v2/org/{context.Org().OrgId}/partners/onboarding"
        : $"/v1/org/{context.Org().OrgId}/onboarding";

    private static IResult? RequireAdmin(HttpContext context) => context.RequireAdmin("Connecting cloud accounts");

    internal static async Task<OnboardingResponse> ResponseAsync(TrancheDbContext db, Guid orgId, Readiness readiness, CancellationToken cancellationToken)
    {
        var integrations = await db.CloudIntegrations.AsNoTracking().OrderBy(i => i.CreatedAt).ToListAsync(cancellationToken);
        return new OnboardingResponse(
            orgId,
            readiness.Ready,
            readiness.CompletedAt,
            [.. readiness.Steps.Select(s => new OnboardingStepResponse(OnboardingRules.Name(s.Step), StatusName(s.Status), s.CompletedAt, s.Detail))],
            [.. readiness.Steps.Where(s => s.Status != StepStatus.Complete).Select(s => OnboardingRules.Name(s.Step))],
            readiness.Window is { } w ? new DataWindowResponse(w.FirstDay, w.LastDay, w.Days, w.Providers) : null,
            [.. integrations.Select(ToResponse)]);
    }

    private static string StatusName(StepStatus status) => status switch
    {
        StepStatus.Complete => "complete",
        StepStatus.Failed => "failed",
        _ => "missing",
    };

    private static CloudIntegrationResponse ToResponse(CloudIntegration i) => new(
        i.Id, i.OrgId, i.Provider, i.State, i.ExternalId, i.AccountId, i.RoleArn, i.PurchaseRoleArn, i.TenantId, i.SubscriptionId, i.OrganizationId, i.ProjectId,
        i.BillingAccountId, i.CreatedAt, i.VerifiedAt, i.LastVerifiedAt, [.. Verification.Read(i.LastVerification).Select(v => new ValidationResponse(v.Name, v.Status, v.Message))],
        i.LastSyncedAt, i.LastSyncError);
}
