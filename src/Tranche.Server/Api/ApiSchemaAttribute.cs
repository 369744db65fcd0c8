namespace Tranche.Server.Api;

/// <summary>The schema name a record has in the published contract (<c>Org</c>, <c>ApiErrorResponse</c>, ...).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class ApiSchemaAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
