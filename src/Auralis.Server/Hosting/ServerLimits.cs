namespace Auralis.Server.Hosting;

/// <summary>
/// The bounds that keep one client (or a few hundred sockets) from locking everyone else out of
/// `auralis serve` (docs/server.md, "Limits"). Each class of work has its own bound: connections,
/// WebSocket streams, request bodies being received, requests being handled, uploads in memory.
/// </summary>
public sealed record ServerLimits
{
    /// <summary>Open HTTP/1.1 and HTTP/2 connections (Kestrel MaxConcurrentConnections); upgraded WebSockets count separately.</summary>
    public int MaxConnections { get; init; } = 1000;

    /// <summary>Player streams (/ws sessions) at once; each holds a few audio chunks.</summary>
    public int MaxStreams { get; init; } = 32;

    /// <summary>
    /// Concurrent requests on one HTTP/2 connection (SETTINGS_MAX_CONCURRENT_STREAMS); clients queue or open another
    /// connection beyond it. Not below 100: clients open up to 100 streams before they have read the server's SETTINGS
    /// (RFC 9113 section 3.4; SocketsHttpHandler, nghttp2), and Kestrel answers the body of a stream it refused and
    /// forgot with GOAWAY STREAM_CLOSED, which fails every call on that connection.
    /// </summary>
    public int MaxHttp2StreamsPerConnection { get; init; } = 100;

    /// <summary>Largest HTTP/JSON API request body (the API takes small JSON bodies only); larger: 413.</summary>
    public int MaxApiBodyBytes { get; init; } = 64 * 1024;

    /// <summary>Slowest request body accepted once <see cref="MinBodyRateGracePeriod"/> has passed; slower ones are cut off.</summary>
    public int MinBodyBytesPerSecond { get; init; } = 16 * 1024;

    /// <summary>How long a request body may start slowly before <see cref="MinBodyBytesPerSecond"/> applies (Kestrel: more than 1 s).</summary>
    public TimeSpan MinBodyRateGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Time to send the request line and headers (and, on a new cleartext connection, its first bytes).</summary>
    public TimeSpan RequestHeadersTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a connection may sit idle between requests.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest message a /ws client may send (its commands are small JSON); larger closes the socket with 1009.</summary>
    public int MaxWebSocketMessageBytes { get; init; } = 4 * 1024;

    /// <summary>gRPC request bytes (announced message lengths) being received and held at once; a call that would exceed it gets RESOURCE_EXHAUSTED at once.</summary>
    public long MaxUploadBytesInFlight { get; init; } = 256L * 1024 * 1024;
}
