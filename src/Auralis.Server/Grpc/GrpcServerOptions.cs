namespace Auralis.Server.Grpc;

/// <summary>Limits of the gRPC server (per message, after the 5-byte frame header).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted; larger ones end with RESOURCE_EXHAUSTED before their body is read.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent; a larger reply ends the call with RESOURCE_EXHAUSTED instead.</summary>
    public int MaxSendMessageBytes { get; set; } = 4 * 1024 * 1024;
}
