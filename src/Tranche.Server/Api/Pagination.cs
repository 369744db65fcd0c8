using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tranche.Server.Api;

/// <summary>
/// The <c>X-Pagination</c> header of the published API. Keys that do not apply are left out rather than null
/// (no previous page on page 1, nothing but totals for an empty list), as the contract types them as integers.
/// </summary>
[ApiSchema("PaginationMetadata")]
public sealed record PaginationMetadata(
    int Total,
    int TotalPages,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? FirstPage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? LastPage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Page,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? PreviousPage,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? NextPage)
{
    public const string HeaderName = "X-Pagination";

    public static PaginationMetadata For(int total, int page, int pageSize)
    {
        if (total == 0)
        {
            return new PaginationMetadata(0, 0, null, null, null, null, null);
        }

        var lastPage = (int)((total + (long)pageSize - 1) / pageSize);
        return new PaginationMetadata(
            total,
            lastPage,
            FirstPage: 1,
            LastPage: lastPage,
            Page: page,
            PreviousPage: page > 1 ? Math.Min(page - 1, lastPage) : null,
            NextPage: page < lastPage ? page + 1 : null);
    }

    /// <summary>Rows to skip for <paramref name="page"/> (1-based); a page far past the end skips everything rather than overflowing.</summary>
    public static int Offset(int page, int pageSize) => (int)Math.Min((long)(page - 1) * pageSize, int.MaxValue);

    public void WriteTo(HttpResponse response) => response.Headers[HeaderName] = ToHeaderValue();

    public string ToHeaderValue() => JsonSerializer.Serialize(this, ApiJson.Options);
}
