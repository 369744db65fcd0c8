using System.Globalization;
using System.Numerics;
using System.Text.Json;

namespace Tranche.Domain.Querying;

/// <summary>How a filterable field's values are read, parsed from the filter and compared.</summary>
public enum FieldKind
{
    /// <summary><see cref="string"/>; compared case-insensitively (ordinal).</summary>
    Text,

    /// <summary><see cref="double"/>, <see cref="int"/>, <see cref="long"/>, <see cref="decimal"/> (...); compared as <see cref="double"/>.</summary>
    Number,

    /// <summary><see cref="bool"/>.</summary>
    Boolean,

    /// <summary><see cref="DateTime"/> in UTC (or <see cref="DateTimeOffset"/>).</summary>
    Timestamp,

    /// <summary><see cref="DateOnly"/>.</summary>
    Date,
}

/// <summary>One filterable field of <typeparamref name="T"/>: its published name, kind and how to read it (null = no value).</summary>
public sealed record FilterField<T>(string Name, FieldKind Kind, Func<T, object?> Read);

/// <summary>
/// A filter that cannot be used. <see cref="Field"/> is what to name in the 422: the field (or filter key) at fault, or
/// <c>filter</c> when the filter as a whole is malformed.
/// </summary>
public sealed class FieldFilterException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Turns the <c>filter</c> query parameter of the commitment listings into a predicate, parsed once and compiled into a tree
/// of closures with typed constants, so evaluating it does not allocate.
/// </summary>
/// <remarks>The grammar is <see cref="Grammar"/>.</remarks>
public static class FieldFilter
{
    /// <summary>The grammar, as documentation for API readers (Markdown, pasted into the OpenAPI description).</summary>
    public const string Grammar = """
        `filter` is a JSON object or array (URL-encoded in the query string). Omitted, empty or `null` matches everything.

        **Criteria object**: every key must hold (AND).

        - `{"status": "active"}`: the field equals the value.
        - `{"region": ["us-east-1", "us-west-2"]}`: the field equals any of the values (a `null` in the list matches no value).
        - `{"az": null}`: the field has no value.
        - `{"utilization": {"gte": 0.5, "lt": 0.9}}`: an operator object; every operator in it must hold. Operators:
          `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `in` (array), `not_in` (array), `contains` (text: case-insensitive substring),
          `like` (text), `is_null` (`true` or `false`), `is_not_null` (`true` or `false`), and the symbols below.
        - `{"and": [f1, f2]}`, `{"or": [f1, f2]}`, `{"not": f}`: combinators, where each `f` is any filter of this grammar.
          They may stand beside field keys; a field named `and`, `or` or `not` can be filtered with the single-criterion form.

        **Single criterion**: `{"field": "type", "op": "=", "value": "Standard"}`. An object whose keys are exactly `field`,
        `op` and `value` (`value` may be left out for `is_null` and `is_not_null`) is read this way. Operators:
        `=` `==` `eq` (equal), `!=` `<>` `ne` (not equal), `>` `gt`, `>=` `gte`, `<` `lt`, `<=` `lte`,
        `in` and `not_in` (value is an array), `contains` (text, case-insensitive substring),
        `like` (text, SQL LIKE: `%` any run of characters, `_` one character, case-insensitive, no escape character,
        the whole text must match), `is_null` and `is_not_null` (value ignored).

        **Array** `[f1, f2]`: every filter must hold (AND).

        Rules:

        - Field names are the published snake_case names (also matched case-insensitively); operator names and the keys
          `and`, `or`, `not`, `field`, `op`, `value` are case-insensitive.
        - Values by field type: text takes a string (a JSON number is compared as its text, e.g. `10`); number takes a JSON
          number or a numeric string (`"0.5"`, invariant culture); boolean takes `true` or `false` (or the strings `"true"`,
          `"false"`); date takes `YYYY-MM-DD` (a date-time at exactly midnight UTC is also accepted); timestamp takes ISO 8601
          `YYYY-MM-DDTHH:MM[:SS[.fffffff]]` (`T` or a space) with `Z` or an offset (none means UTC), or `YYYY-MM-DD` meaning
          midnight UTC.
        - Text compares case-insensitively, also for `gt`/`lt` ordering (ordinal, ignoring case); numbers numerically;
          dates and timestamps chronologically. Ranges do not apply to booleans; `contains` and `like` apply to text only.
        - A field with no value fails every comparison except `is_null`, `ne` and `not_in`, for which it differs from every
          value. `eq` (`=`) with `null` means `is_null`; `ne` (`!=`) with `null` means `is_not_null`.
        - `{}` and `[]` match everything; `{"or": []}` and `"in": []` match nothing.
        - At most 16 levels of nesting (the filter itself is the first; each array, `and`, `or` and `not` opens another) and
          at most 1000 criteria (each comparison, each `and`, `or`, `not`, each array of filters and each empty object
          counts one).
        - An unknown field or operator, a value of the wrong type, or malformed JSON is refused with 422, naming the field,
          operator or value.
        """;

    private const int MaxLevels = 16;
    private const int MaxCriteria = 1000;

    // A legal filter nests JSON at most 2 * 15 + 3 deep (and/or arrays, then an operator object holding a list).
    private const int MaxJsonNesting = 40;

    private const string Whole = "filter";

    private enum Op
    {
        Eq,
        Ne,
        Gt,
        Gte,
        Lt,
        Lte,
        In,
        NotIn,
        Contains,
        Like,
        IsNull,
        IsNotNull,
    }

    private static readonly (string Name, Op Op)[] s_operators =
    [
        ("=", Op.Eq), ("==", Op.Eq), ("eq", Op.Eq),
        ("!=", Op.Ne), ("<>", Op.Ne), ("ne", Op.Ne),
        (">", Op.Gt), ("gt", Op.Gt),
        (">=", Op.Gte), ("gte", Op.Gte),
        ("<", Op.Lt), ("lt", Op.Lt),
        ("<=", Op.Lte), ("lte", Op.Lte),
        ("in", Op.In), ("not_in", Op.NotIn),
        ("contains", Op.Contains), ("like", Op.Like),
        ("is_null", Op.IsNull), ("is_not_null", Op.IsNotNull),
    ];

    private static readonly Dictionary<string, Op> s_operatorsByName =
        s_operators.ToDictionary(o => o.Name, o => o.Op, StringComparer.OrdinalIgnoreCase);

    private static readonly string s_operatorList = string.Join(", ", s_operators.Select(o => o.Name));

    private static readonly string[] s_timestampFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd'T'HH:mmK",
        "yyyy-MM-dd' 'HH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd' 'HH:mmK",
    ];

    /// <summary>
    /// Parses <paramref name="text"/> against <paramref name="fields"/> (grammar in the remarks). Null, empty, whitespace or
    /// <c>null</c> matches everything.
    /// </summary>
    /// <exception cref="FieldFilterException">Malformed JSON, an unknown field or operator, a value of the wrong type, or a
    /// filter over the size limits.</exception>
    public static Func<T, bool> Parse<T>(string? text, IReadOnlyCollection<FilterField<T>> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        if (string.IsNullOrWhiteSpace(text))
        {
            return static _ => true;
        }

        if (Nesting(text) > MaxJsonNesting)
        {
            throw TooDeep();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxJsonNesting + 1 });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is > 0 ? $"line {e.LineNumber + 1}, position {e.BytePositionInLine}" : $"position {e.BytePositionInLine}";
            throw new FieldFilterException(Whole, $"The filter is not valid JSON (at {where}).");
        }

        using (document)
        {
            var root = document.RootElement;
            return root.ValueKind switch
            {
                JsonValueKind.Null => static _ => true,
                JsonValueKind.Object or JsonValueKind.Array => new Compiler<T>(fields).Filter(root, 1),
                _ => throw new FieldFilterException(Whole, "The filter must be a JSON object or array."),
            };
        }
    }

    private static FieldFilterException TooDeep() => new(Whole, $"The filter nests more than {MaxLevels} levels deep.");

    /// <summary>The deepest bracket nesting outside strings, counted only as far as just past the limit.</summary>
    private static int Nesting(string text)
    {
        int depth = 0, deepest = 0;
        bool inString = false, escaped = false;
        foreach (var c in text)
        {
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{' or '[':
                    depth++;
                    deepest = Math.Max(deepest, depth);
                    if (deepest > MaxJsonNesting)
                    {
                        return deepest;
                    }

                    break;
                case '}' or ']':
                    depth--;
                    break;
                default:
                    break;
            }
        }

        return deepest;
    }

    private sealed class Compiler<T>
    {
        private readonly Dictionary<string, FilterField<T>> _exact = new(StringComparer.Ordinal);
        private readonly Dictionary<string, FilterField<T>> _folded = new(StringComparer.OrdinalIgnoreCase);
        private readonly string _fieldList;
        private int _criteria;

        public Compiler(IReadOnlyCollection<FilterField<T>> fields)
        {
            foreach (var field in fields)
            {
                if (!_exact.TryAdd(field.Name, field))
                {
                    throw new ArgumentException($"Field '{field.Name}' is listed twice.", nameof(fields));
                }

                _folded.TryAdd(field.Name, field);
            }

            _fieldList = string.Join(", ", fields.Select(f => f.Name));
        }

        public Func<T, bool> Filter(JsonElement element, int level)
        {
            if (level > MaxLevels)
            {
                throw TooDeep();
            }

            switch (element.ValueKind)
            {
                case JsonValueKind.Array:
                    Count();
                    return All([.. element.EnumerateArray().Select(e => Filter(e, level + 1))]);
                case JsonValueKind.Object:
                    return Object(element, level);
                default:
                    throw new FieldFilterException(Whole, $"Each filter must be a JSON object or array; {Show(element)} is not.");
            }
        }

        private Func<T, bool> Object(JsonElement element, int level)
        {
            if (SingleCriterion(element) is { } single)
            {
                return single;
            }

            var parts = new List<Func<T, bool>>();
            foreach (var property in element.EnumerateObject())
            {
                var key = property.Name;
                if (key.Equals("and", StringComparison.OrdinalIgnoreCase))
                {
                    Count();
                    parts.Add(All(Filters(key, property.Value, level)));
                }
                else if (key.Equals("or", StringComparison.OrdinalIgnoreCase))
                {
                    Count();
                    parts.Add(Any(Filters(key, property.Value, level)));
                }
                else if (key.Equals("not", StringComparison.OrdinalIgnoreCase))
                {
                    Count();
                    var inner = Filter(property.Value, level + 1);
                    parts.Add(x => !inner(x));
                }
                else
                {
                    parts.Add(Criterion(Field(key), property.Value));
                }
            }

            if (parts.Count == 0)
            {
                Count();
            }

            return All(parts);
        }

        private List<Func<T, bool>> Filters(string key, JsonElement value, int level)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                throw new FieldFilterException(Whole, $"'{key}' takes an array of filters; {Show(value)} is not one.");
            }

            return [.. value.EnumerateArray().Select(e => Filter(e, level + 1))];
        }

        /// <summary>The documented <c>{"field": ..., "op": ..., "value": ...}</c> form, recognised by its keys alone.</summary>
        private Func<T, bool>? SingleCriterion(JsonElement element)
        {
            JsonElement? name = null, op = null, value = null;
            var keys = 0;
            foreach (var property in element.EnumerateObject())
            {
                keys++;
                if (property.Name.Equals("field", StringComparison.OrdinalIgnoreCase) && name is null)
                {
                    name = property.Value;
                }
                else if (property.Name.Equals("op", StringComparison.OrdinalIgnoreCase) && op is null)
                {
                    op = property.Value;
                }
                else if (property.Name.Equals("value", StringComparison.OrdinalIgnoreCase) && value is null)
                {
                    value = property.Value;
                }
                else
                {
                    return null;
                }
            }

            if (name is not { } nameElement || op is not { } opElement || keys != (value is null ? 2 : 3))
            {
                return null;
            }

            if (nameElement.ValueKind != JsonValueKind.String)
            {
                throw new FieldFilterException(Whole, $"'field' must be a field name as a string; {Show(nameElement)} is not.");
            }

            var field = Field(nameElement.GetString()!);
            if (opElement.ValueKind != JsonValueKind.String)
            {
                throw new FieldFilterException(field.Name, $"'op' for '{field.Name}' must be an operator name as a string; {Show(opElement)} is not.");
            }

            var opName = opElement.GetString()!;
            var kind = Operator(field, opName);
            if (kind is Op.IsNull or Op.IsNotNull)
            {
                return Leaf(field, kind, opName, null);
            }

            return value is { } v
                ? Leaf(field, kind, opName, v)
                : throw new FieldFilterException(field.Name, $"Operator '{opName}' for '{field.Name}' needs a 'value'.");
        }

        private Func<T, bool> Criterion(FilterField<T> field, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    return Leaf(field, Op.IsNull, "is_null", null);
                case JsonValueKind.Array:
                    return Leaf(field, Op.In, "in", value);
                case JsonValueKind.Object:
                    var parts = new List<Func<T, bool>>();
                    foreach (var property in value.EnumerateObject())
                    {
                        var op = Operator(field, property.Name);
                        if (op is Op.IsNull or Op.IsNotNull)
                        {
                            // In an operator object the null checks take a flag: {"is_null": false} means "has a value".
                            var wanted = property.Value.ValueKind switch
                            {
                                JsonValueKind.True => true,
                                JsonValueKind.False => false,
                                _ => throw new FieldFilterException(
                                    field.Name, $"Operator '{property.Name}' for '{field.Name}' takes true or false; {Show(property.Value)} is not."),
                            };
                            parts.Add(Leaf(field, (op == Op.IsNull) == wanted ? Op.IsNull : Op.IsNotNull, property.Name, null));
                        }
                        else
                        {
                            parts.Add(Leaf(field, op, property.Name, property.Value));
                        }
                    }

                    return parts.Count > 0
                        ? All(parts)
                        : throw new FieldFilterException(field.Name, $"The operator object for '{field.Name}' is empty; use one of: {s_operatorList}.");
                default:
                    return Leaf(field, Op.Eq, "eq", value);
            }
        }

        private FilterField<T> Field(string key) =>
            _exact.TryGetValue(key, out var field) || _folded.TryGetValue(key, out field)
                ? field
                : throw new FieldFilterException(key, $"Unknown field '{Clip(key)}'; filterable fields: {_fieldList}.");

        private static Op Operator(FilterField<T> field, string name) =>
            s_operatorsByName.TryGetValue(name, out var op)
                ? op
                : throw new FieldFilterException(field.Name, $"Unknown operator '{Clip(name)}' for '{field.Name}'; use one of: {s_operatorList}.");

        private void Count()
        {
            if (++_criteria > MaxCriteria)
            {
                throw new FieldFilterException(Whole, $"The filter has more than {MaxCriteria} criteria.");
            }
        }

        /// <summary>One comparison. <paramref name="value"/> is null only for the null checks.</summary>
        private Func<T, bool> Leaf(FilterField<T> field, Op op, string opName, JsonElement? value)
        {
            Count();
            var read = field.Read;
            if (op is Op.Eq or Op.Ne && value is { ValueKind: JsonValueKind.Null })
            {
                op = op == Op.Eq ? Op.IsNull : Op.IsNotNull;
            }

            switch (op)
            {
                case Op.IsNull:
                    return x => read(x) is null;
                case Op.IsNotNull:
                    return x => read(x) is not null;
                case Op.In or Op.NotIn:
                    if (value is not { ValueKind: JsonValueKind.Array })
                    {
                        throw new FieldFilterException(field.Name, $"Operator '{opName}' for '{field.Name}' takes an array of values; {Show(value)} is not one.");
                    }

                    break;
                default:
                    if (value is not { } single || single.ValueKind is JsonValueKind.Null or JsonValueKind.Array or JsonValueKind.Object)
                    {
                        var hint = op == Op.Eq && value is { ValueKind: JsonValueKind.Array } ? " (use 'in' for a list)" : "";
                        throw new FieldFilterException(field.Name, $"Operator '{opName}' for '{field.Name}' takes a single value; {Show(value)} is not one{hint}.");
                    }

                    break;
            }

            if (op is Op.Contains or Op.Like && field.Kind != FieldKind.Text)
            {
                throw new FieldFilterException(field.Name, $"Operator '{opName}' applies only to text; '{field.Name}' is {Describe(field.Kind)}.");
            }

            if (op is Op.Gt or Op.Gte or Op.Lt or Op.Lte && field.Kind == FieldKind.Boolean)
            {
                throw new FieldFilterException(field.Name, $"Operator '{opName}' does not apply to '{field.Name}', which is true or false.");
            }

            var element = value!.Value;
            var name = field.Name;
            return field.Kind switch
            {
                FieldKind.Text => TextLeaf(read, name, op, element),
                FieldKind.Number => Typed(read, op, element, e => ParseNumber(name, e), v => ReadNumber(name, v)),
                FieldKind.Boolean => Typed(read, op, element, e => ParseBoolean(name, e), v => ReadBoolean(name, v)),
                FieldKind.Timestamp => Typed(read, op, element, e => ParseTimestamp(name, e), v => ReadTimestamp(name, v)),
                FieldKind.Date => Typed(read, op, element, e => ParseDate(name, e), v => ReadDate(name, v)),
                _ => throw new ArgumentOutOfRangeException(nameof(field), field.Kind, "Unknown field kind."),
            };
        }

        private static Func<T, bool> Typed<TValue>(
            Func<T, object?> read, Op op, JsonElement value, Func<JsonElement, TValue> parse, Func<object, TValue> convert)
            where TValue : struct, IComparisonOperators<TValue, TValue, bool>
        {
            if (op is Op.In or Op.NotIn)
            {
                var set = new HashSet<TValue>();
                var hasNull = false;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Null)
                    {
                        hasNull = true;
                    }
                    else
                    {
                        set.Add(parse(item));
                    }
                }

                return op == Op.In
                    ? x => read(x) is { } v ? set.Contains(convert(v)) : hasNull
                    : x => read(x) is { } v ? !set.Contains(convert(v)) : !hasNull;
            }

            var c = parse(value);
            return op switch
            {
                Op.Eq => x => read(x) is { } v && convert(v) == c,
                Op.Ne => x => read(x) is not { } v || convert(v) != c,
                Op.Gt => x => read(x) is { } v && convert(v) > c,
                Op.Gte => x => read(x) is { } v && convert(v) >= c,
                Op.Lt => x => read(x) is { } v && convert(v) < c,
                Op.Lte => x => read(x) is { } v && convert(v) <= c,
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Not a comparison."),
            };
        }

        private static Func<T, bool> TextLeaf(Func<T, object?> read, string name, Op op, JsonElement value)
        {
            string Of(object v) => v as string ?? throw WrongRead(name, FieldKind.Text, v);

            if (op is Op.In or Op.NotIn)
            {
                var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                var hasNull = false;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind == JsonValueKind.Null)
                    {
                        hasNull = true;
                    }
                    else
                    {
                        set.Add(ParseText(name, item));
                    }
                }

                return op == Op.In
                    ? x => read(x) is { } v ? set.Contains(Of(v)) : hasNull
                    : x => read(x) is { } v ? !set.Contains(Of(v)) : !hasNull;
            }

            var c = ParseText(name, value);
            return op switch
            {
                Op.Eq => x => read(x) is { } v && string.Equals(Of(v), c, StringComparison.OrdinalIgnoreCase),
                Op.Ne => x => read(x) is not { } v || !string.Equals(Of(v), c, StringComparison.OrdinalIgnoreCase),
                Op.Gt => x => read(x) is { } v && string.Compare(Of(v), c, StringComparison.OrdinalIgnoreCase) > 0,
                Op.Gte => x => read(x) is { } v && string.Compare(Of(v), c, StringComparison.OrdinalIgnoreCase) >= 0,
                Op.Lt => x => read(x) is { } v && string.Compare(Of(v), c, StringComparison.OrdinalIgnoreCase) < 0,
                Op.Lte => x => read(x) is { } v && string.Compare(Of(v), c, StringComparison.OrdinalIgnoreCase) <= 0,
                Op.Contains => x => read(x) is { } v && Of(v).Contains(c, StringComparison.OrdinalIgnoreCase),
                Op.Like => x => read(x) is { } v && Like(Of(v), c),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Not a comparison."),
            };
        }

        private static Func<T, bool> All(List<Func<T, bool>> parts)
        {
            switch (parts.Count)
            {
                case 0:
                    return static _ => true;
                case 1:
                    return parts[0];
                case 2:
                    var (a, b) = (parts[0], parts[1]);
                    return x => a(x) && b(x);
                default:
                    var all = parts.ToArray();
                    return x =>
                    {
                        foreach (var part in all)
                        {
                            if (!part(x))
                            {
                                return false;
                            }
                        }

                        return true;
                    };
            }
        }

        private static Func<T, bool> Any(List<Func<T, bool>> parts)
        {
            switch (parts.Count)
            {
                case 0:
                    return static _ => false;
                case 1:
                    return parts[0];
                case 2:
                    var (a, b) = (parts[0], parts[1]);
                    return x => a(x) || b(x);
                default:
                    var any = parts.ToArray();
                    return x =>
                    {
                        foreach (var part in any)
                        {
                            if (part(x))
                            {
                                return true;
                            }
                        }

                        return false;
                    };
            }
        }
    }

    // Values written in the filter, parsed once into typed constants.

    private static string ParseText(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Number => e.GetRawText(),
        _ => throw Wrong(name, FieldKind.Text, e),
    };

    private static double ParseNumber(string name, JsonElement e)
    {
        var ok = e.ValueKind switch
        {
            JsonValueKind.Number => e.TryGetDouble(out var d) && double.IsFinite(d) ? d : (double?)null,
            JsonValueKind.String => double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
                ? d
                : null,
            _ => null,
        };
        return ok ?? throw Wrong(name, FieldKind.Number, e);
    }

    private static byte ParseBoolean(string name, JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.True => 1,
        JsonValueKind.False => 0,
        JsonValueKind.String when bool.TryParse(e.GetString(), out var b) => b ? (byte)1 : (byte)0,
        _ => throw Wrong(name, FieldKind.Boolean, e),
    };

    /// <summary>UTC ticks.</summary>
    private static long ParseTimestamp(string name, JsonElement e) =>
        e.ValueKind == JsonValueKind.String && TimestampTicks(e.GetString()!) is { } ticks ? ticks : throw Wrong(name, FieldKind.Timestamp, e);

    /// <summary>Day number.</summary>
    private static int ParseDate(string name, JsonElement e)
    {
        if (e.ValueKind == JsonValueKind.String)
        {
            var text = e.GetString()!;
            if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                return date.DayNumber;
            }

            if (TimestampTicks(text) is { } ticks && ticks % TimeSpan.TicksPerDay == 0)
            {
                return (int)(ticks / TimeSpan.TicksPerDay);
            }
        }

        throw Wrong(name, FieldKind.Date, e);
    }

    private static long? TimestampTicks(string text)
    {
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return date.DayNumber * TimeSpan.TicksPerDay;
        }

        return DateTimeOffset.TryParseExact(text, s_timestampFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcTicks
            : null;
    }

    // Values read from items: unboxed, never boxed again.

    private static double ReadNumber(string name, object v) => v switch
    {
        double d => d,
        int i => i,
        long l => l,
        decimal m => (double)m,
        float f => f,
        short s => s,
        uint u => u,
        ulong u => u,
        ushort u => u,
        byte b => b,
        sbyte b => b,
        _ => throw WrongRead(name, FieldKind.Number, v),
    };

    private static byte ReadBoolean(string name, object v) => v is bool b ? (b ? (byte)1 : (byte)0) : throw WrongRead(name, FieldKind.Boolean, v);

    private static long ReadTimestamp(string name, object v) => v switch
    {
        DateTime { Kind: DateTimeKind.Local } local => local.ToUniversalTime().Ticks,
        DateTime at => at.Ticks,
        DateTimeOffset at => at.UtcTicks,
        _ => throw WrongRead(name, FieldKind.Timestamp, v),
    };

    private static int ReadDate(string name, object v) => v switch
    {
        DateOnly d => d.DayNumber,
        DateTime at => DateOnly.FromDateTime(at).DayNumber,
        _ => throw WrongRead(name, FieldKind.Date, v),
    };

    /// <summary>SQL LIKE, case-insensitive: <c>%</c> any run of characters, <c>_</c> exactly one; the whole text must match.</summary>
    private static bool Like(string text, string pattern)
    {
        int t = 0, p = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '%')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && (pattern[p] == '_' || char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(text[t])))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '%')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static string Describe(FieldKind kind) => kind switch
    {
        FieldKind.Text => "text",
        FieldKind.Number => "a number",
        FieldKind.Boolean => "true or false",
        FieldKind.Timestamp => "a timestamp (ISO 8601, e.g. 2024-01-31T12:00:00Z)",
        FieldKind.Date => "a date (YYYY-MM-DD)",
        _ => kind.ToString(),
    };

    private static FieldFilterException Wrong(string name, FieldKind kind, JsonElement value) =>
        new(name, $"'{name}' is {Describe(kind)}; {Show(value)} is not.");

    private static InvalidOperationException WrongRead(string name, FieldKind kind, object value) =>
        new($"Field '{name}' is declared {kind} but its reader returned a {value.GetType().Name}.");

    private static string Show(JsonElement? value) => value switch
    {
        null => "nothing",
        { ValueKind: JsonValueKind.String } s => $"'{Clip(s.GetString()!)}'",
        { } e => Clip(e.GetRawText()),
    };

    private static string Clip(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
}
