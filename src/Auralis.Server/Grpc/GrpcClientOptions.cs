namespace Auralis.Server.Grpc;

/// <summary>Settings of a channel made by <see cref="FingerprintChannel.Create"/>.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>Sent as <c>authorization: Bearer &lt;token&gt;</c> call credentials on every call when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// Sends a call once more (after a random pause of at most 100 ms, within its deadline) when
    /// the first attempt ends UNAVAILABLE: the server could not be reached, the connection broke,
    /// or the server said so. Never after DEADLINE_EXCEEDED or any other status. Every method of
    /// the fingerprint service is idempotent, which is what makes this safe.
    /// </summary>
    public bool RetryUnavailableOnce { get; set; } = true;

    /// <summary>Largest reply message accepted; a larger one ends the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxReceiveMessageBytes { get; set; } = GrpcHosting.DefaultMaxMessageBytes;

    /// <summary>
    /// The HTTP handler to send through (tests, proxies, TLS settings); the caller keeps ownership.
    /// Null: a <see cref="System.Net.Http.SocketsHttpHandler"/> owned by the channel.
    /// </summary>
    public HttpMessageHandler? Handler { get; set; }
}
