namespace Auralis.Server.Grpc;

/// <summary>Limits of the gRPC server (per message, after the 5-byte frame header).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones end with RESOURCE_EXHAUSTED before their body is read.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// Request bytes of large messages (over <see cref="SmallMessageBytes"/>) being received and held
    /// at once, counted by the length each frame header announces. A call that would go over it ends
    /// RESOURCE_EXHAUSTED at once, its body unread: it never waits, because a waiting call would hold
    /// HTTP/2 flow-control window that the calls being received need.
    /// </summary>
    public long MaxReceiveBytesInFlight { get; set; } = long.MaxValue;

    /// <summary>Messages up to this size are not counted against <see cref="MaxReceiveBytesInFlight"/> (streams bound them).</summary>
    public int SmallMessageBytes { get; set; } = 64 * 1024;

    /// <summary>Largest response message sent; a larger reply ends the call with RESOURCE_EXHAUSTED instead.</summary>
    public int MaxSendMessageBytes { get; set; } = 4 * 1024 * 1024;
}
