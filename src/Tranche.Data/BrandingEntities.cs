namespace Tranche.Data;

/// <summary>
/// How a partner's customers see the dashboard: the partner's name, logo, colours and support address in place of
/// Tranche's. One row per partner org; its customer orgs show it, direct orgs show Tranche's own.
/// </summary>
public sealed class PartnerBranding : IOrgOwned
{
    /// <summary>The partner org.</summary>
    public Guid OrgId { get; set; }

    public required string Name { get; set; }

    /// <summary>An absolute https URL.</summary>
    public required string LogoUrl { get; set; }

    /// <summary>Colours as <c>#RRGGBB</c>.</summary>
    public required string PrimaryColor { get; set; }

    public required string SecondaryColor { get; set; }

    public required string AccentColor { get; set; }

    public required string SupportEmail { get; set; }

    /// <summary>A host name the partner serves the dashboard under (lower case); no two partners share one.</summary>
    public string? CustomDomain { get; set; }

    public DateTime UpdatedAt { get; set; }

    public required string UpdatedBy { get; set; }
}
