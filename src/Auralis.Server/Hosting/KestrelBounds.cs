using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Auralis.Server.Hosting;

/// <summary>The transport-level part of <see cref="ServerLimits"/>: what Kestrel enforces before any middleware runs.</summary>
internal static class KestrelBounds
{
    /// <summary>
    /// Upgraded connections beyond the stream limit: a socket refused as busy is upgraded, told so
    /// and closed (<see cref="Streaming.StreamingEndpoint"/>); this many may be on their way out at once.
    /// </summary>
    public const int RefusedStreamsInFlight = 64;

    public static void Apply(KestrelServerLimits kestrel, ServerSettings settings)
    {
        var limits = settings.Limits;
        kestrel.MaxConcurrentConnections = limits.MaxConnections;
        kestrel.MaxConcurrentUpgradedConnections = limits.MaxStreams + RefusedStreamsInFlight;
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;

        // The JSON API's bodies; gRPC lifts this per request and bounds its messages itself.
        kestrel.MaxRequestBodySize = limits.MaxApiBodyBytes;

        // Kestrel enforces it on HTTP/1.1 bodies and on HTTP/2 streams alike, so also on the
        // cleartext HTTP/2 handed over by CleartextHttp2 (same server, same limits).
        kestrel.MinRequestBodyDataRate = new MinDataRate(limits.MinBodyBytesPerSecond, limits.MinBodyRateGracePeriod);

        // Below the request bound: a connection can never have more calls in flight than there are
        // slots, so its own queued calls cannot hold the window the running ones need.
        kestrel.Http2.MaxStreamsPerConnection = Math.Min(limits.MaxHttp2StreamsPerConnection, settings.MaxConcurrentRequests);
    }
}
