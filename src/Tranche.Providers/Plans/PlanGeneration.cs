using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;
using Tranche.Domain.Billing;
using Tranche.Domain.Offers;
using Tranche.Domain.Planning;
using Tranche.Providers.Offerings;

namespace Tranche.Providers.Plans;

/// <summary>
/// Computes an org's commitment plans for one provider from its billing facts and the offer catalog, and stores them
/// as the current plans (the previous ones are kept, marked superseded, since purchases may point at them; those nobody
/// acted on are cancelled).
/// </summary>
/// <remarks>
/// Pools are instance types per region (accounts pooled: Reserved Instances and Savings Plans apply across the
/// accounts of one billing family), in instance-hours. Usage that commitments cover today stays in the history; the
/// commitments themselves are passed on with their end dates, so coverage that expires during the new terms is planned
/// for. The on-demand rate is what the billing data paid on demand per hour, or the catalog's list price.
/// </remarks>
public static class PlanGeneration
{
    /// <summary>History read for each pool: the planner looks at the last lookback days for sizing and further back for how long usage lasted.</summary>
    public const int HistoryDays = 365;

    /// <summary>What planning reads of a commitment the org holds; <see cref="Live"/> is false once cancelled or removed.</summary>
    private sealed record HeldCommitment(
        string ProviderCommitmentId, string? RegionId, string? InstanceType, string Unit, double Quantity, DateTime StartsAt, DateTime EndsAt, bool Live,
        decimal RecurringHourlyCost, decimal UpfrontCost);

    private sealed class PoolSeries(string key, string region, string instanceType, DateOnly first, int days)
    {
        public string Key { get; } = key;

        public string Region { get; } = region;

        public string InstanceType { get; } = instanceType;

        public DateOnly First { get; } = first;

        public double[] Quantity { get; } = new double[days * 24];

        public double OnDemandCost { get; set; }

        public double OnDemandQuantity { get; set; }

        public Dictionary<Guid, double> CoveredByCommitment { get; } = [];
    }

    /// <summary>
    /// The provider's current plans, computed first when there are none or billing data newer than they are has been
    /// loaded since. Two requests racing to compute both store a set; the later one supersedes the earlier.
    /// </summary>
    public static async Task<IReadOnlyList<CommitmentPlanRecord>> CurrentAsync(
        TrancheDbContext db, Guid orgId, string provider, OfferCatalogs catalogs, DateTime now, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.ForAsync(db, orgId, provider, cancellationToken);
        var current = await db.CommitmentPlans.AsNoTracking()
            .Where(p => p.Provider == provider && p.SupersededAt == null)
            .ToListAsync(cancellationToken);
        var loadedAt = await db.BillingPeriods.Where(p => p.Provider == provider).MaxAsync(p => (DateTime?)p.LoadedAt, cancellationToken);
        if (loadedAt is null)
        {
            return [];
        }

        if (current.Count == 0 || current.Any(p => p.DataLoadedAt < loadedAt || p.CatalogVersion != catalog.Version))
        {
            current = [.. await ComputeAsync(db, orgId, provider, catalogs, new PlanSettings(), now, cancellationToken)];
        }

        return [.. current.OrderBy(p => p.Kind switch { PlanKinds.Recommended => 0, PlanKinds.Balanced => 1, _ => 2 })];
    }

    public static async Task<IReadOnlyList<CommitmentPlanRecord>> ComputeAsync(
        TrancheDbContext db, Guid orgId, string provider, OfferCatalogs catalogs, PlanSettings settings, DateTime now, CancellationToken cancellationToken)
    {
        var catalog = await catalogs.ForAsync(db, orgId, provider, cancellationToken);
        var loadedAt = await db.BillingPeriods.Where(p => p.Provider == provider).MaxAsync(p => (DateTime?)p.LoadedAt, cancellationToken);
        var pools = await db.UsagePools.AsNoTracking()
            .Where(p => p.Provider == provider && p.InstanceType != null && p.RegionId != null)
            .Select(p => new { p.Id, p.InstanceType, p.RegionId })
            .ToListAsync(cancellationToken);
        var lastDay = await db.UsageDays.Where(d => pools.Select(p => p.Id).Contains(d.PoolId)).MaxAsync(d => (DateOnly?)d.Day, cancellationToken);
        if (loadedAt is null || lastDay is null)
        {
            return [];
        }

        var planAt = lastDay.Value.AddDays(1);
        var first = planAt.AddDays(-HistoryDays);
        var series = new Dictionary<string, PoolSeries>(StringComparer.Ordinal);
        var poolOf = new Dictionary<Guid, PoolSeries>();
        foreach (var pool in pools)
        {
            if (catalog.Find(provider, pool.RegionId!, pool.InstanceType!) is null)
            {
                continue;
            }

            var key = $"{provider}/{pool.RegionId}/{pool.InstanceType}";
            if (!series.TryGetValue(key, out var s))
            {
                series[key] = s = new PoolSeries(key, pool.RegionId!, pool.InstanceType!, first, HistoryDays);
            }

            poolOf[pool.Id] = s;
        }

        var poolIds = poolOf.Keys.ToList();
        var days = await db.UsageDays.AsNoTracking()
            .Where(d => poolIds.Contains(d.PoolId) && d.Day >= first && d.Day < planAt)
            .Select(d => new { d.PoolId, d.Day, d.HourlyQuantity, d.ListCost, d.Quantity })
            .ToListAsync(cancellationToken);
        foreach (var day in days)
        {
            var s = poolOf[day.PoolId];
            var hours = HourlyValues.Decode(day.HourlyQuantity).Values;
            var offset = (day.Day.DayNumber - first.DayNumber) * 24;
            for (var h = 0; h < 24; h++)
            {
                s.Quantity[offset + h] += hours[h];
            }

            if (day.Day >= planAt.AddDays(-settings.LookbackDays))
            {
                s.OnDemandCost += (double)day.ListCost;
                s.OnDemandQuantity += day.Quantity;
            }
        }

        // Coverage by today's commitments, per commitment, over the last week: what each one takes off each pool per hour.
        var recent = planAt.AddDays(-7);
        var coverage = await db.CommitmentCoverage.AsNoTracking()
            .Where(c => poolIds.Contains(c.PoolId) && c.Day >= recent && c.Day < planAt)
            .Select(c => new { c.PoolId, c.CommitmentId, c.CoveredQuantity })
            .ToListAsync(cancellationToken);
        foreach (var row in coverage)
        {
            var s = poolOf[row.PoolId];
            s.CoveredByCommitment[row.CommitmentId] = s.CoveredByCommitment.GetValueOrDefault(row.CommitmentId) + row.CoveredQuantity / (7 * 24.0);
        }

        var billed = await db.BilledCommitments.AsNoTracking().Select(b => new { b.Id, b.ProviderCommitmentId }).ToDictionaryAsync(b => b.Id, b => b.ProviderCommitmentId, cancellationToken);
        // The provider's commitments, read once: their end dates, what those in force cost, and those the bill has not shown yet.
        var commitments = (await db.Commitments.AsNoTracking().Where(c => c.Provider == provider)
            .Select(c => new { c.ProviderCommitmentId, c.RegionId, c.InstanceType, c.Unit, c.InstanceCount, c.Quantity, c.StartsAt, c.EndsAt, c.ProviderState, c.RecurringHourlyCost, c.UpfrontCost })
            .ToListAsync(cancellationToken))
            .Select(c => new HeldCommitment(c.ProviderCommitmentId, c.RegionId, c.InstanceType, c.Unit, c.InstanceCount ?? c.Quantity, c.StartsAt, c.EndsAt,
                c.ProviderState is not (ProviderCommitmentStates.Cancelled or ProviderCommitmentStates.Removed), c.RecurringHourlyCost, c.UpfrontCost))
            .ToList();
        var ends = commitments.ToDictionary(c => c.ProviderCommitmentId, c => c.EndsAt, StringComparer.Ordinal);
        var planAtTime = planAt.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var unbilled = UnbilledCoverage(provider, commitments.Where(c => c.Live && c.EndsAt > planAtTime),
            coverage.Select(c => c.CommitmentId).Distinct().Where(billed.ContainsKey).Select(id => billed[id]));

        // What the commitments in force at the plan time cost per hour, recurring fee plus upfront spread over the term:
        // paid before the plan and after it alike.
        var inForce = commitments.Where(c => c.Live && c.StartsAt <= planAtTime && c.EndsAt > planAtTime);
        var reservedHourly = inForce.Sum(c => (double)c.RecurringHourlyCost + (double)c.UpfrontCost / Math.Max(1, (c.EndsAt - c.StartsAt).TotalHours));
        var request = new PlanRequest(planAtTime, [.. series.Values.Select(s => new PoolUsage(
            s.Key,
            s.First.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            s.Quantity,
            s.OnDemandQuantity > 0 ? s.OnDemandCost / s.OnDemandQuantity : (double)catalog.OnDemandHourly(provider, s.Region, s.InstanceType)!.Value,
            [.. catalog.OffersFor(provider, s.Region, s.InstanceType).Where(o => o.Offer.Unit == OfferUnits.InstanceHours).Select(o => o.Offer)],
            [.. s.CoveredByCommitment.Where(c => c.Value > 0).Select(c => new ExistingCommitment(
                c.Value,
                billed.TryGetValue(c.Key, out var id) && ends.TryGetValue(id, out var end) ? end : DateTime.MaxValue)),
             .. unbilled.GetValueOrDefault(s.Key, [])]))], settings);
        var plans = Planner.Plan(request);

        // The new set replaces the current one in one transaction, begun only now that the planning is done: readers
        // see the old set or the new one, never neither.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var cancelled = await SupersedeAsync(db, orgId, provider, now, cancellationToken);

        var records = new List<CommitmentPlanRecord>();
        // What each pool runs beyond today's coverage over the lookback: the base of every plan's hourly figures.
        var uncovered = series.Values.ToDictionary(s => s.Key, s => Uncovered(s, settings.LookbackDays * 24));
        foreach (var plan in plans.Defaults)
        {
            var (record, lines) = ToRecords(orgId, provider, plan, plans, uncovered, request, catalog, settings, planAt, loadedAt.Value, reservedHourly, now);
            db.CommitmentPlans.Add(record);
            db.PlanLineItems.AddRange(lines);
            records.Add(record);
        }

        // Saved with the plans, so subscribers hear of exactly the plan sets that were stored.
        var recommended = records.FirstOrDefault(r => r.IsRecommended);
        db.RaiseEvent(orgId, OrgEventTypes.PlanUpdated, new
        {
            provider,
            plan_ids = records.Select(r => r.Id),
            cancelled_plan_ids = cancelled,
            recommended_plan_id = recommended?.Id,
            expected_savings = recommended is null ? null : new
            {
                monthly_savings = recommended.MonthlySavings,
                expected_net_savings = recommended.ExpectedNetSavings,
                loss_probability = recommended.LossProbability,
            },
            plans = records.Select(r => new { id = r.Id, name = r.Name, kind = r.Kind, monthly_savings = r.MonthlySavings, expected_net_savings = r.ExpectedNetSavings }),
            data_to = records.FirstOrDefault()?.DataTo,
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return records;
    }

    /// <summary>
    /// Instance commitments in force (or bought to start) that billing has not shown covering anything yet, by pool:
    /// a purchase made an hour ago appears in the bill a day or so later, and until then the plan must still count it,
    /// or the next plan (and the next automation run) would buy the same units again.
    /// </summary>
    /// <remarks>
    /// Spend commitments (Savings Plans, flexible CUDs) and bundles over several machine types name no single pool;
    /// they are counted once billing shows what they cover.
    /// </remarks>
    private static Dictionary<string, List<ExistingCommitment>> UnbilledCoverage(string provider, IEnumerable<HeldCommitment> live, IEnumerable<string> billedInWeek)
    {
        var seen = billedInWeek.ToHashSet(StringComparer.Ordinal);
        return live.Where(c => c.InstanceType != null && c.RegionId != null && c.Unit == "Hours" && !seen.Contains(c.ProviderCommitmentId))
            .GroupBy(c => $"{provider}/{c.RegionId}/{c.InstanceType}", StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => new ExistingCommitment(c.Quantity, c.EndsAt)).ToList(), StringComparer.Ordinal);
    }

    /// <summary>
    /// Marks the provider's current plans superseded, and cancels the superseded plans nobody acted on.
    /// </summary>
    /// <remarks>
    /// Cancelling is one conditional update on the status, not a read and a write: a purchase that started on one of
    /// these plans a moment ago has already moved it to <c>in_progress</c>, and then the plan keeps that status (and
    /// its purchase goes on). It covers every superseded plan of the provider, so plans replaced before plans were
    /// cancelled this way are cancelled too at the next computation.
    /// </remarks>
    /// <returns>The plans this computation replaced that are now cancelled (read after the update, so a plan a purchase took a moment ago is not among them).</returns>
    private static async Task<List<Guid>> SupersedeAsync(TrancheDbContext db, Guid orgId, string provider, DateTime now, CancellationToken cancellationToken)
    {
        var ofProvider = db.CommitmentPlans.Where(p => p.OrgId == orgId && p.Provider == provider);
        var replaced = await ofProvider.Where(p => p.SupersededAt == null).Select(p => p.Id).ToListAsync(cancellationToken);
        await ofProvider.Where(p => p.SupersededAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.SupersededAt, now), cancellationToken);
        await ofProvider.Where(p => p.SupersededAt != null && PlanStatuses.NotActedOn.Contains(p.Status))
            .ExecuteUpdateAsync(set => set.SetProperty(p => p.Status, PlanStatuses.Cancelled), cancellationToken);
        return await ofProvider.Where(p => replaced.Contains(p.Id) && p.Status == PlanStatuses.Cancelled).Select(p => p.Id).ToListAsync(cancellationToken);
    }

    private static (CommitmentPlanRecord, List<PlanLineItemRecord>) ToRecords(
        Guid orgId, string provider, Plan plan, PlanSet set, Dictionary<string, double[]> uncoveredByPool, PlanRequest request, OfferCatalog catalog,
        PlanSettings settings, DateOnly planAt, DateTime loadedAt, double reservedHourly, DateTime now)
    {
        var planId = Guid.CreateVersion7(now);
        var usage = request.Pools.ToDictionary(p => p.Pool);
        var lines = new List<PlanLineItemRecord>();
        // Before the plan: what the pools pay on demand now (usage beyond today's coverage), per hour of the lookback,
        // and what the commitments in force cost (reservedHourly), which the plan leaves as it is.
        var beforeOnDemand = request.Pools.Sum(p => uncoveredByPool[p.Pool].Average() * p.OnDemandRate);
        double coveredOnDemand = 0;

        foreach (var group in plan.LineItems.GroupBy(l => l.Pool))
        {
            var pool = usage[group.Key];
            var uncovered = uncoveredByPool[group.Key];
            var before = uncovered.Average() * pool.OnDemandRate;
            // Cheapest first: each line covers what the cheaper lines before it left.
            var level = 0.0;
            foreach (var line in group.OrderBy(l => l.Offer.EffectiveHourlyPerUnit))
            {
                var coveredUnits = uncovered.Average(u => Math.Clamp(u - level, 0, line.Quantity));
                level += line.Quantity;
                coveredOnDemand += coveredUnits * pool.OnDemandRate;
                lines.Add(ToLine(orgId, planId, line, pool, catalog, coveredUnits, before, uncovered));
            }
        }

        var amortized = plan.LineItems.Sum(l => l.Quantity * (double)l.Offer.EffectiveHourlyPerUnit);
        var recurring = plan.LineItems.Sum(l => l.Quantity * (double)l.Offer.HourlyPerUnit);
        var savingsHourly = coveredOnDemand - amortized;
        var totalSavings = lines.Sum(l => l.TotalSavings);
        var record = new CommitmentPlanRecord
        {
            Id = planId,
            OrgId = orgId,
            Provider = provider,
            Name = plan.Name,
            Description = Describe(plan, set, lines.Count),
            Kind = plan.Name switch { PlanNames.Recommended => PlanKinds.Recommended, PlanNames.Balanced => PlanKinds.Balanced, _ => PlanKinds.HighSavings },
            Status = PlanStatuses.New,
            IsRecommended = plan == set.Recommended,
            CreatedAt = now,
            DataFrom = planAt.AddDays(-settings.LookbackDays),
            DataTo = planAt.AddDays(-1),
            DataLoadedAt = loadedAt,
            CatalogVersion = catalog.Version,
            Settings = JsonSerializer.Serialize(new
            {
                lookback_days = settings.LookbackDays,
                uptime_threshold = settings.UptimeThreshold,
                risk_limit = settings.RiskLimit,
                paths = settings.Paths,
                seed = settings.Seed,
                coverage_target = plan.CoverageTarget,
                survival_exponent = set.Survival.Exponent,
                survival_hazard_per_year = set.Survival.HazardPerYear,
                survival_evidence_weeks = set.Survival.Observations,
                survival_evidence_days = double.IsFinite(set.Survival.EvidenceHours) ? (int)(set.Survival.EvidenceHours / 24) : 0,
            }),
            MaxTerm = plan.LineItems.Count == 0 ? null : plan.LineItems.Max(l => l.Offer.TermMonths) >= 36 ? "3_YEAR" : "1_YEAR",
            CoveredOnDemandCostHourly = Money.FromDouble(coveredOnDemand),
            BeforeOnDemandCostHourly = Money.FromDouble(beforeOnDemand),
            BeforeReservedCostHourly = Money.FromDouble(reservedHourly),
            AmortizedCostHourly = Money.FromDouble(amortized),
            RecurringCostHourly = Money.FromDouble(recurring),
            UpfrontCostHourly = Money.FromDouble(amortized - recurring),
            BeforeCostHourly = Money.FromDouble(beforeOnDemand + reservedHourly),
            AfterCostHourly = Money.FromDouble(beforeOnDemand - coveredOnDemand + amortized + reservedHourly),
            TotalCostHourly = Money.FromDouble(beforeOnDemand - coveredOnDemand + amortized + reservedHourly),
            SavingsHourly = Money.FromDouble(savingsHourly),
            FeeHourly = 0,
            CommitmentCoverage = plan.Totals.CoverageAfter,
            MinimumCommitmentCost = Money.FromDouble(plan.LineItems.Sum(l => l.TermCost)),
            // A plan that does not pay for itself within its terms breaks even no sooner than its longest term ends.
            BreakevenHours = plan.Totals.BreakevenHours ?? (plan.LineItems.Count == 0 ? 0 : plan.LineItems.Max(l => l.Offer.TermHours)),
            TotalSavings = totalSavings,
            MonthlySavings = Money.FromDouble(savingsHourly * Offer.HoursPerMonth),
            TotalMonthlyBeforeCost = Money.FromDouble((beforeOnDemand + reservedHourly) * Offer.HoursPerMonth),
            ExpectedNetSavings = Money.FromDouble(plan.Risk.ExpectedNetSavings),
            LossProbability = plan.Risk.LossProbability,
            TailSavings = Money.FromDouble(plan.Risk.TailSavings5Percent),
            ExpectedUtilization = plan.Risk.ExpectedUtilization,
            SimulatedPaths = plan.Risk.Paths,
        };
        return (record, lines);
    }

    private static PlanLineItemRecord ToLine(
        Guid orgId, Guid planId, PlanLineItem line, PoolUsage pool, OfferCatalog catalog, double coveredUnits, double beforeOnDemand, double[] uncovered)
    {
        var offer = line.Offer;
        var attributes = catalog.FindOffer(offer.OfferId);
        var quantity = (int)Math.Round(line.Quantity);
        var effective = (double)offer.EffectiveHourlyPerUnit;
        var amortized = line.Quantity * effective;
        var coveredCost = coveredUnits * pool.OnDemandRate;
        var savings = coveredCost - amortized;
        var spend = offer.Kind == OfferKinds.SavingsPlan;
        var breakeven = CommitmentMath.BreakevenHour(uncovered, line.Quantity, pool.OnDemandRate, effective, offer.TermHours);
        return new PlanLineItemRecord
        {
            Id = Guid.CreateVersion7(),
            OrgId = orgId,
            PlanId = planId,
            PoolKey = line.Pool,
            AccountId = null,
            OfferId = OfferIdOf(offer.OfferId),
            ProviderOfferingId = offer.OfferId,
            OfferType = offer.Kind,
            CommitmentType = offer.CommitmentType,
            DisplayName = $"{(spend ? "Savings Plan" : offer.Kind == OfferKinds.CommittedUseDiscount ? "CUD" : "RI")} {attributes?.InstanceType} {offer.TermMonths / 12}y {offer.PaymentOption}",
            RegionId = attributes?.Region,
            InstanceType = attributes?.InstanceType,
            InstanceFamily = attributes?.InstanceFamily,
            ProductDescription = attributes?.Platform,
            Tenancy = attributes?.Tenancy,
            PlanType = attributes?.PlanType,
            OfferingClass = attributes?.OfferingClass,
            IsFlexible = attributes?.IsFlexible,
            TermMonths = offer.TermMonths,
            PaymentOption = offer.PaymentOption,
            UpfrontPerUnit = offer.UpfrontPerUnit,
            HourlyPerUnit = offer.HourlyPerUnit,
            Unit = offer.Unit,
            RecommendedQuantity = quantity,
            SelectedQuantity = quantity,
            RecommendedCommitment = spend ? Money.FromDouble(amortized) : 0,
            SelectedCommitment = spend ? Money.FromDouble(amortized) : 0,
            IsSelected = true,
            AfterAmortizedCost = Money.FromDouble(amortized),
            UpfrontCost = Money.FromDouble(line.UpfrontCost),
            RecurringCost = Money.FromDouble(line.Quantity * (double)offer.HourlyPerUnit),
            BeforeCost = Money.FromDouble(beforeOnDemand),
            BeforeOnDemandCost = Money.FromDouble(beforeOnDemand),
            BeforeReservedCost = 0,
            CoveredOnDemandCost = Money.FromDouble(coveredCost),
            AfterCoveredUnits = coveredUnits,
            TotalCost = Money.FromDouble(line.TermCost),
            MonthlyCost = Money.FromDouble(line.MonthlyCost),
            Savings = Money.FromDouble(savings),
            MonthlySavings = Money.FromDouble(savings * Offer.HoursPerMonth),
            TotalSavings = Money.FromDouble(savings * offer.TermHours),
            Fee = 0,
            DiscountRate = pool.OnDemandRate > 0 ? Math.Max(0, 1 - effective / pool.OnDemandRate) : 0,
            BreakevenHours = breakeven ?? offer.TermHours,
            LossProbability = 0,
            ExpectedUtilization = line.Quantity > 0 ? coveredUnits / line.Quantity : 0,
        };
    }

    /// <summary>The pool's last <paramref name="hours"/> hours of usage beyond what today's commitments cover.</summary>
    private static double[] Uncovered(PoolSeries series, int hours)
    {
        var existing = series.CoveredByCommitment.Values.Sum();
        var start = Math.Max(0, series.Quantity.Length - hours);
        return [.. series.Quantity.Skip(start).Select(q => Math.Max(0, q - existing))];
    }

    private static string Describe(Plan plan, PlanSet set, int lines)
    {
        if (plan.IsEmpty)
        {
            var planned = set.Pools.Count(p => p.Planned);
            return planned == 0
                ? $"Nothing to buy: none of the {set.Pools.Count} pools has enough history and uptime to plan yet."
                : $"Nothing to buy toward {plan.CoverageTarget:P0} coverage: of {planned} pools planned, none is expected to save money over a term, given how long their usage has lasted.";
        }

        var summary = $"{lines} purchase(s) toward {plan.CoverageTarget:P0} coverage; expected net savings {plan.Risk.ExpectedNetSavings:N2} over the terms, " +
            $"{plan.Risk.LossProbability:P0} chance of a net loss ({plan.Risk.Paths:N0} simulated usage paths).";
        return set.Recommended is not null ? summary : $"{summary} Not recommended: {set.Explanation}";
    }

    /// <summary>Offer ids are the catalog's text ids; the API's uuid is derived from it so it is the same in every plan.</summary>
    public static Guid OfferIdOf(string offerId) => NameBasedIds.For("offer\n" + offerId);

}
