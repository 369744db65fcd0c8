using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Tranche.Domain.Billing;

namespace Tranche.Ingest;

/// <summary>The identity of a billing period load: the unit an ingest replaces.</summary>
internal readonly record struct PeriodKey(string Provider, string BillingAccountId, DateTime PeriodStart);

/// <summary>The identity of a usage pool, as stored in <c>usage_pools</c>.</summary>
internal sealed record PoolKey(
    string Provider, string BillingAccountId, string? SubAccountId, string? RegionId, string? ServiceName,
    string? ServiceCategory, string? SkuId, string? InstanceType, string? Platform, string? Unit)
{
    public string Hash()
    {
        var text = string.Join('\u001f', new[] { Provider, BillingAccountId, SubAccountId, RegionId, ServiceName, ServiceCategory, SkuId, InstanceType, Platform, Unit }
            .Select(v => v ?? "\u0000"));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}

/// <summary>Typed reads of the scan table's columns (DuckDB hands timestamps back unspecified; they are UTC).</summary>
internal static class ScanColumns
{
    public static string? Text(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? null : reader.GetValue(i).ToString();
    }

    public static decimal Money(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? 0m : Convert.ToDecimal(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static double Number(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? 0d : Convert.ToDouble(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
    }

    public static long Count(this DbDataReader reader, string column)
    {
        var i = reader.GetOrdinal(column);
        return reader.IsDBNull(i) ? 0L : reader.GetValue(i) switch
        {
            System.Numerics.BigInteger big => (long)big,
            var value => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    public static DateTime Time(this DbDataReader reader, string column) =>
        DateTime.SpecifyKind(reader.GetDateTime(reader.GetOrdinal(column)), DateTimeKind.Utc);

    public static DateOnly Day(this DbDataReader reader, string column)
    {
        var value = reader.GetValue(reader.GetOrdinal(column));
        return value switch
        {
            DateOnly date => date,
            DateTime time => DateOnly.FromDateTime(time),
            _ => DateOnly.FromDateTime(Convert.ToDateTime(value, System.Globalization.CultureInfo.InvariantCulture)),
        };
    }

    public static PeriodKey Period(this DbDataReader reader) => new(
        CloudProviders.FromName(reader.Text("provider_name")), reader.Text("billing_account_id")!, reader.Time("billing_period_start"));

    public static PoolKey Pool(this DbDataReader reader, string prefix = "") => new(
        CloudProviders.FromName(reader.Text("provider_name")),
        reader.Text("billing_account_id")!,
        reader.Text(prefix + "sub_account_id"),
        reader.Text(prefix + "region_id"),
        reader.Text(prefix + "service_name"),
        reader.Text(prefix + "service_category"),
        reader.Text(prefix + "sku_id"),
        reader.Text(prefix + "instance_type"),
        reader.Text(prefix + "platform"),
        reader.Text(prefix + "consumed_unit"));
}
