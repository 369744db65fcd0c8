using System.Globalization;
using System.Text;

namespace Tranche.Ingest.Generation;

/// <summary>One FOCUS row as the generator fills it; unset columns are written as empty (null).</summary>
internal struct FocusRow
{
    public DateTime ChargeStart;
    public DateTime ChargeEnd;
    public string ChargeCategory;
    public string? ChargeClass;
    public string ChargeFrequency;
    public string? PricingCategory;
    public string Description;
    public decimal Billed;
    public decimal Effective;
    public decimal List;
    public decimal Contracted;
    public double? Quantity;
    public string? Unit;
    public string? ServiceName;
    public string ServiceCategory;
    public string? RegionId;
    public string? RegionName;
    public string? SubAccountId;
    public string? SubAccountName;
    public string? ResourceId;
    public string? ResourceName;
    public string? ResourceType;
    public string? SkuId;
    public string? InstanceType;
    public string? Tags;
    public string? CommitmentId;
    public string? CommitmentName;
    public string? CommitmentCategory;
    public string? CommitmentType;
    public string? CommitmentStatus;
    public double? CommitmentQuantity;
    public string? CommitmentUnit;
}

/// <summary>Writes FOCUS 1.2 CSV as the clouds export it: UTC ISO timestamps, quoted strings, empty cells for nulls.</summary>
internal sealed class FocusCsvWriter : IDisposable
{
    private static readonly string[] s_columns =
    [
        "BillingAccountId", "BillingAccountName", "BillingAccountType", "BillingCurrency", "BillingPeriodStart", "BillingPeriodEnd",
        "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency", "PricingCategory",
        "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "ListUnitPrice", "ContractedUnitPrice", "ConsumedQuantity", "ConsumedUnit",
        "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "InvoiceIssuerName", "InvoiceId", "ServiceName", "ServiceCategory",
        "ServiceSubcategory", "RegionId", "RegionName", "AvailabilityZone", "SubAccountId", "SubAccountName", "SubAccountType", "ResourceId",
        "ResourceName", "ResourceType", "SkuId", "SkuPriceId", "SkuMeter", "SkuPriceDetails", "Tags", "CommitmentDiscountId",
        "CommitmentDiscountName", "CommitmentDiscountCategory", "CommitmentDiscountType", "CommitmentDiscountStatus",
        "CommitmentDiscountQuantity", "CommitmentDiscountUnit", "PricingCurrency", "PricingCurrencyEffectiveCost",
    ];

    private readonly StreamWriter _writer;
    private readonly ProviderProfile _profile;
    private readonly string _periodStart;
    private readonly string _periodEnd;
    private readonly StringBuilder _line = new(1024);

    public FocusCsvWriter(string path, ProviderProfile profile, DateTime periodStart, DateTime periodEnd)
    {
        _writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 20);
        _profile = profile;
        _periodStart = Iso(periodStart);
        _periodEnd = Iso(periodEnd);
        _writer.Write(string.Join(",", s_columns));
        _writer.Write('\n');
    }

    public long Rows { get; private set; }

    public decimal Billed { get; private set; }

    public decimal Effective { get; private set; }

    public void Write(in FocusRow row)
    {
        var line = _line.Clear();
        Text(line, _profile.BillingAccountId);
        Text(line, _profile.BillingAccountName);
        Text(line, _profile.Code == "aws" ? "Management Account" : "Billing Account");
        Text(line, "USD");
        Raw(line, _periodStart);
        Raw(line, _periodEnd);
        Raw(line, Iso(row.ChargeStart));
        Raw(line, Iso(row.ChargeEnd));
        Text(line, row.ChargeCategory);
        Text(line, row.ChargeClass);
        Text(line, row.Description);
        Text(line, row.ChargeFrequency);
        Text(line, row.PricingCategory);
        Number(line, row.Billed);
        Number(line, row.Effective);
        Number(line, row.List);
        Number(line, row.Contracted);
        Number(line, row.Quantity is > 0 && row.List != 0 ? decimal.Round(row.List / (decimal)row.Quantity.Value, 6) : null);
        Number(line, row.Quantity is > 0 && row.Contracted != 0 ? decimal.Round(row.Contracted / (decimal)row.Quantity.Value, 6) : null);
        Number(line, row.Quantity);
        Text(line, row.Quantity is null ? null : row.Unit);
        Number(line, row.Quantity);
        Text(line, row.Quantity is null ? null : row.Unit);
        Text(line, _profile.ProviderName);
        Text(line, _profile.ProviderName);
        Text(line, _profile.ProviderName);
        Text(line, null);
        Text(line, row.ServiceName);
        Text(line, row.ServiceCategory);
        Text(line, row.ServiceCategory == "Compute" ? "Virtual Machines" : null);
        Text(line, row.RegionId);
        Text(line, row.RegionName);
        Text(line, null);
        Text(line, row.SubAccountId);
        Text(line, row.SubAccountName);
        Text(line, row.SubAccountId is null ? null : _profile.Code == "gcp" ? "Project" : _profile.Code == "azure" ? "Subscription" : "Member Account");
        Text(line, row.ResourceId);
        Text(line, row.ResourceName);
        Text(line, row.ResourceType);
        Text(line, row.SkuId);
        Text(line, row.SkuId is null ? null : row.SkuId + (row.PricingCategory == "Committed" ? ".C" : ".OD"));
        Text(line, row.InstanceType is null ? null : "Compute Usage");
        Text(line, row.InstanceType is null ? null : $$"""{"InstanceType": "{{row.InstanceType}}", "OperatingSystem": "Linux"}""");
        Text(line, row.Tags);
        Text(line, row.CommitmentId);
        Text(line, row.CommitmentName);
        Text(line, row.CommitmentCategory);
        Text(line, row.CommitmentType);
        Text(line, row.CommitmentStatus);
        Number(line, row.CommitmentQuantity);
        Text(line, row.CommitmentUnit);
        Text(line, "USD");
        Number(line, row.Effective, last: true);
        _writer.Write(line);
        _writer.Write('\n');
        Rows++;
        Billed += row.Billed;
        Effective += row.Effective;
    }

    public void Dispose() => _writer.Dispose();

    public static string Iso(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Raw(StringBuilder line, string value) => line.Append(value).Append(',');

    private static void Text(StringBuilder line, string? value)
    {
        if (value is not null)
        {
            line.Append('"');
            foreach (var c in value)
            {
                line.Append(c == '"' ? "\"\"" : c);
            }

            line.Append('"');
        }

        line.Append(',');
    }

    private static void Number(StringBuilder line, decimal? value, bool last = false)
    {
        if (value is { } number)
        {
            line.Append(number.ToString(CultureInfo.InvariantCulture));
        }

        if (!last)
        {
            line.Append(',');
        }
    }

    private static void Number(StringBuilder line, double? value)
    {
        if (value is { } number)
        {
            line.Append(number.ToString("R", CultureInfo.InvariantCulture));
        }

        line.Append(',');
    }
}
