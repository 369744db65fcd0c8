namespace Tranche.Domain.Onboarding;

/// <summary>The steps from a registered org to one Tranche can plan and buy for, in the order they happen.</summary>
public enum OnboardingStep
{
    CloudIntegrationCreated,
    PermissionsVerified,
    BillingDataReceived,
    Synced,
}

public enum StepStatus
{
    Complete,
    Missing,
    Failed,
}

/// <summary>What is known about one cloud integration of an org.</summary>
public sealed record IntegrationFacts(
    Guid Id,
    string Provider,
    DateTime CreatedAt,
    DateTime? VerifiedAt,
    string? VerificationFailure,
    DateTime? SyncedAt,
    string? SyncFailure);

/// <summary>The billing data of one provider: when it first arrived and which days it covers.</summary>
public sealed record BillingFacts(string Provider, DateTime FirstLoadedAt, DateOnly FirstDay, DateOnly LastDay);

public sealed record StepState(OnboardingStep Step, StepStatus Status, DateTime? CompletedAt, string Detail);

/// <summary>The billed days behind the org's plans, over the providers its integration covers.</summary>
public sealed record DataWindow(DateOnly FirstDay, DateOnly LastDay, IReadOnlyList<string> Providers)
{
    public int Days => LastDay.DayNumber - FirstDay.DayNumber + 1;
}

/// <summary>Where an org stands: every step, the integration they were read from, and the data window.</summary>
public sealed record Readiness(IReadOnlyList<StepState> Steps, Guid? IntegrationId, DataWindow? Window)
{
    public bool Ready => Steps.All(s => s.Status == StepStatus.Complete);

    /// <summary>The first step not complete, in the order the steps happen; null when ready.</summary>
    public StepState? FirstIncomplete => Steps.FirstOrDefault(s => s.Status != StepStatus.Complete);

    /// <summary>When the last step completed; null while any is incomplete.</summary>
    public DateTime? CompletedAt => Ready ? Steps.Max(s => s.CompletedAt) : null;
}

/// <summary>
/// The readiness rules in one place. An org is ready when one of its cloud integrations was created, its permissions
/// verified, billing data for a cloud it covers has arrived, and its commitment inventory was synced (so plans count
/// the commitments the org already holds). With several integrations, the one furthest along speaks for the org.
/// </summary>
public static class OnboardingRules
{
    public const string Sandbox = "sandbox";

    /// <summary>The billing providers an integration answers for: the sandbox cloud simulates all three.</summary>
    public static bool Covers(string integrationProvider, string billingProvider) =>
        integrationProvider == Sandbox
            ? billingProvider is "aws" or "azure" or "gcp"
            : integrationProvider == billingProvider;

    public static Readiness Evaluate(IReadOnlyList<IntegrationFacts> integrations, IReadOnlyList<BillingFacts> billing)
    {
        if (integrations.Count == 0)
        {
            // An org that only uploads files: its data is there, but nothing connects Tranche to its account.
            var window = WindowOf(billing);
            return new Readiness(
            [
                new StepState(OnboardingStep.CloudIntegrationCreated, StepStatus.Missing, null, "No cloud integration: connect a cloud account (AWS CloudFormation template, Azure consent, GCP service account, or the sandbox cloud)."),
                new StepState(OnboardingStep.PermissionsVerified, StepStatus.Missing, null, "Nothing to verify until a cloud integration exists."),
                BillingStep(billing),
                new StepState(OnboardingStep.Synced, StepStatus.Missing, null, "The commitment inventory is synced from a verified cloud integration."),
            ], null, window);
        }

        return integrations
            .Select(i => Evaluate(i, [.. billing.Where(b => Covers(i.Provider, b.Provider))]))
            .OrderByDescending(r => r.Steps.Count(s => s.Status == StepStatus.Complete))
            .ThenByDescending(r => integrations.Single(i => i.Id == r.IntegrationId).CreatedAt)
            .ThenBy(r => r.IntegrationId)
            .First();
    }

    private static Readiness Evaluate(IntegrationFacts integration, IReadOnlyList<BillingFacts> billing)
    {
        var verified = integration switch
        {
            { VerifiedAt: { } at } => new StepState(OnboardingStep.PermissionsVerified, StepStatus.Complete, at, $"Tranche reached the {integration.Provider} account with the permissions it needs."),
            { VerificationFailure: { } failure } => new StepState(OnboardingStep.PermissionsVerified, StepStatus.Failed, null, failure),
            _ => new StepState(OnboardingStep.PermissionsVerified, StepStatus.Missing, null, $"The {integration.Provider} integration has not been verified yet."),
        };
        var synced = integration switch
        {
            { SyncedAt: { } at } => new StepState(OnboardingStep.Synced, StepStatus.Complete, at, "The commitment inventory was synced from the account."),
            { SyncFailure: { } failure } => new StepState(OnboardingStep.Synced, StepStatus.Failed, null, failure),
            _ => new StepState(OnboardingStep.Synced, StepStatus.Missing, null, "The commitment inventory has not been synced from the account yet."),
        };
        return new Readiness(
        [
            new StepState(OnboardingStep.CloudIntegrationCreated, StepStatus.Complete, integration.CreatedAt, $"A {integration.Provider} integration exists."),
            verified,
            BillingStep(billing),
            synced,
        ], integration.Id, WindowOf(billing));
    }

    private static StepState BillingStep(IReadOnlyList<BillingFacts> billing)
    {
        if (WindowOf(billing) is not { } window)
        {
            return new StepState(OnboardingStep.BillingDataReceived, StepStatus.Missing, null, "No billing data yet: it arrives with the first billing export (upload or ingest).");
        }

        return new StepState(
            OnboardingStep.BillingDataReceived, StepStatus.Complete, billing.Min(b => b.FirstLoadedAt),
            $"{window.Days} days of {string.Join(", ", window.Providers)} billing data, {window.FirstDay:yyyy-MM-dd} to {window.LastDay:yyyy-MM-dd}.");
    }

    private static DataWindow? WindowOf(IReadOnlyList<BillingFacts> billing) =>
        billing.Count == 0
            ? null
            : new DataWindow(billing.Min(b => b.FirstDay), billing.Max(b => b.LastDay), [.. billing.Select(b => b.Provider).Distinct().Order(StringComparer.Ordinal)]);

    /// <summary>The wire name of a step (<c>cloud_integration_created</c>, ...).</summary>
    public static string Name(OnboardingStep step) => step switch
    {
        OnboardingStep.CloudIntegrationCreated => "cloud_integration_created",
        OnboardingStep.PermissionsVerified => "permissions_verified",
        OnboardingStep.BillingDataReceived => "billing_data_received",
        OnboardingStep.Synced => "synced",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };

    /// <summary>The error code an endpoint that needs a ready org answers when this step is not complete.</summary>
    public static string ErrorCode(OnboardingStep step) => step switch
    {
        OnboardingStep.CloudIntegrationCreated => "onboarding_cloud_integration_missing",
        OnboardingStep.PermissionsVerified => "onboarding_permissions_not_verified",
        OnboardingStep.BillingDataReceived => "onboarding_no_billing_data",
        OnboardingStep.Synced => "onboarding_not_synced",
        _ => throw new ArgumentOutOfRangeException(nameof(step), step, null),
    };
}
