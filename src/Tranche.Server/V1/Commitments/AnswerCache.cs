using System.IO.Compression;
using Microsoft.Extensions.Caching.Memory;

namespace Tranche.Server.V1.Commitments;

/// <summary>
/// Finished inventory answers (the body bytes, and their gzip form once a client asked for it), keyed by the org, the
/// version of its data and the query. A dashboard asks the same pages and charts again and again between loads; an
/// answer stays good until the data version moves, which every replica reads from the database on each request.
/// Bounded by bytes (<c>TRANCHE_ANSWER_CACHE_MB</c>, default 256; 0 turns it off); large answers are never kept.
/// </summary>
internal sealed class AnswerCache
{
    public const int LargestKeptAnswer = 8 << 20;

    private readonly MemoryCache? _cache;

    public AnswerCache(IConfiguration configuration)
    {
        var megabytes = int.TryParse(configuration["TRANCHE_ANSWER_CACHE_MB"], out var configured) ? configured : 256;
        _cache = megabytes > 0 ? new MemoryCache(new MemoryCacheOptions { SizeLimit = (long)megabytes << 20 }) : null;
    }

    public bool Enabled => _cache is not null;

    public sealed class Answer(byte[] body, string? pagination)
    {
        private byte[]? _gzip;

        public byte[] Body { get; } = body;

        public string? Pagination { get; } = pagination;

        public byte[] Gzip => _gzip ??= Compress(Body);

        private static byte[] Compress(byte[] body)
        {
            using var output = new MemoryStream(body.Length / 6 + 64);
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest))
            {
                gzip.Write(body);
            }

            return output.ToArray();
        }
    }

    public bool TryGet(Guid orgId, string version, string key, out Answer answer)
    {
        answer = null!;
        return _cache is not null && _cache.TryGetValue((orgId, version, key), out answer!);
    }

    public void Keep(Guid orgId, string version, string key, Answer answer)
    {
        if (_cache is not null && answer.Body.Length <= LargestKeptAnswer)
        {
            // Room for the gzip form too, which a later client may ask for.
            _cache.Set((orgId, version, key), answer, new MemoryCacheEntryOptions { Size = answer.Body.Length + answer.Body.Length / 4 + 256 });
        }
    }

    /// <summary>Sends a kept answer, compressed when the client accepts gzip.</summary>
    public static async Task SendAsync(HttpContext context, Answer answer)
    {
        var response = context.Response;
        response.ContentType = "application/json; charset=utf-8";
        response.Headers.Vary = "Accept-Encoding";
        if (answer.Pagination is not null)
        {
            response.Headers[Api.PaginationMetadata.HeaderName] = answer.Pagination;
        }

        var body = answer.Body;
        if (AcceptsGzip(context.Request))
        {
            body = answer.Gzip;
            response.Headers.ContentEncoding = "gzip";
        }

        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted);
    }

    private static bool AcceptsGzip(HttpRequest request)
    {
        foreach (var value in request.Headers.AcceptEncoding)
        {
            if (value is not null && value.Contains("gzip", StringComparison.OrdinalIgnoreCase) && !value.Contains("gzip;q=0", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
