using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Auralis.Server.Grpc;

/// <summary>A registered method: reads its request from the body, runs its handler, writes the reply.</summary>
internal abstract class GrpcMethod
{
    protected GrpcMethod(string service, string method)
    {
        Service = service;
        Method = method;
    }

    public string Service { get; }

    public string Method { get; }

    public abstract Task InvokeAsync(GrpcCallContext call, GrpcServerOptions options);
}

internal sealed class UnaryMethod<TRequest, TResponse> : GrpcMethod
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    private readonly MessageParser<TRequest> _parser;
    private readonly Func<TRequest, GrpcCallContext, Task<TResponse>> _handler;
    private readonly string _requestTypeName;

    public UnaryMethod(string service, string method, MessageParser<TRequest> parser, Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
        : base(service, method)
    {
        _parser = parser;
        _handler = handler;
        _requestTypeName = parser.ParseFrom(ReadOnlySpan<byte>.Empty).Descriptor.FullName;
    }

    public override async Task InvokeAsync(GrpcCallContext call, GrpcServerOptions options)
    {
        var http = call.HttpContext;
        var request = await ReadSingleMessageAsync(http.Request.BodyReader, options.MaxReceiveMessageBytes, call.CancellationToken).ConfigureAwait(false);
        var task = _handler(request, call);
        if (!task.IsCompleted && call.CancellationToken.CanBeCanceled)
        {
            try
            {
                // Stop waiting at the deadline (or abort) even when the handler ignores its token.
                await task.WaitAsync(call.CancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!task.IsCompleted)
            {
                // The abandoned handler may still fail later: observe that so it is not reported as
                // an unobserved task exception.
                _ = task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                throw;
            }
        }

        var reply = await task.ConfigureAwait(false);
        if (reply is null)
        {
            throw new InvalidOperationException($"The handler of {Service}/{Method} returned null instead of a reply.");
        }

        var size = reply.CalculateSize();
        if (size > options.MaxSendMessageBytes)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"the reply of {Service}/{Method} is {size} bytes, over the server's limit of {options.MaxSendMessageBytes} bytes");
        }

        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        var writer = response.BodyWriter;
        var total = GrpcProtocol.FrameHeaderSize + size;
        var span = writer.GetSpan(total);
        GrpcProtocol.WriteFrameHeader(span, size);
        reply.WriteTo(span.Slice(GrpcProtocol.FrameHeaderSize, size));
        writer.Advance(total);

        // Trailers go out after the body when the middleware returns (HEADERS with END_STREAM).
        http.Features.GetRequiredFeature<IHttpResponseTrailersFeature>().Trailers.GrpcStatus = GrpcProtocol.StatusValue(GrpcStatusCode.OK);
    }

    /// <summary>
    /// Reads exactly one length-prefixed message and the end of the request stream. Never buffers
    /// more than the announced message (at most <paramref name="maxMessageBytes"/>) plus what the
    /// transport already holds.
    /// </summary>
    private async ValueTask<TRequest> ReadSingleMessageAsync(PipeReader reader, int maxMessageBytes, CancellationToken cancellationToken)
    {
        var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        while (result.Buffer.Length < GrpcProtocol.FrameHeaderSize && !result.IsCompleted)
        {
            reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }

        var buffer = result.Buffer;
        if (buffer.Length == 0)
        {
            // Cardinality violation: statuscodes.md prescribes UNIMPLEMENTED.
            throw new GrpcException(GrpcStatusCode.Unimplemented, $"{Service}/{Method} is unary: the request must hold exactly one message, it held none");
        }

        if (buffer.Length < GrpcProtocol.FrameHeaderSize)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"the request to {Service}/{Method} ends inside a frame header ({buffer.Length} of {GrpcProtocol.FrameHeaderSize} bytes)");
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderSize];
        buffer.Slice(0, GrpcProtocol.FrameHeaderSize).CopyTo(header);
        var flag = header[0];
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag == 1)
        {
            throw new GrpcException(GrpcStatusCode.Unimplemented, "compressed request messages are not supported by this server (it accepts grpc-encoding identity only): disable compression in the client");
        }

        if (flag != 0)
        {
            throw new GrpcException(GrpcStatusCode.Internal, $"invalid compressed-flag {flag} in the request frame header (must be 0 or 1)");
        }

        if (length > (uint)maxMessageBytes)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"the request message to {Service}/{Method} is {length} bytes, over the server's limit of {maxMessageBytes} bytes");
        }

        var frameLength = GrpcProtocol.FrameHeaderSize + (long)length;
        while (buffer.Length < frameLength)
        {
            if (result.IsCompleted)
            {
                throw new GrpcException(GrpcStatusCode.Internal, $"the request to {Service}/{Method} ends after {buffer.Length - GrpcProtocol.FrameHeaderSize} of the {length} message bytes its frame announced");
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            buffer = result.Buffer;
        }

        TRequest message;
        try
        {
            message = _parser.ParseFrom(buffer.Slice(GrpcProtocol.FrameHeaderSize, length));
        }
        catch (InvalidProtocolBufferException e)
        {
            // INVALID_ARGUMENT, not the INTERNAL of statuscodes.md: the bytes are the client's fault,
            // retrying them cannot help, and INTERNAL would page whoever watches the server for bugs.
            throw new GrpcException(GrpcStatusCode.InvalidArgument, $"the request is not a valid {_requestTypeName} message: {e.Message}");
        }

        reader.AdvanceTo(buffer.GetPosition(frameLength));

        // A unary request ends right after its message (END_STREAM). Anything more is a second one.
        while (true)
        {
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw new GrpcException(GrpcStatusCode.Unimplemented, $"{Service}/{Method} is unary: the request must hold exactly one message, it held more");
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return message;
            }
        }
    }

}
