namespace Tranche.Domain.Webhooks;

/// <summary>
/// When a failed delivery is tried again: exponential backoff, each wait four times the one before (30 s, 2 min, 8 min,
/// 32 min, ... with the default base), capped at 12 hours, spread by ±20 % jitter so that endpoints coming back after an
/// outage are not hit by every waiting delivery in the same second. After <see cref="MaxAttempts"/> attempts it gives up.
/// </summary>
public static class RetrySchedule
{
    public const int MaxAttempts = 8;

    public const double Growth = 4;

    public const double Jitter = 0.2;

    public static readonly TimeSpan DefaultBase = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromHours(12);

    /// <summary>
    /// The wait after attempt number <paramref name="attempt"/> (1-based) failed, or null when that was the last one.
    /// <paramref name="random"/> in [0, 1) places the delay within the jitter band (pass <c>Random.Shared.NextDouble()</c>).
    /// </summary>
    public static TimeSpan? DelayAfter(int attempt, TimeSpan baseDelay, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        if (attempt >= MaxAttempts)
        {
            return null;
        }

        // In double seconds, so a large configured base cannot overflow; the cap keeps it sane anyway.
        var nominal = Math.Min(baseDelay.TotalSeconds * Math.Pow(Growth, attempt - 1), MaxDelay.TotalSeconds);
        var factor = 1 - Jitter + 2 * Jitter * Math.Clamp(random, 0, 1);
        return TimeSpan.FromSeconds(nominal * factor);
    }
}

/// <summary>Which webhook URLs may be registered.</summary>
public static class WebhookUrls
{
    public const int MaxLength = 2000;

    /// <summary>
    /// Why <paramref name="url"/> cannot be a webhook endpoint, or null when it can: an absolute <c>https</c> URL, or
    /// <c>http</c> to a loopback host (<c>localhost</c>, <c>127.0.0.0/8</c>, <c>::1</c>) for local development and
    /// tests, where a certificate is a nuisance and nothing leaves the machine. No credentials in the URL.
    /// </summary>
    public static string? Problem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return "Must be an absolute https URL.";
        }

        if (url.Length > MaxLength)
        {
            return $"Longer than maximum length {MaxLength}.";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            return "Must be an absolute https URL.";
        }

        if (uri.UserInfo.Length > 0)
        {
            return "Must not contain credentials; authenticate deliveries by their Tranche-Signature instead.";
        }

        if (uri.Fragment.Length > 0)
        {
            return "Must not contain a fragment (#...).";
        }

        return uri.Scheme == "http" && !uri.IsLoopback
            ? "Must use https; plain http is allowed only to a loopback host (localhost, 127.0.0.1, ::1)."
            : null;
    }
}

/// <summary>
/// Who hears about an org's events: the org's own endpoints and its partner's, when subscribed to the type. Nobody
/// else, ever: not a sibling customer, not another partner.
/// </summary>
public static class WebhookRouting
{
    public static bool Receives(Guid endpointOrgId, IReadOnlyCollection<string> subscribedTypes, Guid eventOrgId, Guid? eventPartnerOrgId, string eventType) =>
        subscribedTypes.Contains(eventType) && (endpointOrgId == eventOrgId || endpointOrgId == eventPartnerOrgId);
}

/// <summary>
/// Which addresses a webhook may be sent to. Webhook URLs come from API callers, so without a rule a delivery could be
/// aimed at the server's own network: the cloud metadata service, a database, an admin port. Link-local addresses
/// (where the metadata services live), unspecified, multicast and broadcast addresses are never reached; loopback,
/// private and shared (carrier-grade NAT) ranges only when the operator allows private networks, for endpoints inside
/// their own network.
/// </summary>
public static class WebhookAddresses
{
    public static bool IsAllowed(System.Net.IPAddress address, bool allowPrivateNetworks)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            var never = b[0] == 0                      // 0.0.0.0/8: this network
                || (b[0] == 169 && b[1] == 254)        // 169.254.0.0/16: link-local, cloud metadata
                || b[0] >= 224;                        // multicast, reserved, broadcast
            if (never)
            {
                return false;
            }

            var inside = b[0] == 127                   // loopback
                || b[0] == 10                          // private
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 100 && b[1] is >= 64 and <= 127); // shared address space (carrier-grade NAT)
            return !inside || allowPrivateNetworks;
        }

        if (address.Equals(System.Net.IPAddress.IPv6None) || address.Equals(System.Net.IPAddress.IPv6Any) || address.IsIPv6Multicast || address.IsIPv6LinkLocal)
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        var privateV6 = System.Net.IPAddress.IsLoopback(address)
            || (bytes[0] & 0xFE) == 0xFC              // fc00::/7: unique local
            || address.IsIPv6SiteLocal;
        return !privateV6 || allowPrivateNetworks;
    }
}
