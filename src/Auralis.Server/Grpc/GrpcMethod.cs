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

    /// <param name="budget">Reserves the bytes of a large request message while the call runs.</param>
    /// <param name="beforeHandler">Admission once the request is read (<see cref="GrpcServiceRegistry.BeforeHandler"/>).</param>
    public abstract Task InvokeAsync(GrpcCallContext call, GrpcServerOptions options, ReceiveBudget budget, Func<GrpcCallContext, ValueTask<IDisposable?>>? beforeHandler);
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

    public override async Task InvokeAsync(GrpcCallContext call, GrpcServerOptions options, ReceiveBudget budget, Func<GrpcCallContext, ValueTask<IDisposable?>>? beforeHandler)
    {
        var (request, reserved) = await ReadSingleMessageAsync(call.HttpContext.Request.BodyReader, options, budget, call.CancellationToken).ConfigureAwait(false);
        try
        {
            using var admitted = beforeHandler is null ? null : await beforeHandler(call).ConfigureAwait(false);
            await HandleAsync(call, request, options).ConfigureAwait(false);
        }
        finally
        {
            budget.Release(reserved);
        }
    }

    private async Task HandleAsync(GrpcCallContext call, TRequest request, GrpcServerOptions options)
    {
        var http = call.HttpContext;
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
    /// more than the announced message (at most <see cref="GrpcServerOptions.MaxReceiveMessageBytes"/>)
    /// plus what the transport already holds; a large message is reserved from <paramref name="budget"/>
    /// first (the reservation is returned, for the caller to release when the call ends).
    /// </summary>
    private async ValueTask<(TRequest Message, long Reserved)> ReadSingleMessageAsync(PipeReader reader, GrpcServerOptions options, ReceiveBudget budget, CancellationToken cancellationToken)
    {
        var maxMessageBytes = options.MaxReceiveMessageBytes;
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

        if (length <= (uint)options.SmallMessageBytes)
        {
            return (await ReadSmallMessageAsync(reader, result, length, cancellationToken).ConfigureAwait(false), 0);
        }

        if (!budget.TryReserve(length))
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"the server is already receiving {budget.InUse} bytes of large requests (its limit is {budget.Limit}); retry later");
        }

        try
        {
            return (await ReadLargeMessageAsync(reader, result, length, cancellationToken).ConfigureAwait(false), length);
        }
        catch
        {
            budget.Release(length);
            throw;
        }
    }

    /// <summary>A small message: parsed straight from the transport's buffer once it is all there.</summary>
    private async ValueTask<TRequest> ReadSmallMessageAsync(PipeReader reader, ReadResult result, uint length, CancellationToken cancellationToken)
    {
        var buffer = result.Buffer;
        var frameLength = GrpcProtocol.FrameHeaderSize + (long)length;
        while (buffer.Length < frameLength)
        {
            if (result.IsCompleted)
            {
                throw EndsEarly(buffer.Length - GrpcProtocol.FrameHeaderSize, length);
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            buffer = result.Buffer;
        }

        var message = Parse(buffer.Slice(GrpcProtocol.FrameHeaderSize, length));
        reader.AdvanceTo(buffer.GetPosition(frameLength));
        await ReadEndOfRequestAsync(reader, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>
    /// A large message (an upload): copied into one array as it arrives and consumed from the
    /// transport at once, so the connection's buffers never hold more than its flow-control window.
    /// </summary>
    private async ValueTask<TRequest> ReadLargeMessageAsync(PipeReader reader, ReadResult result, uint length, CancellationToken cancellationToken)
    {
        var bytes = new byte[length];
        var copied = 0;
        var buffer = result.Buffer.Slice(GrpcProtocol.FrameHeaderSize);
        while (true)
        {
            var take = (int)Math.Min(buffer.Length, length - copied);
            buffer.Slice(0, take).CopyTo(bytes.AsSpan(copied));
            copied += take;
            if (copied == length)
            {
                reader.AdvanceTo(buffer.GetPosition(take));
                break;
            }

            if (result.IsCompleted)
            {
                throw EndsEarly(copied, length);
            }

            reader.AdvanceTo(buffer.End);
            result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            buffer = result.Buffer;
        }

        var message = Parse(new ReadOnlySequence<byte>(bytes));
        await ReadEndOfRequestAsync(reader, cancellationToken).ConfigureAwait(false);
        return message;
    }

    private TRequest Parse(ReadOnlySequence<byte> bytes)
    {
        try
        {
            return _parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            // INVALID_ARGUMENT, not the INTERNAL of statuscodes.md: the bytes are the client's fault,
            // retrying them cannot help, and INTERNAL would page whoever watches the server for bugs.
            throw new GrpcException(GrpcStatusCode.InvalidArgument, $"the request is not a valid {_requestTypeName} message: {e.Message}");
        }
    }

    private GrpcException EndsEarly(long received, uint length) =>
        new(GrpcStatusCode.Internal, $"the request to {Service}/{Method} ends after {received} of the {length} message bytes its frame announced");

    private async ValueTask ReadEndOfRequestAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        // A unary request ends right after its message (END_STREAM). Anything more is a second one.
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (!result.Buffer.IsEmpty)
            {
                reader.AdvanceTo(result.Buffer.Start);
                throw new GrpcException(GrpcStatusCode.Unimplemented, $"{Service}/{Method} is unary: the request must hold exactly one message, it held more");
            }

            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

}
