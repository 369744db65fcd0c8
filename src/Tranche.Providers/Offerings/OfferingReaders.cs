using Tranche.Providers.Onboarding;

namespace Tranche.Providers.Offerings;

/// <summary>The readers of every provider's offering APIs, as the server and the command line use them.</summary>
public static class OfferingReaders
{
    /// <summary>A client for the offering APIs: price lists page through thousands of items, so it waits longer than a verification.</summary>
    public static HttpClient CreateHttpClient() => new() { Timeout = TimeSpan.FromSeconds(100) };

    public static IReadOnlyList<IOfferingReader> Create(CloudSettings settings, HttpClient http, TimeProvider time) => [];
}
