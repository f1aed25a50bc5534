namespace Auralis.Server.Grpc;

/// <summary>Settings of a <see cref="GrpcClient"/>.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>Sent as <c>authorization: Bearer &lt;token&gt;</c> on every call when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>The deadline of calls that pass none; null: no deadline.</summary>
    public TimeSpan? DefaultDeadline { get; set; }

    /// <summary>
    /// Sends a call once more (after 100 ms, within its deadline) when the first attempt ends
    /// UNAVAILABLE: the server could not be reached, the connection broke, or the server said so.
    /// Never after DEADLINE_EXCEEDED or any other status. Every method of the fingerprint service is
    /// idempotent, which is what makes this safe.
    /// </summary>
    public bool RetryUnavailableOnce { get; set; } = true;

    /// <summary>Largest reply message accepted; larger ones end the call with RESOURCE_EXHAUSTED unread.</summary>
    public int MaxReceiveMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The HTTP handler to send through (tests, proxies, TLS settings); the caller keeps ownership.
    /// Null: a <see cref="System.Net.Http.SocketsHttpHandler"/> owned by the client.
    /// </summary>
    public HttpMessageHandler? Handler { get; set; }
}
