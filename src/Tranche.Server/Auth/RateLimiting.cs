using System.Globalization;
using System.Threading.RateLimiting;
using Tranche.Server.Api;

namespace Tranche.Server.Auth;

/// <summary>Requests per second each API key may make. A key may burst up to <see cref="Burst"/> at once.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second per key; 0 turns limiting off.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    public int Burst { get; set; } = 200;

    public bool Enabled => PermitsPerSecond > 0;
}

internal static class RateLimiting
{
    public static IServiceCollection AddPerKeyRateLimiting(this IServiceCollection services, RateLimitOptions limits)
    {
        services.AddRateLimiter(options =>
        {
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
            options.OnRejected = static async (rejected, cancellationToken) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiResults.WriteErrorAsync(
                    rejected.HttpContext,
                    StatusCodes.Status429TooManyRequests,
                    $"Too many requests for this API key; retry after {seconds} s.",
                    "rate_limited",
                    new { retry_after_seconds = seconds });
            };
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        // Keys are limited by key; anonymous API calls (about to be refused) by address, so floods of bad keys stay cheap.
        var partitionKey = context.Features.Get<Caller>() is { } caller
            ? caller.KeyId.ToString()
            : context.GetEndpoint()?.Metadata.GetMetadata<OrgRouteMetadata>() is not null || context.Request.Path.StartsWithSegments("/v1") || context.Request.Path.StartsWithSegments("/v2")
                ? "ip:" + context.Connection.RemoteIpAddress
                : null;
        if (partitionKey is null)
        {
            return RateLimitPartition.GetNoLimiter("infrastructure");
        }

        return RateLimitPartition.GetTokenBucketLimiter(partitionKey, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(limits.Burst, limits.PermitsPerSecond),
            TokensPerPeriod = limits.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
