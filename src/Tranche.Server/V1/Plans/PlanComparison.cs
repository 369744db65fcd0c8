using System.ComponentModel;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Offers;
using Tranche.Domain.Planning;
using Tranche.Providers.Offerings;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1.Plans;

public sealed record CloudProviderCostBreakdownResponse(decimal Recurring, decimal AmortizedUpfront);

public sealed record CloudProviderCostResponse(decimal Total, CloudProviderCostBreakdownResponse Breakdown);

public sealed record CommitmentCostBreakdownResponse(CloudProviderCostResponse CloudProviderCost, decimal ArcheraPremium);

public sealed record CommitmentCostResponse(decimal Total, CommitmentCostBreakdownResponse Breakdown);

public sealed record CommitmentSavingsResponse(decimal Net, decimal Gross);

/// <summary>A 730-hour month of a commitment's economics, as published (<c>CommitmentFinancialsNoRebate</c>).</summary>
[ApiSchema("CommitmentFinancialsNoRebate")]
public sealed record CommitmentFinancialsResponse(CommitmentCostResponse CommitmentCost, CommitmentSavingsResponse CommitmentSavings, decimal CoveredOndemandCost);

/// <summary>An offer in comparisons (<c>CommitmentOffer</c>), with the newer <c>commitment_type</c>; payment options in snake_case.</summary>
[ApiSchema("CommitmentOffer")]
public sealed record CommitmentOfferResponse(
    Guid Id, string Provider, string Type, string CommitmentType, string? Region, long DurationSeconds, string? InstanceType, string? InstanceFamily,
    string? OfferingClass, string? PaymentOption, string? PlanType, string? ProductDescription, string? DisplayName, string? GuaranteedDisplayName, bool? IsFlexible);

[ApiSchema("OfferComparisonDelta")]
public sealed record OfferComparisonDeltaResponse(decimal MonthlyNetSavings, decimal UpfrontCost, double DiscountRate, double? BreakevenDays);

[ApiSchema("OfferComparisonEntry")]
public sealed record OfferComparisonEntryResponse(
    bool IsCurrent, Guid OfferId, CommitmentOfferResponse Offer, Guid? LeaseMenuItemId, double SelectedAmount, string ContractTerm, double DiscountRate,
    double? BreakevenDays, decimal CommitmentUpfrontCost, CommitmentFinancialsResponse CommitmentFinancialsMonthlyRate, OfferComparisonDeltaResponse DeltaVsCurrent);

[ApiSchema("LineItemOfferComparisonRow")]
public sealed record LineItemOfferComparisonRowResponse(Guid LineItemId, OfferComparisonEntryResponse Current, IReadOnlyList<OfferComparisonEntryResponse> Candidates);

[ApiSchema("LineItemOfferComparisonTotals")]
public sealed record LineItemOfferComparisonTotalsResponse(CommitmentFinancialsResponse CommitmentFinancialsMonthlyRate, decimal CommitmentUpfrontCost);

[ApiSchema("HypotheticalDelta")]
public sealed record HypotheticalDeltaResponse(decimal MonthlyNetSavings, decimal MonthlyCommitmentCost, decimal UpfrontCost);

/// <summary>How one line item lands in a what-if (<c>HypotheticalLineItem</c>), with the newer <c>actual_commitment_type</c> and <c>bundle_member</c>.</summary>
[ApiSchema("HypotheticalLineItem")]
public sealed record HypotheticalLineItemResponse(
    Guid LineItemId,
    string? ActualTerm,
    string? ActualPaymentOption,
    [property: Description(
        "Why the line item landed at actual_term: `exact_match` (the target is offered), `fallback_closest_shorter` (the longest offered term <= target with the same payment option), " +
        "`no_alternative` (nothing qualified, kept at current), or `bundle_member` (newer Archera documentation): the line belongs to a bundle bought as one commitment with one term " +
        "(GCP GPU machine types: the GPUs with the vCPUs and memory of their series) and takes the term its bundle landed on, where its own landing would differ.")]
    string ActualTermReason,
    string ActualCommitmentType);

[ApiSchema("HypotheticalTotal")]
public sealed record HypotheticalTotalResponse(
    string? ContractTerm, string PaymentOption, CommitmentFinancialsResponse CommitmentFinancialsMonthlyRate, decimal CommitmentUpfrontCost,
    HypotheticalDeltaResponse DeltaVsCurrent, IReadOnlyList<HypotheticalLineItemResponse> LineItems);

[ApiSchema("LineItemOfferComparisonResponse")]
public sealed record LineItemOfferComparisonResponse(
    LineItemOfferComparisonTotalsResponse CurrentTotals, IReadOnlyList<HypotheticalTotalResponse> HypotheticalTotals, IReadOnlyList<LineItemOfferComparisonRowResponse> Data);

/// <summary>
/// <c>GET /v1/org/{org_id}/commitment-plans/{plan_id}/comparison</c>: what the plan's line items would cost and save
/// on other terms and payment options. Every figure is a 730-hour monthly rate except the one-time upfront amounts.
/// A candidate keeps the line item's quantity and coverage and changes only the offer (same kind, class and plan type).
/// </summary>
internal static class PlanComparison
{
    /// <summary>The published contract terms; Tranche's offers are one and three years, the others resolve by the fallback rule.</summary>
    private static readonly string[] Terms = ["one_year_gris", "thirty_day_gris", "two_month_gris", "three_month_gris", "four_month_gris", "five_month_gris", "six_month_gris", "seven_month_gris", "eight_month_gris", "nine_month_gris", "ten_month_gris", "eleven_month_gris", "twelve_month_gris", "thirteen_month_gris", "fourteen_month_gris", "fifteen_month_gris", "sixteen_month_gris", "seventeen_month_gris", "eighteen_month_gris", "nineteen_month_gris", "twenty_month_gris", "twenty_one_month_gris", "twenty_two_month_gris", "twenty_three_month_gris", "twenty_four_month_gris", "twenty_five_month_gris", "twenty_six_month_gris", "twenty_seven_month_gris", "twenty_eight_month_gris", "twenty_nine_month_gris", "thirty_month_gris", "thirty_one_month_gris", "thirty_two_month_gris", "thirty_three_month_gris", "thirty_four_month_gris", "thirty_five_month_gris", "one_year", "two_year", "three_year", "five_year", "zero_day", "thirty_day", "two_month", "three_month", "four_month", "five_month", "six_month", "seven_month", "eight_month", "nine_month", "ten_month", "eleven_month", "thirteen_month", "fourteen_month", "fifteen_month", "sixteen_month", "seventeen_month", "eighteen_month", "nineteen_month", "twenty_month", "twenty_one_month", "twenty_two_month", "twenty_three_month", "twenty_five_month", "twenty_six_month", "twenty_seven_month", "twenty_eight_month", "twenty_nine_month", "thirty_month", "thirty_one_month", "thirty_two_month", "thirty_three_month", "thirty_four_month", "thirty_five_month"];

    private static readonly string[] NumberWords =
    [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
        "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "twenty_one", "twenty_two", "twenty_three", "twenty_four", "twenty_five", "twenty_six",
        "twenty_seven", "twenty_eight", "twenty_nine", "thirty", "thirty_one", "thirty_two", "thirty_three", "thirty_four", "thirty_five",
    ];

    public static void MapPlanComparison(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/v1/org/{org_id}/commitment-plans").ForOrg().WithTags("Commitment Plans").WithApiErrors()
            .MapGet("/{plan_id}/comparison", Compare)
            .WithSummary("/commitment-plans/{plan_id}/comparison")
            .WithDescription("Term and payment alternatives of the plan's line items (`line_item_ids`, default all selected), filtered by `payment_options` (default `no_upfront`) and `contract_terms` (default every term the candidates offer). `hypothetical_totals` has one entry per requested term and payment option; each line item lands on the target term when its offer exists there, else on the longest shorter term with the same payment option (`fallback_closest_shorter`), else stays as it is (`no_alternative`). Line items bought as one commitment (a bundle: GCP GPU machine types of one series, region, term and payment option, whose commitment holds the GPUs with the vCPUs and memory) land together on one term: the bundle's lead (its largest commitment) lands by the rule over the terms every member offers, and a member whose own landing would differ takes that term with `bundle_member`. Monthly figures use a 730-hour month; upfront amounts are one-time.")
            .Produces<LineItemOfferComparisonResponse>();
    }

    private sealed record Candidate(CatalogOffer Offer, LineEconomics Economics);

    private sealed record LineEconomics(decimal MonthlyCost, decimal Recurring, decimal AmortizedUpfront, decimal Upfront, decimal CoveredOnDemand, double DiscountRate, double? BreakevenDays)
    {
        public decimal MonthlyNet => CoveredOnDemand - MonthlyCost;
    }

    private static async Task<IResult> Compare(HttpContext context, TrancheDbContext db, OfferCatalogs catalogs, string plan_id)
    {
        var id = PathIds.Parse(plan_id, nameof(plan_id));
        var query = new QueryArgs(context.Request);
        var lineIds = query.UuidList("line_item_ids");
        var terms = query.List("contract_terms", Terms);
        var payments = query.List("payment_options", ["no_upfront", "partial_upfront", "all_upfront"]);
        query.ThrowIfInvalid();
        var provider = await db.CommitmentPlans.Where(p => p.Id == id).Select(p => p.Provider).FirstOrDefaultAsync(context.RequestAborted);
        if (provider is null)
        {
            return ApiResults.NotFound($"Org {context.Org().OrgId} has no plan {id}.", "plan_not_found");
        }

        var catalog = await catalogs.ForAsync(db, context.Org().OrgId, provider, context.RequestAborted);

        var items = await db.PlanLineItems.AsNoTracking().Where(i => i.PlanId == id).OrderBy(i => i.Id).ToListAsync(context.RequestAborted);
        items = lineIds.Count > 0 ? [.. items.Where(i => lineIds.Contains(i.Id))] : [.. items.Where(i => i.IsSelected)];
        payments = payments.Count > 0 ? payments : ["no_upfront"];

        var rows = new List<LineItemOfferComparisonRowResponse>();
        var options = new Dictionary<Guid, (PlanLineItemRecord Item, Candidate Current, List<Candidate> All)>();
        foreach (var item in items)
        {
            var current = catalog.FindOffer(item.ProviderOfferingId);
            if (current is null)
            {
                continue;
            }

            var all = Alternatives(catalog, item, current).Select(o => new Candidate(o, Economics(item, o))).ToList();
            var currentCandidate = all.Single(c => c.Offer.Offer.OfferId == current.Offer.OfferId);
            options[item.Id] = (item, currentCandidate, all);
            var shown = all.Where(c => payments.Contains(PaymentOptions.ToSnakeCase(c.Offer.Offer.PaymentOption)) && (terms.Count == 0 || terms.Contains(TermOf(c.Offer.Offer))));
            rows.Add(new LineItemOfferComparisonRowResponse(item.Id, Entry(item, currentCandidate, currentCandidate), [.. shown.Select(c => Entry(item, c, currentCandidate))]));
        }

        var currentTotals = Totals(options.Values.Select(o => o.Current.Economics));
        var targets = terms.Count > 0 ? terms : [.. options.Values.SelectMany(o => o.All).Where(c => payments.Contains(PaymentOptions.ToSnakeCase(c.Offer.Offer.PaymentOption))).Select(c => TermOf(c.Offer.Offer)).Distinct().OrderBy(t => Array.IndexOf(Terms, t))];
        var hypotheticals = new List<HypotheticalTotalResponse>();
        foreach (var term in targets)
        {
            foreach (var payment in payments)
            {
                var landed = LandAll([.. options.Values], term, payment);
                var totals = Totals(landed.Select(l => l.Candidate.Economics));
                hypotheticals.Add(new HypotheticalTotalResponse(
                    term, payment, totals.Financials, totals.Upfront,
                    new HypotheticalDeltaResponse(totals.Net - currentTotals.Net, totals.Cost - currentTotals.Cost, totals.Upfront - currentTotals.Upfront),
                    [.. landed.Select(l => new HypotheticalLineItemResponse(
                        l.Item.Id, TermOf(l.Candidate.Offer.Offer), PaymentOptions.ToSnakeCase(l.Candidate.Offer.Offer.PaymentOption), l.Reason, l.Candidate.Offer.Offer.CommitmentType))]));
            }
        }

        return TypedResults.Ok(new LineItemOfferComparisonResponse(new LineItemOfferComparisonTotalsResponse(currentTotals.Financials, currentTotals.Upfront), hypotheticals, rows));
    }

    /// <summary>The same product on other terms and payment options: same kind, offering class and plan type.</summary>
    private static IEnumerable<CatalogOffer> Alternatives(OfferCatalog catalog, PlanLineItemRecord item, CatalogOffer current) =>
        catalog.OffersFor(current.Offer.Provider, current.Region, current.InstanceType ?? "")
            .Where(o => o.Offer.Kind == current.Offer.Kind && o.OfferingClass == current.OfferingClass && o.PlanType == current.PlanType && o.Offer.Unit == item.Unit)
            .OrderBy(o => o.Offer.TermMonths).ThenBy(o => o.Offer.PaymentOption, StringComparer.Ordinal);

    /// <summary>
    /// Lands every line item on a target term and payment option, in the order given. A line item on its own lands by
    /// the documented fallback (<see cref="Land"/>). The line items of one bundle (<see cref="BundleOf"/>) would be
    /// bought as one commitment, which has one term, so they land together: the bundle's lead, the member with the
    /// largest monthly commitment, lands by the fallback over the terms and payment options every member offers, and a
    /// member whose own landing differs takes the lead's term and payment option with <c>bundle_member</c>. A bundle
    /// never splits across terms.
    /// </summary>
    private static List<(PlanLineItemRecord Item, Candidate Candidate, string Reason)> LandAll(
        List<(PlanLineItemRecord Item, Candidate Current, List<Candidate> All)> lines, string term, string payment)
    {
        var landed = new Dictionary<Guid, (PlanLineItemRecord Item, Candidate Candidate, string Reason)>();
        foreach (var line in lines.Where(l => BundleOf(l.Current) is null))
        {
            landed[line.Item.Id] = Land(line.Item, line.Current, line.All, term, payment);
        }

        foreach (var bundle in lines.Where(l => BundleOf(l.Current) is not null).GroupBy(l => BundleOf(l.Current), StringComparer.Ordinal))
        {
            var members = bundle.ToList();
            var lead = members.OrderByDescending(m => m.Current.Economics.MonthlyCost).ThenBy(m => m.Item.Id).First();
            // Members share their current term and payment option (the bundle key has them), so the current offer is always common.
            var common = members.Select(m => m.All.Select(Shape).ToHashSet()).Aggregate((a, b) => { a.IntersectWith(b); return a; });
            var leading = Land(lead.Item, lead.Current, [.. lead.All.Where(c => common.Contains(Shape(c)))], term, payment);
            landed[lead.Item.Id] = leading;
            foreach (var member in members.Where(m => m.Item.Id != lead.Item.Id))
            {
                var own = Land(member.Item, member.Current, member.All, term, payment);
                landed[member.Item.Id] = Shape(own.Candidate) == Shape(leading.Candidate)
                    ? own
                    : (member.Item, member.All.First(c => Shape(c) == Shape(leading.Candidate)), "bundle_member");
            }
        }

        return [.. lines.Select(l => landed[l.Item.Id])];

        static (int Months, string Payment) Shape(Candidate c) => (c.Offer.Offer.TermMonths, c.Offer.Offer.PaymentOption);
    }

    /// <summary>
    /// The commitment a line item is bought within together with others, or null when it is bought on its own: the
    /// offer's bundle (provider, region, GCP commitment type) with its term and payment option, since line items already
    /// on different terms are different commitments.
    /// </summary>
    private static string? BundleOf(Candidate current) =>
        current.Offer.BundleKey is { } key ? $"{key}/{current.Offer.Offer.TermMonths}/{current.Offer.Offer.PaymentOption}" : null;

    /// <summary>The documented fallback: the target term if offered with the payment option, else the longest shorter one, else the current offer.</summary>
    private static (PlanLineItemRecord Item, Candidate Candidate, string Reason) Land(PlanLineItemRecord item, Candidate current, List<Candidate> all, string term, string payment)
    {
        var samePayment = all.Where(c => PaymentOptions.ToSnakeCase(c.Offer.Offer.PaymentOption) == payment).ToList();
        if (samePayment.FirstOrDefault(c => TermOf(c.Offer.Offer) == term) is { } exact)
        {
            return (item, exact, "exact_match");
        }

        var target = MonthsOf(term);
        return samePayment.Where(c => c.Offer.Offer.TermMonths <= target).MaxBy(c => c.Offer.Offer.TermMonths) is { } shorter
            ? (item, shorter, "fallback_closest_shorter")
            : (item, current, "no_alternative");
    }

    private static LineEconomics Economics(PlanLineItemRecord item, CatalogOffer candidate)
    {
        var offer = candidate.Offer;
        var quantity = (decimal)item.SelectedQuantity;
        var recurring = quantity * offer.HourlyPerUnit * Offer.HoursPerMonth;
        var amortizedUpfront = quantity * offer.UpfrontPerUnit / offer.TermHours * Offer.HoursPerMonth;
        var covered = item.CoveredOnDemandCost * Offer.HoursPerMonth;
        var onDemand = (double)candidate.OnDemandHourlyPerUnit;
        var effective = (double)offer.EffectiveHourlyPerUnit;
        // Breakeven under the plan's average coverage of this line: the same rule as the planner's.
        var usage = Enumerable.Repeat(item.AfterCoveredUnits, offer.TermHours).ToArray();
        var breakeven = CommitmentMath.BreakevenHour(usage, item.SelectedQuantity, onDemand, effective, offer.TermHours);
        return new LineEconomics(
            recurring + amortizedUpfront, recurring, amortizedUpfront, quantity * offer.UpfrontPerUnit, covered,
            onDemand > 0 ? Math.Max(0, 1 - effective / onDemand) : 0, breakeven / 24.0);
    }

    private sealed record Rollup(CommitmentFinancialsResponse Financials, decimal Cost, decimal Net, decimal Upfront);

    private static Rollup Totals(IEnumerable<LineEconomics> lines)
    {
        var list = lines.ToList();
        var recurring = list.Sum(l => l.Recurring);
        var amortized = list.Sum(l => l.AmortizedUpfront);
        var covered = list.Sum(l => l.CoveredOnDemand);
        var cost = recurring + amortized;
        return new Rollup(Financials(recurring, amortized, covered), Round(cost), Round(covered - cost), Round(list.Sum(l => l.Upfront)));
    }

    private static CommitmentFinancialsResponse Financials(decimal recurring, decimal amortizedUpfront, decimal covered)
    {
        var cost = recurring + amortizedUpfront;
        // Native commitments carry no premium: net savings are gross savings.
        return new CommitmentFinancialsResponse(
            new CommitmentCostResponse(Round(cost), new CommitmentCostBreakdownResponse(new CloudProviderCostResponse(Round(cost), new CloudProviderCostBreakdownResponse(Round(recurring), Round(amortizedUpfront))), 0)),
            new CommitmentSavingsResponse(Round(covered - cost), Round(covered - cost)), Round(covered));
    }

    private static OfferComparisonEntryResponse Entry(PlanLineItemRecord item, Candidate candidate, Candidate current)
    {
        var offer = candidate.Offer;
        var e = candidate.Economics;
        var spend = offer.Offer.Kind == OfferKinds.SavingsPlan;
        var amount = spend ? (double)(item.SelectedQuantity * offer.Offer.EffectiveHourlyPerUnit) : item.SelectedQuantity;
        var breakevenDelta = e.BreakevenDays is { } days && current.Economics.BreakevenDays is { } now ? days - now : (double?)null;
        return new OfferComparisonEntryResponse(
            offer.Offer.OfferId == current.Offer.Offer.OfferId, Providers.Plans.PlanGeneration.OfferIdOf(offer.Offer.OfferId), OfferOf(offer), null, amount,
            TermOf(offer.Offer), e.DiscountRate, e.BreakevenDays, Round(e.Upfront), Financials(e.Recurring, e.AmortizedUpfront, e.CoveredOnDemand),
            new OfferComparisonDeltaResponse(Round(e.MonthlyNet - current.Economics.MonthlyNet), Round(e.Upfront - current.Economics.Upfront),
                e.DiscountRate - current.Economics.DiscountRate, breakevenDelta));
    }

    private static CommitmentOfferResponse OfferOf(CatalogOffer o) => new(
        Providers.Plans.PlanGeneration.OfferIdOf(o.Offer.OfferId), o.Offer.Provider, o.Offer.Kind, o.Offer.CommitmentType, o.Region, (long)o.Offer.TermHours * 3600,
        o.InstanceType, o.InstanceFamily, o.OfferingClass, PaymentOptions.ToSnakeCase(o.Offer.PaymentOption), o.PlanType, o.Platform,
        $"{o.Offer.Kind} {o.InstanceType} {o.Offer.TermMonths / 12}y {o.Offer.PaymentOption}", null, o.IsFlexible);

    private static string TermOf(Offer offer) => offer.TermMonths >= 36 ? "three_year" : "one_year";

    /// <summary>Months of a published term name: <c>one_year</c> 12, <c>thirty_day</c> 1, <c>seven_month_gris</c> 7, <c>zero_day</c> 0.</summary>
    private static int MonthsOf(string term)
    {
        var name = term.EndsWith("_gris", StringComparison.Ordinal) ? term[..^5] : term;
        var (count, unit) = name switch
        {
            _ when name.EndsWith("_year", StringComparison.Ordinal) => (name[..^5], 12),
            _ when name.EndsWith("_month", StringComparison.Ordinal) => (name[..^6], 1),
            "thirty_day" => ("one", 1),
            _ => ("zero", 0),
        };
        return Math.Max(0, Array.IndexOf(NumberWords, count)) * unit;
    }

    private static decimal Round(decimal value) => decimal.Round(value, 6);
}
