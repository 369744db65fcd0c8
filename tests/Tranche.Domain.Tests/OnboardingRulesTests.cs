using CsCheck;
using Tranche.Domain.Onboarding;

namespace Tranche.Domain.Tests;

public sealed class OnboardingRulesTests
{
    private static readonly DateTime s_origin = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly Gen<IntegrationFacts> s_integration =
        Gen.Select(Gen.Int[0, 3].Select(i => new[] { "aws", "azure", "gcp", "sandbox" }[i]), Gen.Int[0, 100], Gen.Int[0, 3], Gen.Int[0, 3]).Select((provider, created, verified, synced) =>
            new IntegrationFacts(
                Guid.NewGuid(), provider, s_origin.AddHours(created),
                verified == 1 ? s_origin.AddHours(created + 1) : null, verified == 2 ? "AccessDenied" : null,
                synced == 1 ? s_origin.AddHours(created + 5) : null, synced == 2 ? "no reader" : null));

    private static readonly Gen<BillingFacts> s_billing =
        Gen.Select(Gen.Int[0, 3].Select(i => new[] { "aws", "azure", "gcp", "oci" }[i]), Gen.Int[0, 100], Gen.Int[0, 60], Gen.Int[0, 60]).Select((provider, loaded, first, length) =>
            new BillingFacts(provider, s_origin.AddHours(loaded), DateOnly.FromDateTime(s_origin).AddDays(first), DateOnly.FromDateTime(s_origin).AddDays(first + length)));

    [Fact]
    public void Ready_exactly_when_one_integration_is_verified_synced_and_has_billing_data_of_a_cloud_it_covers()
    {
        Gen.Select(s_integration.List[0, 4], s_billing.List[0, 4]).Sample((integrations, billing) =>
        {
            // The rule written out: some integration with every step done, its billing data from a cloud it answers for.
            var expected = integrations.Any(i => i.VerifiedAt is not null && i.SyncedAt is not null
                && billing.Any(b => i.Provider == b.Provider || (i.Provider == "sandbox" && b.Provider is "aws" or "azure" or "gcp")));

            var readiness = OnboardingRules.Evaluate(integrations, billing);

            Assert.Equal(expected, readiness.Ready);
            Assert.Equal([OnboardingStep.CloudIntegrationCreated, OnboardingStep.PermissionsVerified, OnboardingStep.BillingDataReceived, OnboardingStep.Synced],
                readiness.Steps.Select(s => s.Step));
            Assert.Equal(readiness.Ready, readiness.FirstIncomplete is null);
            Assert.Equal(readiness.Ready, readiness.CompletedAt is not null);
            Assert.All(readiness.Steps, s => Assert.Equal(s.Status == StepStatus.Complete, s.CompletedAt is not null));
            Assert.Equal(integrations.Count > 0, readiness.Steps[0].Status == StepStatus.Complete);
            if (readiness.Window is { } window)
            {
                Assert.True(window.FirstDay <= window.LastDay);
                Assert.Equal(window.LastDay.DayNumber - window.FirstDay.DayNumber + 1, window.Days);
            }
        });
    }

    [Fact]
    public void A_failed_verification_reads_failed_with_its_reason_and_is_the_first_incomplete_step()
    {
        var integration = new IntegrationFacts(Guid.NewGuid(), "aws", s_origin, null, "Verification failed at 'read_role_assumed': AccessDenied", null, null);

        var readiness = OnboardingRules.Evaluate([integration], []);

        var step = readiness.FirstIncomplete!;
        Assert.Equal((OnboardingStep.PermissionsVerified, StepStatus.Failed), (step.Step, step.Status));
        Assert.Contains("AccessDenied", step.Detail, StringComparison.Ordinal);
        Assert.Equal("onboarding_permissions_not_verified", OnboardingRules.ErrorCode(step.Step));
    }

    [Fact]
    public void An_org_with_billing_files_and_no_integration_has_its_data_but_no_integration()
    {
        var billing = new BillingFacts("aws", s_origin, new DateOnly(2026, 1, 1), new DateOnly(2026, 1, 31));

        var readiness = OnboardingRules.Evaluate([], [billing]);

        Assert.Equal(OnboardingStep.CloudIntegrationCreated, readiness.FirstIncomplete!.Step);
        Assert.Equal(StepStatus.Complete, readiness.Steps.Single(s => s.Step == OnboardingStep.BillingDataReceived).Status);
        Assert.Equal(31, readiness.Window!.Days);
    }
}
