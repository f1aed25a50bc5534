using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Auralis.Server.Hosting;

/// <summary>
/// gRPC calls share the request bound (<see cref="RequestGate"/>) with the JSON API. Interceptors
/// run once the request message has been read, so a call waiting here holds no HTTP/2
/// flow-control window that the calls holding the slots still need.
/// </summary>
internal sealed class RequestSlotInterceptor(RequestGate gate) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (!await gate.EnterAsync(context.CancellationToken).ConfigureAwait(false))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, "server busy, retry later"));
        }

        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        finally
        {
            gate.Exit();
        }
    }
}
