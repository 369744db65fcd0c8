using System.Text.Json.Nodes;
using Amazon;
using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Tranche.Data;

namespace Tranche.Providers.Onboarding;

/// <summary>
/// AWS onboarding: a CloudFormation template the customer deploys in its management (payer) account, making two
/// roles that trust Tranche's principal only with the integration's external id: one that reads costs, prices and
/// commitments, and one that buys commitments. Verification assumes both roles through STS.
/// </summary>
public static class AwsOnboarding
{
    public const string ReadRolePrefix = "TrancheReadOnly-";
    public const string PurchaseRolePrefix = "TranchePurchase-";

    /// <summary>What Tranche reads: costs and usage, billing exports, prices, and the commitments held (§ AWS onboarding).</summary>
    public static readonly string[] ReadActions =
    [
        "ce:GetCostAndUsage", "ce:GetCostAndUsageWithResources", "ce:GetCostForecast", "ce:GetDimensionValues", "ce:GetTags",
        "ce:GetReservationCoverage", "ce:GetReservationUtilization", "ce:GetReservationPurchaseRecommendation",
        "ce:GetSavingsPlansCoverage", "ce:GetSavingsPlansUtilization", "ce:GetSavingsPlansUtilizationDetails", "ce:GetSavingsPlansPurchaseRecommendation",
        "ce:GetRightsizingRecommendation", "ce:GetAnomalies",
        "cur:DescribeReportDefinitions", "bcm-data-exports:ListExports", "bcm-data-exports:GetExport",
        "pricing:DescribeServices", "pricing:GetAttributeValues", "pricing:GetProducts",
        "savingsplans:DescribeSavingsPlans", "savingsplans:DescribeSavingsPlanRates", "savingsplans:DescribeSavingsPlansOfferings", "savingsplans:DescribeSavingsPlansOfferingRates",
        "ec2:DescribeReservedInstances", "ec2:DescribeReservedInstancesOfferings", "ec2:DescribeReservedInstancesModifications", "ec2:DescribeRegions",
        "rds:DescribeReservedDBInstances", "rds:DescribeReservedDBInstancesOfferings",
        "organizations:DescribeOrganization", "organizations:ListAccounts",
        "budgets:ViewBudget", "tag:GetResources", "tag:GetTagKeys", "tag:GetTagValues", "sts:GetCallerIdentity",
    ];

    /// <summary>
    /// What Tranche buys with, and tags what it bought with (the purchase ledger finds RIs by tag); <c>ec2:CreateTags</c>
    /// is granted apart, on reserved instances only.
    /// </summary>
    public static readonly string[] PurchaseActions =
    [
        "ec2:PurchaseReservedInstancesOffering", "ec2:DescribeReservedInstancesOfferings", "ec2:DescribeReservedInstances",
        "savingsplans:CreateSavingsPlan", "savingsplans:DescribeSavingsPlans", "savingsplans:DescribeSavingsPlansOfferings", "savingsplans:TagResource",
        "rds:PurchaseReservedDbInstancesOffering", "rds:DescribeReservedDBInstancesOfferings", "rds:AddTagsToResource",
    ];

    /// <summary>The part of the role names that keeps two Tranche integrations in one account apart.</summary>
    public static string RoleSuffix(CloudIntegration integration) => integration.Id.ToString("N")[..12];

    public static string StackName(CloudIntegration integration) => "Tranche-" + RoleSuffix(integration);

    public static string RoleArn(string accountId, string roleName) => $"arn:aws:iam::{accountId}:role/{roleName}";

    /// <summary>
    /// The template. Org-specific values are parameters with this integration's values as defaults, so one copy in
    /// S3 serves the quick-create link of every org and the template shown here deploys as it is.
    /// </summary>
    public static JsonObject Template(CloudIntegration integration, string principalArn, string orgName)
    {
        var suffix = RoleSuffix(integration);
        return new JsonObject
        {
            ["AWSTemplateFormatVersion"] = "2010-09-09",
            ["Description"] = $"Tranche access for {orgName}: a read-only role for costs, prices and commitments, and a role that buys commitments. Both trust only {principalArn} with the external id.",
            ["Parameters"] = new JsonObject
            {
                ["TranchePrincipalArn"] = Parameter(principalArn, "The AWS principal Tranche calls from."),
                ["ExternalId"] = Parameter(integration.ExternalId, "The external id Tranche sends when it assumes the roles; it binds the roles to one Tranche org."),
                ["RoleNameSuffix"] = Parameter(suffix, "Makes the role names unique when several Tranche orgs use one account."),
            },
            ["Resources"] = new JsonObject
            {
                ["TrancheReadOnlyRole"] = Role(ReadRolePrefix, "TrancheReadOnly", "Read costs, billing exports, prices and commitments", new JsonArray(Statement("ReadCostsPricesCommitments", ReadActions, "*"))),
                ["TranchePurchaseRole"] = Role(PurchaseRolePrefix, "TranchePurchase", "Buy Reserved Instances and Savings Plans, and tag them",
                    new JsonArray(
                        Statement("PurchaseCommitments", PurchaseActions, "*"),
                        Statement("TagPurchasedReservedInstances", ["ec2:CreateTags"], "arn:aws:ec2:*:*:reserved-instances/*"))),
            },
            ["Outputs"] = new JsonObject
            {
                ["ReadOnlyRoleArn"] = new JsonObject { ["Value"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray("TrancheReadOnlyRole", "Arn") } },
                ["PurchaseRoleArn"] = new JsonObject { ["Value"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray("TranchePurchaseRole", "Arn") } },
                ["ExternalId"] = new JsonObject { ["Value"] = new JsonObject { ["Ref"] = "ExternalId" } },
            },
        };

        static JsonObject Parameter(string value, string description) => new() { ["Type"] = "String", ["Default"] = value, ["Description"] = description };

        static JsonObject Role(string prefix, string policyName, string description, JsonArray statements) => new()
        {
            ["Type"] = "AWS::IAM::Role",
            ["Properties"] = new JsonObject
            {
                ["RoleName"] = new JsonObject { ["Fn::Sub"] = prefix + "${RoleNameSuffix}" },
                ["Description"] = description,
                ["MaxSessionDuration"] = 3600,
                ["AssumeRolePolicyDocument"] = new JsonObject
                {
                    ["Version"] = "2012-10-17",
                    ["Statement"] = new JsonArray(new JsonObject
                    {
                        ["Effect"] = "Allow",
                        ["Principal"] = new JsonObject { ["AWS"] = new JsonObject { ["Ref"] = "TranchePrincipalArn" } },
                        ["Action"] = "sts:AssumeRole",
                        ["Condition"] = new JsonObject { ["StringEquals"] = new JsonObject { ["sts:ExternalId"] = new JsonObject { ["Ref"] = "ExternalId" } } },
                    }),
                },
                ["Policies"] = new JsonArray(new JsonObject
                {
                    ["PolicyName"] = policyName,
                    ["PolicyDocument"] = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = statements },
                }),
            },
        };

        static JsonObject Statement(string sid, IEnumerable<string> actions, string resource) => new()
        {
            ["Sid"] = sid,
            ["Effect"] = "Allow",
            ["Action"] = new JsonArray([.. actions.Select(a => (JsonNode)JsonValue.Create(a))]),
            ["Resource"] = resource,
        };
    }

    /// <summary>The AWS console's quick-create link for the template at <paramref name="templateUrl"/> with this integration's values.</summary>
    public static string LaunchUrl(CloudIntegration integration, string templateUrl, string principalArn, string region) =>
        $"https://console.aws.amazon.com/cloudformation/home?region={Uri.EscapeDataString(region)}#/stacks/quickcreate" +
        $"?templateURL={Uri.EscapeDataString(templateUrl)}&stackName={Uri.EscapeDataString(StackName(integration))}" +
        $"&param_TranchePrincipalArn={Uri.EscapeDataString(principalArn)}&param_ExternalId={Uri.EscapeDataString(integration.ExternalId)}" +
        $"&param_RoleNameSuffix={Uri.EscapeDataString(RoleSuffix(integration))}";
}

/// <summary>Assumes the customer's roles through AWS STS with the integration's external id, as Tranche will when it works there.</summary>
public sealed class AwsVerifier(CloudSettings settings) : ICloudVerifier
{
    public string Provider => "aws";

    public async Task<IReadOnlyList<Validation>> VerifyAsync(CloudIntegration integration, CancellationToken cancellationToken)
    {
        var validations = new List<Validation>();
        if (settings.AwsPrincipalArn is null)
        {
            validations.Add(Validation.Fail("tranche_principal", "Tranche has no AWS principal configured: set TRANCHE_AWS_PRINCIPAL_ARN to the user or role Tranche calls AWS as."));
        }
        else
        {
            validations.Add(Validation.Pass("tranche_principal", $"Tranche calls AWS as {settings.AwsPrincipalArn}."));
        }

        var credentials = Credentials(out var missing);
        validations.Add(credentials is null
            ? Validation.Fail("tranche_credentials", missing!)
            : Validation.Pass("tranche_credentials", "Tranche has AWS credentials to call STS with."));
        if (validations.Any(v => !v.Passed))
        {
            validations.AddRange(Verification.NotTried("Tranche cannot call AWS without its principal and credentials.", "read_role_assumed", "account_matches", "purchase_role_assumed"));
            return validations;
        }

        // A verification is a request someone waits for: fail within seconds rather than retry for minutes.
        using var sts = new AmazonSecurityTokenServiceClient(credentials, new AmazonSecurityTokenServiceConfig
        {
            RegionEndpoint = RegionEndpoint.GetBySystemName(settings.AwsRegion),
            Timeout = TimeSpan.FromSeconds(20),
            MaxErrorRetry = 1,
        });
        var read = await AssumeAsync(sts, integration.RoleArn!, integration.ExternalId, cancellationToken);
        validations.Add(read.Error is null
            ? Validation.Pass("read_role_assumed", $"Assumed {integration.RoleArn} with the external id.")
            : Validation.Fail("read_role_assumed", $"Could not assume {integration.RoleArn}: {read.Error}"));
        var account = read.AssumedArn?.Split(':') is { Length: > 4 } parts ? parts[4] : null;
        validations.Add(account is null
            ? Validation.Fail("account_matches", "Not tried: the read-only role could not be assumed.")
            : account == integration.AccountId
                ? Validation.Pass("account_matches", $"The role belongs to account {account}.")
                : Validation.Fail("account_matches", $"The role belongs to account {account}, not {integration.AccountId}."));
        var purchase = await AssumeAsync(sts, integration.PurchaseRoleArn!, integration.ExternalId, cancellationToken);
        validations.Add(purchase.Error is null
            ? Validation.Pass("purchase_role_assumed", $"Assumed {integration.PurchaseRoleArn} with the external id.")
            : Validation.Fail("purchase_role_assumed", $"Could not assume {integration.PurchaseRoleArn}: {purchase.Error}"));
        return validations;
    }

    private static async Task<(string? AssumedArn, string? Error)> AssumeAsync(AmazonSecurityTokenServiceClient sts, string roleArn, string externalId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await sts.AssumeRoleAsync(new AssumeRoleRequest
            {
                RoleArn = roleArn,
                RoleSessionName = "tranche-verify",
                ExternalId = externalId,
                DurationSeconds = 900,
            }, cancellationToken);
            return (response.AssumedRoleUser?.Arn, null);
        }
        catch (AmazonServiceException e)
        {
            return (null, $"{e.ErrorCode}: {e.Message}");
        }
        catch (AmazonClientException e)
        {
            return (null, e.Message);
        }
        catch (HttpRequestException e)
        {
            return (null, e.Message);
        }
    }

    /// <summary>
    /// Tranche's own credentials: keys or a profile named in settings. Nothing else is tried (no instance metadata
    /// probing), so a server without them says so at once instead of hanging on a network timeout.
    /// </summary>
    private AWSCredentials? Credentials(out string? missing)
    {
        missing = null;
        if (settings.AwsAccessKeyId is { } keyId && settings.AwsSecretAccessKey is { } secret)
        {
            return settings.AwsSessionToken is { } token ? new SessionAWSCredentials(keyId, secret, token) : new BasicAWSCredentials(keyId, secret);
        }

        if (settings.AwsProfile is { } profile)
        {
            if (new CredentialProfileStoreChain().TryGetAWSCredentials(profile, out var fromProfile))
            {
                return fromProfile;
            }

            missing = $"AWS_PROFILE names '{profile}', but no such profile was found in the AWS config and credentials files.";
            return null;
        }

        missing = "Tranche has no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or AWS_PROFILE.";
        return null;
    }
}
