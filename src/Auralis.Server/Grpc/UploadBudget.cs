using System.Buffers;
using System.Buffers.Binary;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Auralis.Server.Grpc;

/// <summary>
/// Lifts Kestrel's request-body limit for gRPC calls, and bounds the bytes of large gRPC request messages being received and held at once: the
/// framework buffers each message whole before its handler runs, so many concurrent uploads
/// would otherwise hold many messages' worth of memory. The 5-byte frame header (flag, big-endian
/// length) is peeked without consuming it; a message over <see cref="SmallMessageBytes"/> that
/// does not fit is refused RESOURCE_EXHAUSTED at once, body unread. It never waits: a waiting
/// call would hold HTTP/2 flow-control window that the calls being received need.
/// </summary>
internal sealed class UploadBudget(long limit)
{
    /// <summary>Messages up to this size are not counted (the stream limits bound them).</summary>
    public const int SmallMessageBytes = 64 * 1024;

    private long _inUse;

    public long InUse => Interlocked.Read(ref _inUse);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!GrpcHosting.IsGrpcCall(context))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        // Kestrel's request-body limit is the JSON API's; gRPC messages are bounded by
        // MaxReceiveMessageSize instead, which answers RESOURCE_EXHAUSTED rather than a broken call.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        if (limit == long.MaxValue)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var length = await PeekMessageLengthAsync(context.Request.BodyReader, context.RequestAborted).ConfigureAwait(false);
        if (length <= SmallMessageBytes)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (!TryReserve(length))
        {
            await GrpcStatusHeaders.WriteTrailersOnly(context, StatusCode.ResourceExhausted,
                $"the server is already receiving {InUse} bytes of large requests (its limit is {limit}); retry later").ConfigureAwait(false);
            return;
        }

        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _inUse, -length);
        }
    }

    /// <summary>The announced length of the first message, or 0 when the body ends before its header.</summary>
    private static async ValueTask<long> PeekMessageLengthAsync(System.IO.Pipelines.PipeReader body, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                Span<byte> header = stackalloc byte[5];
                buffer.Slice(0, 5).CopyTo(header);
                // Consume nothing: the framework reads the message from its first byte.
                body.AdvanceTo(buffer.Start, buffer.GetPosition(5));
                return BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            }

            body.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return 0;
            }
        }
    }

    private bool TryReserve(long bytes)
    {
        while (true)
        {
            var current = Interlocked.Read(ref _inUse);
            if (current + bytes > limit)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _inUse, current + bytes, current) == current)
            {
                return true;
            }
        }
    }
}
