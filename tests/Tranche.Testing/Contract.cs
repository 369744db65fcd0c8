using System.Text.Json;

namespace Tranche.Testing;

/// <summary>
/// The published API contracts (copies in <c>Contracts/</c>, checked against <c>../shared/spec</c>) and assertions that a response body matches
/// one of their schemas, <c>additionalProperties: false</c> included.
/// </summary>
public static class Contract
{
    private static readonly Lazy<string> s_specDirectory = new(FindSpecDirectory);
    private static readonly Dictionary<string, JsonDocument> s_documents = new(StringComparer.Ordinal);

    /// <summary>The Archera public v1 OpenAPI document.</summary>
    public const string PublicV1 = "archera-public-v1.openapi.json";

    /// <summary>The Commitments API OpenAPI document.</summary>
    public const string Commitments = "seed-commitments-v1.openapi.json";

    public static string SpecDirectory => s_specDirectory.Value;

    /// <summary>Asserts that <paramref name="json"/> matches the named component schema (or <c>Name[]</c>, an array of it).</summary>
    public static void AssertMatches(string json, string schemaName, string document = PublicV1)
    {
        using var instance = JsonDocument.Parse(json);
        AssertMatches(instance.RootElement, schemaName, document);
    }

    public static void AssertMatches(JsonElement instance, string schemaName, string document = PublicV1)
    {
        var errors = Validate(instance, schemaName, document);
        Assert.True(errors.Count == 0, $"Body does not match {schemaName} of {document}:\n  {string.Join("\n  ", errors)}\nBody: {instance.GetRawText()}");
    }

    public static IReadOnlyList<string> Validate(JsonElement instance, string schemaName, string document = PublicV1)
    {
        var root = Load(document).RootElement;
        var validator = new JsonSchemaValidator(root);
        var isArray = schemaName.EndsWith("[]", StringComparison.Ordinal);
        var schema = validator.Resolve($"#/components/schemas/{schemaName.TrimEnd('[', ']')}");
        if (!isArray)
        {
            return validator.Validate(instance, schema);
        }

        if (instance.ValueKind != JsonValueKind.Array)
        {
            return [$"$: expected an array of {schemaName}, got {instance.ValueKind}."];
        }

        return instance.EnumerateArray().SelectMany((item, i) => validator.Validate(item, schema).Select(e => $"[{i}]{e[1..]}")).ToList();
    }

    public static JsonDocument Load(string document)
    {
        lock (s_documents)
        {
            if (!s_documents.TryGetValue(document, out var parsed))
            {
                s_documents[document] = parsed = JsonDocument.Parse(File.ReadAllText(Path.Combine(SpecDirectory, document)));
            }

            return parsed;
        }
    }

    /// <summary>The reference copies beside the repository (<c>../shared/spec</c>), when this checkout has them.</summary>
    public static string? ReferenceDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "spec");
            if (File.Exists(Path.Combine(candidate, PublicV1)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The copies shipped with the tests (<c>tests/Tranche.Testing/Contracts</c>); <c>TRANCHE_SPEC_DIR</c> overrides.</summary>
    private static string FindSpecDirectory()
    {
        if (Environment.GetEnvironmentVariable("TRANCHE_SPEC_DIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        var shipped = Path.Combine(AppContext.BaseDirectory, "Contracts");
        return File.Exists(Path.Combine(shipped, PublicV1))
            ? shipped
            : throw new DirectoryNotFoundException($"The published contracts are missing from {shipped}.");
    }
}

/// <summary>The real billing data and traces beside the repository (<c>../shared/data</c>), read in place.</summary>
public static class SharedData
{
    /// <summary>The path of <paramref name="relative"/> under shared/data; skips the calling test when this checkout has none.</summary>
    public static string Path(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = System.IO.Path.Combine(directory.FullName, "shared", "data", relative);
            if (File.Exists(candidate) || Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Skip($"shared/data/{relative} is not beside this checkout (the real sample data is read in place, never copied).");
        throw new InvalidOperationException("unreachable");
    }
}
