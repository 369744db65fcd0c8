using System.Text.Json.Serialization;

namespace Tranche.Domain.Offers;

/// <summary>Payment options as the published API writes them on offers and commitments (Title Case).</summary>
public static class PaymentOptions
{
    public const string NoUpfront = "No Upfront";
    public const string PartialUpfront = "Partial Upfront";
    public const string AllUpfront = "All Upfront";

    public static readonly IReadOnlyList<string> All = [NoUpfront, PartialUpfront, AllUpfront];

    /// <summary>The snake_case form comparison endpoints and query parameters use (<c>no_upfront</c>).</summary>
    public static string ToSnakeCase(string option) => option.ToLowerInvariant().Replace(' ', '_');
}

/// <summary>Kinds of commitment an offer sells, as the published <c>CommitmentOffer.type</c> spells them.</summary>
public static class OfferKinds
{
    public const string ReservedInstance = "ri";
    public const string SavingsPlan = "savings_plan";
    public const string CommittedUseDiscount = "cud";
}

/// <summary>
/// One way to commit to a pool: a term, a payment option and the price per unit of the pool (an instance, a
/// normalized unit, or one currency unit per hour for spend commitments). A month is 730 hours.
/// </summary>
public sealed record Offer(
    string OfferId,
    string Provider,
    string CommitmentType,
    string Kind,
    int TermMonths,
    string PaymentOption,
    decimal UpfrontPerUnit,
    decimal HourlyPerUnit,
    string Unit)
{
    public const int HoursPerMonth = 730;

    [JsonIgnore]
    public int TermHours => TermMonths * HoursPerMonth;

    /// <summary>Recurring price plus the upfront spread evenly over the term's hours.</summary>
    [JsonIgnore]
    public decimal EffectiveHourlyPerUnit => HourlyPerUnit + (TermMonths > 0 ? UpfrontPerUnit / TermHours : 0);
}
