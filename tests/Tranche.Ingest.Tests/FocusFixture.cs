using System.Globalization;
using System.Text;

namespace Tranche.Ingest.Tests;

/// <summary>Small FOCUS 1.2 files written row by row, with sensible defaults for every column a test does not care about.</summary>
public sealed class FocusFixture
{
    public static readonly string[] Columns =
    [
        "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
        "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "PricingCategory",
        "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ConsumedQuantity", "ConsumedUnit", "PricingQuantity", "PricingUnit",
        "ProviderName", "PublisherName", "InvoiceIssuerName", "ServiceName", "ServiceCategory", "RegionId", "RegionName", "SubAccountId",
        "SubAccountName", "ResourceId", "ResourceName", "ResourceType", "SkuId", "SkuPriceId", "SkuPriceDetails", "Tags",
        "CommitmentDiscountId", "CommitmentDiscountName", "CommitmentDiscountCategory", "CommitmentDiscountType", "CommitmentDiscountStatus",
        "CommitmentDiscountQuantity", "CommitmentDiscountUnit",
    ];

    private readonly List<Dictionary<string, string?>> _rows = [];

    /// <summary>An hour of one m5.large instance at $0.096, unless overridden.</summary>
    public FocusFixture Add(params (string Column, string? Value)[] overrides)
    {
        var row = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["BillingAccountId"] = "111122223333",
            ["BillingAccountName"] = "Payer",
            ["BillingAccountType"] = "Management Account",
            ["BillingCurrency"] = "USD",
            ["BillingPeriodStart"] = "2025-03-01T00:00:00Z",
            ["BillingPeriodEnd"] = "2025-04-01T00:00:00Z",
            ["ChargePeriodStart"] = "2025-03-10T05:00:00Z",
            ["ChargePeriodEnd"] = "2025-03-10T06:00:00Z",
            ["ChargeCategory"] = "Usage",
            ["ChargeClass"] = null,
            ["ChargeDescription"] = "m5.large hour",
            ["ChargeFrequency"] = "Usage-Based",
            ["PricingCategory"] = "Standard",
            ["BilledCost"] = "0.096",
            ["EffectiveCost"] = "0.096",
            ["ListCost"] = "0.096",
            ["ContractedCost"] = "0.096",
            ["ConsumedQuantity"] = "1",
            ["ConsumedUnit"] = "Hours",
            ["PricingQuantity"] = "1",
            ["PricingUnit"] = "Hours",
            ["ProviderName"] = "AWS",
            ["PublisherName"] = "AWS",
            ["InvoiceIssuerName"] = "AWS",
            ["ServiceName"] = "Amazon Elastic Compute Cloud",
            ["ServiceCategory"] = "Compute",
            ["RegionId"] = "us-east-1",
            ["RegionName"] = "US East (N. Virginia)",
            ["SubAccountId"] = "444455556666",
            ["SubAccountName"] = "prod",
            ["ResourceId"] = "i-0abc",
            ["ResourceName"] = "web-1",
            ["ResourceType"] = "Instance",
            ["SkuId"] = "SKU-M5L",
            ["SkuPriceId"] = "SKU-M5L.OD",
            ["SkuPriceDetails"] = """{"InstanceType": "m5.large", "OperatingSystem": "Linux"}""",
            ["Tags"] = """{"team": "web"}""",
            ["CommitmentDiscountId"] = null,
            ["CommitmentDiscountName"] = null,
            ["CommitmentDiscountCategory"] = null,
            ["CommitmentDiscountType"] = null,
            ["CommitmentDiscountStatus"] = null,
            ["CommitmentDiscountQuantity"] = null,
            ["CommitmentDiscountUnit"] = null,
        };
        foreach (var (column, value) in overrides)
        {
            row[column] = value;
        }

        _rows.Add(row);
        return this;
    }

    /// <summary>The same row for each hour from <paramref name="start"/>.</summary>
    public FocusFixture Hours(DateTime start, int hours, params (string Column, string? Value)[] overrides)
    {
        for (var h = 0; h < hours; h++)
        {
            var from = start.AddHours(h);
            Add([.. overrides, ("ChargePeriodStart", Iso(from)), ("ChargePeriodEnd", Iso(from.AddHours(1)))]);
        }

        return this;
    }

    public string Csv(bool bom = false)
    {
        var text = new StringBuilder();
        if (bom)
        {
            text.Append('\uFEFF');
        }

        text.AppendLine(string.Join(",", Columns.Select(Quote)));
        foreach (var row in _rows)
        {
            text.AppendLine(string.Join(",", Columns.Select(c => row[c] is { } v ? Quote(v) : "")));
        }

        return text.ToString();
    }

    public string Write(string name = "focus.csv", bool bom = false) => Files.Write(name, Csv(bom));

    public static string Iso(DateTime time) => time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
