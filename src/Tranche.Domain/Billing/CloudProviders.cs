namespace Tranche.Domain.Billing;

/// <summary>
/// Provider codes as the API spells them (<c>aws</c>, <c>azure</c>, <c>gcp</c>) plus <c>oci</c> and <c>other</c>,
/// recognised from the names billing exports use ("AWS", "Amazon Web Services, Inc.", "Microsoft", "Google Cloud").
/// </summary>
public static class CloudProviders
{
    public const string Aws = "aws";
    public const string Azure = "azure";
    public const string Gcp = "gcp";
    public const string Oci = "oci";
    public const string Other = "other";

    public static string FromName(string? name)
    {
        var text = (name ?? "").Trim().ToLowerInvariant();
        return text switch
        {
            _ when text is "aws" || text.Contains("amazon", StringComparison.Ordinal) => Aws,
            _ when text.Contains("microsoft", StringComparison.Ordinal) || text.Contains("azure", StringComparison.Ordinal) => Azure,
            _ when text.Contains("google", StringComparison.Ordinal) || text is "gcp" => Gcp,
            _ when text.Contains("oracle", StringComparison.Ordinal) || text is "oci" => Oci,
            _ => Other,
        };
    }
}
