using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Tranche.Domain.Offers;
using Tranche.Domain.Planning;

namespace Tranche.Cli.Commands;

/// <summary>
/// <c>tranche backtest</c>: plans on the usage before <c>--plan-at</c> and scores every strategy on the usage after it.
/// <para>
/// usage.csv is <c>hour,pool,quantity[,on_demand_rate]</c> (the real traces' <c>hour,pool,quantity</c> is accepted
/// with <c>--on-demand-rate</c>, which also fills a blank rate). A pool's rate must be the same on all its rows.
/// Hours missing inside a pool's span repeat the last value (missing is not zero); hours after the end of the file
/// count as zero usage. offers.csv is <c>pool,term_months,payment_option,upfront_per_unit,hourly_per_unit</c>;
/// pool <c>*</c> offers to every pool.
/// </para>
/// <para>
/// Scoring: each line item runs its term from --plan-at (month = 730 h) and costs
/// quantity * (hourly_per_unit + upfront_per_unit / (term_months * 730)) per hour; usage is covered up to the sum of
/// active quantities, cheapest first; net savings = covered usage * on-demand rate - commitment cost.
/// </para>
/// </summary>
internal static class BacktestCommand
{
    public sealed record LineItemRow(string Pool, int TermMonths, string PaymentOption, double Quantity);

    public sealed record StrategyRow(string Name, double NetSavings, double OnDemandCost, double CommitmentCost, double Utilization, double Coverage,
        double? PredictedLossProbability, IReadOnlyList<LineItemRow> LineItems);

    public sealed record PoolRow(string Pool, bool Planned, string? Reason);

    public sealed record BacktestOutput(DateTime PlanAt, int LookbackDays, IReadOnlyList<StrategyRow> Strategies, IReadOnlyList<PoolRow> Pools, string? Explanation);

    public static Command Create(CommonOptions common)
    {
        var usage = new Option<string>("--usage") { Description = "Hourly usage CSV: hour,pool,quantity[,on_demand_rate]", Required = true, HelpName = "usage.csv" };
        var offers = new Option<string>("--offers") { Description = "Offers CSV: pool,term_months,payment_option,upfront_per_unit,hourly_per_unit (pool * = every pool)", Required = true, HelpName = "offers.csv" };
        var planAt = new Option<DateTime>("--plan-at") { Description = "Plan with the usage before this UTC time and score what follows", Required = true, HelpName = "yyyy-mm-dd[Thh:mm:ssZ]" };
        var lookback = new Option<int>("--lookback-days") { Description = "Days of history the sizing reads (7-365)", DefaultValueFactory = _ => 30 };
        var rate = new Option<double?>("--on-demand-rate") { Description = "On-demand rate per unit-hour for usage files without an on_demand_rate column", HelpName = "rate" };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the risk simulation (same seed, same figures)", DefaultValueFactory = _ => 20250101UL };
        lookback.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < PlanSettings.MinLookbackDays or > PlanSettings.MaxLookbackDays)
            {
                r.AddError($"--lookback-days must be between {PlanSettings.MinLookbackDays} and {PlanSettings.MaxLookbackDays}.");
            }
        });
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double?>() is { } v && !(v > 0 && double.IsFinite(v)))
            {
                r.AddError("--on-demand-rate must be a positive number.");
            }
        });

        var command = new Command("backtest", "Plan commitments on past usage and score them, the lookback rule and the hindsight optimum on what followed")
        {
            usage, offers, planAt, lookback, rate, seed,
        };
        command.SetGuardedAction(common, (result, cancellationToken) =>
        {
            var given = result.GetValue(planAt);
            // A time without a zone is UTC, like every time in the files.
            var at = given.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(given, DateTimeKind.Utc) : given.ToUniversalTime();
            var usagePath = Path.GetFullPath(result.GetValue(usage)!, common.Environment.CurrentDirectory);
            var offersPath = Path.GetFullPath(result.GetValue(offers)!, common.Environment.CurrentDirectory);
            var offersByPool = ReadOffers(offersPath);
            var pools = ReadUsage(usagePath, result.GetValue(rate), offersByPool);
            var settings = new PlanSettings { LookbackDays = result.GetValue(lookback), Seed = result.GetValue(seed) };
            cancellationToken.ThrowIfCancellationRequested();

            var backtest = Backtest.Run(pools, at, settings);
            var output = new BacktestOutput(at, settings.LookbackDays,
                [.. backtest.Strategies.Select(s => new StrategyRow(s.Name, Math.Round(s.NetSavings, 2), Math.Round(s.OnDemandCost, 2), Math.Round(s.CommitmentCost, 2),
                    Math.Round(s.Utilization, 4), Math.Round(s.Coverage, 4), s.PredictedLossProbability,
                    [.. s.LineItems.Select(l => new LineItemRow(l.Pool, l.Offer.TermMonths, l.Offer.PaymentOption, l.Quantity))]))],
                [.. backtest.Plans.Pools.Select(p => new PoolRow(p.Pool, p.Planned, p.SkipReason))],
                backtest.Plans.Explanation);
            if (common.IsJson(result))
            {
                common.Environment.WriteJson(output);
                return Task.FromResult(0);
            }

            var table = new Table().AddColumns("Strategy", "Net savings", "On-demand cost", "Commitment cost", "Utilization", "Coverage", "P(loss) predicted", "Line items");
            foreach (var s in output.Strategies)
            {
                table.AddRow(s.Name, F(s.NetSavings), F(s.OnDemandCost), F(s.CommitmentCost), $"{s.Utilization:P1}", $"{s.Coverage:P1}",
                    s.PredictedLossProbability is { } p ? $"{p:P1}" : "-", s.LineItems.Count.ToString(CultureInfo.InvariantCulture));
            }

            common.Environment.Console.Write(table);
            if (output.Explanation is { } why)
            {
                common.Environment.Console.MarkupLine(Markup.Escape(why));
            }

            return Task.FromResult(0);
        });
        return command;
    }

    private static string F(double value) => value.ToString("N2", CultureInfo.InvariantCulture);

    private static Dictionary<string, List<Offer>> ReadOffers(string path)
    {
        var offers = new Dictionary<string, List<Offer>>(StringComparer.Ordinal);
        var rows = ReadCsv(path, ["pool", "term_months", "payment_option", "upfront_per_unit", "hourly_per_unit"], out _);
        foreach (var (row, line) in rows)
        {
            var pool = Text(path, line, "pool", row[0]);
            var term = (int)Number(path, line, "term_months", row[1], 1, 120);
            if (term != Number(path, line, "term_months", row[1], 1, 120))
            {
                throw new CliException($"{path}: row {line}, column term_months: '{row[1]}' is not a whole number of months.");
            }

            var option = PaymentOptions.All.FirstOrDefault(o => string.Equals(o, row[2].Trim(), StringComparison.OrdinalIgnoreCase)
                || string.Equals(PaymentOptions.ToSnakeCase(o), row[2].Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new CliException($"{path}: row {line}, column payment_option: '{row[2]}' is not one of {string.Join(", ", PaymentOptions.All)}.");
            var upfront = Number(path, line, "upfront_per_unit", row[3], 0, 1e9);
            var hourly = Number(path, line, "hourly_per_unit", row[4], 0, 1e9);
            if (upfront == 0 && hourly == 0)
            {
                throw new CliException($"{path}: row {line}: an offer with no upfront and no hourly price is free; check upfront_per_unit and hourly_per_unit.");
            }

            var offer = new Offer($"{pool}:{term}:{PaymentOptions.ToSnakeCase(option)}:{line}", "file", "commitment", OfferKinds.ReservedInstance, term, option,
                (decimal)upfront, (decimal)hourly, "unit");
            if (!offers.TryGetValue(pool, out var list))
            {
                offers[pool] = list = [];
            }

            list.Add(offer);
        }

        return offers;
    }

    private static List<PoolUsage> ReadUsage(string path, double? defaultRate, Dictionary<string, List<Offer>> offers)
    {
        var rows = ReadCsv(path, ["hour", "pool", "quantity"], out var header);
        var rateColumn = Array.IndexOf(header, "on_demand_rate");
        var series = new Dictionary<string, (SortedDictionary<DateTime, double> Hours, double? Rate)>(StringComparer.Ordinal);
        foreach (var (row, line) in rows)
        {
            if (!DateTime.TryParse(row[0], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var hour))
            {
                throw new CliException($"{path}: row {line}, column hour: '{row[0]}' is not an ISO 8601 time.");
            }

            if (hour.Minute != 0 || hour.Second != 0 || hour.Millisecond != 0)
            {
                throw new CliException($"{path}: row {line}, column hour: '{row[0]}' is not the start of an hour.");
            }

            var pool = Text(path, line, "pool", row[1]);
            var quantity = Number(path, line, "quantity", row[2], 0, 1e12);
            double? rate = defaultRate;
            if (rateColumn >= 0 && rateColumn < row.Length && !string.IsNullOrWhiteSpace(row[rateColumn]))
            {
                rate = Number(path, line, "on_demand_rate", row[rateColumn], 1e-12, 1e9);
            }

            if (rate is null)
            {
                throw new CliException($"{path}: row {line}, column on_demand_rate: no rate; add the column or pass --on-demand-rate.");
            }

            if (!series.TryGetValue(pool, out var s))
            {
                series[pool] = s = ([], rate);
            }
            else if (s.Rate != rate)
            {
                throw new CliException($"{path}: row {line}, column on_demand_rate: {rate} differs from {s.Rate} on earlier rows of pool {pool}; one rate per pool.");
            }

            if (!s.Hours.TryAdd(hour, quantity))
            {
                throw new CliException($"{path}: row {line}: pool {pool} already has a row for {hour:yyyy-MM-ddTHH:mm:ssZ}.");
            }
        }

        if (series.Count == 0)
        {
            throw new CliException($"{path}: no usage rows; the file needs at least one row after the header.");
        }

        var pools = new List<PoolUsage>();
        foreach (var (pool, (hours, rate)) in series.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var poolOffers = (offers.GetValueOrDefault(pool) ?? []).Concat(offers.GetValueOrDefault("*") ?? []).ToList();
            var start = hours.Keys.First();
            var count = (int)(hours.Keys.Last() - start).TotalHours + 1;
            var values = new double[count];
            var last = 0.0;
            for (var h = 0; h < count; h++)
            {
                if (hours.TryGetValue(start.AddHours(h), out var v))
                {
                    last = v;
                }

                values[h] = last;
            }

            pools.Add(new PoolUsage(pool, start, values, rate!.Value, poolOffers));
        }

        return pools;
    }

    private static List<(string[] Row, int Line)> ReadCsv(string path, string[] required, out string[] header)
    {
        if (!File.Exists(path))
        {
            throw new CliException($"{path}: no such file.");
        }

        using var reader = new StreamReader(path);
        header = (reader.ReadLine() ?? "").Split(',').Select(h => h.Trim().ToLowerInvariant()).ToArray();
        for (var i = 0; i < required.Length; i++)
        {
            if (i >= header.Length || header[i] != required[i])
            {
                throw new CliException($"{path}: row 1: the header must start with {string.Join(",", required)} (got '{string.Join(",", header)}').");
            }
        }

        var rows = new List<(string[], int)>();
        var line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0)
            {
                continue;
            }

            var row = text.Split(',');
            if (row.Length < required.Length)
            {
                throw new CliException($"{path}: row {line}: {row.Length} columns, expected {header.Length}.");
            }

            rows.Add((row, line));
        }

        return rows;
    }

    private static string Text(string path, int line, string column, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new CliException($"{path}: row {line}, column {column}: empty.") : value.Trim();

    private static double Number(string path, int line, string column, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
        {
            throw new CliException($"{path}: row {line}, column {column}: '{value}' is not a number.");
        }

        return number < min || number > max
            ? throw new CliException($"{path}: row {line}, column {column}: {value} is out of range ({min} to {max}).")
            : number;
    }
}
