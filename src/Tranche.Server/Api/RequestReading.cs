using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;

namespace Tranche.Server.Api;

/// <summary>A request body that checks its own values after it has been read.</summary>
public interface IValidatedRequest
{
    void Validate(RequestErrors errors);
}

/// <summary>
/// Reads JSON bodies strictly and explains every problem: malformed JSON is a 400 that says where it broke;
/// a wrong type, an unknown field, a missing or null required field is a 422 naming the field.
/// </summary>
public static partial class RequestJson
{
    public const long MaxBodyBytes = 1 << 20;

    /// <summary>How much of an oversized body is read and thrown away so the 413 reaches the client over a healthy connection.</summary>
    private const long DiscardLimitBytes = 16 << 20;

    /// <summary>
    /// Answering before the client has sent its body makes the server reset the connection, and a client still
    /// sending often loses the answer with it. A moderately oversized body is read to the end first; beyond the
    /// discard limit the connection is given up, as it must be.
    /// </summary>
    private static async Task DiscardBodyAsync(HttpRequest request)
    {
        if (request.ContentLength > DiscardLimitBytes ||
            request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is not { IsReadOnly: false } limit)
        {
            return;
        }

        limit.MaxRequestBodySize = DiscardLimitBytes;
        try
        {
            await request.Body.CopyToAsync(Stream.Null, request.HttpContext.RequestAborted);
        }
        catch (Exception e) when (e is IOException or BadHttpRequestException or OperationCanceledException)
        {
            // The client went away or lied about the length: the 413 is still the answer.
        }
    }

    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : class, IValidatedRequest
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            await DiscardBodyAsync(request);
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var mediaType = request.ContentType?.Split(';')[0].Trim();
            if (mediaType is { Length: > 0 } && mediaType != "application/json" && !mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            {
                throw new BadHttpRequestException($"The body is '{mediaType}'; this endpoint reads application/json.", StatusCodes.Status415UnsupportedMediaType);
            }
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(
                request.Body,
                new JsonDocumentOptions { MaxDepth = 32 },
                request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, position {e.BytePositionInLine + 1}" : "";
            var message = request.ContentLength == 0 || e.BytePositionInLine == 0 && e.LineNumber == 0
                ? "The request body is empty or not JSON; this endpoint expects a JSON object."
                : $"The request body is not valid JSON{where}.";
            throw new BadHttpRequestException(message, StatusCodes.Status400BadRequest, e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw RequestValidationException.For("json", "_schema", $"Expected a JSON object, got {Describe(document.RootElement.ValueKind)}.");
            }

            T? value;
            try
            {
                value = document.RootElement.Deserialize<T>(ApiJson.Options);
            }
            catch (JsonException e)
            {
                throw new RequestValidationException(Explain<T>(e, document.RootElement));
            }

            var errors = new RequestErrors();
            value!.Validate(errors);
            errors.ThrowIfAny();
            return value;
        }
    }

    private static RequestErrors Explain<T>(JsonException e, JsonElement document)
    {
        var errors = new RequestErrors();
        var message = e.Message;
        var field = FieldOf(e.Path);

        if (MissingRequired().Match(message) is { Success: true } missing)
        {
            foreach (Match name in QuotedName().Matches(missing.Groups[1].Value))
            {
                errors.Add("json", Join(field, name.Groups[1].Value), "Missing data for required field.");
            }
        }
        else if (UnmappedMember().Match(message) is { Success: true } unmapped)
        {
            // The path already ends at the unknown member.
            var name = unmapped.Groups[1].Value;
            errors.Add("json", field == name || field.EndsWith("." + name, StringComparison.Ordinal) ? field : Join(field, name), "Unknown field.");
        }
        else if (ValueAt(document, e.Path) is { ValueKind: JsonValueKind.Null })
        {
            errors.Add("json", field, "Field may not be null.");
        }
        else
        {
            errors.Add("json", field, DescribeExpected(TypeAt(typeof(T), e.Path)));
        }

        return errors;
    }

    /// <summary>Turns a <see cref="JsonException.Path"/> like <c>$.items[0].name</c> into <c>items.0.name</c>.</summary>
    private static string FieldOf(string? path)
    {
        var segments = Segments(path);
        return segments.Count == 0 ? "_schema" : string.Join('.', segments);
    }

    private static List<string> Segments(string? path) =>
        string.IsNullOrEmpty(path) ? [] : [.. BracketIndex().Replace(path.TrimStart('$'), ".$1").Split('.', StringSplitOptions.RemoveEmptyEntries)];

    private static string Join(string parent, string child) => parent == "_schema" ? child : $"{parent}.{child}";

    private static JsonElement? ValueAt(JsonElement root, string? path)
    {
        var node = root;
        foreach (var segment in Segments(path))
        {
            if (node.ValueKind == JsonValueKind.Object && node.TryGetProperty(segment, out var child))
            {
                node = child;
            }
            else if (node.ValueKind == JsonValueKind.Array && int.TryParse(segment, CultureInfo.InvariantCulture, out var index) && index < node.GetArrayLength())
            {
                node = node[index];
            }
            else
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>The .NET type a JSON path lands on, found through the same contract the serializer used.</summary>
    private static Type? TypeAt(Type root, string? path)
    {
        Type? type = root;
        foreach (var segment in Segments(path))
        {
            if (type is null)
            {
                return null;
            }

            var info = ApiJson.Options.GetTypeInfo(type);
            type = info.Kind switch
            {
                JsonTypeInfoKind.Object => info.Properties.FirstOrDefault(p => p.Name == segment)?.PropertyType,
                JsonTypeInfoKind.Enumerable => info.ElementType,
                JsonTypeInfoKind.Dictionary => info.ElementType,
                _ => null,
            };
        }

        return type;
    }

    private static string DescribeExpected(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "Invalid value.",
            _ when type == typeof(string) => "Not a valid string.",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "Not a valid integer.",
            _ when type == typeof(bool) => "Not a valid boolean.",
            _ when type == typeof(decimal) || type == typeof(double) || type == typeof(float) => "Not a valid number.",
            _ when type == typeof(Guid) => "Not a valid UUID.",
            _ when type == typeof(DateOnly) => "Not a valid date.",
            _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => "Not a valid datetime.",
            { IsEnum: true } => $"Must be one of: {string.Join(", ", Enum.GetNames(type).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName))}.",
            _ when ApiJson.Options.GetTypeInfo(type).Kind == JsonTypeInfoKind.Enumerable => "Not a valid list.",
            _ when ApiJson.Options.GetTypeInfo(type).Kind is JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "Not a valid object.",
            _ => "Invalid value.",
        };
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "something else",
    };

    [GeneratedRegex(@"missing required properties including: (.*)\.$")]
    private static partial Regex MissingRequired();

    [GeneratedRegex(@"'([^']+)'")]
    private static partial Regex QuotedName();

    [GeneratedRegex(@"The JSON property '([^']+)' could not be mapped")]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex BracketIndex();
}

/// <summary>
/// Reads query parameters and collects every bad one, so that a single 422 names them all. Parameters the endpoint
/// does not know are ignored, as published clients send extra ones.
/// </summary>
public sealed class QueryArgs(HttpRequest request)
{
    private readonly RequestErrors _errors = new();

    public int Int(string name, int defaultValue, int min, int max)
    {
        if (Raw(name) is not { } text)
        {
            return defaultValue;
        }

        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            _errors.Add("query", name, "Not a valid integer.");
            return defaultValue;
        }

        if (value < min)
        {
            _errors.Add("query", name, $"Must be greater than or equal to {min}.");
        }
        else if (value > max)
        {
            _errors.Add("query", name, $"Must be less than or equal to {max}.");
        }

        return value;
    }

    public bool Bool(string name, bool defaultValue)
    {
        if (Raw(name) is not { } text)
        {
            return defaultValue;
        }

        switch (text.ToLowerInvariant())
        {
            case "true" or "t" or "1" or "yes" or "y" or "on":
                return true;
            case "false" or "f" or "0" or "no" or "n" or "off":
                return false;
            default:
                _errors.Add("query", name, "Not a valid boolean.");
                return defaultValue;
        }
    }

    public string? String(string name, int maxLength = 1000)
    {
        var text = Raw(name);
        if (text is { Length: > 0 } && text.Length > maxLength)
        {
            _errors.Add("query", name, $"Longer than maximum length {maxLength}.");
            return null;
        }

        return text;
    }

    /// <summary>A required <c>YYYY-MM-DD</c> date.</summary>
    public DateOnly Date(string name)
    {
        if (Raw(name) is not { } text)
        {
            _errors.Add("query", name, "Missing data for required field.");
            return default;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            _errors.Add("query", name, "Not a valid date (expected YYYY-MM-DD).");
        }

        return date;
    }

    /// <summary>An optional <c>YYYY-MM</c> calendar month (years 2000 to 2999), as its first day.</summary>
    public DateOnly? Month(string name)
    {
        if (Raw(name) is not { } text)
        {
            return null;
        }

        if (text.Length != 7 || !DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month) ||
            month.Year is < 2000 or > 2999)
        {
            _errors.Add("query", name, "Not a valid month (expected YYYY-MM, years 2000 to 2999).");
            return null;
        }

        return month;
    }

    /// <summary>One of <paramref name="allowed"/> (exact, as published), or <paramref name="defaultValue"/> when absent.</summary>
    public string? OneOf(string name, IReadOnlyCollection<string> allowed, bool required = false, string? defaultValue = null)
    {
        if (Raw(name) is not { } text)
        {
            if (required)
            {
                _errors.Add("query", name, "Missing data for required field.");
            }

            return defaultValue;
        }

        if (!allowed.Contains(text))
        {
            _errors.Add("query", name, $"Must be one of: {string.Join(", ", allowed)}.");
            return defaultValue;
        }

        return text;
    }

    public Guid? Uuid(string name)
    {
        if (Raw(name) is not { } text)
        {
            return null;
        }

        if (!Guid.TryParseExact(text, "D", out var id))
        {
            _errors.Add("query", name, "Not a valid UUID.");
            return null;
        }

        return id;
    }

    /// <summary>
    /// A list of UUIDs, however clients send arrays: repeated (<c>ids=a&amp;ids=b</c>), bracketed (<c>ids[]=a</c>) or
    /// comma-separated (<c>ids=a,b</c>).
    /// </summary>
    public IReadOnlyList<Guid> UuidList(string name)
    {
        var ids = new List<Guid>();
        foreach (var text in ListValues(name))
        {
            if (Guid.TryParseExact(text, "D", out var id))
            {
                ids.Add(id);
            }
            else
            {
                _errors.Add("query", name, $"'{text}' is not a valid UUID.");
            }
        }

        return ids;
    }

    /// <summary>A list of values from <paramref name="allowed"/>, sent as arrays are (see <see cref="UuidList"/>).</summary>
    public IReadOnlyList<string> List(string name, IReadOnlyCollection<string> allowed)
    {
        var values = new List<string>();
        foreach (var text in ListValues(name))
        {
            if (allowed.Contains(text))
            {
                values.Add(text);
            }
            else
            {
                _errors.Add("query", name, $"'{text}' is not one of: {string.Join(", ", allowed)}.");
            }
        }

        return [.. values.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>Every value of an array parameter: repeated, bracketed (<c>name[]</c>) or comma-separated.</summary>
    private IEnumerable<string> ListValues(string name) =>
        request.Query[name].Concat(request.Query[name + "[]"])
            .SelectMany(value => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>A nullable boolean: absent or the literal <c>null</c> gives null.</summary>
    public bool? NullableBool(string name) => Raw(name) is null or "null" ? null : Bool(name, false);

    /// <summary>Adds a problem that involves several parameters (for example a range the wrong way round).</summary>
    public void Fail(string name, string message) => _errors.Add("query", name, message);

    public void ThrowIfInvalid() => _errors.ThrowIfAny();

    private string? Raw(string name)
    {
        var values = request.Query[name];
        if (values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            _errors.Add("query", name, "Expected one value, got several.");
        }

        return values[0];
    }
}

/// <summary>Path ids are UUIDs; anything else is a 422 that names the parameter.</summary>
public static class PathIds
{
    public static Guid Parse(string? value, string name) =>
        Guid.TryParseExact(value, "D", out var id)
            ? id
            : throw RequestValidationException.For("path", name, "Not a valid UUID.");
}
