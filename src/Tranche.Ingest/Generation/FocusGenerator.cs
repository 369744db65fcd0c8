using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tranche.Ingest.Generation;

public sealed record GenerateRequest(string Provider, int Days, int Seed, string OutputDirectory)
{
    /// <summary>The day after the last generated day (UTC). Same seed and same end give the same files.</summary>
    public DateOnly End { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>Average number of instances running: rows grow with it (about 24 per instance per day).</summary>
    public int Instances { get; init; } = 60;

    public bool Parquet { get; init; }
}

/// <summary>What was generated, with the totals a load must reproduce.</summary>
public sealed record GeneratedFile(string Path, DateTime BillingPeriodStart, long Rows, decimal BilledCost, decimal EffectiveCost);

public sealed record GeneratedWorkload(string Name, string InstanceType, string Region, string SubAccount, double BaseCount, string Shape);

/// <summary>A commitment the generated account owns; <see cref="Category"/> is <c>Usage</c> (instances) or <c>Spend</c> (currency per hour).</summary>
public sealed record GeneratedCommitment(
    string Id, string Name, string Type, string Category, string BillingAccountId, string? InstanceType, string? InstanceFamily, string? Region, double Quantity,
    decimal HourlyFee, DateTime Start, DateTime End);

public sealed record GenerationManifest(
    string Provider,
    int Seed,
    DateOnly Start,
    DateOnly End,
    IReadOnlyList<GeneratedFile> Files,
    IReadOnlyList<GeneratedWorkload> Workloads,
    IReadOnlyList<GeneratedCommitment> Commitments)
{
    public const string FileName = "manifest.json";

    public long Rows => Files.Sum(f => f.Rows);

    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };
}

/// <summary>
/// Synthetic FOCUS 1.2 billing data for a realistic fleet: workloads with daily and weekly cycles, growth and decline,
/// step changes, late starts, shutdowns and spikes, across accounts and regions, with commitments that expire,
/// start mid-window or sit partly unused. One file per billing month, and a manifest with the totals.
/// </summary>
public static class FocusGenerator
{
    public static GenerationManifest Generate(GenerateRequest request, IProgress<double>? progress = null)
    {
        if (request.Days is < 1 or > 3660)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Days, "Days must be between 1 and 3660.");
        }

        var end = request.End.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
        var start = end.AddDays(-request.Days);
        var fleet = Fleet.Create(request.Provider, request.Seed, Math.Max(1, request.Instances), start, request.Days);
        var profile = fleet.Profile;
        Directory.CreateDirectory(request.OutputDirectory);

        var files = new List<GeneratedFile>();
        FocusCsvWriter? writer = null;
        string? path = null;
        var month = DateTime.MinValue;
        var daily = new Dictionary<(string Resource, string? Commitment, string? Status), DailyRow>();
        decimal monthBilled = 0;

        void Close()
        {
            if (writer is null)
            {
                return;
            }

            // Tax closes the month at 5 % of what was billed.
            var tax = decimal.Round(monthBilled * 0.05m, 2);
            var taxRow = new FocusRow
            {
                ChargeStart = month, ChargeEnd = month.AddMonths(1), ChargeCategory = "Tax", ChargeFrequency = "One-Time",
                Description = "Sales tax", Billed = tax, Effective = tax, List = 0, Contracted = 0, ServiceCategory = "Other", ServiceName = "Tax",
            };
            writer.Write(taxRow);
            files.Add(new GeneratedFile(path!, month, writer.Rows, writer.Billed, writer.Effective));
            writer.Dispose();
            writer = null;
        }

        var hours = request.Days * 24;
        for (var hour = 0; hour < hours; hour++)
        {
            var time = start.AddHours(hour);
            var thisMonth = new DateTime(time.Year, time.Month, 1, 0, 0, 0, DateTimeKind.Utc);
            if (thisMonth != month)
            {
                Close();
                month = thisMonth;
                monthBilled = 0;
                path = Path.Combine(request.OutputDirectory, $"focus-{profile.Code}-{month:yyyy-MM}.csv");
                writer = new FocusCsvWriter(path, profile, month, month.AddMonths(1));
            }

            var rows = CoverHour(fleet, hour, time);
            foreach (var row in rows)
            {
                monthBilled += row.Billed;
                if (profile.DailyRows)
                {
                    var key = (row.ResourceId ?? row.CommitmentId ?? "", row.CommitmentId, row.CommitmentStatus);
                    if (!daily.TryGetValue(key, out var day))
                    {
                        daily[key] = day = new DailyRow(row);
                    }

                    day.Add(row);
                }
                else
                {
                    writer!.Write(row);
                }
            }

            if (time.Hour == 23)
            {
                foreach (var day in daily.Values)
                {
                    writer!.Write(day.ToRow(time.Date));
                }

                daily.Clear();
                foreach (var row in DailyCharges(fleet, time.Date, hour / 24))
                {
                    monthBilled += row.Billed;
                    writer!.Write(row);
                }

                progress?.Report((hour + 1) / (double)hours);
            }
        }

        Close();

        if (request.Parquet)
        {
            files = [.. files.Select(f => f with { Path = ToParquet(f.Path) })];
        }

        var manifest = new GenerationManifest(
            profile.Code,
            request.Seed,
            DateOnly.FromDateTime(start),
            request.End,
            files,
            [.. fleet.Workloads.Select(w => new GeneratedWorkload(w.Name, w.Instance.Type, w.Region.Id, w.Account.Name, Math.Round(w.BaseCount, 2), w.Shape.Describe()))],
            [.. fleet.Commitments.Select(c => new GeneratedCommitment(
                c.Id, c.Name, c.Type, c.Category, profile.BillingAccountId, c.Instance?.Type, c.Instance?.Family, c.RegionId, c.Quantity, c.HourlyFee, c.Start, c.End))]);
        File.WriteAllText(Path.Combine(request.OutputDirectory, GenerationManifest.FileName), JsonSerializer.Serialize(manifest, GenerationManifest.Json));
        return manifest;
    }

    /// <summary>
    /// One hour of the fleet: which instances run, which commitment covers each (instance commitments first, for their
    /// own size and region, then the spend commitment while its hourly amount lasts), and what each commitment left unused.
    /// </summary>
    private static List<FocusRow> CoverHour(Fleet fleet, int hour, DateTime time)
    {
        var profile = fleet.Profile;
        var rows = new List<FocusRow>();
        var capacity = fleet.Commitments.Where(c => !c.IsSpend && c.ActiveAt(time)).ToDictionary(c => c, c => c.Quantity);
        var spend = fleet.Commitments.FirstOrDefault(c => c.IsSpend && c.ActiveAt(time));
        var budget = spend?.HourlyFee ?? 0m;

        foreach (var workload in fleet.Workloads)
        {
            var count = workload.CountAt(hour, time);
            for (var k = 0; k < count; k++)
            {
                var row = InstanceRow(profile, workload, k, time);
                var usage = capacity.FirstOrDefault(c => c.Value >= 1 && c.Key.Instance == workload.Instance && c.Key.RegionId == workload.Region.Id).Key;
                if (usage is not null)
                {
                    capacity[usage] -= 1;
                    Cover(ref row, usage, workload.Price * (1 - usage.Discount), 1, "Hours");
                }
                else if (spend is not null && workload.Price * (1 - spend.Discount) is var discounted && discounted <= budget)
                {
                    budget -= discounted;
                    Cover(ref row, spend, discounted, (double)discounted, "USD");
                }

                rows.Add(row);
            }
        }

        foreach (var (commitment, left) in capacity.Where(c => c.Value > 0))
        {
            rows.Add(Unused(profile, commitment, time, (decimal)left * (commitment.HourlyFee / (decimal)commitment.Quantity), left, "Hours"));
        }

        if (spend is not null && budget > 0)
        {
            rows.Add(Unused(profile, spend, time, budget, (double)budget, "USD"));
        }

        return rows;
    }

    private static FocusRow InstanceRow(ProviderProfile profile, Workload workload, int index, DateTime time)
    {
        var resource = profile.Code switch
        {
            "aws" => $"arn:aws:ec2:{workload.Region.Id}:{workload.Account.Id}:instance/i-{Hex(workload.Seed, index)}",
            "azure" => $"{workload.Account.Id}/resourceGroups/{workload.Account.Name}-rg/providers/Microsoft.Compute/virtualMachines/{workload.Name}-{index}",
            _ => $"//compute.googleapis.com/projects/{workload.Account.Id}/zones/{workload.Region.Id}-a/instances/{workload.Name}-{index}",
        };
        return new FocusRow
        {
            ChargeStart = time,
            ChargeEnd = time.AddHours(1),
            ChargeCategory = "Usage",
            ChargeFrequency = "Usage-Based",
            PricingCategory = "Standard",
            Description = $"{workload.Instance.Type} Linux instance hour in {workload.Region.Id}",
            Billed = workload.Price,
            Effective = workload.Price,
            List = workload.Price,
            Contracted = workload.Price,
            Quantity = 1,
            Unit = "Hours",
            ServiceName = profile.ServiceName,
            ServiceCategory = "Compute",
            RegionId = workload.Region.Id,
            RegionName = workload.Region.Name,
            SubAccountId = workload.Account.Id,
            SubAccountName = workload.Account.Name,
            ResourceId = resource,
            ResourceName = $"{workload.Name}-{index}",
            ResourceType = profile.Code == "aws" ? "Instance" : "Virtual machine",
            SkuId = $"{profile.Code.ToUpperInvariant()}-{workload.Instance.Type}-{workload.Region.Id}",
            InstanceType = workload.Instance.Type,
            Tags = $$"""{"workload": "{{workload.Name}}", "team": "{{workload.Account.Name}}"}""",
        };
    }

    private static void Cover(ref FocusRow row, OwnedCommitment commitment, decimal effective, double quantity, string unit)
    {
        row.PricingCategory = "Committed";
        row.Billed = 0;
        row.Effective = decimal.Round(effective, 10);
        row.CommitmentId = commitment.Id;
        row.CommitmentName = commitment.Name;
        row.CommitmentCategory = commitment.Category;
        row.CommitmentType = commitment.Type;
        row.CommitmentStatus = "Used";
        row.CommitmentQuantity = Math.Round(quantity, 10);
        row.CommitmentUnit = unit;
    }

    private static FocusRow Unused(ProviderProfile profile, OwnedCommitment commitment, DateTime time, decimal cost, double quantity, string unit) => new()
    {
        ChargeStart = time,
        ChargeEnd = time.AddHours(1),
        ChargeCategory = "Usage",
        ChargeFrequency = "Usage-Based",
        PricingCategory = "Committed",
        Description = $"Unused {commitment.Type}",
        Billed = 0,
        Effective = decimal.Round(cost, 10),
        List = 0,
        Contracted = 0,
        ServiceName = profile.ServiceName,
        ServiceCategory = "Compute",
        RegionId = commitment.RegionId,
        CommitmentId = commitment.Id,
        CommitmentName = commitment.Name,
        CommitmentCategory = commitment.Category,
        CommitmentType = commitment.Type,
        CommitmentStatus = "Unused",
        CommitmentQuantity = Math.Round(quantity, 10),
        CommitmentUnit = unit,
    };

    /// <summary>Once a day: each commitment's recurring fee, storage, data transfer, and now and then a credit.</summary>
    private static IEnumerable<FocusRow> DailyCharges(Fleet fleet, DateTime day, int dayIndex)
    {
        var profile = fleet.Profile;
        foreach (var commitment in fleet.Commitments)
        {
            var activeHours = Enumerable.Range(0, 24).Count(h => commitment.ActiveAt(day.AddHours(h)));
            if (activeHours > 0)
            {
                var fee = decimal.Round(commitment.HourlyFee * activeHours, 10);
                yield return new FocusRow
                {
                    ChargeStart = day, ChargeEnd = day.AddDays(1), ChargeCategory = "Purchase", ChargeFrequency = "Recurring", PricingCategory = "Standard",
                    Description = $"{commitment.Type} recurring fee", Billed = fee, Effective = 0, List = 0, Contracted = 0,
                    ServiceName = profile.ServiceName, ServiceCategory = "Compute", RegionId = commitment.RegionId,
                    CommitmentId = commitment.Id, CommitmentName = commitment.Name, CommitmentCategory = commitment.Category,
                    CommitmentType = commitment.Type, CommitmentQuantity = commitment.IsSpend ? (double)fee : commitment.Quantity * activeHours,
                    CommitmentUnit = commitment.IsSpend ? "USD" : "Hours",
                };
            }
        }

        foreach (var (account, i) in profile.SubAccounts.Select((a, i) => (a, i)))
        {
            var gigabytes = 2000 + 500 * i + dayIndex * 3;
            var storage = decimal.Round(gigabytes * 0.08m / 30, 6);
            yield return Daily(profile, day, account, "Storage", profile.Code == "aws" ? "Amazon Elastic Block Store" : profile.Code == "azure" ? "Storage" : "Persistent Disk",
                $"{gigabytes} GB-month of general purpose SSD", storage, gigabytes / 30.0, "GB-Mo");
            var transfer = 40 + 17 * ((dayIndex * 7 + i * 3) % 11);
            yield return Daily(profile, day, account, "Networking", profile.Code == "aws" ? "AWS Data Transfer" : "Bandwidth",
                $"{transfer} GB data transfer out", decimal.Round(transfer * 0.09m, 6), transfer, "GB");
        }

        if (dayIndex % 45 == 10)
        {
            yield return new FocusRow
            {
                ChargeStart = day, ChargeEnd = day.AddDays(1), ChargeCategory = "Credit", ChargeFrequency = "One-Time", PricingCategory = null,
                Description = "Promotional credit", Billed = -25m, Effective = -25m, List = -25m, Contracted = -25m, ServiceCategory = "Other",
                ServiceName = profile.ServiceName,
            };
        }
    }

    private static FocusRow Daily(ProviderProfile profile, DateTime day, (string Id, string Name) account, string category, string service, string description, decimal cost, double quantity, string unit) => new()
    {
        ChargeStart = day, ChargeEnd = day.AddDays(1), ChargeCategory = "Usage", ChargeFrequency = "Usage-Based", PricingCategory = "Standard",
        Description = description, Billed = cost, Effective = cost, List = cost, Contracted = cost, Quantity = quantity, Unit = unit,
        ServiceName = service, ServiceCategory = category, RegionId = profile.Regions[0].Id, RegionName = profile.Regions[0].Name,
        SubAccountId = account.Id, SubAccountName = account.Name,
    };

    private static string ToParquet(string csv)
    {
        var parquet = Path.ChangeExtension(csv, ".parquet");
        WriteParquet(csv, parquet);
        File.Delete(csv);
        return parquet;
    }

    /// <summary>
    /// A Parquet copy of a generated CSV, typed as the clouds write it: costs and quantities as doubles, periods as
    /// timestamps, everything else text.
    /// </summary>
    public static void WriteParquet(string csv, string parquet)
    {
        string[] numbers = ["BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice", "ConsumedQuantity",
                            "PricingQuantity", "CommitmentDiscountQuantity", "PricingCurrencyEffectiveCost"];
        string[] times = ["BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd"];
        var types = string.Join(", ", numbers.Select(n => $"'{n}': 'DOUBLE'").Concat(times.Select(t => $"'{t}': 'TIMESTAMP'")));
        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        command.CommandText = $$"""
            SET TimeZone = 'UTC';
            COPY (SELECT * FROM read_csv({{Sql.Literal(csv)}}, header = true, all_varchar = true, types = { {{types}} }))
            TO {{Sql.Literal(parquet)}} (FORMAT PARQUET, COMPRESSION ZSTD)
            """;
        command.ExecuteNonQuery();
    }

    private static string Hex(int seed, int index) => ((uint)(seed * 2654435761u + index * 40503u)).ToString("x8", CultureInfo.InvariantCulture) + index.ToString("x5", CultureInfo.InvariantCulture);

    /// <summary>A resource's (or unused commitment's) hours of one day, folded into one daily row as Azure exports them.</summary>
    private sealed class DailyRow(FocusRow first)
    {
        private FocusRow _row = first;
        private bool _started;

        public void Add(in FocusRow row)
        {
            if (!_started)
            {
                _row.Billed = _row.Effective = _row.List = _row.Contracted = 0;
                _row.Quantity = row.Quantity is null ? null : 0;
                _row.CommitmentQuantity = row.CommitmentQuantity is null ? null : 0;
                _started = true;
            }

            _row.Billed += row.Billed;
            _row.Effective += row.Effective;
            _row.List += row.List;
            _row.Contracted += row.Contracted;
            _row.Quantity = _row.Quantity is null ? null : _row.Quantity + (row.Quantity ?? 0);
            _row.CommitmentQuantity = _row.CommitmentQuantity is null ? null : _row.CommitmentQuantity + (row.CommitmentQuantity ?? 0);
        }

        public FocusRow ToRow(DateTime day)
        {
            var row = _row;
            row.ChargeStart = day;
            row.ChargeEnd = day.AddDays(1);
            row.CommitmentQuantity = row.CommitmentQuantity is { } q ? Math.Round(q, 10) : null;
            return row;
        }
    }
}
