using Microsoft.AspNetCore.Http;

namespace Auralis.Server.Grpc;

/// <summary>One gRPC call as a handler (and <see cref="GrpcServiceRegistry.BeforeCall"/>) sees it.</summary>
public sealed class GrpcCallContext
{
    internal GrpcCallContext(HttpContext httpContext, string service, string method, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Service = service;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The HTTP/2 request underneath: headers (metadata such as authorization), connection, services.</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The fully qualified service name from the path, e.g. <c>auralis.v1.FingerprintService</c>.</summary>
    public string Service { get; }

    /// <summary>The method name from the path, e.g. <c>GetTrackFingerprint</c>.</summary>
    public string Method { get; }

    /// <summary>When the client gives up (from <c>grpc-timeout</c>); null when it sent none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Fires when the client aborts the call or its deadline passes: stop working then.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>A request header (metadata) or null, e.g. <c>GetHeader("authorization")</c>.</summary>
    public string? GetHeader(string name)
    {
        var values = HttpContext.Request.Headers[name];
        return values.Count == 0 ? null : values.ToString();
    }
}
