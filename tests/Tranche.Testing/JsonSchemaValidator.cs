using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tranche.Testing;

/// <summary>
/// Validates JSON against a JSON Schema (2020-12, as OpenAPI 3.1 uses it), for the keywords the published contract
/// uses: <c>$ref</c> (local), <c>type</c> (one or a list, including <c>null</c>), <c>enum</c>, <c>const</c>,
/// <c>properties</c>, <c>required</c>, <c>additionalProperties</c> (false or a schema), <c>items</c>,
/// <c>anyOf</c>/<c>oneOf</c>/<c>allOf</c>, <c>format</c> (uuid, date, date-time), <c>pattern</c>, length, count
/// and range limits. Unknown keywords are errors of the validator, not silently passed.
/// </summary>
public sealed class JsonSchemaValidator(JsonElement root)
{
    private static readonly HashSet<string> s_annotations = new(StringComparer.Ordinal)
    {
        "description", "title", "readOnly", "writeOnly", "deprecated", "default", "example", "examples", "$schema", "$id", "$comment",
    };

    public IReadOnlyList<string> Validate(JsonElement instance, JsonElement schema)
    {
        var errors = new List<string>();
        Check(instance, schema, "$", errors, depth: 0);
        return errors;
    }

    /// <summary>Resolves a local reference such as <c>#/components/schemas/Org</c>.</summary>
    public JsonElement Resolve(string reference)
    {
        if (!reference.StartsWith("#/", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Only local references are supported, not {reference}.");
        }

        var node = root;
        foreach (var part in reference[2..].Split('/'))
        {
            var name = part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            if (!node.TryGetProperty(name, out node))
            {
                throw new KeyNotFoundException($"Reference {reference} does not resolve (no '{name}').");
            }
        }

        return node;
    }

    private void Check(JsonElement value, JsonElement schema, string path, List<string> errors, int depth)
    {
        if (depth > 64)
        {
            throw new InvalidOperationException($"Schema recursion too deep at {path}.");
        }

        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: no value is allowed here.");
            return;
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            switch (keyword.Name)
            {
                case "$ref":
                    Check(value, Resolve(keyword.Value.GetString()!), path, errors, depth + 1);
                    break;
                case "type":
                    CheckType(value, keyword.Value, path, errors);
                    break;
                case "enum":
                    if (!keyword.Value.EnumerateArray().Any(option => JsonElement.DeepEquals(option, value)))
                    {
                        errors.Add($"{path}: {value.GetRawText()} is not one of {keyword.Value.GetRawText()}.");
                    }

                    break;
                case "const":
                    if (!JsonElement.DeepEquals(keyword.Value, value))
                    {
                        errors.Add($"{path}: expected {keyword.Value.GetRawText()}, got {value.GetRawText()}.");
                    }

                    break;
                case "properties":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var property in keyword.Value.EnumerateObject())
                        {
                            if (value.TryGetProperty(property.Name, out var child))
                            {
                                Check(child, property.Value, $"{path}.{property.Name}", errors, depth + 1);
                            }
                        }
                    }

                    break;
                case "required":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var name in keyword.Value.EnumerateArray().Select(n => n.GetString()!))
                        {
                            if (!value.TryGetProperty(name, out _))
                            {
                                errors.Add($"{path}: required property '{name}' is missing.");
                            }
                        }
                    }

                    break;
                case "additionalProperties":
                    if (value.ValueKind == JsonValueKind.Object)
                    {
                        var declared = schema.TryGetProperty("properties", out var properties)
                            ? properties.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal)
                            : [];
                        foreach (var property in value.EnumerateObject().Where(p => !declared.Contains(p.Name)))
                        {
                            if (keyword.Value.ValueKind == JsonValueKind.False)
                            {
                                errors.Add($"{path}: property '{property.Name}' is not allowed (additionalProperties: false).");
                            }
                            else
                            {
                                Check(property.Value, keyword.Value, $"{path}.{property.Name}", errors, depth + 1);
                            }
                        }
                    }

                    break;
                case "items":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var index = 0;
                        foreach (var item in value.EnumerateArray())
                        {
                            Check(item, keyword.Value, $"{path}[{index++}]", errors, depth + 1);
                        }
                    }

                    break;
                case "anyOf":
                case "oneOf":
                    var matches = keyword.Value.EnumerateArray().Count(option => Validate(value, option).Count == 0);
                    if (matches == 0 || (keyword.Name == "oneOf" && matches > 1))
                    {
                        errors.Add($"{path}: matches {matches} of the {keyword.Name} options.");
                    }

                    break;
                case "allOf":
                    foreach (var option in keyword.Value.EnumerateArray())
                    {
                        Check(value, option, path, errors, depth + 1);
                    }

                    break;
                case "format":
                    CheckFormat(value, keyword.Value.GetString()!, path, errors);
                    break;
                case "pattern":
                    if (value.ValueKind == JsonValueKind.String && !Regex.IsMatch(value.GetString()!, keyword.Value.GetString()!))
                    {
                        errors.Add($"{path}: '{value.GetString()}' does not match {keyword.Value.GetString()}.");
                    }

                    break;
                case "minLength":
                case "maxLength":
                    if (value.ValueKind == JsonValueKind.String)
                    {
                        var length = new StringInfo(value.GetString()!).LengthInTextElements;
                        var limit = keyword.Value.GetInt32();
                        if (keyword.Name == "minLength" ? length < limit : length > limit)
                        {
                            errors.Add($"{path}: length {length} breaks {keyword.Name} {limit}.");
                        }
                    }

                    break;
                case "minItems":
                case "maxItems":
                    if (value.ValueKind == JsonValueKind.Array)
                    {
                        var count = value.GetArrayLength();
                        var limit = keyword.Value.GetInt32();
                        if (keyword.Name == "minItems" ? count < limit : count > limit)
                        {
                            errors.Add($"{path}: {count} items breaks {keyword.Name} {limit}.");
                        }
                    }

                    break;
                case "minimum":
                case "maximum":
                case "exclusiveMinimum":
                case "exclusiveMaximum":
                    if (value.ValueKind == JsonValueKind.Number)
                    {
                        var number = value.GetDouble();
                        var limit = keyword.Value.GetDouble();
                        var broken = keyword.Name switch
                        {
                            "minimum" => number < limit,
                            "maximum" => number > limit,
                            "exclusiveMinimum" => number <= limit,
                            _ => number >= limit,
                        };
                        if (broken)
                        {
                            errors.Add($"{path}: {number} breaks {keyword.Name} {limit}.");
                        }
                    }

                    break;
                default:
                    if (!s_annotations.Contains(keyword.Name))
                    {
                        throw new NotSupportedException($"The validator does not know the keyword '{keyword.Name}' (at {path}).");
                    }

                    break;
            }
        }
    }

    private static void CheckType(JsonElement value, JsonElement type, string path, List<string> errors)
    {
        var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
        if (!allowed.Any(t => IsType(value, t)))
        {
            errors.Add($"{path}: {Describe(value)} is not of type {string.Join(" or ", allowed)}.");
        }
    }

    private static bool IsType(JsonElement value, string type) => type switch
    {
        "null" => value.ValueKind == JsonValueKind.Null,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && IsInteger(value),
        _ => throw new NotSupportedException($"Unknown JSON type '{type}'."),
    };

    private static bool IsInteger(JsonElement value) =>
        value.TryGetInt64(out _) || (value.TryGetDouble(out var d) && Math.Floor(d) == d && !double.IsInfinity(d));

    private static void CheckFormat(JsonElement value, string format, string path, List<string> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return;
        }

        var text = value.GetString()!;
        var valid = format switch
        {
            "uuid" => Guid.TryParseExact(text, "D", out _),
            "date" => DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            "date-time" => Regex.IsMatch(text, @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$") &&
                           DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out _),
            "email" => text.Contains('@', StringComparison.Ordinal),
            "uri" or "url" => Uri.TryCreate(text, UriKind.Absolute, out _),
            "binary" or "int32" or "int64" or "float" or "double" or "password" => true,
            _ => throw new NotSupportedException($"Unknown format '{format}' at {path}."),
        };
        if (!valid)
        {
            errors.Add($"{path}: '{text}' is not a valid {format}.");
        }
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"string '{value.GetString()}'",
        JsonValueKind.Null => "null",
        _ => $"{value.ValueKind.ToString().ToLowerInvariant()} {value.GetRawText()}",
    };
}
