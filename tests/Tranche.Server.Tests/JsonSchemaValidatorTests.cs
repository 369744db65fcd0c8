using System.Text.Json;
using Tranche.Testing;

namespace Tranche.Server.Tests;

/// <summary>The contract checks are only as good as the validator behind them.</summary>
public sealed class JsonSchemaValidatorTests
{
    private const string Spec = """
        {"components": {"schemas": {
          "Thing": {"type": "object", "additionalProperties": false, "required": ["id", "kind", "note"],
            "properties": {
              "id": {"type": "string", "format": "uuid"},
              "kind": {"enum": ["a", "b", null]},
              "note": {"type": ["string", "null"], "maxLength": 5},
              "count": {"type": "integer", "minimum": 1},
              "when": {"type": "string", "format": "date"},
              "child": {"anyOf": [{"$ref": "#/components/schemas/Child"}, {"type": "null"}]},
              "tags": {"type": "array", "items": {"type": "string", "pattern": "^[a-z]+$"}}}},
          "Child": {"type": "object", "properties": {"n": {"type": "number"}}, "required": ["n"], "additionalProperties": false}}}}
        """;

    [Theory]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null}""")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": null, "note": "hi", "count": 3, "when": "2026-02-28", "child": {"n": 1.5}, "tags": ["x"]}""")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "b", "note": "", "child": null, "count": 2.0}""")]
    public void Accepts_valid_documents(string json) => Assert.Empty(Validate(json));

    [Theory]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a"}""", "required property 'note'")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null, "extra": 1}""", "'extra' is not allowed")]
    [InlineData("""{"id": "nope", "kind": "a", "note": null}""", "not a valid uuid")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "c", "note": null}""", "is not one of")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": 3}""", "is not of type string or null")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": "toolong"}""", "maxLength")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null, "count": 1.5}""", "not of type integer")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null, "count": 0}""", "minimum")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null, "when": "2026-02-30"}""", "not a valid date")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null, "child": {"n": "1"}}""", "anyOf")]
    [InlineData("""{"id": "7b8f2c2e-33a5-4b59-9d3e-2a8c1c2b9f10", "kind": "a", "note": null, "tags": ["ok", "NO"]}""", "does not match")]
    public void Rejects_each_kind_of_violation(string json, string expected) =>
        Assert.Contains(Validate(json), e => e.Contains(expected, StringComparison.Ordinal));

    [Fact]
    public void Unknown_keywords_are_refused_rather_than_ignored()
    {
        using var document = JsonDocument.Parse("""{"components": {"schemas": {"X": {"type": "object", "dependentRequired": {}}}}}""");
        var validator = new JsonSchemaValidator(document.RootElement);
        using var instance = JsonDocument.Parse("{}");

        Assert.Throws<NotSupportedException>(() => validator.Validate(instance.RootElement, validator.Resolve("#/components/schemas/X")));
    }

    [Fact]
    public void The_published_contract_uses_only_keywords_the_validator_knows()
    {
        foreach (var file in new[] { Contract.PublicV1, Contract.Commitments })
        {
            var root = Contract.Load(file).RootElement;
            var validator = new JsonSchemaValidator(root);
            using var empty = JsonDocument.Parse("{}");
            foreach (var schema in root.GetProperty("components").GetProperty("schemas").EnumerateObject())
            {
                // Validating any instance walks every keyword of the schema's top level and throws on unknown ones.
                validator.Validate(empty.RootElement, schema.Value);
            }
        }
    }

    [Fact]
    public void Shipped_contracts_are_the_reference_copies()
    {
        if (Contract.ReferenceDirectory() is not { } reference)
        {
            Assert.Skip("No ../shared/spec beside this checkout to compare the shipped contracts with.");
            return;
        }

        foreach (var file in new[] { Contract.PublicV1, Contract.Commitments })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(reference, file)), File.ReadAllBytes(Path.Combine(Contract.SpecDirectory, file)));
        }
    }

    private static IReadOnlyList<string> Validate(string json)
    {
        using var spec = JsonDocument.Parse(Spec);
        using var instance = JsonDocument.Parse(json);
        var validator = new JsonSchemaValidator(spec.RootElement);
        return validator.Validate(instance.RootElement, validator.Resolve("#/components/schemas/Thing"));
    }
}
