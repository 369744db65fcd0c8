using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DuckDB.NET.Data;
using Tranche.Ingest.Generation;

// Ingest benchmark: a FOCUS export of about --rows rows as CSV and as Parquet, loaded end to end by the published
// `tranche ingest` (a fresh SQLite database each time, peak memory read from /proc), beside bare DuckDB aggregations
// of the same file as the floor. Usage: dotnet run -c Release --project bench/Tranche.Bench -- ingest [rows] [work dir]
// Inventory benchmark seed: dotnet run -c Release --project bench/Tranche.Bench -- seed-inventory <database> [commitments] [days]
if (args.Length > 1 && args[0] == "seed-inventory")
{
    return await InventorySeed.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10_000,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 365);
}

// Partner ROI report benchmark: dotnet run -c Release --project bench/Tranche.Bench -- report <database> [children] [runs]
if (args.Length > 1 && args[0] == "report")
{
    return await ReportBench.RunAsync(args[1], args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 200,
        args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 9);
}

// Planner benchmark: dotnet run -c Release --project bench/Tranche.Bench -- planner [pools] [days]
if (args.Length > 0 && args[0] == "planner")
{
    return Tranche.Bench.PlannerBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1000, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 90);
}

if (args.Length == 0 || args[0] != "ingest")
{
    Console.Error.WriteLine("usage: Tranche.Bench ingest [rows=10000000] [work-dir=/tmp/tranche-bench] | seed-inventory <database> [commitments=10000] [days=365] | planner [pools=1000] [days=90] | report <database> [children=200] [runs=9]");
    return 2;
}

var rows = args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 10_000_000;
var work = args.Length > 2 ? args[2] : Path.Combine(Path.GetTempPath(), "tranche-bench");
var repo = FindRepository();
Directory.CreateDirectory(work);

var (csv, parquet, actualRows) = PrepareData(work, rows);
var tranche = Publish(repo, Path.Combine(work, "app"));

Console.WriteLine($"# Ingest benchmark: {actualRows:N0} FOCUS rows, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}");
Console.WriteLine();
Console.WriteLine("| file | size | bare DuckDB: totals | bare DuckDB: hourly usage | tranche ingest | rows/s | vs usage floor | peak memory |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var (name, file) in new[] { ("Parquet", parquet), ("CSV", csv) })
{
    var totals = Floor(file, "SELECT BillingAccountId, BillingPeriodStart, ChargeCategory, sum(BilledCost), sum(EffectiveCost), count(*) FROM {0} GROUP BY ALL");
    var usage = Floor(file, """
        SELECT SubAccountId, RegionId, ServiceName, SkuId, ConsumedUnit, ChargeCategory, PricingCategory, CommitmentDiscountId, ChargePeriodStart, ChargePeriodEnd,
               sum(ConsumedQuantity), sum(ListCost), sum(EffectiveCost), sum(BilledCost), count(*)
        FROM {0} GROUP BY ALL
        """);
    var (seconds, peak, report) = Ingest(tranche, work, file);
    Console.WriteLine(
        $"| {name} | {new FileInfo(file).Length / 1e9:F2} GB | {totals:F1} s | {usage:F1} s | {seconds:F1} s (scan {Seconds(report, "scan_time"):F1} s, write {Seconds(report, "write_time"):F1} s) " +
        $"| {actualRows / seconds / 1e6:F2} M | {seconds / usage:F1}x | {peak / 1024.0 / 1024:F0} MB |");
}

return 0;

static double Seconds(JsonElement report, string property) => TimeSpan.Parse(report.GetProperty(property).GetString()!, CultureInfo.InvariantCulture).TotalSeconds;

static (string Csv, string Parquet, long Rows) PrepareData(string work, long rows)
{
    var folder = Path.Combine(work, $"focus-{rows}");
    var csv = Path.Combine(folder, "focus.csv");
    var parquet = Path.Combine(folder, "focus.parquet");
    if (!File.Exists(parquet))
    {
        // 30 days of hourly rows: about 24 x 30 rows per instance plus the commitment, storage and network rows.
        var instances = (int)Math.Ceiling(rows / (24.0 * 30 * 0.95));
        Console.Error.WriteLine($"Generating about {rows:N0} rows ({instances:N0} instances, 30 days)...");
        var manifest = FocusGenerator.Generate(new GenerateRequest("aws", 30, 42, Path.Combine(folder, "gen")) { End = new DateOnly(2025, 10, 1), Instances = instances });
        File.Move(manifest.Files.Single().Path, csv, overwrite: true);
        FocusGenerator.WriteParquet(csv, parquet);
    }

    using var count = new DuckDBConnection("DataSource=:memory:");
    count.Open();
    using var query = count.CreateCommand();
    query.CommandText = $"SELECT count(*) FROM read_parquet('{parquet}')";
    return (csv, parquet, Convert.ToInt64(query.ExecuteScalar(), CultureInfo.InvariantCulture));
}

static double Floor(string file, string sql)
{
    using var duck = new DuckDBConnection("DataSource=:memory:");
    duck.Open();
    using var command = duck.CreateCommand();
    command.CommandText = $"SET threads = {Environment.ProcessorCount}; SET memory_limit = '512MB'; SET preserve_insertion_order = false; SET TimeZone = 'UTC';";
    command.ExecuteNonQuery();
    var read = file.EndsWith(".parquet", StringComparison.Ordinal) ? $"read_parquet('{file}')" : $"read_csv('{file}', header = true)";
    command.CommandText = $"CREATE TEMP TABLE floor AS {string.Format(CultureInfo.InvariantCulture, sql, read)}";
    var clock = Stopwatch.StartNew();
    command.ExecuteNonQuery();
    return clock.Elapsed.TotalSeconds;
}

static (double Seconds, long PeakBytes, JsonElement Report) Ingest(string tranche, string work, string file)
{
    var data = Path.Combine(work, "run-" + Guid.NewGuid().ToString("N")[..8]);
    var org = Run(tranche, ["orgs", "create", "--name", "bench", "--data-dir", data, "--json"], out _).GetProperty("org_id").GetString()!;
    var clock = Stopwatch.StartNew();
    var report = Run(tranche, ["ingest", file, "--org", org, "--data-dir", data, "--json"], out var peak);
    var seconds = clock.Elapsed.TotalSeconds;
    if (report.GetProperty("outcome").GetString() != "loaded")
    {
        throw new InvalidOperationException("Ingest failed: " + report.GetRawText());
    }

    Directory.Delete(data, recursive: true);
    return (seconds, peak, report);
}

// Runs the executable, returns its JSON output, and the highest resident memory it reached (VmHWM).
static JsonElement Run(string executable, string[] arguments, out long peakBytes)
{
    var start = new ProcessStartInfo(executable, arguments) { RedirectStandardOutput = true, UseShellExecute = false };
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    long peak = 0;
    while (!process.WaitForExit(50))
    {
        try
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
            {
                peak = Math.Max(peak, long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024);
            }
        }
        catch (IOException)
        {
            // The process ended between the check and the read.
        }
    }

    peakBytes = peak;
    using var document = JsonDocument.Parse(output.Result);
    return document.RootElement.Clone();
}

static string Publish(string repo, string target)
{
    var publish = Process.Start(new ProcessStartInfo("bash", [Path.Combine(repo, "bench", "publish.sh"), target]) { UseShellExecute = false })!;
    publish.WaitForExit();
    return Path.Combine(target, "tranche");
}

static string FindRepository()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Tranche.slnx")))
        {
            return directory.FullName;
        }
    }

    throw new DirectoryNotFoundException("Run the benchmark from inside the repository.");
}
