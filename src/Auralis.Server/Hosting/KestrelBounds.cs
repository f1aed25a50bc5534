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
        // A backstop only: the stream and refusal counts (released a moment before Kestrel's own
        // count) keep /ws below it, and Kestrel would answer an upgrade over it with a 500.
        kestrel.MaxConcurrentUpgradedConnections = limits.MaxStreams + (2 * RefusedStreamsInFlight);
        kestrel.RequestHeadersTimeout = limits.RequestHeadersTimeout;
        kestrel.KeepAliveTimeout = limits.KeepAliveTimeout;

        // The JSON API's bodies; gRPC calls lift it (UploadBudget) and are bounded by MaxReceiveMessageSize.
        kestrel.MaxRequestBodySize = limits.MaxApiBodyBytes;

        // Kestrel enforces it on HTTP/1.1 bodies and on HTTP/2 streams alike, so also on the
        // cleartext HTTP/2 handed over by CleartextHttp2 (same server, same limits).
        kestrel.MinRequestBodyDataRate = new MinDataRate(limits.MinBodyBytesPerSecond, limits.MinBodyRateGracePeriod);

        // What one connection may have open. It may exceed the request bound: calls beyond the
        // slots wait in the request gate with their message already read, so they hold no
        // flow-control window (RequestSlotInterceptor). A lower value would refuse the streams a
        // client opens before it has read SETTINGS, and Kestrel ends the whole connection when
        // their bodies arrive (ServerLimits.MaxHttp2StreamsPerConnection).
        kestrel.Http2.MaxStreamsPerConnection = limits.MaxHttp2StreamsPerConnection;
    }
}
