using Tranche.Data;
using Tranche.Server.Auth;

namespace Tranche.Server;

public enum LogFormat
{
    /// <summary>One readable line per event, for a terminal.</summary>
    Text,

    /// <summary>One JSON object per event, for log collectors.</summary>
    Json,
}

/// <summary>Everything <c>tranche serve</c> needs to run; the command line fills it from flags and environment.</summary>
public sealed class TrancheServerOptions
{
    public const string DefaultUrl = "http://localhost:5080";

    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    public required DatabaseTarget Database { get; init; }

    /// <summary>Where Tranche keeps its files (the SQLite database by default, billing files, demo credentials).</summary>
    public required string DataDirectory { get; init; }

    /// <summary>
    /// Apply pending migrations before serving. SQLite always does; on PostgreSQL it is opt-in
    /// (<c>--migrate</c>), because a shared production database is usually migrated as a deploy step.
    /// </summary>
    public bool Migrate { get; init; }

    public RateLimitOptions RateLimit { get; init; } = new();

    /// <summary>The largest billing file <c>POST /v1/org/{org_id}/uploads</c> accepts.</summary>
    public long MaxUploadBytes { get; init; } = 5L << 30;

    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// Configuration values laid over the environment's (for example <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>), for hosts
    /// that embed the server and for tests.
    /// </summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
}
