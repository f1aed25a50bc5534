using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Grpc;

/// <summary>
/// The server side of the gRPC wire protocol for unary calls over Kestrel HTTP/2: request checks,
/// deadline, the registry's handler, and the status as trailers (or trailers-only for errors).
/// </summary>
internal sealed partial class GrpcServer
{
    private readonly GrpcServiceRegistry _registry;
    private readonly ILogger _logger;

    private readonly ReceiveBudget _budget;

    public GrpcServer(GrpcServiceRegistry registry, ILogger logger)
    {
        _registry = registry;
        _logger = logger;
        _budget = new ReceiveBudget(registry.Options.MaxReceiveBytesInFlight);
    }

    public Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            // gRPC needs HTTP/2 (trailers on every response); answer HTTP/1.x callers in plain words.
            return WriteHttpErrorAsync(http, StatusCodes.Status505HttpVersionNotsupported,
                $"gRPC needs HTTP/2, and this request came over {request.Protocol}: call this address with a gRPC client (http:// addresses take cleartext HTTP/2 with prior knowledge).");
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.Headers.Allow = "POST";
            return WriteHttpErrorAsync(http, StatusCodes.Status405MethodNotAllowed, $"gRPC calls use POST, not {request.Method}.");
        }

        if (!GrpcProtocol.IsProtoContentType(request.ContentType))
        {
            WriteStatus(http, GrpcStatusCode.Unimplemented, $"content-type {request.ContentType} is not supported: this server speaks application/grpc (protobuf) only");
            return Task.CompletedTask;
        }

        if (!string.Equals(request.Headers.TE.ToString(), "trailers", StringComparison.OrdinalIgnoreCase))
        {
            // Like grpc-java: without "te: trailers" some proxy on the way may drop the trailers,
            // and with them every status.
            WriteStatus(http, GrpcStatusCode.Internal, "the request lacks the header 'te: trailers' that gRPC requires (a proxy on the way may not support HTTP trailers)");
            return Task.CompletedTask;
        }

        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers.GrpcTimeout;
        if (timeoutHeader.Count > 0)
        {
            if (timeoutHeader.Count > 1 || !GrpcProtocol.TryParseTimeout(timeoutHeader[0], out var parsed))
            {
                WriteStatus(http, GrpcStatusCode.Internal, $"malformed grpc-timeout '{timeoutHeader}' (expected 1 to 8 digits and a unit: H, M, S, m, u or n)");
                return Task.CompletedTask;
            }

            if (parsed <= GrpcProtocol.MaxTimeout)
            {
                timeout = parsed;
            }
        }

        // The server enforces its own limit on the message; Kestrel's request-body limit (which
        // `auralis serve` sets for its JSON API) would otherwise cut uploads short with a less
        // precise error.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        return HandleCallAsync(http, timeout);
    }

    private async Task HandleCallAsync(HttpContext http, TimeSpan? timeout)
    {
        var path = http.Request.Path.Value ?? "/";
        var method = _registry.Find(path);
        string serviceName, methodName;
        if (method is not null)
        {
            serviceName = method.Service;
            methodName = method.Method;
        }
        else
        {
            var slash = path.LastIndexOf('/');
            serviceName = slash > 0 ? path[1..slash] : "";
            methodName = path[(slash + 1)..];
        }

        CancellationTokenSource? deadlineSource = null;
        DateTimeOffset? deadline = null;
        var cancellationToken = http.RequestAborted;
        if (timeout is { } t)
        {
            deadline = DateTimeOffset.UtcNow + t;
            deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
            if (t < TimeSpan.FromMilliseconds(1))
            {
                // CancelAfter counts whole milliseconds: a sub-millisecond timeout would race its
                // timer. The deadline has passed by the time anything could run.
                deadlineSource.Cancel();
            }
            else
            {
                deadlineSource.CancelAfter(t);
            }
            cancellationToken = deadlineSource.Token;
        }

        var call = new GrpcCallContext(http, serviceName, methodName, deadline, cancellationToken);
        try
        {
            if (_registry.BeforeCall is { } beforeCall)
            {
                await beforeCall(call).ConfigureAwait(false);
            }

            if (method is null)
            {
                throw new GrpcException(GrpcStatusCode.Unimplemented, _registry.HasService(serviceName)
                    ? $"unknown method {methodName} in service {serviceName}"
                    : $"unknown service {serviceName} (method {methodName})");
            }

            await method.InvokeAsync(call, _registry.Options, _budget, _registry.BeforeHandler).ConfigureAwait(false);
        }
        catch (GrpcException e) when (e.Status == GrpcStatusCode.OK)
        {
            // OK without a reply would leave the client with a cardinality violation to explain.
            LogHandlerException(e, serviceName, methodName, http.TraceIdentifier);
            WriteStatus(http, GrpcStatusCode.Internal, $"internal error in {serviceName}/{methodName}: it ended OK without a reply (request id {http.TraceIdentifier})");
        }
        catch (GrpcException e)
        {
            if (!http.RequestAborted.IsCancellationRequested)
            {
                LogCallFailed(serviceName, methodName, e.Status, e.Message);
                WriteStatus(http, e.Status, e.Message);
            }
        }
        catch (Exception e) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client is gone (RST_STREAM CANCEL or a closed connection): nobody to answer.
            LogClientAborted(e, serviceName, methodName);
        }
        catch (OperationCanceledException) when (deadlineSource is { IsCancellationRequested: true })
        {
            var message = $"deadline exceeded: {serviceName}/{methodName} did not finish within the client's timeout of {timeout!.Value.TotalMilliseconds:0.###} ms";
            LogCallFailed(serviceName, methodName, GrpcStatusCode.DeadlineExceeded, message);
            WriteStatus(http, GrpcStatusCode.DeadlineExceeded, message);
        }
        catch (Exception e)
        {
            // Never the exception's text: it may hold paths, SQL or other internals.
            LogHandlerException(e, serviceName, methodName, http.TraceIdentifier);
            WriteStatus(http, GrpcStatusCode.Internal, $"internal error in {serviceName}/{methodName} (the server log has the details under request id {http.TraceIdentifier})");
        }
        finally
        {
            deadlineSource?.Dispose();
        }
    }

    /// <summary>
    /// The status of a call that sent no message: trailers-only (grpc-status and grpc-message in
    /// the response headers, which end the stream). Kestrel resets the stream (NO_ERROR) when the
    /// request body was not read to its end.
    /// </summary>
    internal static void WriteStatus(HttpContext http, GrpcStatusCode status, string message)
    {
        var response = http.Response;
        IHeaderDictionary target;
        if (response.HasStarted)
        {
            target = http.Features.GetRequiredFeature<IHttpResponseTrailersFeature>().Trailers;
        }
        else
        {
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = GrpcProtocol.ContentType;
            target = response.Headers;
        }

        target.GrpcStatus = GrpcProtocol.StatusValue(status);
        if (message.Length > 0)
        {
            target.GrpcMessage = GrpcProtocol.EncodeMessage(message);
        }

        if (status == GrpcStatusCode.Unimplemented)
        {
            target.GrpcAcceptEncoding = "identity";
        }
    }

    private static Task WriteHttpErrorAsync(HttpContext http, int httpStatus, string message)
    {
        var response = http.Response;
        response.StatusCode = httpStatus;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.GrpcStatus = GrpcProtocol.StatusValue(GrpcStatusCode.Internal);
        response.Headers.GrpcMessage = GrpcProtocol.EncodeMessage(message);
        return response.WriteAsync(message + "\n", http.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "gRPC {Service}/{Method} ended {Status}: {StatusMessage}")]
    private partial void LogCallFailed(string service, string method, GrpcStatusCode status, string statusMessage);

    [LoggerMessage(Level = LogLevel.Debug, Message = "gRPC {Service}/{Method}: the client went away")]
    private partial void LogClientAborted(Exception exception, string service, string method);

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC {Service}/{Method} failed (request id {RequestId}); the client got INTERNAL")]
    private partial void LogHandlerException(Exception exception, string service, string method, string requestId);
}
