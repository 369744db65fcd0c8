using System.Diagnostics;
using DuckDB.NET.Data;
using Microsoft.EntityFrameworkCore;
using Tranche.Data;

namespace Tranche.Ingest;

/// <summary>
/// Loads billing files into an org's facts: detect the format, scan and check every row with DuckDB, then replace
/// each billing period the files cover in one transaction. A file that fails validation changes nothing.
/// </summary>
public static class BillingIngest
{
    public const int ReportedErrors = 100;

    public static async Task<IngestReport> RunAsync(
        DatabaseTarget database,
        IngestRequest request,
        TimeProvider time,
        IProgress<ScanProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        await RunAsync(database, request, time, progress, checkpoint: null, cancellationToken);

    /// <summary>As the public overload, with <paramref name="checkpoint"/> called between write steps: tests throw from it to prove a failed load leaves nothing behind.</summary>
    /// <param name="database">The store to load into.</param>
    /// <param name="request">Files, org and error tolerance.</param>
    /// <param name="time">The clock for load times.</param>
    /// <param name="progress">Scan progress, for progress bars.</param>
    /// <param name="checkpoint">Called with the name of each finished write step.</param>
    /// <param name="cancellationToken">Stops the scan or the load; nothing is kept.</param>
    internal static async Task<IngestReport> RunAsync(
        DatabaseTarget database,
        IngestRequest request,
        TimeProvider time,
        IProgress<ScanProgress>? progress,
        Action<string>? checkpoint,
        CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var duck = OpenDuck(request);

        IReadOnlyList<BillingSource> sources;
        try
        {
            sources = BillingSources.Open(request.Paths, duck);
        }
        catch (BillingSourceException e)
        {
            return IngestReport.Rejected(e.Message);
        }

        var scans = new List<(BillingSource Source, CanonicalQuery Canonical, string Table)>();
        var bytesTotal = sources.Sum(s => s.Bytes);
        long bytesBefore = 0;
        foreach (var source in sources)
        {
            var canonical = CanonicalQuery.For(source);
            var table = $"scan_{scans.Count}";
            var offset = bytesBefore;
            var scanProgress = progress is null ? null : new Progress<ScanProgress>(p => progress.Report(p with
            {
                BytesRead = offset + p.BytesRead,
                BytesTotal = bytesTotal,
            }));
            try
            {
                await BillingScan.RunAsync(
                    duck, BillingScan.Plan(canonical, source, table), BillingScan.BuildSql(canonical, source, table), source.Bytes, scanProgress, cancellationToken);
            }
            catch (DuckDBException e)
            {
                return IngestReport.Rejected($"Cannot read {source.Describe()}: {DuckErrors.Clean(e)}");
            }

            bytesBefore += source.Bytes;
            scans.Add((source, canonical, table));
        }

        var scanTime = clock.Elapsed;
        var tables = scans.Select(s => s.Table).ToList();
        var (good, bad) = CountRows(duck, tables);
        if (good + bad == 0)
        {
            return IngestReport.Rejected($"{string.Join(", ", sources.Select(s => s.Describe()))} holds no data rows.");
        }

        var errors = bad == 0 ? [] : ReadErrors(duck, scans);
        if (bad > request.MaxErrors)
        {
            return IngestReport.Rejected(
                $"{bad} row(s) failed validation{(request.MaxErrors > 0 ? $", more than the {request.MaxErrors} allowed" : "")}; nothing was stored. " +
                "Fix the rows listed, or allow skipping them with --max-errors.",
                errors, good + bad, bad);
        }

        var periods = ReadPeriods(duck, scans);
        if (periods.Problem is { } periodProblem)
        {
            return IngestReport.Rejected(periodProblem, errors, good + bad, bad);
        }

        var currencies = periods.Totals.Values.SelectMany(p => p.Currencies).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (currencies.Count > 1)
        {
            return IngestReport.Rejected(
                $"The files mix currencies ({string.Join(", ", currencies)}); an org is billed in one currency. Load each currency into its own org.",
                errors, good + bad, bad);
        }

        var now = time.StorageNow();
        var writeStart = clock.Elapsed;
        await using var db = TrancheDatabase.CreateContext(database, OrgScope.For(request.OrgId));
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await OrgWriteLock.AcquireAsync(db, request.OrgId, cancellationToken);
        if (!await db.Orgs.AnyAsync(o => o.Id == request.OrgId, cancellationToken))
        {
            return IngestReport.Rejected($"There is no org {request.OrgId}.");
        }

        var keys = periods.Totals.Keys.ToHashSet();
        var otherCurrency = (await db.BillingPeriods.AsNoTracking()
                .Select(p => new { p.Provider, p.BillingAccountId, p.PeriodStart, p.Currency })
                .ToListAsync(cancellationToken))
            .FirstOrDefault(p => p.Currency != currencies[0] && !keys.Contains(new PeriodKey(p.Provider, p.BillingAccountId, p.PeriodStart)));
        if (otherCurrency is not null)
        {
            return IngestReport.Rejected(
                $"The org's billing data is in {otherCurrency.Currency} (for example {otherCurrency.Provider} account {otherCurrency.BillingAccountId}, " +
                $"{otherCurrency.PeriodStart:yyyy-MM}); these files are in {currencies[0]}. Mixed currencies in one org are refused.",
                errors, good + bad, bad);
        }

        var loader = new FactLoader(db, duck, request.OrgId, tables, checkpoint);
        var loaded = await loader.LoadAsync(
            periods.Totals,
            string.Join(",", sources.Select(s => s.Format.Label()).Distinct()),
            string.Join("\n", sources.SelectMany(s => s.Files).Select(f => f.Path)),
            request.UploadId,
            now,
            cancellationToken);
        db.Record(request.OrgId, Actor.System, "billing.ingested", request.UploadId?.ToString(), new
        {
            Periods = loaded.Select(p => new { p.Provider, p.BillingAccountId, PeriodStart = p.PeriodStart.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), p.Rows }),
            RowsRejected = bad,
        }, now);
        await db.SaveChangesAsync(cancellationToken);
        checkpoint?.Invoke("before-commit");
        await transaction.CommitAsync(cancellationToken);

        var accounts = ReadAccounts(duck, tables);
        return new IngestReport
        {
            Outcome = IngestOutcome.Loaded,
            Files = [.. sources.SelectMany(s => s.Files).Select(f => f.Path)],
            Formats = [.. sources.Select(s => s.Format.Label()).Distinct()],
            RowsRead = good + bad,
            RowsStored = good,
            RowsRejected = bad,
            Errors = errors,
            BillingPeriods = loaded,
            Providers = [.. loaded.Select(p => p.Provider).Distinct().Order(StringComparer.Ordinal)],
            BillingAccounts = loaded.Select(p => (p.Provider, p.BillingAccountId)).Distinct().Count(),
            SubAccounts = accounts,
            Pools = loader.Pools,
            Commitments = loader.Commitments,
            Resources = loader.Resources,
            BilledCost = loaded.Sum(p => p.BilledCost),
            EffectiveCost = loaded.Sum(p => p.EffectiveCost),
            Currency = currencies[0],
            Elapsed = clock.Elapsed,
            ScanTime = scanTime,
            WriteTime = clock.Elapsed - writeStart,
            Bytes = bytesTotal,
        };
    }

    private static DuckDBConnection OpenDuck(IngestRequest request)
    {
        var duck = new DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        var spill = request.WorkDirectory ?? Path.Combine(Path.GetTempPath(), "tranche-ingest");
        Directory.CreateDirectory(spill);
        command.CommandText = $"""
            SET TimeZone = 'UTC';
            SET memory_limit = {Sql.Literal(request.MemoryLimit)};
            SET temp_directory = {Sql.Literal(spill)};
            SET threads = {Math.Max(1, Environment.ProcessorCount)};
            SET preserve_insertion_order = false;
            SET enable_progress_bar = true;
            SET enable_progress_bar_print = false;
            """;
        command.ExecuteNonQuery();
        return duck;
    }

    private static (long Good, long Bad) CountRows(DuckDBConnection duck, IReadOnlyList<string> tables)
    {
        using var command = duck.CreateCommand();
        command.CommandText = "SELECT CAST(coalesce(sum(n) FILTER (WHERE NOT bad), 0) AS BIGINT), CAST(coalesce(sum(n) FILTER (WHERE bad), 0) AS BIGINT) FROM (" +
                              string.Join(" UNION ALL ", tables.Select(t => $"SELECT n, bad FROM {t} WHERE k_fine")) + ")";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture));
    }

    private static List<RowError> ReadErrors(DuckDBConnection duck, List<(BillingSource Source, CanonicalQuery Canonical, string Table)> scans)
    {
        var errors = new List<RowError>();
        foreach (var (source, canonical, _) in scans)
        {
            if (errors.Count < ReportedErrors)
            {
                errors.AddRange(BillingScan.ReadErrors(duck, canonical, source, ReportedErrors - errors.Count));
            }
        }

        return [.. errors.Take(ReportedErrors)];
    }

    private static (Dictionary<PeriodKey, PeriodTotals> Totals, string? Problem) ReadPeriods(
        DuckDBConnection duck, List<(BillingSource Source, CanonicalQuery Canonical, string Table)> scans)
    {
        var totals = new Dictionary<PeriodKey, PeriodTotals>();
        for (var i = 0; i < scans.Count; i++)
        {
            using var command = duck.CreateCommand();
            command.CommandText = $"""
                SELECT provider_name, billing_account_id, billing_period_start, currency, max(billing_period_end) AS billing_period_end,
                       any_value(billing_account_name) AS billing_account_name, CAST(sum(n) AS BIGINT) AS rows, sum(billed_cost) AS billed_cost,
                       sum(effective_cost) AS effective_cost, sum(list_cost) AS list_cost, sum(contracted_cost) AS contracted_cost
                FROM {scans[i].Table} WHERE k_fine AND NOT bad GROUP BY provider_name, billing_account_id, billing_period_start, currency
                """;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var key = reader.Period();
                if (!totals.TryGetValue(key, out var period))
                {
                    totals[key] = period = new PeriodTotals { Source = i };
                }
                else if (period.Source != i)
                {
                    return (totals, $"The billing period {key.PeriodStart:yyyy-MM-dd} of {key.Provider} account {key.BillingAccountId} is in both " +
                                    $"{scans[period.Source].Source.Describe()} and {scans[i].Source.Describe()}; load one kind of file per period.");
                }

                var end = reader.Time("billing_period_end");
                period.PeriodEnd = end > period.PeriodEnd ? end : period.PeriodEnd;
                period.AccountName ??= reader.Text("billing_account_name");
                period.Currencies.Add(reader.Text("currency")!);
                period.Rows += reader.Count("rows");
                period.Billed += reader.Money("billed_cost");
                period.Effective += reader.Money("effective_cost");
                period.List += reader.Money("list_cost");
                period.Contracted += reader.Money("contracted_cost");
            }
        }

        return (totals, null);
    }

    private static int ReadAccounts(DuckDBConnection duck, IReadOnlyList<string> tables)
    {
        using var command = duck.CreateCommand();
        command.CommandText = "SELECT count(DISTINCT sub_account_id) FROM (" +
                              string.Join(" UNION ALL ", tables.Select(t => $"SELECT sub_account_id FROM {t} WHERE k_fine AND NOT bad")) + ")";
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
