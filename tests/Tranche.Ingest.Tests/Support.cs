using System.Globalization;
using System.Text;
using Tranche.Data;
using Tranche.Testing;

namespace Tranche.Ingest.Tests;

/// <summary>A fresh database with one org, on either store, and helpers to load into it.</summary>
public sealed class IngestTarget
{
    private IngestTarget(DatabaseTarget database, Guid orgId)
    {
        Database = database;
        OrgId = orgId;
    }

    public DatabaseTarget Database { get; }

    public Guid OrgId { get; }

    public static async Task<IngestTarget> CreateAsync(StoreKind store)
    {
        var database = await TestDatabases.CreateOrSkipAsync(store, "ingest");

        await TrancheDatabase.MigrateAsync(database);
        var org = Guid.NewGuid();
        await using var db = TrancheDatabase.CreateContext(database);
        db.Orgs.Add(new Org { Id = org, Name = "Ingest test", CreatedAt = DateTime.UtcNow });
        await db.SaveChangesAsync();
        return new IngestTarget(database, org);
    }

    public Task<IngestReport> LoadAsync(params string[] paths) => LoadAsync(new IngestRequest(OrgId, paths));

    public Task<IngestReport> LoadAsync(IngestRequest request) =>
        BillingIngest.RunAsync(Database, request with { OrgId = OrgId }, TimeProvider.System, progress: null, TestContext.Current.CancellationToken);

    public TrancheDbContext Db() => TrancheDatabase.CreateContext(Database, OrgScope.For(OrgId));
}

/// <summary>A deliberately plain CSV reader (RFC 4180 quoting), independent of DuckDB, to check what ingest stored.</summary>
public static class ReferenceCsv
{
    public static List<Dictionary<string, string?>> Read(string path)
    {
        var text = File.ReadAllText(path, Encoding.UTF8).TrimStart('\uFEFF');
        var records = Parse(text);
        var header = records[0];
        return [.. records.Skip(1).Where(r => r.Count > 1 || r[0].Length > 0).Select(r => header
            .Select((name, i) => (name, value: i < r.Count ? r[i] : null))
            .ToDictionary(c => c.name, c => c.value is null or "NULL" or "" ? null : c.value))];
    }

    public static decimal Money(string? value) => value is null ? 0m : decimal.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static List<List<string>> Parse(string text)
    {
        var records = new List<List<string>>();
        var record = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                record.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                record.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add(record);
                record = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || record.Count > 0)
        {
            record.Add(field.ToString());
            records.Add(record);
        }

        return records;
    }
}

/// <summary>Writes small billing files for tests, and converts them with DuckDB where a test needs Parquet or gzip.</summary>
public static class Files
{
    public static string Temp(string name) => Path.Combine(TestDatabases.NewTempDirectory("files"), name);

    public static string Write(string name, string content)
    {
        var path = Temp(name);
        File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    /// <summary>Copies a CSV to Parquet or gzip CSV with DuckDB's COPY (types as DuckDB infers them).</summary>
    public static string Convert(string csv, string target, string format)
    {
        using var duck = new DuckDB.NET.Data.DuckDBConnection("DataSource=:memory:");
        duck.Open();
        using var command = duck.CreateCommand();
        var options = format == "parquet" ? "FORMAT PARQUET" : "FORMAT CSV, HEADER, COMPRESSION GZIP";
        command.CommandText = $"COPY (SELECT * FROM read_csv('{csv}', header = true, nullstr = ['NULL'])) TO '{target}' ({options})";
        command.ExecuteNonQuery();
        return target;
    }
}
