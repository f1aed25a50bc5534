using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Grpc;

/// <summary>
/// A handler's <see cref="RpcException"/> is its answer; any other exception is a server bug:
/// logged with the request id and answered INTERNAL naming only that id, never the exception's
/// text (it may hold paths, SQL or other internals). The framework alone would answer UNKNOWN.
/// </summary>
internal sealed partial class UnexpectedErrorInterceptor(ILogger<UnexpectedErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.OK)
        {
            // OK without a reply would leave the client with a cardinality violation to explain.
            var id = context.GetHttpContext().TraceIdentifier;
            LogFailed(e, context.Method, id);
            throw new RpcException(new Status(StatusCode.Internal, $"internal error in {context.Method.TrimStart('/')}: it ended OK without a reply (request id {id})"));
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Deadline or client abort: the framework answers (DEADLINE_EXCEEDED) or nobody listens.
            throw;
        }
        catch (Exception e)
        {
            var id = context.GetHttpContext().TraceIdentifier;
            LogFailed(e, context.Method, id);
            throw new RpcException(new Status(StatusCode.Internal, $"internal error in {context.Method.TrimStart('/')} (the server log has the details under request id {id})"));
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "gRPC {Method} failed (request id {RequestId}); the client got INTERNAL")]
    private partial void LogFailed(Exception exception, string method, string requestId);
}
