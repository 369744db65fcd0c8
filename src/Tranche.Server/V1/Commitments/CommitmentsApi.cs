using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Tranche.Data;
using Tranche.Domain.Commitments;
using Tranche.Domain.Querying;
using Tranche.Server.Api;
using Tranche.Server.Auth;

namespace Tranche.Server.V1.Commitments;

/// <summary>A commitment and its performance over the requested window, as published (<c>PublicCommitment</c>).</summary>
[ApiSchema("PublicCommitment")]
public sealed record PublicCommitmentResponse(
    Guid Id,
    string Provider,
    string DisplayName,
    string LeasedDisplayName,
    string ProviderReservationId,
    string? AccountId,
    string? MasterAccountId,
    string? BillingAccountId,
    string Type,
    string? Region,
    long? DurationSeconds,
    string? ReservationEnd,
    string? ReservationStart,
    DateTime? TransferReservationStart,
    DateTime? TransferReservationEnd,
    DateTime? StartDate,
    DateTime? EndDate,
    string Status,
    bool IsLeased,
    bool IsActive,
    LeaseMenuItemResponse? Lease,
    DateTime? LeaseStart,
    DateTime? LeaseLockinDate,
    decimal UpfrontCost,
    decimal RecurringCost,
    bool? IsFlexible,
    string? PaymentOption,
    string? OfferingClass,
    string? OfferingId,
    int? InstanceCount,
    int? EffectiveInstanceCount,
    string? ProductDescription,
    string? InstanceFamily,
    string? InstanceType,
    string? Tenancy,
    string? Az,
    bool? IsMultiAz,
    string? PlanType,
    string? Scope,
    string? Name,
    string? OrderId,
    string? ResourceGroup,
    bool? InstanceFlexibility,
    decimal? Savings,
    decimal? MonthlySavings,
    decimal? NetSavings,
    double? Utilization,
    decimal? PotentialSavings,
    double? RunningHours,
    decimal? AmortizedCost,
    IReadOnlyList<DailyUtilizationResponse> DailyUtilizations);

/// <summary>A guarantee wrapped around a commitment (<c>LeaseMenuItem</c>); native commitments have none.</summary>
[ApiSchema("LeaseMenuItem")]
public sealed record LeaseMenuItemResponse(Guid Id, string FeeType, double FeeRate, bool IsRebate, int LockinMonths, int TermMonths);

/// <summary>One day of a commitment (<c>DailyUtilization</c>).</summary>
[ApiSchema("DailyUtilization")]
public sealed record DailyUtilizationResponse(
    DateOnly Date,
    double ReservationUtilization,
    decimal CoveredCost,
    decimal Cost,
    decimal? PotentialSavings,
    double? RunningHours,
    decimal Savings,
    decimal UnutilizedCommit,
    decimal GriFees,
    decimal NetSavings);

[ApiSchema("IdsResponse")]
public sealed record IdsResponse(IReadOnlyList<string> Ids);

/// <summary>One point of the commitments chart (<c>DataPoint</c>).</summary>
[ApiSchema("DataPoint")]
public sealed record DataPointResponse(
    string Date,
    decimal RemainingCommit,
    decimal LockedCommit,
    decimal UnlockedCommit,
    decimal Savings,
    decimal NetSavings,
    double Utilization,
    decimal UnutilizedCommit,
    bool IsProjection);

[ApiSchema("PubChartResponse")]
public sealed record PubChartResponse(IReadOnlyList<DataPointResponse> Data);

/// <summary>
/// The commitment inventory: <c>GET /v1/org/{org_id}/commitments</c>, <c>.../ids</c> and <c>.../chart</c>. Every
/// commitment billing data, a provider sync or a purchase reported appears once, with its figures over the window.
/// </summary>
internal static class CommitmentsApi
{
    public static readonly string[] Providers = ["aws", "azure", "gcp", "kubernetes", "unknown"];

    private const string WindowNote =
        " `savings`, `net_savings` and `potential_savings` are sums over the window (`start_date` to `end_date`, both included); " +
        "`monthly_savings`, `amortized_cost` and `recurring_cost` are rates per 730-hour month (amortized over the window's hours in force, " +
        "or from the price when billing data has none yet); `upfront_cost` is the one-time amount; `utilization` is used over purchased units in the window " +
        "(null when the window has no billing data for it); `daily_utilizations` lists the window's days with billing data.";

    public static void MapCommitments(this IEndpointRouteBuilder routes)
    {
        var commitments = routes.MapGroup("/v1/org/{org_id}/commitments").ForOrg().WithTags("Commitments").WithApiErrors();

        commitments.MapGet("", List)
            .WithSummary("/commitments")
            .WithDescription("Commitments (Reserved Instances, Savings Plans, Azure reservations, GCP committed use discounts) of the provider, with status now and performance over the window. `search` matches names, ids, accounts, type, region, instance type and description (case-insensitive). `order_by` sorts (nulls last; default `end_date`, `desc` default true); paged by `page` and `page_size` (1 to 10,000, default 10), totals in `X-Pagination`." + WindowNote + "\n\n" + FilterGrammar)
            .Produces<PublicCommitmentResponse[]>();

        commitments.MapGet("/ids", Ids)
            .WithSummary("Ids of the commitments a query selects")
            .WithDescription("The same selection as `/commitments`, in the same order, without paging.\n\n" + FilterGrammar)
            .Produces<IdsResponse>();

        commitments.MapGet("/chart", Chart)
            .WithSummary("/commitments/chart")
            .WithDescription(
                $"Points per day for ranges up to {CommitmentChart.DailyPointsUpTo} days, per calendar month beyond (a month's point is dated its first day in the range). " +
                "`savings`, `net_savings` and `unutilized_commit` are sums over the point's days; `utilization` is the cost-weighted share of commitment cost that was used; " +
                "`remaining_commit` is what the commitments still cost from the point's date to their ends (all of it `locked_commit` for native commitments, which cannot be handed back). " +
                $"Points after today have `is_projection: true`: each commitment in force goes on as over its last {CommitmentChart.RecentDays} days of billing data until its end date.\n\n" + FilterGrammar)
            .Produces<PubChartResponse>();
    }

    private static string FilterGrammar => "**filter**: " + FieldFilter.Grammar;

    private sealed record Selection(string Provider, DateOnly From, DateOnly To, string? Search, string? Filter, string OrderBy, bool Descending);

    private static Selection ReadSelection(QueryArgs query, bool withOrder)
    {
        var provider = query.OneOf("provider", Providers, required: true);
        var from = query.Date("start_date");
        var to = query.Date("end_date");
        var search = withOrder ? query.String("search", maxLength: 200) : null;
        var filter = query.String("filter", maxLength: 20_000);
        var desc = withOrder ? query.Bool("desc", true) : true;
        var orderBy = withOrder ? query.OneOf("order_by", [.. CommitmentView.SortKeys.Keys], defaultValue: "end_date") : "null";
        if (from != default && to != default && to < from)
        {
            query.Fail("start_date", $"Must not be after end_date ({to:yyyy-MM-dd}).");
            query.Fail("end_date", $"Must not be before start_date ({from:yyyy-MM-dd}).");
        }

        return new Selection(provider ?? "", from, to, search, filter, orderBy ?? "end_date", desc);
    }

    private static async Task<IResult> List(HttpContext context, TrancheDbContext db, InventoryStore store, AnswerCache answers, TimeProvider time)
    {
        var query = new QueryArgs(context.Request);
        var selection = ReadSelection(query, withOrder: true);
        var page = query.Int("page", 1, 1, int.MaxValue);
        var pageSize = query.Int("page_size", 10, 1, 10_000);
        var (snapshot, listing, listingKey) = await SelectAsync(context, db, store, time, query, selection);
        var orgId = context.Org().OrgId;
        var answerKey = $"list\u001f{listingKey}\u001f{page}\u001f{pageSize}";
        if (answers.TryGet(orgId, snapshot.Version, answerKey, out var kept))
        {
            return new KeptAnswer(kept);
        }

        var offset = PaginationMetadata.Offset(page, pageSize);
        var views = listing.Views.Skip(offset).Take(pageSize).ToList();
        var estimate = 2 + views.Sum(v => 2_000 + 400L * v.Window.Days);
        var pagination = PaginationMetadata.For(listing.Views.Length, page, pageSize);
        if (!answers.Enabled || estimate > AnswerCache.LargestKeptAnswer)
        {
            // Too large to keep: written as it is made.
            pagination.WriteTo(context.Response);
            return new CommitmentJson.Page(views, selection.From, selection.To);
        }

        var body = new ArrayBufferWriter<byte>((int)Math.Max(256, estimate));
        using (var writer = CommitmentJson.CreateWriter(body))
        {
            writer.WriteStartArray();
            foreach (var view in views)
            {
                CommitmentJson.Write(writer, view, selection.From, selection.To);
            }

            writer.WriteEndArray();
        }

        var answer = new AnswerCache.Answer(body.WrittenSpan.ToArray(), pagination.ToHeaderValue());
        answers.Keep(orgId, snapshot.Version, answerKey, answer);
        return new KeptAnswer(answer);
    }

    private sealed class KeptAnswer(AnswerCache.Answer answer) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => AnswerCache.SendAsync(httpContext, answer);
    }

    private static async Task<IResult> Ids(HttpContext context, TrancheDbContext db, InventoryStore store, TimeProvider time)
    {
        var query = new QueryArgs(context.Request);
        var selection = ReadSelection(query, withOrder: true);
        var (_, listing, _) = await SelectAsync(context, db, store, time, query, selection);
        return TypedResults.Ok(new IdsResponse([.. listing.Views.Select(v => v.Item.Id.ToString())]));
    }

    private static async Task<IResult> Chart(HttpContext context, TrancheDbContext db, InventoryStore store, AnswerCache answers, TimeProvider time)
    {
        var query = new QueryArgs(context.Request);
        var selection = ReadSelection(query, withOrder: false);
        if (selection.To.DayNumber - selection.From.DayNumber > 3660)
        {
            query.Fail("end_date", "The chart covers at most ten years.");
        }

        var (snapshot, listing, listingKey) = await SelectAsync(context, db, store, time, query, selection);
        var orgId = context.Org().OrgId;
        if (answers.TryGet(orgId, snapshot.Version, "chart\u001f" + listingKey, out var kept))
        {
            return new KeptAnswer(kept);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var commitments = listing.Views.Select(v => new ChartCommitment(v.Item.Days, v.Item.Start, v.Item.End, v.Item.ScheduledHourlyCost, v.IsActive)).ToList();
        var points = CommitmentChart.Build(commitments, selection.From, selection.To, DateOnly.FromDateTime(now));
        var chart = new PubChartResponse([.. points.Select(p => new DataPointResponse(
            p.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), ApiMoney.Of(p.RemainingCommit), ApiMoney.Of(p.LockedCommit), ApiMoney.Of(p.UnlockedCommit),
            ApiMoney.Of(p.Savings), ApiMoney.Of(p.NetSavings), p.Utilization, ApiMoney.Of(p.UnutilizedCommit), p.IsProjection))]);
        var answer = new AnswerCache.Answer(JsonSerializer.SerializeToUtf8Bytes(chart, ApiJson.Options), null);
        answers.Keep(orgId, snapshot.Version, "chart\u001f" + listingKey, answer);
        return new KeptAnswer(answer);
    }

    /// <summary>Validates the query, then picks and orders the provider's commitments (kept for the next page of the same listing).</summary>
    private static async Task<(InventorySnapshot Snapshot, InventoryListing Listing, string Key)> SelectAsync(
        HttpContext context, TrancheDbContext db, InventoryStore store, TimeProvider time, QueryArgs query, Selection selection)
    {
        Func<CommitmentView, bool> predicate = _ => true;
        try
        {
            predicate = FieldFilter.Parse(selection.Filter, CommitmentView.FilterFields);
        }
        catch (FieldFilterException e)
        {
            query.Fail("filter", e.Message);
        }

        query.ThrowIfInvalid();
        var snapshot = await store.GetAsync(db, context.Org().OrgId, context.RequestAborted);
        var now = time.GetUtcNow().UtcDateTime;
        // Statuses move with the clock, so a kept listing is good for the hour it was made in.
        var key = string.Join('\u001f', selection.Provider, selection.From.DayNumber, selection.To.DayNumber, selection.Search?.Trim().ToLowerInvariant(),
            selection.Filter, selection.OrderBy, selection.Descending, now.Ticks / TimeSpan.TicksPerHour);
        var listing = snapshot.Listing(key, () =>
        {
            var window = snapshot.Window(selection.From, selection.To);
            var term = selection.Search?.Trim().ToLowerInvariant();
            var views = new List<CommitmentView>();
            for (var i = 0; i < snapshot.Items.Count; i++)
            {
                var item = snapshot.Items[i];
                if (item.Provider != selection.Provider || (!string.IsNullOrEmpty(term) && !item.SearchText.Contains(term, StringComparison.Ordinal)))
                {
                    continue;
                }

                var view = new CommitmentView(item, window[i], selection.From, selection.To, now);
                if (predicate(view))
                {
                    views.Add(view);
                }
            }

            var sortKey = CommitmentView.SortKeys[selection.OrderBy];
            var keys = views.Select(v => sortKey(v)).ToArray();
            var order = Enumerable.Range(0, views.Count).ToArray();
            Array.Sort(order, (a, b) =>
            {
                // Nulls last in either direction; ties by id so pages never overlap.
                var (x, y) = (keys[a], keys[b]);
                var compare = x is null ? (y is null ? 0 : 1) : y is null ? -1 : selection.Descending ? y.CompareTo(x) : x.CompareTo(y);
                return compare != 0 ? compare : views[a].Item.Id.CompareTo(views[b].Item.Id);
            });
            return new InventoryListing([.. order.Select(o => views[o])]);
        });
        return (snapshot, listing, key);
    }

    /// <summary>The published record of a commitment: the contract <see cref="CommitmentJson"/> writes by hand (tests compare them).</summary>
    internal static PublicCommitmentResponse ToResponse(CommitmentView view, DateOnly from, DateOnly to)
    {
        var item = view.Item;
        var days = new List<DailyUtilizationResponse>(view.Window.Days);
        foreach (var day in item.Days.Between(from, to))
        {
            var savings = ApiMoney.Of(day.Savings);
            days.Add(new DailyUtilizationResponse(
                day.Day, day.Utilization, ApiMoney.Of(day.CoveredOnDemand), ApiMoney.Of(day.Cost), day.PotentialSavings is { } potential ? ApiMoney.Of(potential) : null,
                item.HoursInForce(day.Day), savings, ApiMoney.Of(day.UnusedCost), 0, savings));
        }

        var reservationStart = item.HasTerms ? item.Start?.ToString("O", CultureInfo.InvariantCulture) : null;
        var reservationEnd = item.HasTerms ? item.End?.ToString("O", CultureInfo.InvariantCulture) : null;
        return new PublicCommitmentResponse(
            item.Id, item.Provider, item.DisplayName, item.DisplayName, item.ProviderCommitmentId, item.AccountId, item.BillingAccountId, item.BillingAccountId,
            item.Type, item.RegionId, item.DurationSeconds, reservationEnd, reservationStart, null, null, item.Start, item.End, view.Status, false, view.IsActive,
            null, null, null, ApiMoney.Round(item.UpfrontCost), ApiMoney.Round(view.RecurringCost), item.IsFlexible, item.PaymentOption, item.OfferingClass,
            item.OfferingId, item.InstanceCount, view.IsActive ? item.InstanceCount : null, item.ProductDescription, item.InstanceFamily, item.InstanceType,
            item.Tenancy, item.AvailabilityZone, item.IsMultiAz, item.PlanType, item.Scope, item.Name, item.OrderId, item.ResourceGroup, item.IsFlexible,
            ApiMoney.Round(view.Savings), ApiMoney.Round(view.MonthlySavings), ApiMoney.Round(view.Savings), view.Utilization, ApiMoney.Round(view.PotentialSavings),
            view.RunningHours,
            ApiMoney.Round(view.AmortizedCost), days);
    }
}

/// <summary>Money on the wire: exact stored amounts without trailing zeros; computed rates rounded to a billionth.</summary>
internal static class ApiMoney
{
    public static decimal Of(long nanoUnits) => Normalize(Money.FromNanoUnits(nanoUnits));

    public static decimal Round(decimal value) => Normalize(decimal.Round(value, 9, MidpointRounding.AwayFromZero));

    public static decimal? Round(decimal? value) => value is { } v ? Round(v) : null;

    /// <summary>Drops trailing zeros (12.340000000 becomes 12.34): dividing by one with a long scale keeps only the digits needed.</summary>
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;
}
