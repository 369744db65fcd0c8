using DuckDB.NET.Data;

namespace Tranche.Ingest;

public enum FileKind
{
    Csv,
    Parquet,
}

/// <summary>What a set of files holds: a FOCUS version or AWS CUR 2.0.</summary>
public enum SourceFormat
{
    Focus10Preview,
    Focus10,
    Focus11,
    Focus12,
    Cur20,
}

public static class SourceFormats
{
    public static string Label(this SourceFormat format) => format switch
    {
        SourceFormat.Focus10Preview => "focus-1.0-preview",
        SourceFormat.Focus10 => "focus-1.0",
        SourceFormat.Focus11 => "focus-1.1",
        SourceFormat.Focus12 => "focus-1.2",
        _ => "cur-2.0",
    };

    public static bool IsFocus(this SourceFormat format) => format != SourceFormat.Cur20;
}

public sealed record BillingFile(string Path, FileKind Kind, long Bytes);

/// <summary>
/// Files read together in one scan: the parts of one export (a folder, or several files of one kind). Columns are
/// the union over the files, with the type DuckDB reads each as.
/// </summary>
public sealed record BillingSource(IReadOnlyList<BillingFile> Files, FileKind Kind, SourceFormat Format, IReadOnlyDictionary<string, string> Columns)
{
    public long Bytes => Files.Sum(f => f.Bytes);

    public string Describe() => Files.Count == 1 ? Files[0].Path : $"{Files.Count} files ({Files[0].Path}, ...)";

    public bool Has(string column) => Columns.ContainsKey(column);

    /// <summary>The table function that reads these files, as DuckDB SQL.</summary>
    public string ReadFunction(bool withRowNumbers = false) => ReadFunction(Files, Kind, withRowNumbers);

    internal static string ReadFunction(IReadOnlyList<BillingFile> files, FileKind kind, bool withRowNumbers)
    {
        var list = "[" + string.Join(", ", files.Select(f => Sql.Literal(f.Path))) + "]";
        return kind == FileKind.Parquet
            ? $"read_parquet({list}, union_by_name = true, filename = true{(withRowNumbers ? ", file_row_number = true" : "")})"
            : $"read_csv({list}, all_varchar = true, header = true, delim = ',', quote = '\"', escape = '\"', " +
              "nullstr = ['NULL'], union_by_name = true, filename = true)";
    }
}

/// <summary>A problem with a whole file or set of files (unreadable, not a billing export, missing columns).</summary>
public sealed class BillingSourceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Finds the billing files in what the user named and tells which export format they hold.</summary>
public static class BillingSources
{
    /// <summary>Columns without which a FOCUS file cannot be loaded (any 1.x version, 1.0-preview aliases allowed).</summary>
    public static readonly IReadOnlyList<string> FocusRequired =
    [
        "BillingAccountId", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd",
        "ChargeCategory", "BilledCost", "EffectiveCost",
    ];

    public static readonly IReadOnlyList<string> CurRequired =
    [
        "bill_payer_account_id", "bill_billing_period_start_date", "bill_billing_period_end_date", "line_item_line_item_type",
        "line_item_usage_start_date", "line_item_usage_end_date", "line_item_unblended_cost", "line_item_currency_code",
    ];

    /// <summary>Expands files and folders into files grouped by kind, each group one <see cref="BillingSource"/>.</summary>
    public static IReadOnlyList<BillingSource> Open(IEnumerable<string> paths, DuckDBConnection duck)
    {
        var files = new List<BillingFile>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                    .Where(f => KindOf(f) is not null)
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (found.Count == 0)
                {
                    throw new BillingSourceException($"{path} holds no billing files (.csv, .csv.gz or .parquet).");
                }

                files.AddRange(found.Select(f => new BillingFile(Path.GetFullPath(f), KindOf(f)!.Value, new FileInfo(f).Length)));
            }
            else if (File.Exists(path))
            {
                var kind = KindOf(path) ?? throw new BillingSourceException($"{path} is not a billing file: expected .csv, .csv.gz or .parquet.");
                files.Add(new BillingFile(Path.GetFullPath(path), kind, new FileInfo(path).Length));
            }
            else
            {
                throw new BillingSourceException($"{path} does not exist.");
            }
        }

        var duplicates = files.GroupBy(f => f.Path, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw new BillingSourceException($"{duplicates[0]} is named more than once.");
        }

        foreach (var empty in files.Where(f => f.Bytes == 0))
        {
            throw new BillingSourceException($"{empty.Path} is empty (0 bytes).");
        }

        RefuseCopies(files);

        return [.. files.GroupBy(f => f.Kind).Select(group => Describe([.. group], group.Key, duck))];
    }

    /// <summary>
    /// The same export twice (a re-downloaded part, a copy left in the folder) would count every row twice. Only files
    /// of equal size can be equal, so only those are hashed.
    /// </summary>
    private static void RefuseCopies(List<BillingFile> files)
    {
        foreach (var sameSize in files.GroupBy(f => f.Bytes).Where(g => g.Count() > 1))
        {
            var seen = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var file in sameSize)
            {
                using var stream = File.OpenRead(file.Path);
                var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(stream));
                if (seen.TryGetValue(hash, out var original))
                {
                    throw new BillingSourceException($"{file.Path} has the same content as {original}; load each export once.");
                }

                seen[hash] = file.Path;
            }
        }
    }

    private static BillingSource Describe(IReadOnlyList<BillingFile> files, FileKind kind, DuckDBConnection duck)
    {
        // Each file on its own first, so an unreadable one is named.
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var (name, type) in ColumnsOf(file, duck))
            {
                columns.TryAdd(name, type);
            }
        }

        var format = Detect(columns, files);
        var required = format.IsFocus() ? FocusRequired : CurRequired;
        var missing = required.Where(c => !columns.ContainsKey(c)).ToList();
        if (missing.Count > 0)
        {
            throw new BillingSourceException(
                $"{Describe(files)} looks like {format.Label()} but lacks required column(s): {string.Join(", ", missing)}.");
        }

        return new BillingSource(files, kind, format, columns);
    }

    private static IEnumerable<(string Name, string Type)> ColumnsOf(BillingFile file, DuckDBConnection duck)
    {
        var result = new List<(string, string)>();
        try
        {
            using var command = duck.CreateCommand();
            command.CommandText = $"DESCRIBE SELECT * FROM {BillingSource.ReadFunction([file], file.Kind, withRowNumbers: false)}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                result.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        catch (DuckDBException e)
        {
            throw new BillingSourceException($"Cannot read {file.Path}: {DuckErrors.Clean(e)}", e);
        }

        if (result.All(c => c.Item1 is "filename"))
        {
            throw new BillingSourceException($"{file.Path} has no columns.");
        }

        return result;
    }

    private static SourceFormat Detect(IReadOnlyDictionary<string, string> columns, IReadOnlyList<BillingFile> files)
    {
        bool Has(string name) => columns.ContainsKey(name);

        if (Has("line_item_line_item_type") || Has("bill_payer_account_id"))
        {
            return SourceFormat.Cur20;
        }

        if (Has("lineItem/LineItemType") || Has("lineItem/UsageStartDate"))
        {
            throw new BillingSourceException(
                $"{Describe(files)} is a legacy AWS Cost and Usage Report. Export CUR 2.0 or FOCUS from AWS Data Exports instead.");
        }

        if (Has("BilledCost") || Has("ChargePeriodStart") || Has("BillingAccountId"))
        {
            if (Has("BillingAccountType") || Has("InvoiceId") || Has("PricingCurrency") || Has("SubAccountType"))
            {
                return SourceFormat.Focus12;
            }

            if (Has("CommitmentDiscountQuantity") || Has("SkuPriceDetails") || Has("SkuMeter") || Has("ServiceSubcategory") || Has("CapacityReservationId"))
            {
                return SourceFormat.Focus11;
            }

            return Has("ConsumedQuantity") || Has("RegionId") || Has("ChargeClass") ? SourceFormat.Focus10 : SourceFormat.Focus10Preview;
        }

        throw new BillingSourceException(
            $"{Describe(files)} is neither FOCUS nor AWS CUR 2.0: it has none of BilledCost, ChargePeriodStart, BillingAccountId " +
            $"or line_item_line_item_type. Its columns start: {string.Join(", ", columns.Keys.Where(c => c != "filename").Take(8))}.");
    }

    private static string Describe(IReadOnlyList<BillingFile> files) => files.Count == 1 ? files[0].Path : $"{files.Count} files";

    /// <summary>The kind of billing file a name says it is (<c>.csv</c>, <c>.csv.gz</c>, <c>.parquet</c>), or null for anything else.</summary>
    public static FileKind? KindOf(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.EndsWith(".parquet", StringComparison.Ordinal) ? FileKind.Parquet
            : name.EndsWith(".csv", StringComparison.Ordinal) || name.EndsWith(".csv.gz", StringComparison.Ordinal) ? FileKind.Csv
            : null;
    }
}
