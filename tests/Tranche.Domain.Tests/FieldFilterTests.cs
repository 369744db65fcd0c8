using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CsCheck;
using Tranche.Domain.Querying;

namespace Tranche.Domain.Tests;

public sealed class FieldFilterTests
{
    private sealed record Commitment(
        string Id, string Type, string? Region, double Utilization, decimal Cost, int Term, bool Convertible, DateOnly? EndDate, DateTime? PurchasedAt);

    private static readonly FilterField<Commitment>[] s_fields =
    [
        new("type", FieldKind.Text, c => c.Type),
        new("region", FieldKind.Text, c => c.Region),
        new("utilization", FieldKind.Number, c => c.Utilization),
        new("cost", FieldKind.Number, c => c.Cost),
        new("term", FieldKind.Number, c => c.Term),
        new("convertible", FieldKind.Boolean, c => c.Convertible),
        new("end_date", FieldKind.Date, c => c.EndDate),
        new("purchased_at", FieldKind.Timestamp, c => c.PurchasedAt),
    ];

    private static readonly Commitment[] s_commitments =
    [
        new("a", "Compute Instance", "us-east-1", 0.95, 1200.50m, 12, false, new DateOnly(2025, 1, 31), new DateTime(2024, 2, 1, 9, 30, 0, DateTimeKind.Utc)),
        new("b", "Standard", "us-west-2", 0.5, 300m, 36, false, new DateOnly(2026, 6, 30), new DateTime(2023, 7, 1, 0, 0, 0, DateTimeKind.Utc)),
        new("c", "Convertible", null, 0.72, 80.25m, 12, true, null, null),
        new("d", "standard", "eu-west-1", 0.1, 0m, 36, true, new DateOnly(2025, 1, 31), new DateTime(2024, 2, 1, 0, 0, 0, DateTimeKind.Utc)),
    ];

    private static string Ids(string? filter) =>
        string.Concat(s_commitments.Where(FieldFilter.Parse(filter, s_fields)).Select(c => c.Id));

    private static FieldFilterException Refused(string filter) =>
        Assert.Throws<FieldFilterException>(() => FieldFilter.Parse(filter, s_fields));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  \n")]
    [InlineData("null")]
    [InlineData(" null ")]
    [InlineData("{}")]
    [InlineData("[]")]
    public void Nothing_to_filter_on_matches_everything(string? filter) => Assert.Equal("abcd", Ids(filter));

    [Fact]
    public void The_published_example_works()
    {
        Assert.Equal("a", Ids("""{"field":"type","op":"=","value":"Compute Instance"}"""));
        Assert.Equal("bd", Ids("""{"field":"type","op":"=","value":"Standard"}"""));
    }

    [Fact]
    public void Equality_compares_each_kind_in_its_own_way()
    {
        Assert.Equal("bd", Ids("""{"type": "STANDARD"}"""));
        Assert.Equal("b", Ids("""{"utilization": 0.5}"""));
        Assert.Equal("b", Ids("""{"utilization": "0.50"}"""));
        Assert.Equal("c", Ids("""{"cost": 80.25}"""));
        Assert.Equal("ac", Ids("""{"term": 12.0}"""));
        Assert.Equal("cd", Ids("""{"convertible": true}"""));
        Assert.Equal("ad", Ids("""{"end_date": "2025-01-31"}"""));
        Assert.Equal("ad", Ids("""{"end_date": "2025-01-31T00:00:00Z"}"""));
        Assert.Equal("a", Ids("""{"purchased_at": "2024-02-01T09:30:00Z"}"""));
        Assert.Equal("a", Ids("""{"purchased_at": "2024-02-01T11:30:00+02:00"}"""));
        Assert.Equal("a", Ids("""{"purchased_at": "2024-02-01T09:30:00"}"""));
        Assert.Equal("d", Ids("""{"purchased_at": "2024-02-01"}"""));
    }

    [Fact]
    public void A_number_for_a_text_field_is_compared_as_its_text()
    {
        var fields = new FilterField<string>[] { new("code", FieldKind.Text, s => s) };

        Assert.True(FieldFilter.Parse("""{"code": 10}""", fields)("10"));
        Assert.False(FieldFilter.Parse("""{"code": 10}""", fields)("10.0"));
        Assert.True(FieldFilter.Parse("""{"code": [1.5, "x"]}""", fields)("1.5"));
    }

    [Fact]
    public void Numbers_of_any_clr_type_compare_numerically()
    {
        Assert.Equal("bd", Ids("""{"term": {"gt": 12}}"""));
        Assert.Equal("a", Ids("""{"cost": {"gte": 1200.5}}"""));
        Assert.Equal("d", Ids("""{"cost": "0"}"""));
        Assert.Equal("abc", Ids("""{"cost": {"gt": "1e1", "lt": 2000}}"""));
    }

    [Fact]
    public void A_list_means_any_of()
    {
        Assert.Equal("ab", Ids("""{"region": ["us-east-1", "US-WEST-2"]}"""));
        Assert.Equal("abc", Ids("""{"region": ["us-east-1", "us-west-2", null]}"""));
        Assert.Equal("", Ids("""{"region": []}"""));
        Assert.Equal("abcd", Ids("""{"term": [12, 36]}"""));
        Assert.Equal("cd", Ids("""{"field": "region", "op": "not_in", "value": ["us-east-1", "us-west-2"]}"""));
        Assert.Equal("d", Ids("""{"region": {"not_in": ["us-east-1", "us-west-2", null]}}"""));
        Assert.Equal("bc", Ids("""{"end_date": {"in": ["2026-06-30", null]}}"""));
    }

    [Fact]
    public void Ranges_combine_in_one_operator_object()
    {
        Assert.Equal("bc", Ids("""{"utilization": {"gte": 0.5, "lt": 0.9}}"""));
        Assert.Equal("c", Ids("""{"utilization": {"gt": 0.5, "lte": 0.72}}"""));
        Assert.Equal("abd", Ids("""{"end_date": {"gte": "2025-01-01"}}"""));
        Assert.Equal("b", Ids("""{"purchased_at": {"lt": "2024-02-01"}}"""));
        Assert.Equal("bd", Ids("""{"purchased_at": {"lte": "2024-02-01T00:00:00Z"}}"""));
        Assert.Equal("bcd", Ids("""{"type": {"gt": "Compute Instance"}}"""));
        Assert.Equal("a", Ids("""{"utilization": {"eq": 0.95, "ne": 0.1}, "or": [{"type": "compute instance"}, {"term": 36}]}"""));
    }

    [Fact]
    public void Null_means_no_value_and_no_value_differs_from_everything()
    {
        Assert.Equal("c", Ids("""{"region": null}"""));
        Assert.Equal("c", Ids("""{"region": {"is_null": true}}"""));
        Assert.Equal("abd", Ids("""{"region": {"is_null": false}}"""));
        Assert.Equal("abd", Ids("""{"region": {"is_not_null": true}}"""));
        Assert.Equal("c", Ids("""{"field": "region", "op": "is_null"}"""));
        Assert.Equal("c", Ids("""{"field": "region", "op": "is_null", "value": false}"""));
        Assert.Equal("abd", Ids("""{"field": "region", "op": "is_not_null"}"""));
        Assert.Equal("c", Ids("""{"field": "region", "op": "=", "value": null}"""));
        Assert.Equal("abd", Ids("""{"region": {"ne": null}}"""));

        // Comparisons with a missing value are false, except "not equal" and "not in".
        Assert.Equal("bcd", Ids("""{"region": {"ne": "us-east-1"}}"""));
        Assert.Equal("acd", Ids("""{"end_date": {"!=": "2026-06-30"}}"""));
        Assert.Equal("", Ids("""{"end_date": {"gt": "2000-01-01", "lt": "2025-01-31"}}"""));
        Assert.Equal("abd", Ids("""{"not": {"end_date": {"lt": "2000-01-01"}}, "region": {"like": "%"}}"""));
    }

    [Fact]
    public void Contains_and_like_match_text_ignoring_case()
    {
        Assert.Equal("bd", Ids("""{"type": {"contains": "TAND"}}"""));
        Assert.Equal("abcd", Ids("""{"type": {"contains": ""}}"""));
        Assert.Equal("ab", Ids("""{"region": {"like": "US-%"}}"""));
        Assert.Equal("ab", Ids("""{"region": {"like": "us-____-_"}}"""));
        Assert.Equal("b", Ids("""{"region": {"like": "%west-2"}}"""));
        Assert.Equal("", Ids("""{"region": {"like": "west"}}"""));
        Assert.Equal("d", Ids("""{"field": "region", "op": "like", "value": "%u%w%t%1"}"""));
        Assert.Equal("c", Ids("""{"field": "type", "op": "contains", "value": "vert"}"""));
    }

    [Theory]
    [InlineData("=", 12, "ac")]
    [InlineData("==", 12, "ac")]
    [InlineData("eq", 12, "ac")]
    [InlineData("!=", 12, "bd")]
    [InlineData("<>", 12, "bd")]
    [InlineData("ne", 12, "bd")]
    [InlineData(">", 12, "bd")]
    [InlineData("gt", 12, "bd")]
    [InlineData(">=", 36, "bd")]
    [InlineData("gte", 36, "bd")]
    [InlineData("<", 36, "ac")]
    [InlineData("lt", 36, "ac")]
    [InlineData("<=", 12, "ac")]
    [InlineData("LTE", 12, "ac")]
    public void Every_comparison_operator_has_its_spellings(string op, int value, string expected) =>
        Assert.Equal(expected, Ids($$"""{"field": "term", "op": "{{op}}", "value": {{value}}}"""));

    [Fact]
    public void Combinators_nest()
    {
        Assert.Equal("b", Ids("""{"and": [{"type": "standard"}, {"region": {"like": "us-%"}}]}"""));
        Assert.Equal("bcd", Ids("""{"or": [{"type": "standard"}, {"convertible": true}]}"""));
        Assert.Equal("ac", Ids("""{"not": {"type": "standard"}}"""));
        Assert.Equal("d", Ids("""[{"type": "standard"}, {"field": "convertible", "op": "=", "value": true}]"""));
        Assert.Equal("a", Ids("""{"OR": [{"NOT": [{"utilization": {"LT": 0.9}}]}], "Type": "compute instance"}"""));
        Assert.Equal("", Ids("""{"or": []}"""));
        Assert.Equal("abcd", Ids("""{"and": []}"""));
        Assert.Equal("c", Ids("""[[{"term": 12}], {"or": [{"region": null}, {"cost": 0}]}]"""));
    }

    [Fact]
    public void Field_names_match_exactly_and_also_ignoring_case()
    {
        Assert.Equal("c", Ids("""{"END_DATE": null}"""));
        Assert.Equal("c", Ids("""{"field": "End_Date", "op": "is_null"}"""));

        // An exact name wins over one that differs only in case.
        var fields = new FilterField<(int Lower, int Upper)>[] { new("Size", FieldKind.Number, x => x.Upper), new("size", FieldKind.Number, x => x.Lower) };
        Assert.True(FieldFilter.Parse("""{"size": 1}""", fields)((1, 2)));
        Assert.True(FieldFilter.Parse("""{"Size": 2}""", fields)((1, 2)));
        Assert.True(FieldFilter.Parse("""{"SIZE": 2}""", fields)((1, 2)));
    }

    [Fact]
    public void Only_the_exact_shape_field_op_value_is_a_single_criterion()
    {
        var fields = new FilterField<string>[]
        {
            new("field", FieldKind.Text, s => s), new("op", FieldKind.Text, s => s), new("value", FieldKind.Text, s => s),
        };

        // Criteria on fields that happen to be named field, op and value.
        Assert.True(FieldFilter.Parse("""{"field": "x"}""", fields)("x"));
        Assert.True(FieldFilter.Parse("""{"op": "x", "value": "x"}""", fields)("x"));
        Assert.True(FieldFilter.Parse("""{"field": "x", "value": "x"}""", fields)("x"));
        Assert.True(FieldFilter.Parse("""{"field": "x", "op": "x", "value": "x", "and": []}""", fields)("x"));

        // The documented form, naming the field called "field".
        Assert.True(FieldFilter.Parse("""{"field": "field", "op": "like", "value": "x%"}""", fields)("xy"));
        var e = Assert.Throws<FieldFilterException>(() => FieldFilter.Parse("""{"field": "x", "op": "x"}""", fields));
        Assert.Equal("x", e.Field);
    }

    [Fact]
    public void An_unknown_field_is_named_with_the_fields_there_are()
    {
        var e = Refused("""{"colour": "red"}""");
        Assert.Equal("colour", e.Field);
        Assert.Equal("Unknown field 'colour'; filterable fields: type, region, utilization, cost, term, convertible, end_date, purchased_at.", e.Message);

        Assert.Equal("colour", Refused("""{"field": "colour", "op": "=", "value": 1}""").Field);
        Assert.Equal("colour", Refused("""{"or": [{"type": "x"}, {"not": {"colour": null}}]}""").Field);
    }

    [Fact]
    public void An_unknown_operator_is_named_with_the_operators_there_are()
    {
        var e = Refused("""{"utilization": {"between": [0, 1]}}""");
        Assert.Equal("utilization", e.Field);
        Assert.StartsWith("Unknown operator 'between' for 'utilization'; use one of: =, ==, eq, !=, <>, ne, >, gt, >=, gte, <, lt, <=, lte, in, not_in,", e.Message);

        e = Refused("""{"field": "type", "op": "~", "value": "x"}""");
        Assert.Equal(("type", "Unknown operator '~' for 'type'"), (e.Field, e.Message[..e.Message.IndexOf(';', StringComparison.Ordinal)]));
    }

    [Theory]
    [InlineData("""{"utilization": "high"}""", "utilization", "'utilization' is a number; 'high' is not.")]
    [InlineData("""{"utilization": {"gt": true}}""", "utilization", "'utilization' is a number; true is not.")]
    [InlineData("""{"utilization": "NaN"}""", "utilization", "'utilization' is a number; 'NaN' is not.")]
    [InlineData("""{"utilization": 1e999}""", "utilization", "'utilization' is a number; 1e999 is not.")]
    [InlineData("""{"end_date": "2024-13-01"}""", "end_date", "'end_date' is a date (YYYY-MM-DD); '2024-13-01' is not.")]
    [InlineData("""{"end_date": "2024-01-01T10:00:00Z"}""", "end_date", "'end_date' is a date (YYYY-MM-DD); '2024-01-01T10:00:00Z' is not.")]
    [InlineData("""{"end_date": "01/02/2024"}""", "end_date", "'end_date' is a date (YYYY-MM-DD); '01/02/2024' is not.")]
    [InlineData("""{"purchased_at": "yesterday"}""", "purchased_at", "'purchased_at' is a timestamp (ISO 8601, e.g. 2024-01-31T12:00:00Z); 'yesterday' is not.")]
    [InlineData("""{"convertible": "maybe"}""", "convertible", "'convertible' is true or false; 'maybe' is not.")]
    [InlineData("""{"type": true}""", "type", "'type' is text; true is not.")]
    [InlineData("""{"region": ["a", {"b": 1}]}""", "region", "'region' is text; {\"b\": 1} is not.")]
    public void A_value_of_the_wrong_type_is_named(string filter, string field, string message)
    {
        var e = Refused(filter);
        Assert.Equal((field, message), (e.Field, e.Message));
    }

    [Theory]
    [InlineData("""{"term": {"contains": "1"}}""", "term", "Operator 'contains' applies only to text; 'term' is a number.")]
    [InlineData("""{"convertible": {"gt": false}}""", "convertible", "Operator 'gt' does not apply to 'convertible', which is true or false.")]
    [InlineData("""{"region": {"in": "us-east-1"}}""", "region", "Operator 'in' for 'region' takes an array of values; 'us-east-1' is not one.")]
    [InlineData("""{"field": "region", "op": "=", "value": ["a"]}""", "region",
        "Operator '=' for 'region' takes a single value; [\"a\"] is not one (use 'in' for a list).")]
    [InlineData("""{"region": {"gte": null}}""", "region", "Operator 'gte' for 'region' takes a single value; null is not one.")]
    [InlineData("""{"region": {"is_null": "yes"}}""", "region", "Operator 'is_null' for 'region' takes true or false; 'yes' is not.")]
    [InlineData("""{"region": {}}""", "region", "The operator object for 'region' is empty; use one of: =, ==, eq, !=, <>, ne, >, gt, >=, gte, <, lt, <=, lte, in, not_in, contains, like, is_null, is_not_null.")]
    [InlineData("""{"field": "region", "op": "like"}""", "region", "Operator 'like' for 'region' needs a 'value'.")]
    [InlineData("""{"field": 3, "op": "="}""", "filter", "'field' must be a field name as a string; 3 is not.")]
    [InlineData("""{"and": {"type": "x"}}""", "filter", "'and' takes an array of filters; {\"type\": \"x\"} is not one.")]
    [InlineData("""[{"type": "x"}, "type"]""", "filter", "Each filter must be a JSON object or array; 'type' is not.")]
    [InlineData("\"type\"", "filter", "The filter must be a JSON object or array.")]
    [InlineData("42", "filter", "The filter must be a JSON object or array.")]
    [InlineData("""{"type": "x",}""", "filter", "The filter is not valid JSON (at position 13).")]
    [InlineData("{\n\"type\": x}", "filter", "The filter is not valid JSON (at line 2, position 8).")]
    [InlineData("type=Standard", "filter", "The filter is not valid JSON (at position 1).")]
    public void A_misused_operator_or_malformed_filter_is_explained(string filter, string field, string message)
    {
        var e = Refused(filter);
        Assert.Equal((field, message), (e.Field, e.Message));
    }

    [Fact]
    public void Nesting_is_limited_to_sixteen_levels()
    {
        static string Nots(int n) => string.Concat(Enumerable.Repeat("""{"not": """, n)) + """{"term": 12}""" + new string('}', n);
        static string Ands(int n) => string.Concat(Enumerable.Repeat("""{"and": [""", n)) + """{"term": 12}""" + string.Concat(Enumerable.Repeat("]}", n));

        Assert.Equal("bd", Ids(Nots(15)));
        Assert.Equal("The filter nests more than 16 levels deep.", Refused(Nots(16)).Message);
        Assert.Equal("ac", Ids(Ands(15)));
        Assert.Equal("The filter nests more than 16 levels deep.", Refused(Ands(16)).Message);
        Assert.Equal("ac", Ids(new string('[', 15) + """{"term": [12, 13]}""" + new string(']', 15)));
        Assert.Equal("The filter nests more than 16 levels deep.", Refused(new string('[', 17) + new string(']', 17)).Message);

        // Far deeper than any stack or parser limit: refused, not crashed.
        Assert.Equal("filter", Refused(new string('[', 100_000) + new string(']', 100_000)).Field);
        Assert.Equal("filter", Refused(string.Concat(Enumerable.Repeat("""{"not":""", 100_000))).Field);
    }

    [Fact]
    public void At_most_a_thousand_criteria()
    {
        static string Many(int n) => "[" + string.Join(",", Enumerable.Repeat("""{"term": 12}""", n)) + "]";

        Assert.Equal("ac", Ids(Many(999)));
        var e = Refused(Many(1000));
        Assert.Equal(("filter", "The filter has more than 1000 criteria."), (e.Field, e.Message));
        Assert.Equal("filter", Refused("[" + string.Join(",", Enumerable.Repeat("{}", 1000)) + "]").Field);
        Assert.Equal("filter", Refused("""{"term": {"gt": 1, "lt": 50}, "or": [""" + string.Join(",", Enumerable.Repeat("[]", 998)) + "]}").Field);
    }

    [Fact]
    public void A_reader_returning_the_wrong_type_is_a_programming_error()
    {
        var fields = new FilterField<int>[] { new("n", FieldKind.Text, i => i) };

        var predicate = FieldFilter.Parse("""{"n": "1"}""", fields);

        Assert.Contains("'n'", Assert.Throws<InvalidOperationException>(() => predicate(1)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FieldFilter.Parse("{}", [.. fields, .. fields]));
    }

    private sealed record Row(object? Name, object? Size, object? Due, object? When, object? Flag);

    [Fact]
    public void Evaluating_a_compiled_filter_does_not_allocate()
    {
        var fields = new FilterField<Row>[]
        {
            new("name", FieldKind.Text, r => r.Name),
            new("size", FieldKind.Number, r => r.Size),
            new("due", FieldKind.Date, r => r.Due),
            new("when", FieldKind.Timestamp, r => r.When),
            new("flag", FieldKind.Boolean, r => r.Flag),
        };
        var rows = Enumerable.Range(0, 100)
            .Select(i => new Row(
                i % 7 == 0 ? null : $"name-{i}",
                i % 3 == 0 ? (object)i : i * 0.5m,
                new DateOnly(2024, 1, 1).AddDays(i),
                new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i),
                i % 2 == 0))
            .ToArray();
        var predicate = FieldFilter.Parse(
            """
            {"or": [
                {"name": {"like": "name-%1", "ne": "x"}, "size": {"gte": 1, "lt": 40}},
                {"name": ["name-2", "name-30", null], "due": {"in": ["2024-01-05", "2024-02-01"]}},
                {"not": {"when": {"lt": "2024-01-02T12:00:00Z"}}, "flag": true, "name": {"contains": "-1"}},
                [{"field": "size", "op": "not_in", "value": [3, 6, "9"]}, {"due": {"is_null": false}}, {"name": {"gt": "name-5"}}]
            ]}
            """,
            fields);

        var matches = rows.Count(predicate);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var again = 0;
        for (var i = 0; i < 100; i++)
        {
            foreach (var row in rows)
            {
                again += predicate(row) ? 1 : 0;
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(100 * matches, again);
        Assert.InRange(matches, 1, rows.Length - 1);
    }

    // Property: any filter, written in any of the forms, selects what a plain reading of it selects.

    private sealed record Item(string? Name, double Size, DateOnly? Due, bool Active);

    private static readonly FilterField<Item>[] s_itemFields =
    [
        new("name", FieldKind.Text, i => i.Name),
        new("size", FieldKind.Number, i => i.Size),
        new("due_date", FieldKind.Date, i => i.Due),
        new("active", FieldKind.Boolean, i => i.Active),
    ];

    private const int NameField = 0, SizeField = 1, DueField = 2, ActiveField = 3;

    private static readonly string?[] s_names = ["alpha", "ALPHA", "beta", "Bet", "a_b", "10", "2.5", "", null];
    private static readonly double[] s_sizes = [-1, 0, 0.5, 2.5, 10];
    private static readonly DateOnly?[] s_dues = [new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 2), new DateOnly(2024, 2, 29), null];

    private abstract record Node;

    /// <summary>One comparison; <c>Choice</c> picks how it is written (names' case, operator spelling, value form, shape).</summary>
    private sealed record Cmp(int Field, string Op, object? Value, int Choice) : Node;

    /// <summary>Comparisons written as one criteria object (several on one field share an operator object).</summary>
    private sealed record Conj(Cmp[] Parts) : Node;

    private sealed record And(Node[] Parts, bool AsArray) : Node;

    private sealed record Or(Node[] Parts) : Node;

    private sealed record Not(Node Inner) : Node;

    private static readonly Dictionary<string, string[]> s_spellings = new()
    {
        ["eq"] = ["=", "==", "eq", "EQ"],
        ["ne"] = ["!=", "<>", "ne", "Ne"],
        ["gt"] = [">", "gt", "GT"],
        ["gte"] = [">=", "gte"],
        ["lt"] = ["<", "lt"],
        ["lte"] = ["<=", "lte", "LTE"],
        ["in"] = ["in", "IN"],
        ["not_in"] = ["not_in", "Not_In"],
        ["contains"] = ["contains", "CONTAINS"],
        ["like"] = ["like", "Like"],
        ["is_null"] = ["is_null", "IS_NULL"],
        ["is_not_null"] = ["is_not_null"],
    };

    private static string[] OpsFor(int field) => field switch
    {
        NameField => ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "contains", "like", "is_null", "is_not_null"],
        ActiveField => ["eq", "ne", "in", "not_in", "is_null", "is_not_null"],
        _ => ["eq", "ne", "gt", "gte", "lt", "lte", "in", "not_in", "is_null", "is_not_null"],
    };

    private static Gen<object?> Constant(int field) => field switch
    {
        NameField => Gen.OneOf<object?>("alpha", "Alpha", "beta", "bet", "a_b", "10", "2.5", "", "zeta"),
        SizeField => Gen.OneOf<object?>(-1.0, 0.0, 0.5, 1.0, 2.5, 10.0),
        DueField => Gen.OneOf<object?>(new DateOnly(2024, 1, 1), new DateOnly(2024, 1, 2), new DateOnly(2024, 2, 1), new DateOnly(2024, 2, 29)),
        _ => Gen.OneOf<object?>(true, false),
    };

    private static readonly Gen<object?> s_null = Gen.Bool.Select(_ => (object?)null);

    private static Gen<object?> OrNull(Gen<object?> gen) => Gen.Frequency((5, gen), (1, s_null));

    private static Gen<object?> ValueFor(int field, string op) => op switch
    {
        "is_null" or "is_not_null" => s_null,
        "eq" or "ne" => OrNull(Constant(field)),
        "in" or "not_in" => OrNull(Constant(field)).Array[0, 3].Select(values => (object?)values),
        "contains" => Gen.OneOf<object?>("", "a", "AL", "ta", "_", "lph", "x"),
        "like" => Gen.OneOf('a', 'A', 'l', 'b', '_', '%', '1').Array[0, 4].Select(chars => (object?)new string(chars)),
        _ => Constant(field),
    };

    private static readonly Gen<Cmp> s_cmp =
        from field in Gen.Int[0, 3]
        from op in Gen.OneOf(OpsFor(field))
        from value in ValueFor(field, op)
        from choice in Gen.Int[0, 1 << 12]
        select new Cmp(field, op, value, choice);

    private static readonly Gen<Node> s_leaf = Gen.Frequency(
        (3, s_cmp.Select(c => (Node)c)),
        (2, s_cmp.Array[1, 4].Select(cs => (Node)new Conj([.. cs.DistinctBy(c => (c.Field, c.Op))]))));

    private static Gen<Node> Filters(int depth) => depth == 0
        ? s_leaf
        : Gen.Frequency(
            (3, s_leaf),
            (1, Gen.Select(Filters(depth - 1).Array[0, 3], Gen.Bool, (parts, asArray) => (Node)new And(parts, asArray))),
            (1, Filters(depth - 1).Array[0, 3].Select(parts => (Node)new Or(parts))),
            (1, Filters(depth - 1).Select(inner => (Node)new Not(inner))));

    private static readonly Gen<Item> s_item = Gen.Select(Gen.OneOf(s_names), Gen.OneOf(s_sizes), Gen.OneOf(s_dues), Gen.Bool, (n, s, d, a) => new Item(n, s, d, a));

    [Fact]
    public void Any_filter_selects_what_its_plain_reading_selects()
    {
        var (matched, unmatched) = (0, 0);
        Gen.Select(Filters(3), s_item.Array[1, 8]).Sample((filter, items) =>
        {
            var json = Render(filter).ToJsonString();
            var predicate = FieldFilter.Parse(json, s_itemFields);
            foreach (var item in items)
            {
                var expected = Holds(filter, item);
                if (predicate(item) != expected)
                {
                    throw new InvalidOperationException($"{json} on {item}: expected {expected}.");
                }

                _ = expected ? Interlocked.Increment(ref matched) : Interlocked.Increment(ref unmatched);
            }
        }, iter: 5_000);

        // The filters are neither all-pass nor all-fail, so the comparison means something.
        Assert.True(matched > 1_000 && unmatched > 1_000, $"{matched} matched, {unmatched} did not.");
    }

    // The reference: a slow, obvious reading of the tree.

    private static bool Holds(Node node, Item item) => node switch
    {
        Cmp c => Holds(c, item),
        Conj c => c.Parts.All(p => Holds(p, item)),
        And a => a.Parts.All(p => Holds(p, item)),
        Or o => o.Parts.Any(p => Holds(p, item)),
        Not n => !Holds(n.Inner, item),
        _ => throw new InvalidOperationException(),
    };

    private static bool Holds(Cmp c, Item item)
    {
        object? actual = c.Field switch
        {
            NameField => item.Name,
            SizeField => item.Size,
            DueField => item.Due,
            _ => item.Active,
        };

        bool Is(object? wanted) => wanted is null ? actual is null : actual is not null && Same(actual, wanted);
        bool Ordered(Func<int, bool> test) => actual is not null && test(Order(actual, c.Value!));

        return c.Op switch
        {
            "is_null" => actual is null,
            "is_not_null" => actual is not null,
            "eq" => Is(c.Value),
            "ne" => !Is(c.Value),
            "in" => ((object?[])c.Value!).Any(Is),
            "not_in" => !((object?[])c.Value!).Any(Is),
            "gt" => Ordered(o => o > 0),
            "gte" => Ordered(o => o >= 0),
            "lt" => Ordered(o => o < 0),
            "lte" => Ordered(o => o <= 0),
            "contains" => actual is string s && s.ToUpperInvariant().Contains(((string)c.Value!).ToUpperInvariant(), StringComparison.Ordinal),
            "like" => actual is string s && LikeRegex((string)c.Value!).IsMatch(s),
            _ => throw new InvalidOperationException(c.Op),
        };
    }

    private static bool Same(object actual, object wanted) => actual switch
    {
        string s => s.ToUpperInvariant() == ((string)wanted).ToUpperInvariant(),
        _ => actual.Equals(wanted),
    };

    private static int Order(object actual, object wanted) => actual switch
    {
        string s => string.CompareOrdinal(s.ToUpperInvariant(), ((string)wanted).ToUpperInvariant()),
        double d => d.CompareTo((double)wanted),
        DateOnly d => d.CompareTo((DateOnly)wanted),
        _ => throw new InvalidOperationException(),
    };

    private static Regex LikeRegex(string pattern) => new(
        "^" + string.Concat(pattern.Select(ch => ch switch { '%' => ".*", '_' => ".", _ => Regex.Escape(ch.ToString()) })) + "$",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline);

    // Writing the tree as filter text, in whichever form each node's choice asks for.

    private static bool Bit(int choice, int bit) => ((choice >> bit) & 1) == 1;

    private static string Name(Cmp c) =>
        Bit(c.Choice, 0) ? s_itemFields[c.Field].Name.ToUpperInvariant() : s_itemFields[c.Field].Name;

    private static string Spelling(Cmp c)
    {
        var spellings = s_spellings[c.Op];
        return spellings[(c.Choice >> 1) % spellings.Length];
    }

    private static JsonNode? Value(Cmp c, object? value) => value switch
    {
        null => null,
        object?[] list => new JsonArray([.. list.Select(v => Value(c, v))]),
        // A text that looks like a number may be written as a JSON number.
        string s when Bit(c.Choice, 4) && double.TryParse(s, CultureInfo.InvariantCulture, out _) => JsonNode.Parse(s),
        string s => JsonValue.Create(s),
        double d when Bit(c.Choice, 4) => JsonValue.Create(d.ToString("R", CultureInfo.InvariantCulture)),
        double d => JsonValue.Create(d),
        DateOnly d when Bit(c.Choice, 4) => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00Z"),
        DateOnly d => JsonValue.Create(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
        bool b => JsonValue.Create(b),
        _ => throw new InvalidOperationException(),
    };

    private static string Key(string key, int choice) => Bit(choice, 8) ? key.ToUpperInvariant() : key;

    private static JsonNode Render(Node node) => node switch
    {
        Cmp c when Bit(c.Choice, 5) => SingleCriterion(c),
        Cmp c => new JsonObject { [Name(c)] = Criterion(c) },
        Conj c => new JsonObject(c.Parts.GroupBy(p => p.Field).Select(g => KeyValuePair.Create(
            Name(g.First()),
            g.Count() == 1 ? Criterion(g.First()) : (JsonNode?)new JsonObject(g.Select(p => OperatorEntry(p, strict: true)))))),
        And { AsArray: true } a => new JsonArray([.. a.Parts.Select(Render)]),
        And a => new JsonObject { [a.Parts.Length == 2 ? "AND" : "and"] = new JsonArray([.. a.Parts.Select(Render)]) },
        Or o => new JsonObject { [o.Parts.Length == 1 ? "Or" : "or"] = new JsonArray([.. o.Parts.Select(Render)]) },
        Not n => new JsonObject { ["not"] = Render(n.Inner) },
        _ => throw new InvalidOperationException(),
    };

    /// <summary>The documented <c>{"field", "op", "value"}</c> form.</summary>
    private static JsonObject SingleCriterion(Cmp c)
    {
        var written = new JsonObject { ["field"] = Name(c), [Key("op", c.Choice)] = Spelling(c) };
        if (c.Op is not ("is_null" or "is_not_null"))
        {
            written["value"] = Value(c, c.Value);
        }
        else if (Bit(c.Choice, 6))
        {
            written["value"] = Bit(c.Choice, 7); // ignored
        }

        return written;
    }

    /// <summary>The value of a field key in a criteria object: shorthand where there is one, else an operator object.</summary>
    private static JsonNode? Criterion(Cmp c) => (c.Op, Bit(c.Choice, 6)) switch
    {
        ("eq", true) => Value(c, c.Value),
        ("in", true) => Value(c, c.Value),
        ("is_null", true) => null,
        _ => new JsonObject([OperatorEntry(c, strict: false)]),
    };

    private static KeyValuePair<string, JsonNode?> OperatorEntry(Cmp c, bool strict) => c.Op switch
    {
        // Alone, a null check may be written as its opposite set to false; beside others it keeps its own key.
        "is_null" when !strict && Bit(c.Choice, 7) => KeyValuePair.Create("is_not_null", (JsonNode?)false),
        "is_not_null" when !strict && Bit(c.Choice, 7) => KeyValuePair.Create("is_null", (JsonNode?)false),
        "is_null" or "is_not_null" => KeyValuePair.Create(Spelling(c), (JsonNode?)true),
        _ => KeyValuePair.Create(Spelling(c), Value(c, c.Value)),
    };
}
