namespace Tranche.Domain.Commitments;

/// <summary>The published commitment statuses of native (not guaranteed) commitments, and the rules that pick one.</summary>
public static class CommitmentLifecycle
{
    public const string New = "new";
    public const string Active = "active";
    public const string RecentlyExpired = "recently_expired";
    public const string Expired = "expired";
    public const string Cancelled = "cancelled";
    public const string Removed = "removed";
    public const string Unknown = "unknown";

    /// <summary>How long after its end a commitment counts as recently expired (renewal prompts look at these).</summary>
    public static readonly TimeSpan RecentlyExpiredWindow = TimeSpan.FromDays(30);

    /// <summary>
    /// The status at <paramref name="now"/>. Cancelled and removed come from the provider; then the dates decide: past its
    /// end it is (recently) expired; bought or listed but not yet in force or not yet in any billing data it is new;
    /// otherwise active. A commitment known only from billing data has no end until it stops appearing in it.
    /// </summary>
    public static string StatusAt(DateTime now, DateTime? start, DateTime? end, string? providerState, bool seenInBilling)
    {
        switch (providerState)
        {
            case "cancelled":
                return Cancelled;
            case "removed":
                return Removed;
        }

        if (end is { } ends && ends <= now)
        {
            return now - ends <= RecentlyExpiredWindow ? RecentlyExpired : Expired;
        }

        if (providerState == "pending" || start > now || !seenInBilling)
        {
            return New;
        }

        return Active;
    }

    /// <summary>In force now: started, not ended, not cancelled or removed.</summary>
    public static bool IsActiveAt(DateTime now, DateTime? start, DateTime? end, string status) =>
        status is Active or New && (start is null || start <= now) && (end is null || now < end);
}
