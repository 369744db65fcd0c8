namespace Tranche.Ingest;

public sealed record IngestRequest(Guid OrgId, IReadOnlyList<string> Paths)
{
    /// <summary>Bad rows that may be skipped (and reported) before the whole ingest is refused. 0: any bad row refuses it.</summary>
    public int MaxErrors { get; init; }

    /// <summary>The upload this ingest serves, recorded on its billing periods.</summary>
    public Guid? UploadId { get; init; }

    /// <summary>Where DuckDB may spill when aggregation outgrows its memory limit.</summary>
    public string? WorkDirectory { get; init; }

    /// <summary>DuckDB's memory cap; the process stays well under a gigabyte whatever the file size.</summary>
    public string MemoryLimit { get; init; } = "512MB";
}

public enum IngestOutcome
{
    /// <summary>Everything readable was stored (bad rows within <c>MaxErrors</c> were skipped and reported).</summary>
    Loaded,

    /// <summary>Nothing was stored; <see cref="IngestReport.Errors"/> and <see cref="IngestReport.Problem"/> say why.</summary>
    Rejected,
}

/// <summary>A billing period as loaded: the unit that replaces an earlier load of the same period.</summary>
public sealed record LoadedPeriod(
    string Provider,
    string BillingAccountId,
    DateTime PeriodStart,
    DateTime PeriodEnd,
    string Currency,
    long Rows,
    decimal BilledCost,
    decimal EffectiveCost,
    bool ReplacedEarlierLoad);

/// <summary>What an ingest read, stored and refused.</summary>
public sealed record IngestReport
{
    public required IngestOutcome Outcome { get; init; }

    /// <summary>For a rejected ingest: the one-line reason.</summary>
    public string? Problem { get; init; }

    public IReadOnlyList<string> Files { get; init; } = [];

    public IReadOnlyList<string> Formats { get; init; } = [];

    public long RowsRead { get; init; }

    public long RowsStored { get; init; }

    public long RowsRejected { get; init; }

    /// <summary>The first 100 rejected rows; <see cref="RowsRejected"/> counts them all.</summary>
    public IReadOnlyList<RowError> Errors { get; init; } = [];

    public IReadOnlyList<LoadedPeriod> BillingPeriods { get; init; } = [];

    public IReadOnlyList<string> Providers { get; init; } = [];

    public int BillingAccounts { get; init; }

    public int SubAccounts { get; init; }

    public int Pools { get; init; }

    public int Commitments { get; init; }

    public int Resources { get; init; }

    public decimal BilledCost { get; init; }

    public decimal EffectiveCost { get; init; }

    public string? Currency { get; init; }

    public TimeSpan Elapsed { get; init; }

    /// <summary>Of <see cref="Elapsed"/>, the time spent reading and aggregating the files.</summary>
    public TimeSpan ScanTime { get; init; }

    /// <summary>Of <see cref="Elapsed"/>, the time spent writing facts in the database transaction.</summary>
    public TimeSpan WriteTime { get; init; }

    public long Bytes { get; init; }

    public static IngestReport Rejected(string problem, IReadOnlyList<RowError>? errors = null, long rowsRead = 0, long rowsRejected = 0) => new()
    {
        Outcome = IngestOutcome.Rejected,
        Problem = problem,
        Errors = errors ?? [],
        RowsRead = rowsRead,
        RowsRejected = rowsRejected,
    };
}
