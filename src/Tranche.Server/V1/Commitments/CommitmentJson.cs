using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Tranche.Server.V1.Commitments;

/// <summary>
/// Writes <c>PublicCommitment</c> lists straight to the response. A page of 100 commitments over a month holds 3,000
/// daily rows, so the listing skips the response records and the serializer's reflection: names are pre-encoded and
/// money is formatted from its exact integer nano-units. The text is the same as serializing
/// <see cref="PublicCommitmentResponse"/> (a test holds the two to each other).
/// </summary>
internal static class CommitmentJson
{
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText Provider = JsonEncodedText.Encode("provider");
    private static readonly JsonEncodedText DisplayName = JsonEncodedText.Encode("display_name");
    private static readonly JsonEncodedText LeasedDisplayName = JsonEncodedText.Encode("leased_display_name");
    private static readonly JsonEncodedText ProviderReservationId = JsonEncodedText.Encode("provider_reservation_id");
    private static readonly JsonEncodedText AccountId = JsonEncodedText.Encode("account_id");
    private static readonly JsonEncodedText MasterAccountId = JsonEncodedText.Encode("master_account_id");
    private static readonly JsonEncodedText BillingAccountId = JsonEncodedText.Encode("billing_account_id");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText Region = JsonEncodedText.Encode("region");
    private static readonly JsonEncodedText DurationSeconds = JsonEncodedText.Encode("duration_seconds");
    private static readonly JsonEncodedText ReservationEnd = JsonEncodedText.Encode("reservation_end");
    private static readonly JsonEncodedText ReservationStart = JsonEncodedText.Encode("reservation_start");
    private static readonly JsonEncodedText TransferReservationStart = JsonEncodedText.Encode("transfer_reservation_start");
    private static readonly JsonEncodedText TransferReservationEnd = JsonEncodedText.Encode("transfer_reservation_end");
    private static readonly JsonEncodedText StartDate = JsonEncodedText.Encode("start_date");
    private static readonly JsonEncodedText EndDate = JsonEncodedText.Encode("end_date");
    private static readonly JsonEncodedText Status = JsonEncodedText.Encode("status");
    private static readonly JsonEncodedText IsLeased = JsonEncodedText.Encode("is_leased");
    private static readonly JsonEncodedText IsActive = JsonEncodedText.Encode("is_active");
    private static readonly JsonEncodedText Lease = JsonEncodedText.Encode("lease");
    private static readonly JsonEncodedText LeaseStart = JsonEncodedText.Encode("lease_start");
    private static readonly JsonEncodedText LeaseLockinDate = JsonEncodedText.Encode("lease_lockin_date");
    private static readonly JsonEncodedText UpfrontCost = JsonEncodedText.Encode("upfront_cost");
    private static readonly JsonEncodedText RecurringCost = JsonEncodedText.Encode("recurring_cost");
    private static readonly JsonEncodedText IsFlexible = JsonEncodedText.Encode("is_flexible");
    private static readonly JsonEncodedText PaymentOption = JsonEncodedText.Encode("payment_option");
    private static readonly JsonEncodedText OfferingClass = JsonEncodedText.Encode("offering_class");
    private static readonly JsonEncodedText OfferingId = JsonEncodedText.Encode("offering_id");
    private static readonly JsonEncodedText InstanceCount = JsonEncodedText.Encode("instance_count");
    private static readonly JsonEncodedText EffectiveInstanceCount = JsonEncodedText.Encode("effective_instance_count");
    private static readonly JsonEncodedText ProductDescription = JsonEncodedText.Encode("product_description");
    private static readonly JsonEncodedText InstanceFamily = JsonEncodedText.Encode("instance_family");
    private static readonly JsonEncodedText InstanceType = JsonEncodedText.Encode("instance_type");
    private static readonly JsonEncodedText Tenancy = JsonEncodedText.Encode("tenancy");
    private static readonly JsonEncodedText Az = JsonEncodedText.Encode("az");
    private static readonly JsonEncodedText IsMultiAz = JsonEncodedText.Encode("is_multi_az");
    private static readonly JsonEncodedText PlanType = JsonEncodedText.Encode("plan_type");
    private static readonly JsonEncodedText Scope = JsonEncodedText.Encode("scope");
    private static readonly JsonEncodedText Name = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText OrderId = JsonEncodedText.Encode("order_id");
    private static readonly JsonEncodedText ResourceGroup = JsonEncodedText.Encode("resource_group");
    private static readonly JsonEncodedText InstanceFlexibility = JsonEncodedText.Encode("instance_flexibility");
    private static readonly JsonEncodedText Savings = JsonEncodedText.Encode("savings");
    private static readonly JsonEncodedText MonthlySavings = JsonEncodedText.Encode("monthly_savings");
    private static readonly JsonEncodedText NetSavings = JsonEncodedText.Encode("net_savings");
    private static readonly JsonEncodedText Utilization = JsonEncodedText.Encode("utilization");
    private static readonly JsonEncodedText PotentialSavings = JsonEncodedText.Encode("potential_savings");
    private static readonly JsonEncodedText RunningHours = JsonEncodedText.Encode("running_hours");
    private static readonly JsonEncodedText AmortizedCost = JsonEncodedText.Encode("amortized_cost");
    private static readonly JsonEncodedText DailyUtilizations = JsonEncodedText.Encode("daily_utilizations");
    private static readonly JsonEncodedText Date = JsonEncodedText.Encode("date");
    private static readonly JsonEncodedText ReservationUtilization = JsonEncodedText.Encode("reservation_utilization");
    private static readonly JsonEncodedText CoveredCost = JsonEncodedText.Encode("covered_cost");
    private static readonly JsonEncodedText Cost = JsonEncodedText.Encode("cost");
    private static readonly JsonEncodedText UnutilizedCommit = JsonEncodedText.Encode("unutilized_commit");
    private static readonly JsonEncodedText GriFees = JsonEncodedText.Encode("gri_fees");

    private static readonly JsonWriterOptions s_options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    public static Utf8JsonWriter CreateWriter(IBufferWriter<byte> output) => new(output, s_options);

    /// <summary>A page of the listing as the response body, flushed as it grows so a large page is never held whole.</summary>
    public sealed class Page(IReadOnlyList<CommitmentView> views, DateOnly from, DateOnly to) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.ContentType = "application/json; charset=utf-8";
            var body = response.BodyWriter;
            await using var writer = CreateWriter(body);
            writer.WriteStartArray();
            foreach (var view in views)
            {
                Write(writer, view, from, to);
                if (writer.BytesPending > 32 * 1024)
                {
                    await writer.FlushAsync(httpContext.RequestAborted);
                }
            }

            writer.WriteEndArray();
            await writer.FlushAsync(httpContext.RequestAborted);
        }
    }

    public static void Write(Utf8JsonWriter w, CommitmentView view, DateOnly from, DateOnly to)
    {
        var item = view.Item;
        w.WriteStartObject();
        w.WriteString(Id, item.Id);
        w.WriteString(Provider, item.Provider);
        w.WriteString(DisplayName, item.DisplayName);
        w.WriteString(LeasedDisplayName, item.DisplayName);
        w.WriteString(ProviderReservationId, item.ProviderCommitmentId);
        Text(w, AccountId, item.AccountId);
        Text(w, MasterAccountId, item.BillingAccountId);
        Text(w, BillingAccountId, item.BillingAccountId);
        w.WriteString(Type, item.Type);
        Text(w, Region, item.RegionId);
        if (item.DurationSeconds is { } duration)
        {
            w.WriteNumber(DurationSeconds, duration);
        }
        else
        {
            w.WriteNull(DurationSeconds);
        }

        Text(w, ReservationEnd, item.HasTerms ? item.End?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null);
        Text(w, ReservationStart, item.HasTerms ? item.Start?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) : null);
        w.WriteNull(TransferReservationStart);
        w.WriteNull(TransferReservationEnd);
        Time(w, StartDate, item.Start);
        Time(w, EndDate, item.End);
        w.WriteString(Status, view.Status);
        w.WriteBoolean(IsLeased, false);
        w.WriteBoolean(IsActive, view.IsActive);
        w.WriteNull(Lease);
        w.WriteNull(LeaseStart);
        w.WriteNull(LeaseLockinDate);
        Money(w, UpfrontCost, Nanos(item.UpfrontCost));
        Money(w, RecurringCost, Nanos(view.RecurringCost));
        Flag(w, IsFlexible, item.IsFlexible);
        Text(w, PaymentOption, item.PaymentOption);
        Text(w, OfferingClass, item.OfferingClass);
        Text(w, OfferingId, item.OfferingId);
        Count(w, InstanceCount, item.InstanceCount);
        Count(w, EffectiveInstanceCount, view.IsActive ? item.InstanceCount : null);
        Text(w, ProductDescription, item.ProductDescription);
        Text(w, InstanceFamily, item.InstanceFamily);
        Text(w, InstanceType, item.InstanceType);
        Text(w, Tenancy, item.Tenancy);
        Text(w, Az, item.AvailabilityZone);
        Flag(w, IsMultiAz, item.IsMultiAz);
        Text(w, PlanType, item.PlanType);
        Text(w, Scope, item.Scope);
        Text(w, Name, item.Name);
        Text(w, OrderId, item.OrderId);
        Text(w, ResourceGroup, item.ResourceGroup);
        Flag(w, InstanceFlexibility, item.IsFlexible);
        Money(w, Savings, view.Window.Savings);
        Money(w, MonthlySavings, view.MonthlySavings is { } monthly ? Nanos(monthly) : null);
        Money(w, NetSavings, view.Window.Savings);
        if (view.Utilization is { } utilization)
        {
            w.WriteNumber(Utilization, utilization);
        }
        else
        {
            w.WriteNull(Utilization);
        }

        Money(w, PotentialSavings, view.Window.PotentialDays > 0 ? view.Window.PotentialSavings : null);
        w.WriteNumber(RunningHours, view.RunningHours);
        Money(w, AmortizedCost, view.AmortizedCost is { } amortized ? Nanos(amortized) : null);
        w.WriteStartArray(DailyUtilizations);
        var days = item.Days;
        var first = Math.Max(0, days.IndexOf(from));
        var last = Math.Min(days.Count - 1, days.IndexOf(to));
        var startDay = item.Start is { } start ? DateOnly.FromDateTime(start) : DateOnly.MinValue;
        var endDay = item.End is { } end ? DateOnly.FromDateTime(end) : DateOnly.MaxValue;
        Span<byte> date = stackalloc byte[10];
        for (var i = first; i <= last; i++)
        {
            if (!days.Present[i])
            {
                continue;
            }

            var day = days.Day(i);
            w.WriteStartObject();
            w.WriteString(Date, IsoDate(day.Day, date));
            w.WriteNumber(ReservationUtilization, day.Utilization);
            Money(w, CoveredCost, day.CoveredOnDemand);
            Money(w, Cost, day.Cost);
            Money(w, PotentialSavings, day.PotentialSavings);
            // Only the first and last day of a term can be partial.
            w.WriteNumber(RunningHours, day.Day > startDay && day.Day < endDay ? 24 : item.HoursInForce(day.Day));
            Money(w, Savings, day.Savings);
            Money(w, UnutilizedCommit, day.UnusedCost);
            Money(w, GriFees, 0);
            Money(w, NetSavings, day.Savings);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static ReadOnlySpan<byte> IsoDate(DateOnly day, Span<byte> text)
    {
        Digits(text[..4], day.Year);
        text[4] = (byte)'-';
        Digits(text.Slice(5, 2), day.Month);
        text[7] = (byte)'-';
        Digits(text.Slice(8, 2), day.Day);
        return text;

        static void Digits(Span<byte> into, int value)
        {
            for (var i = into.Length - 1; i >= 0; i--)
            {
                into[i] = (byte)('0' + value % 10);
                value /= 10;
            }
        }
    }

    /// <summary>A computed amount rounded half away from zero to a billionth, as the records round it.</summary>
    private static long Nanos(decimal value) => Data.Money.ToNanoUnits(value);

    private static void Text(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void Time(Utf8JsonWriter w, JsonEncodedText name, DateTime? value)
    {
        if (value is { } time)
        {
            w.WriteString(name, time);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Flag(Utf8JsonWriter w, JsonEncodedText name, bool? value)
    {
        if (value is { } flag)
        {
            w.WriteBoolean(name, flag);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void Count(Utf8JsonWriter w, JsonEncodedText name, int? value)
    {
        if (value is { } count)
        {
            w.WriteNumber(name, count);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>Nano-units as the shortest exact decimal: 12340000000 is <c>12.34</c>, -240000000 is <c>-0.24</c>.</summary>
    private static void Money(Utf8JsonWriter w, JsonEncodedText name, long? nanoUnits)
    {
        if (nanoUnits is not { } value)
        {
            w.WriteNull(name);
            return;
        }

        Span<byte> text = stackalloc byte[24];
        var length = 0;
        var magnitude = (ulong)Math.Abs(value);
        if (value < 0)
        {
            text[length++] = (byte)'-';
        }

        Utf8Formatter.TryFormat(magnitude / Data.Money.NanoUnitsPerUnit, text[length..], out var written);
        length += written;
        var fraction = magnitude % Data.Money.NanoUnitsPerUnit;
        if (fraction != 0)
        {
            text[length++] = (byte)'.';
            var digits = 9;
            while (fraction % 10 == 0)
            {
                fraction /= 10;
                digits--;
            }

            for (var i = digits - 1; i >= 0; i--)
            {
                text[length + i] = (byte)('0' + (int)(fraction % 10));
                fraction /= 10;
            }

            length += digits;
        }

        w.WritePropertyName(name);
        w.WriteRawValue(text[..length], skipInputValidation: true);
    }
}
