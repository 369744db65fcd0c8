using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Domain.Planning;
using Tranche.Ingest;
using Tranche.Providers.Offerings;
using Tranche.Providers.Plans;
using Tranche.Providers.Purchasing;
using Tranche.Providers.Sandbox;
using Tranche.Providers.Sandbox.Catalog;
using Tranche.Testing;

namespace Tranche.Server.Tests;

public abstract class PurchasesApiTests<TFixture>(TFixture fixture) : ApiTests<TFixture>(fixture)
    where TFixture : TrancheFixture
{
    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private async Task<(Tenants Tenants, string Folder, JsonElement Plan)> PlanToBuyAsync()
    {
        var (tenants, folder) = await Server.CustomerWithAwsBillingAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        return (tenants, folder, await partner.PlanWithPurchasesAsync(tenants.Child.Id));
    }

    private static string Body(object? planId, object? confirm) => JsonSerializer.Serialize(new Dictionary<string, object?> { ["plan_id"] = planId, ["confirm"] = confirm });

    [Fact]
    public async Task A_plan_computed_right_after_a_purchase_counts_what_was_bought_before_the_bill_shows_it()
    {
        var (tenants, _, plan) = await PlanToBuyAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var name = plan.GetProperty("plan").GetProperty("name").GetString();
        var bought = plan.GetProperty("line_items").EnumerateArray().GroupBy(l => l.GetProperty("pool").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(l => l.GetProperty("quantity").GetInt32()));
        var purchase = await (await partner.PostJsonAsync($"/v2/org/{tenants.Child.Id}/partners/plans/purchase", Body(plan.GetProperty("plan").GetProperty("id").GetString(), true))).JsonAsync();
        Assert.Equal("succeeded", purchase.GetProperty("status").GetString());

        // No billing data has arrived since: only the inventory knows about the new commitments.
        await using var db = Server.Db(tenants.Child.Id);
        var catalogs = Server.App.Services.GetRequiredService<OfferCatalogs>();
        var again = await PlanGeneration.ComputeAsync(db, tenants.Child.Id, "aws", catalogs, new PlanSettings(), DateTime.UtcNow, Cancel);
        var same = again.Single(p => p.Name == name);
        var lines = await db.PlanLineItems.Where(i => i.PlanId == same.Id).ToListAsync(Cancel);
        var rebought = lines.Where(l => bought.ContainsKey(l.PoolKey)).Sum(l => l.SelectedQuantity);
        Assert.True(rebought <= bought.Values.Sum() / 2, $"{rebought} units bought again on pools that just got {bought.Values.Sum()}");
    }

    [Fact]
    public async Task A_confirmed_purchase_buys_every_line_once_and_the_commitments_appear_at_once()
    {
        var (tenants, _, plan) = await PlanToBuyAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var planId = plan.GetProperty("plan").GetProperty("id").GetString();
        var url = $"/v2/org/{tenants.Child.Id}/partners/plans/purchase";
        var before = await (await partner.GetAsync($"/v1/org/{tenants.Child.Id}/commitments/ids?provider=aws&start_date={Today.AddDays(-30):yyyy-MM-dd}&end_date={Today:yyyy-MM-dd}", Cancel)).JsonAsync();

        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = Http.Json(Body(planId, true)) };
        request.Headers.Add("Idempotency-Key", "order-1");
        var response = await partner.SendAsync(request, Cancel);

        await AssertStatusAsync(HttpStatusCode.Created, response);
        var purchase = await response.JsonAsync();
        Assert.Equal("succeeded", purchase.GetProperty("status").GetString());
        var lines = purchase.GetProperty("line_items").EnumerateArray().ToList();
        Assert.Equal(plan.GetProperty("line_items").GetArrayLength(), lines.Count);
        Assert.All(lines, l => Assert.Equal("succeeded", l.GetProperty("status").GetString()));
        Assert.All(lines, l => Assert.NotNull(l.GetProperty("provider_order_id").GetString()));

        await using (var cloud = Server.Db(tenants.Child.Id))
        {
            var orders = await new SandboxMarket(cloud, new SandboxFaults()).OrdersAsync(tenants.Child.Id, Cancel);
            Assert.Equal(lines.Select(l => l.GetProperty("provider_order_id").GetString()).Order(StringComparer.Ordinal), orders.Select(o => o.OrderId).Order(StringComparer.Ordinal));
        }

        var after = await (await partner.GetAsync($"/v1/org/{tenants.Child.Id}/commitments?provider=aws&start_date={Today.AddDays(-30):yyyy-MM-dd}&end_date={Today:yyyy-MM-dd}&page_size=100&filter={Uri.EscapeDataString("""{"status":"new"}""")}", Cancel)).JsonAsync();
        Assert.Equal(lines.Select(l => l.GetProperty("provider_order_id").GetString()).Order(StringComparer.Ordinal),
            after.EnumerateArray().Select(c => c.GetProperty("provider_reservation_id").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(before.GetProperty("ids").GetArrayLength() + lines.Count,
            (await (await partner.GetAsync($"/v1/org/{tenants.Child.Id}/commitments/ids?provider=aws&start_date={Today.AddDays(-30):yyyy-MM-dd}&end_date={Today:yyyy-MM-dd}", Cancel)).JsonAsync()).GetProperty("ids").GetArrayLength());
        Assert.True((await (await partner.GetAsync($"/v1/org/{tenants.Child.Id}/metrics?provider=aws", Cancel)).JsonAsync()).GetProperty("has_actioned_plan").GetBoolean());

        // The same key returns the same purchase; the same plan again is a conflict; a key cannot be reused for another plan.
        using var repeat = new HttpRequestMessage(HttpMethod.Post, url) { Content = Http.Json(Body(planId, true)) };
        repeat.Headers.Add("Idempotency-Key", "order-1");
        var repeated = await partner.SendAsync(repeat, Cancel);
        await AssertStatusAsync(HttpStatusCode.OK, repeated);
        Assert.Equal(purchase.GetProperty("id").GetString(), (await repeated.JsonAsync()).GetProperty("id").GetString());
        var again = await (await partner.PostJsonAsync(url, Body(planId, true))).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("plan_already_purchased", again.GetProperty("code").GetString());
        using var reuse = new HttpRequestMessage(HttpMethod.Post, url) { Content = Http.Json(Body(Guid.NewGuid().ToString(), true)) };
        reuse.Headers.Add("Idempotency-Key", "order-1");
        Assert.Equal("idempotency_key_reused", (await (await partner.SendAsync(reuse, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());

        var listed = await (await partner.GetAsync($"/v2/org/{tenants.Child.Id}/partners/purchases", Cancel)).JsonAsync();
        Assert.Equal(purchase.GetProperty("id").GetString(), Assert.Single(listed.EnumerateArray()).GetProperty("id").GetString());
        using var child = Server.Client(tenants.Child.Key);
        var own = await (await child.GetAsync($"/v1/org/{tenants.Child.Id}/purchases", Cancel)).JsonAsync();
        Assert.Equal(purchase.GetProperty("id").GetString(), Assert.Single(own.EnumerateArray()).GetProperty("id").GetString());
        var detail = await (await child.GetAsync($"/v1/org/{tenants.Child.Id}/purchases/{purchase.GetProperty("id").GetString()}", Cancel)).JsonAsync();
        Assert.Equal(lines.Count, detail.GetProperty("line_items").GetArrayLength());
        await (await child.GetAsync($"/v1/org/{tenants.Child.Id}/purchases/{Guid.NewGuid()}", Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        await using (var db = Server.Db(tenants.Child.Id))
        {
            Assert.Contains(await db.AuditEvents.Select(a => a.Action).ToListAsync(Cancel), a => a == "purchase.created");
            Assert.Contains(await db.AuditEvents.Select(a => a.Action).ToListAsync(Cancel), a => a == "purchase.succeeded");
        }
    }

    [Fact]
    public async Task Nothing_is_bought_without_confirm_true_a_plan_of_this_org_and_a_fresh_plan()
    {
        var (tenants, folder, plan) = await PlanToBuyAsync();
        using var partner = Server.Client(tenants.Partner.Key);
        var planId = plan.GetProperty("plan").GetProperty("id").GetString();
        var url = $"/v2/org/{tenants.Child.Id}/partners/plans/purchase";

        foreach (var body in (string[])[Body(planId, false), Body(planId, null), $$"""{"plan_id":"{{planId}}","confirm":"true"}""", $$"""{"plan_id":"{{planId}}","confirm":1}""", $$"""{"plan_id":"{{planId}}"}"""])
        {
            var errors = await (await partner.PostJsonAsync(url, body)).AssertValidationErrorAsync();
            Assert.NotEmpty(errors.Messages("json", "confirm"));
        }

        Assert.NotEmpty((await (await partner.PostJsonAsync(url, Body("plan_abc123", true))).AssertValidationErrorAsync()).Messages("json", "plan_id"));
        await (await partner.PostJsonAsync(url, Body(Guid.NewGuid().ToString(), true))).AssertApiErrorAsync(HttpStatusCode.NotFound);
        // A plan of another customer of the same partner is not this org's.
        await (await partner.PostJsonAsync($"/v2/org/{tenants.Sibling.Id}/partners/plans/purchase", Body(planId, true))).AssertApiErrorAsync(HttpStatusCode.NotFound);
        using var child = Server.Client(tenants.Child.Key);
        await (await child.PostJsonAsync(url, Body(planId, true))).AssertApiErrorAsync(HttpStatusCode.Forbidden);

        // Newer billing data makes the plan stale.
        Assert.Equal(IngestOutcome.Loaded, (await BillingIngest.RunAsync(Server.Database, new IngestRequest(tenants.Child.Id, [folder]), TimeProvider.System, null, Cancel)).Outcome);
        var stale = await (await partner.PostJsonAsync(url, Body(planId, true))).AssertApiErrorAsync(HttpStatusCode.Conflict);
        Assert.Equal("plan_stale", stale.GetProperty("code").GetString());

        await using var cloud = Server.Db(tenants.Child.Id);
        Assert.Empty(await new SandboxMarket(cloud, new SandboxFaults()).OrdersAsync(tenants.Child.Id, Cancel));
    }

    /// <summary>A purchase of one line of <paramref name="kind"/>, written pending, as the endpoint writes it.</summary>
    private async Task<(Guid Org, Guid PurchaseId, CatalogOffer Offer)> PendingPurchaseAsync(string kind)
    {
        var org = await Server.CreateOrgAsync();
        var catalog = SandboxCatalog.Load();
        var offer = catalog.OffersFor("aws", "us-east-1", "m5.large").First(o => o.Offer.Kind == kind);
        await using var db = Server.Db(org.Id);
        var now = DateTime.UtcNow;
        var plan = new CommitmentPlanRecord
        {
            Id = Guid.NewGuid(), OrgId = org.Id, Provider = "aws", Name = "Test", Kind = PlanKinds.Custom, Status = "new", CreatedAt = now, CatalogVersion = catalog.Version,
            Settings = "{}", DataLoadedAt = now,
        };
        var purchase = new PurchaseRecord { Id = Guid.NewGuid(), OrgId = org.Id, PlanId = plan.Id, Provider = "aws", Status = PurchaseStates.InProgress, CreatedAt = now };
        var lineId = Guid.NewGuid();
        db.AddRange(plan, purchase, new PurchaseLineRecord
        {
            Id = lineId, OrgId = org.Id, PurchaseId = purchase.Id, PlanLineItemId = Guid.NewGuid(), Provider = "aws", OfferType = kind, ProviderOfferingId = offer.Offer.OfferId,
            Quantity = 3, Commitment = kind == OfferKinds.SavingsPlan ? 0.25m : 0, IdempotencyToken = PurchaseLedger.TokenOf(purchase.Id, lineId), State = PurchaseLineStates.Pending,
        });
        await db.SaveChangesAsync(Cancel);
        return (org.Id, purchase.Id, offer);
    }

    private async Task<(PurchaseRecord Purchase, IReadOnlyList<SandboxOrder> Orders)> RunAsync(Guid org, Guid purchaseId, SandboxFaults faults)
    {
        await using var db = Server.Db(org);
        await using var cloud = Server.Db(org);
        var purchase = await new PurchaseLedger(db, new SandboxMarket(cloud, faults), SandboxCatalog.Load()).RunAsync(purchaseId, () => DateTime.UtcNow, Cancel);
        return (purchase, await new SandboxMarket(cloud, faults).OrdersAsync(org, Cancel));
    }

    /// <summary>A GCP purchase of the given offers and quantities, written pending, as the endpoint writes it.</summary>
    private async Task<(Guid Org, Guid PurchaseId, IReadOnlyList<Guid> LineIds)> PendingGcpPurchaseAsync(params (CatalogOffer Offer, int Quantity)[] offers)
    {
        var org = await Server.CreateOrgAsync();
        var (planId, _) = await Server.AddPlanAsync(org.Id, "gcp", SandboxCatalog.Load().Version, offers);
        await using var db = Server.Db(org.Id);
        var purchase = new PurchaseRecord { Id = Guid.NewGuid(), OrgId = org.Id, PlanId = planId, Provider = "gcp", Status = PurchaseStates.InProgress, CreatedAt = DateTime.UtcNow };
        db.Purchases.Add(purchase);
        var ids = new List<Guid>();
        foreach (var (offer, quantity) in offers)
        {
            var lineId = Guid.NewGuid();
            ids.Add(lineId);
            db.PurchaseLines.Add(new PurchaseLineRecord
            {
                Id = lineId, OrgId = org.Id, PurchaseId = purchase.Id, PlanLineItemId = Guid.NewGuid(), Sequence = ids.Count - 1, Provider = "gcp", OfferType = offer.Offer.Kind,
                ProviderOfferingId = offer.Offer.OfferId, Quantity = quantity, IdempotencyToken = PurchaseLedger.TokenOf(purchase.Id, lineId), State = PurchaseLineStates.Pending,
            });
        }

        await db.SaveChangesAsync(Cancel);
        return (org.Id, purchase.Id, ids);
    }

    private static CatalogOffer ResourceCud(string type, int months) =>
        SandboxCatalog.Load().OffersFor("gcp", "us-central1", type).Single(o => o.PlanType == PlanTypes.Resource && o.Offer.TermMonths == months);

    [Fact]
    public async Task A_gpu_bundle_is_bought_as_one_commitment_holding_its_gpus_vcpus_and_memory()
    {
        // Two G2 lines on one year are one commitment; a G2 line on three years, an A2 line and an N2 line are commitments of their own.
        var (org, purchaseId, ids) = await PendingGcpPurchaseAsync(
            (ResourceCud("g2-standard-8", 12), 3), (ResourceCud("n2-standard-4", 12), 4), (ResourceCud("g2-standard-4", 12), 2),
            (ResourceCud("g2-standard-4", 36), 1), (ResourceCud("a2-highgpu-1g", 12), 1));
        var faults = new SandboxFaults();
        faults.LoseNextResponse(OfferKinds.CommittedUseDiscount);

        var (interrupted, _) = await RunAsync(org, purchaseId, faults);
        await using (var db = Server.Db(org))
        {
            // The bundle's answer was lost: both its lines wait, submitted, for the recovery; the other orders went through.
            var states = await db.PurchaseLines.Where(l => l.PurchaseId == purchaseId).ToDictionaryAsync(l => l.Id, l => l.State, Cancel);
            Assert.Equal([PurchaseLineStates.Submitted, PurchaseLineStates.Succeeded, PurchaseLineStates.Submitted, PurchaseLineStates.Succeeded, PurchaseLineStates.Succeeded],
                ids.Select(id => states[id]));
        }

        var (finished, orders) = await RunAsync(org, purchaseId, faults);

        Assert.Equal((PurchaseStates.InProgress, PurchaseStates.Succeeded), (interrupted.Status, finished.Status));
        Assert.Equal(4, orders.Count);
        await using var store = Server.Db(org);
        var lines = await store.PurchaseLines.Where(l => l.PurchaseId == purchaseId).ToDictionaryAsync(l => l.Id, Cancel);
        Assert.All(lines.Values, l => Assert.Equal(PurchaseLineStates.Succeeded, l.State));
        var bundleOrder = lines[ids[0]].ProviderOrderId;
        Assert.Equal(bundleOrder, lines[ids[2]].ProviderOrderId);
        Assert.Equal(4, lines.Values.Select(l => l.ProviderOrderId).Distinct().Count());

        var documents = await store.SandboxCommitments.AsNoTracking().ToDictionaryAsync(c => c.ProviderCommitmentId, c => JsonSerializer.Deserialize<Tranche.Domain.Commitments.ProviderCommitment>(c.Document, JsonSerializerOptions.Web)!, Cancel);
        string Resources(Guid line) => string.Join(", ", documents[lines[line].ProviderOrderId!].Resources?.Select(r => $"{r.Type} {r.Amount}{(r.AcceleratorType is null ? "" : " " + r.AcceleratorType)}") ?? []);
        // 3 x (8 vCPU, 32 GB, 1 L4) and 2 x (4 vCPU, 16 GB, 1 L4), memory in MB.
        Assert.Equal("VCPU 32, MEMORY 131072, ACCELERATOR 5 nvidia-l4", Resources(ids[0]));
        Assert.Equal("VCPU 4, MEMORY 16384, ACCELERATOR 1 nvidia-l4", Resources(ids[3]));
        Assert.Equal("VCPU 12, MEMORY 87040, ACCELERATOR 1 nvidia-tesla-a100", Resources(ids[4]));
        Assert.Equal("", Resources(ids[1]));
        var bundle = documents[bundleOrder!];
        Assert.Equal("GRAPHICS_OPTIMIZED us-central1 1y: 3x g2-standard-8, 2x g2-standard-4", bundle.Name);
        Assert.Equal(bundle.StartsAt.AddMonths(12), bundle.EndsAt);
        Assert.Equal(decimal.Round(3 * ResourceCud("g2-standard-8", 12).Offer.HourlyPerUnit + 2 * ResourceCud("g2-standard-4", 12).Offer.HourlyPerUnit, 6), bundle.RecurringHourlyCost);

        // The inventory lists the bundle once, as Tranche's purchase.
        var inventory = await store.Commitments.AsNoTracking().Where(c => c.Provider == "gcp").ToListAsync(Cancel);
        Assert.Equal(4, inventory.Count);
        Assert.Equal((CommitmentSources.Purchase, 5.0), inventory.Where(c => c.ProviderCommitmentId == bundleOrder).Select(c => (c.Source, c.Quantity)).Single());
    }

    [Fact]
    public async Task A_refused_bundle_fails_all_its_lines_together()
    {
        var (org, purchaseId, ids) = await PendingGcpPurchaseAsync((ResourceCud("g2-standard-4", 36), 2), (ResourceCud("g2-standard-8", 36), 1));
        var faults = new SandboxFaults();
        faults.RejectNext(OfferKinds.CommittedUseDiscount, "Quota 'COMMITTED_NVIDIA_L4_GPUS' exceeded. Limit: 2.0 in region us-central1.");

        var (purchase, orders) = await RunAsync(org, purchaseId, faults);

        Assert.Equal(PurchaseStates.Failed, purchase.Status);
        Assert.Empty(orders);
        await using var db = Server.Db(org);
        var lines = await db.PurchaseLines.Where(l => l.PurchaseId == purchaseId).ToListAsync(Cancel);
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.Equal((PurchaseLineStates.Failed, "Quota 'COMMITTED_NVIDIA_L4_GPUS' exceeded. Limit: 2.0 in region us-central1."), (l.State, l.Error)));
        Assert.Equal(PlanStatuses.NeedsReview, (await db.CommitmentPlans.SingleAsync(Cancel)).Status);
    }

    [Theory]
    [InlineData(OfferKinds.ReservedInstance)]
    [InlineData(OfferKinds.SavingsPlan)]
    public async Task A_lost_answer_is_recovered_without_buying_twice(string kind)
    {
        var (org, purchaseId, _) = await PendingPurchaseAsync(kind);
        var faults = new SandboxFaults();
        faults.LoseNextResponse(kind);

        var (interrupted, afterFirst) = await RunAsync(org, purchaseId, faults);
        var (finished, afterSecond) = await RunAsync(org, purchaseId, faults);

        Assert.Equal(PurchaseStates.InProgress, interrupted.Status);
        Assert.Single(afterFirst);
        Assert.Equal(PurchaseStates.Succeeded, finished.Status);
        var order = Assert.Single(afterSecond);
        await using var db = Server.Db(org);
        var line = await db.PurchaseLines.SingleAsync(l => l.PurchaseId == purchaseId, Cancel);
        Assert.Equal((PurchaseLineStates.Succeeded, order.OrderId), (line.State, line.ProviderOrderId));
        Assert.Equal(CommitmentSources.Purchase, (await db.Commitments.SingleAsync(c => c.ProviderCommitmentId == order.OrderId, Cancel)).Source);
    }

    [Fact]
    public async Task A_reserved_instance_bought_but_not_yet_tagged_when_the_process_died_is_adopted_not_bought_again()
    {
        var (org, purchaseId, offer) = await PendingPurchaseAsync(OfferKinds.ReservedInstance);
        var now = DateTime.UtcNow;
        await using (var db = Server.Db(org))
        {
            // The ledger had written the line submitted and the cloud had sold the RI; the process died before the tag.
            var line = await db.PurchaseLines.SingleAsync(l => l.PurchaseId == purchaseId, Cancel);
            line.State = PurchaseLineStates.Submitted;
            line.SubmittedAt = now;
            await db.SaveChangesAsync(Cancel);
            await using var cloud = Server.Db(org);
            await new SandboxMarket(cloud, new SandboxFaults()).PurchaseReservedInstancesAsync(org, offer, 3, now, Cancel);
        }

        var (purchase, orders) = await RunAsync(org, purchaseId, new SandboxFaults());

        Assert.Equal(PurchaseStates.Succeeded, purchase.Status);
        var order = Assert.Single(orders);
        Assert.Contains(PurchaseLedger.TagKey, order.Tags, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Applying_a_plan_in_v1_buys_it_and_the_plan_follows_the_purchase()
    {
        var (tenants, _, plan) = await PlanToBuyAsync();
        using var client = Server.Client(tenants.Child.Key);
        var planId = plan.GetProperty("plan").GetProperty("id").GetString();
        var empty = (await (await client.GetAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/default?provider=aws", Cancel)).JsonAsync())
            .EnumerateArray().FirstOrDefault(p => p.GetProperty("amortized_cost_hourly").GetDecimal() == 0);

        var response = await client.PostAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/apply", null, Cancel);

        await AssertStatusAsync(HttpStatusCode.OK, response);
        var applied = await response.JsonAsync();
        Contract.AssertMatches(applied, "CommitmentPlan");
        Assert.Equal(("completed", planId), (applied.GetProperty("status").GetString(), applied.GetProperty("id").GetString()));
        Assert.Equal("plan_already_purchased",
            (await (await client.PostAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{planId}/apply", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        await (await client.PostAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{Guid.NewGuid()}/apply", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.NotFound);
        if (empty.ValueKind == JsonValueKind.Object)
        {
            Assert.Equal("plan_empty",
                (await (await client.PostAsync($"/v1/org/{tenants.Child.Id}/commitment-plans/{empty.GetProperty("id").GetString()}/apply", null, Cancel)).AssertApiErrorAsync(HttpStatusCode.Conflict)).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task The_recovery_job_finishes_what_a_lost_answer_left_in_progress()
    {
        var (org, purchaseId, _) = await PendingPurchaseAsync(OfferKinds.ReservedInstance);
        var faults = new SandboxFaults();
        faults.LoseNextResponse(OfferKinds.ReservedInstance);
        Assert.Equal(PurchaseStates.InProgress, (await RunAsync(org, purchaseId, faults)).Purchase.Status);

        var resumed = await Server.App.Services.GetRequiredService<PurchaseRecovery>().ResumeAsync(TimeSpan.Zero, Cancel);

        Assert.True(resumed >= 1);
        await using var db = Server.Db(org);
        Assert.Equal(PurchaseStates.Succeeded, (await db.Purchases.SingleAsync(p => p.Id == purchaseId, Cancel)).Status);
        await using var cloud = Server.Db(org);
        Assert.Single(await new SandboxMarket(cloud, faults).OrdersAsync(org, Cancel));
    }

    [Theory]
    [InlineData(OfferKinds.ReservedInstance, "Throttling: Rate exceeded")]
    [InlineData(OfferKinds.SavingsPlan, "InternalServerException (500)")]
    [InlineData(OfferKinds.ReservedInstance, "InsufficientReservedInstanceCapacity")]
    public async Task A_provider_that_turns_an_order_away_for_now_leaves_an_explained_line_that_is_bought_once_later(string kind, string problem)
    {
        var (org, purchaseId, _) = await PendingPurchaseAsync(kind);
        var faults = new SandboxFaults();
        faults.UnavailableNext(kind, problem);

        var (waiting, none) = await RunAsync(org, purchaseId, faults);
        await using (var db = Server.Db(org))
        {
            var line = await db.PurchaseLines.SingleAsync(l => l.PurchaseId == purchaseId, Cancel);
            Assert.Equal(PurchaseLineStates.Submitted, line.State);
            Assert.Contains(problem, line.Error, StringComparison.Ordinal);
        }

        var (finished, orders) = await RunAsync(org, purchaseId, faults);

        Assert.Equal(PurchaseStates.InProgress, waiting.Status);
        Assert.Empty(none);
        Assert.Equal(PurchaseStates.Succeeded, finished.Status);
        Assert.Single(orders);
    }

    [Fact]
    public async Task A_refused_order_fails_its_line_with_the_reason_and_buys_nothing()
    {
        var (org, purchaseId, _) = await PendingPurchaseAsync(OfferKinds.ReservedInstance);
        var faults = new SandboxFaults();
        faults.RejectNext(OfferKinds.ReservedInstance, "RI limit exceeded for m5.large in us-east-1.");

        var (purchase, orders) = await RunAsync(org, purchaseId, faults);

        Assert.Equal(PurchaseStates.Failed, purchase.Status);
        Assert.Empty(orders);
        await using var db = Server.Db(org);
        var line = await db.PurchaseLines.SingleAsync(l => l.PurchaseId == purchaseId, Cancel);
        Assert.Equal((PurchaseLineStates.Failed, "RI limit exceeded for m5.large in us-east-1."), (line.State, line.Error));
    }
}

public sealed class PurchasesApiOnSqlite(SqliteTranche fixture) : PurchasesApiTests<SqliteTranche>(fixture), IClassFixture<SqliteTranche>;

public sealed class PurchasesApiOnPostgres(PostgresTranche fixture) : PurchasesApiTests<PostgresTranche>(fixture), IClassFixture<PostgresTranche>;
