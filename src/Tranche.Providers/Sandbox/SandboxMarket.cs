using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Commitments;
using Tranche.Domain.Offers;

namespace Tranche.Providers.Sandbox;

/// <summary>The sandbox refused an order, as a provider does (quota, payment, a bad offering): nothing was bought.</summary>
public sealed class SandboxRejectedException(string message) : Exception(message);

/// <summary>The provider did not take the order (throttled, a 5xx, insufficient capacity for now): nothing was bought; try later.</summary>
public sealed class SandboxUnavailableException(string message) : Exception(message);

/// <summary>The order was carried out but its answer never arrived, as a network can do it to a real provider call.</summary>
public sealed class SandboxResponseLostException(string message) : Exception(message);

/// <summary>
/// Failures and latency to inject into the sandbox's purchase calls, for tests and demos of recovery. A server reads
/// standing faults from <c>TRANCHE_SANDBOX_FAULTS</c> (see <see cref="Parse"/>): <c>crash-before-order:KIND</c> ends the
/// process when an order of that kind (<c>ri</c>, <c>savings_plan</c>, <c>cud</c>, or <c>*</c>) is about to be placed,
/// <c>crash-after-order:KIND</c> right after it was placed and before its answer: the two moments a purchase can be cut.
/// </summary>
public sealed class SandboxFaults
{
    private readonly ConcurrentQueue<(string Kind, bool LoseResponse, string? Rejection, string? Unavailable)> _next = new();
    private readonly HashSet<string> _crashBefore = new(StringComparer.Ordinal);
    private readonly HashSet<string> _crashAfter = new(StringComparer.Ordinal);

    public static SandboxFaults Parse(string? spec)
    {
        var faults = new SandboxFaults();
        foreach (var item in (spec ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (name, kind) = item.Split(':', 2) is [var n, var k] ? (n, k) : (item, "*");
            var set = name switch
            {
                "crash-before-order" => faults._crashBefore,
                "crash-after-order" => faults._crashAfter,
                _ => throw new ArgumentException($"Unknown sandbox fault '{name}' in '{spec}' (known: crash-before-order, crash-after-order).", nameof(spec)),
            };
            set.Add(kind);
        }

        return faults;
    }

    internal void CrashIf(bool after, string offerType)
    {
        var set = after ? _crashAfter : _crashBefore;
        if (set.Contains(offerType) || set.Contains("*"))
        {
            Environment.FailFast($"Sandbox fault: the process ends {(after ? "after" : "before")} placing a {offerType} order.");
        }
    }

    public TimeSpan Latency { get; set; }

    /// <summary>The next order of <paramref name="offerType"/> is carried out, but the call fails as if its answer were lost.</summary>
    public void LoseNextResponse(string offerType) => _next.Enqueue((offerType, true, null, null));

    /// <summary>The next order of <paramref name="offerType"/> is refused for good with <paramref name="message"/>.</summary>
    public void RejectNext(string offerType, string message) => _next.Enqueue((offerType, false, message, null));

    /// <summary>The next order of <paramref name="offerType"/> is turned away for now (throttling, a 5xx, no capacity).</summary>
    public void UnavailableNext(string offerType, string message) => _next.Enqueue((offerType, false, null, message));

    internal (bool LoseResponse, string? Rejection, string? Unavailable) Take(string offerType)
    {
        if (_next.TryPeek(out var next) && next.Kind == offerType && _next.TryDequeue(out next))
        {
            return (next.LoseResponse, next.Rejection, next.Unavailable);
        }

        return (false, null, null);
    }
}

/// <summary>One member of a bundle's commitment: an offer of a machine type (with its vCPUs, memory and GPUs) and how many machines.</summary>
public sealed record BundleMember(CatalogOffer Offer, CatalogEntry Entry, int Quantity);

/// <summary>
/// The sandbox cloud's purchase APIs, with each provider's idempotency as it really is: Savings Plans, CUDs and Azure
/// reservations take a client token and return the same order for a repeated one; EC2 Reserved Instances take none, so
/// a repeated call buys again, and an RI is marked only by tagging it after the purchase. A GCP bundle (GPU machine
/// types) is one commitment holding all its members' resources. Every order is logged.
/// </summary>
public sealed class SandboxMarket(TrancheDbContext db, SandboxFaults faults)
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    /// <summary>EC2 RIs are the one kind without a client token.</summary>
    public static bool TakesToken(Offer offer) => !(offer.Provider == "aws" && offer.Kind == OfferKinds.ReservedInstance);

    /// <summary>Savings Plans, CUDs, Azure reservations: the same token returns the order it first made.</summary>
    public async Task<string> OrderWithTokenAsync(Guid orgId, CatalogOffer offer, int quantity, decimal commitment, string clientToken, DateTime now, CancellationToken cancellationToken)
    {
        await Task.Delay(faults.Latency, cancellationToken);
        var existing = await db.SandboxOrders.AsNoTracking()
            .Where(o => o.OrgId == orgId && o.Provider == offer.Offer.Provider && o.ClientToken == clientToken)
            .Select(o => o.OrderId).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        return await PlaceAsync(orgId, offer.Offer, quantity, commitment, clientToken, null, id => TermsOf(offer, id, quantity, commitment, now), now, cancellationToken);
    }

    /// <summary>
    /// GCP regionCommitments.insert for a bundle: one commitment of the bundle's type (<see cref="CatalogOffer.Bundle"/>)
    /// and term holding every member's GPUs, vCPUs and memory. It takes a request id like every CUD: the same token
    /// returns the commitment it first made. (GCP also wants the GPUs reserved, with the reservations attached to the
    /// commitment; the sandbox has no capacity to reserve.)
    /// </summary>
    public async Task<string> OrderBundleWithTokenAsync(Guid orgId, IReadOnlyList<BundleMember> members, string clientToken, DateTime now, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfZero(members.Count);
        var shapes = members.Select(m => (m.Offer.BundleKey, m.Offer.Offer.TermMonths, m.Offer.Offer.PaymentOption)).Distinct().ToList();
        if (shapes.Count != 1 || shapes[0].BundleKey is null)
        {
            throw new ArgumentException("A bundle's members share one bundle, term and payment option.", nameof(members));
        }

        await Task.Delay(faults.Latency, cancellationToken);
        var lead = members[0].Offer.Offer;
        var existing = await db.SandboxOrders.AsNoTracking()
            .Where(o => o.OrgId == orgId && o.Provider == lead.Provider && o.ClientToken == clientToken)
            .Select(o => o.OrderId).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null)
        {
            return existing;
        }

        return await PlaceAsync(orgId, lead, members.Sum(m => m.Quantity), 0, clientToken, null, id => TermsOf(members, id, now), now, cancellationToken);
    }

    /// <summary>EC2 PurchaseReservedInstancesOffering: no token, so every call buys.</summary>
    public async Task<string> PurchaseReservedInstancesAsync(Guid orgId, CatalogOffer offer, int quantity, DateTime now, CancellationToken cancellationToken)
    {
        await Task.Delay(faults.Latency, cancellationToken);
        return await PlaceAsync(orgId, offer.Offer, quantity, 0, null, null, id => TermsOf(offer, id, quantity, 0, now), now, cancellationToken);
    }

    /// <summary>EC2 CreateTags on a Reserved Instance.</summary>
    public async Task TagAsync(Guid orgId, string orderId, string key, string value, CancellationToken cancellationToken)
    {
        var order = await db.SandboxOrders.SingleAsync(o => o.OrgId == orgId && o.OrderId == orderId, cancellationToken);
        var tags = order.Tags is null ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(order.Tags, s_json) ?? [];
        tags[key] = value;
        order.Tags = JsonSerializer.Serialize(tags, s_json);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>EC2 DescribeReservedInstances with a <c>tag:key=value</c> filter.</summary>
    public async Task<IReadOnlyList<string>> FindByTagAsync(Guid orgId, string key, string value, CancellationToken cancellationToken)
    {
        var tagged = await db.SandboxOrders.AsNoTracking().Where(o => o.OrgId == orgId && o.Tags != null).ToListAsync(cancellationToken);
        return [.. tagged.Where(o => JsonSerializer.Deserialize<Dictionary<string, string>>(o.Tags!, s_json)?.GetValueOrDefault(key) == value).Select(o => o.OrderId)];
    }

    /// <summary>Untagged Reserved Instances of an offering and count bought since a time: what a purchase whose answer was lost left behind.</summary>
    public async Task<IReadOnlyList<string>> UntaggedSinceAsync(Guid orgId, string offeringId, int quantity, DateTime since, CancellationToken cancellationToken) =>
        await db.SandboxOrders.AsNoTracking()
            .Where(o => o.OrgId == orgId && o.OfferingId == offeringId && o.Quantity == quantity && o.Tags == null && o.ClientToken == null && o.CreatedAt >= since)
            .OrderBy(o => o.CreatedAt).Select(o => o.OrderId).ToListAsync(cancellationToken);

    /// <summary>The order log: everything bought for the org.</summary>
    public async Task<IReadOnlyList<SandboxOrder>> OrdersAsync(Guid orgId, CancellationToken cancellationToken) =>
        await db.SandboxOrders.AsNoTracking().Where(o => o.OrgId == orgId).OrderBy(o => o.CreatedAt).ToListAsync(cancellationToken);

    private async Task<string> PlaceAsync(
        Guid orgId, Offer offer, int quantity, decimal commitment, string? clientToken, string? tags, Func<string, ProviderCommitment> termsOf, DateTime now,
        CancellationToken cancellationToken)
    {
        faults.CrashIf(after: false, offer.Kind);
        var (loseResponse, rejection, unavailable) = faults.Take(offer.Kind);
        if (rejection is not null)
        {
            throw new SandboxRejectedException(rejection);
        }

        if (unavailable is not null)
        {
            throw new SandboxUnavailableException(unavailable);
        }

        var orderId = OrderIdOf(orgId, offer);
        var terms = termsOf(orderId);
        db.SandboxOrders.Add(new SandboxOrder
        {
            OrgId = orgId, Provider = offer.Provider, OrderId = orderId, OfferType = offer.Kind, OfferingId = offer.OfferId, Quantity = quantity,
            Commitment = commitment, ClientToken = clientToken, Tags = tags, CreatedAt = now,
        });
        db.SandboxCommitments.Add(new SandboxCommitment
        {
            OrgId = orgId, Provider = offer.Provider, ProviderCommitmentId = orderId, Document = JsonSerializer.Serialize(terms, s_json), CreatedAt = now,
        });
        await db.SaveChangesAsync(cancellationToken);
        faults.CrashIf(after: true, offer.Kind);
        if (loseResponse)
        {
            throw new SandboxResponseLostException($"The sandbox bought {orderId} but its answer was lost on the way back.");
        }

        return orderId;
    }

    /// <summary>What the sandbox's inventory lists for an order: the commitment with its terms, in force from now.</summary>
    public static ProviderCommitment TermsOf(CatalogOffer offer, string orderId, int quantity, decimal commitment, DateTime now)
    {
        var o = offer.Offer;
        var spend = o.Kind == OfferKinds.SavingsPlan;
        var units = spend ? commitment / Math.Max(o.EffectiveHourlyPerUnit, 0.000001m) : quantity;
        return new ProviderCommitment
        {
            Provider = o.Provider,
            ProviderCommitmentId = orderId,
            Type = (o.Provider, o.Kind) switch
            {
                ("aws", OfferKinds.ReservedInstance) => "Reserved Instance",
                ("azure", OfferKinds.ReservedInstance) => "Reservation",
                (_, OfferKinds.SavingsPlan) => "Savings Plan",
                _ => "Committed Use Discount",
            },
            Category = spend ? "Spend" : "Usage",
            Name = $"{o.Kind} {offer.InstanceType} x{quantity} {o.TermMonths / 12}y {o.PaymentOption}",
            RegionId = offer.Region,
            InstanceType = offer.InstanceType,
            InstanceFamily = offer.InstanceFamily,
            ProductDescription = offer.Platform,
            Tenancy = offer.Tenancy,
            PlanType = offer.PlanType,
            OfferingClass = offer.OfferingClass,
            OfferingId = o.OfferId,
            PaymentOption = o.PaymentOption,
            InstanceCount = spend ? null : quantity,
            Quantity = spend ? (double)commitment : quantity,
            Unit = spend ? "USD" : "Hours",
            IsFlexible = offer.IsFlexible,
            StartsAt = now,
            EndsAt = now.AddMonths(o.TermMonths),
            UpfrontCost = decimal.Round(units * o.UpfrontPerUnit, 2),
            RecurringHourlyCost = decimal.Round(units * o.HourlyPerUnit, 6),
            Currency = "USD",
            State = "active",
        };
    }

    /// <summary>
    /// What the sandbox's inventory lists for a bundle's commitment: the members' machines as resources (vCPUs,
    /// memory in MB, GPUs per accelerator type), priced as the sum of the members' offers, in force from now.
    /// </summary>
    public static ProviderCommitment TermsOf(IReadOnlyList<BundleMember> members, string orderId, DateTime now)
    {
        var lead = members[0].Offer;
        var o = lead.Offer;
        List<CommitmentResource> resources =
        [
            new(CommitmentResourceTypes.Vcpu, members.Sum(m => (long)m.Entry.Vcpus * m.Quantity)),
            new(CommitmentResourceTypes.Memory, (long)decimal.Round(members.Sum(m => m.Entry.MemoryGb * m.Quantity) * 1024)),
            .. members.Where(m => m.Entry.Accelerator is not null).GroupBy(m => m.Entry.Accelerator!.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new CommitmentResource(CommitmentResourceTypes.Accelerator, g.Sum(m => (long)m.Entry.Accelerator!.Count * m.Quantity), g.Key)),
        ];
        var types = members.Select(m => m.Offer.InstanceType).Distinct(StringComparer.Ordinal).ToList();
        var machines = members.Sum(m => m.Quantity);
        return new ProviderCommitment
        {
            Provider = o.Provider,
            ProviderCommitmentId = orderId,
            Type = "Committed Use Discount",
            Category = "Usage",
            Name = $"{lead.Bundle} {lead.Region} {o.TermMonths / 12}y: {string.Join(", ", members.Select(m => $"{m.Quantity}x {m.Offer.InstanceType}"))}",
            RegionId = lead.Region,
            InstanceType = types.Count == 1 ? types[0] : null,
            InstanceFamily = lead.InstanceFamily,
            ProductDescription = lead.Platform,
            PlanType = lead.PlanType,
            OfferingId = o.OfferId,
            PaymentOption = o.PaymentOption,
            InstanceCount = machines,
            Quantity = machines,
            Unit = "Hours",
            IsFlexible = lead.IsFlexible,
            StartsAt = now,
            EndsAt = now.AddMonths(o.TermMonths),
            UpfrontCost = decimal.Round(members.Sum(m => m.Quantity * m.Offer.Offer.UpfrontPerUnit), 2),
            RecurringHourlyCost = decimal.Round(members.Sum(m => m.Quantity * m.Offer.Offer.HourlyPerUnit), 6),
            Currency = "USD",
            State = "active",
            Resources = resources,
        };
    }

    private static string OrderIdOf(Guid orgId, Offer offer)
    {
        var id = Guid.CreateVersion7();
        return (offer.Provider, offer.Kind) switch
        {
            ("aws", OfferKinds.ReservedInstance) => $"sandbox-ri-{id:N}",
            ("aws", _) => $"arn:aws:savingsplans::sandbox:savingsplan/{id}",
            ("azure", _) => $"/providers/Microsoft.Capacity/reservationOrders/{id}",
            _ => $"projects/sandbox-{orgId:N}/regions/global/commitments/tranche-{id:N}",
        };
    }
}
