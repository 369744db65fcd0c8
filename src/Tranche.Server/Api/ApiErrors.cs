using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Tranche.Server.Api;

/// <summary>The error body of every 4xx and 5xx answer except 422 (published as <c>ApiErrorResponse</c>).</summary>
[ApiSchema("ApiErrorResponse")]
public sealed record ApiErrorResponse(
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Detail,
    string? Code,
    string? Url,
    string Timestamp,
    string Type);

/// <summary>
/// The body of a 422 (published as <c>Error</c>): <c>errors</c> maps where the bad input was
/// (<c>json</c>, <c>query</c>, <c>path</c>, <c>form</c>, <c>headers</c>) to each field and its messages.
/// </summary>
[ApiSchema("Error")]
public sealed record ValidationErrorResponse(
    int Code,
    string Status,
    string Message,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> Errors);

/// <summary>Bad input found while reading a request; the error middleware answers it with a 422.</summary>
public sealed class RequestValidationException(RequestErrors errors) : Exception(errors.Summary())
{
    public RequestErrors Errors { get; } = errors;

    public static RequestValidationException For(string location, string field, string message)
    {
        var errors = new RequestErrors();
        errors.Add(location, field, message);
        return new RequestValidationException(errors);
    }
}

/// <summary>Collects every problem of one request, so the caller learns about all of them at once.</summary>
public sealed class RequestErrors
{
    private readonly SortedDictionary<string, SortedDictionary<string, List<string>>> _byLocation = new(StringComparer.Ordinal);

    public bool Any => _byLocation.Count > 0;

    public void Add(string location, string field, string message)
    {
        if (!_byLocation.TryGetValue(location, out var fields))
        {
            _byLocation[location] = fields = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        }

        if (!fields.TryGetValue(field, out var messages))
        {
            fields[field] = messages = [];
        }

        messages.Add(message);
    }

    public void ThrowIfAny()
    {
        if (Any)
        {
            throw new RequestValidationException(this);
        }
    }

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlyList<string>>> ToDictionary() =>
        _byLocation.ToDictionary(
            l => l.Key,
            l => (IReadOnlyDictionary<string, IReadOnlyList<string>>)l.Value.ToDictionary(f => f.Key, f => (IReadOnlyList<string>)f.Value),
            StringComparer.Ordinal);

    /// <summary>One line naming every bad field, e.g. <c>query.page: Must be greater than or equal to 1.</c></summary>
    public string Summary() => string.Join("; ",
        _byLocation.SelectMany(l => l.Value.Select(f => $"{l.Key}.{f.Key}: {string.Join(" ", f.Value)}")));
}

/// <summary>Error answers as <see cref="IResult"/>s, written in the published shapes.</summary>
public static class ApiResults
{
    public static IResult Error(HttpStatusCode status, string message, string code, object? detail = null) =>
        new ApiErrorResult((int)status, message, code, detail);

    public static IResult NotFound(string message, string code = "not_found") => Error(HttpStatusCode.NotFound, message, code);

    public static IResult Forbidden(string message, string code = "forbidden") => Error(HttpStatusCode.Forbidden, message, code);

    public static IResult Conflict(string message, string code, object? detail = null) => Error(HttpStatusCode.Conflict, message, code, detail);

    /// <summary>Why a plan could not be bought: 404 for a plan the org does not have, 409 with the reason for the rest.</summary>
    public static IResult Refused(Tranche.Providers.Purchasing.PurchaseRefusal refusal) =>
        refusal.NotFound ? NotFound(refusal.Message, refusal.Code) : Conflict(refusal.Message, refusal.Code, refusal.Detail);

    /// <summary>The werkzeug-style exception names the published API uses in <c>type</c>.</summary>
    public static string TypeName(int status) => status switch
    {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "LengthRequired",
        413 => "RequestEntityTooLarge",
        414 => "RequestURITooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        431 => "RequestHeaderFieldsTooLarge",
        500 => "InternalServerError",
        503 => "ServiceUnavailable",
        _ => status >= 500 ? "InternalServerError" : "BadRequest",
    };

    public static string ReasonPhrase(int status) => status switch
    {
        422 => "Unprocessable Entity",
        _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status),
    };

    public static Task WriteErrorAsync(HttpContext context, int status, string message, string code, object? detail = null)
    {
        var body = new ApiErrorResponse(
            message,
            detail,
            code,
            context.Request.Path + context.Request.QueryString,
            (context.RequestServices?.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
            TypeName(status));
        return WriteAsync(context, status, body);
    }

    public static Task WriteValidationErrorAsync(HttpContext context, RequestErrors errors)
    {
        var body = new ValidationErrorResponse(
            StatusCodes.Status422UnprocessableEntity,
            ReasonPhrase(StatusCodes.Status422UnprocessableEntity),
            $"The request was well-formed but had invalid values: {errors.Summary()}",
            errors.ToDictionary());
        return WriteAsync(context, StatusCodes.Status422UnprocessableEntity, body);
    }

    private static Task WriteAsync<T>(HttpContext context, int status, T body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, body, ApiJson.Options, context.RequestAborted);
    }

    private sealed class ApiErrorResult(int status, string message, string code, object? detail) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext httpContext) => WriteErrorAsync(httpContext, status, message, code, detail);
    }
}
