using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

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

    public static async Task<T> ReadAsync<T>(HttpRequest request)
        where T : class, IValidatedRequest
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge);
        }

        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            var mediaType = request.ContentType?.Split(';')[0].Trim();
            if (mediaType is { Length: > 0 } && mediaType != "application/json" && !mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
            {
                throw RequestValidationException.For("headers", "Content-Type", $"Expected application/json, got '{mediaType}'.");
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
                throw new RequestValidationException(Explain<T>(e));
            }

            var errors = new RequestErrors();
            value!.Validate(errors);
            errors.ThrowIfAny();
            return value;
        }
    }

    private static RequestErrors Explain<T>(JsonException e)
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
            errors.Add("json", Join(field, unmapped.Groups[1].Value), "Unknown field.");
        }
        else if (NullNotAllowed().IsMatch(message))
        {
            errors.Add("json", field, "Field may not be null.");
        }
        else if (ConvertedTo().Match(message) is { Success: true } converted)
        {
            errors.Add("json", field, DescribeExpected<T>(converted.Groups[1].Value));
        }
        else
        {
            errors.Add("json", field, "Invalid value.");
        }

        return errors;
    }

    /// <summary>Turns a <see cref="JsonException.Path"/> like <c>$.items[0].name</c> into <c>items.0.name</c>.</summary>
    private static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "_schema";
        }

        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return BracketIndex().Replace(field, ".$1").Trim('.');
    }

    private static string Join(string parent, string child) => parent == "_schema" ? child : $"{parent}.{child}";

    private static string DescribeExpected<T>(string typeName)
    {
        if (NullableOf().Match(typeName) is { Success: true } inner)
        {
            typeName = inner.Groups[1].Value;
        }

        return typeName switch
        {
            "System.String" => "Not a valid string.",
            "System.Int32" or "System.Int64" or "System.Int16" => "Not a valid integer.",
            "System.Boolean" => "Not a valid boolean.",
            "System.Decimal" or "System.Double" or "System.Single" => "Not a valid number.",
            "System.Guid" => "Not a valid UUID.",
            "System.DateOnly" => "Not a valid date.",
            "System.DateTime" or "System.DateTimeOffset" => "Not a valid datetime.",
            _ when FindEnum(typeof(T), typeName, depth: 0) is { } enumType =>
                $"Must be one of: {string.Join(", ", Enum.GetNames(enumType).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)))}.",
            _ when typeName.Contains("List", StringComparison.Ordinal) || typeName.EndsWith("[]", StringComparison.Ordinal) => "Not a valid list.",
            _ => "Invalid value.",
        };
    }

    private static Type? FindEnum(Type type, string fullName, int depth)
    {
        if (depth > 4)
        {
            return null;
        }

        foreach (var property in type.GetProperties())
        {
            var candidate = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (candidate.IsEnum && candidate.FullName == fullName)
            {
                return candidate;
            }

            if (candidate.IsClass && candidate != typeof(string) && FindEnum(candidate, fullName, depth + 1) is { } nested)
            {
                return nested;
            }
        }

        return null;
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

    [GeneratedRegex(@"doesn't allow (setting|getting) null values|cannot be null|null values")]
    private static partial Regex NullNotAllowed();

    [GeneratedRegex(@"could not be converted to ([^\s]+?)\.? Path")]
    private static partial Regex ConvertedTo();

    [GeneratedRegex(@"^System\.Nullable`1\[\[([^,\]]+)")]
    private static partial Regex NullableOf();

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
