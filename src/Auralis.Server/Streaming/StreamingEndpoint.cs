using System.Net.WebSockets;
using Auralis.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Streaming;

/// <summary>The player's WebSocket at <c>/ws</c> (docs/streaming.md), with a bound on simultaneous streams.</summary>
internal static class StreamingEndpoint
{
    public const string Path = "/ws";

    /// <summary>How long a closing socket waits for the client's close frame before it is dropped.</summary>
    public static readonly TimeSpan CloseWait = TimeSpan.FromMilliseconds(500);

    public static void Map(WebApplication app, StreamPreparer preparer, ILogger logger, ServerLimits limits)
    {
        // Each session holds at most a few chunks (flow control), so this bounds their memory.
        var sessions = new SemaphoreSlim(limits.MaxStreams, limits.MaxStreams);
        var refusing = 0;
        var stopping = app.Lifetime.ApplicationStopping;
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Map(Path, async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await Api.JsonApi.Error(StatusCodes.Status400BadRequest, "/ws is a WebSocket endpoint (docs/streaming.md)").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            if (!sessions.Wait(0, CancellationToken.None))
            {
                await RefuseAsync(context, limits, () => Interlocked.Increment(ref refusing) <= KestrelBounds.RefusedStreamsInFlight, () => Interlocked.Decrement(ref refusing)).ConfigureAwait(false);
                return;
            }

            try
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
                using var session = new PlaybackSession(socket, preparer, logger, limits.MaxWebSocketMessageBytes);
                await session.RunAsync(context.RequestAborted, stopping).ConfigureAwait(false);
            }
            finally
            {
                sessions.Release();
            }
        });
    }

    public static bool IsStreamRequest(HttpRequest request) => request.Path.Equals(Path, StringComparison.Ordinal);

    /// <summary>
    /// Over the stream limit: the socket is accepted only to say "busy" (browsers cannot read the
    /// status of a refused handshake) and closed without waiting long for the client's close frame;
    /// when too many refusals are already under way, the handshake itself is refused (503).
    /// </summary>
    private static async Task RefuseAsync(HttpContext context, ServerLimits limits, Func<bool> enter, Action exit)
    {
        try
        {
            if (!enter())
            {
                context.Response.Headers.RetryAfter = "1";
                await Api.JsonApi.Error(StatusCodes.Status503ServiceUnavailable, $"the server plays at most {limits.MaxStreams} streams at once; try again later").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(CloseWait);
            var busy = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { type = "audio_stream_error", stream_id = (int?)null, code = "busy", message = $"the server plays at most {limits.MaxStreams} streams at once; try again later" });
            try
            {
                await socket.SendAsync(busy, WebSocketMessageType.Text, true, timeout.Token).ConfigureAwait(false);
                await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "busy", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException)
            {
                // The client did not answer the close in time, or left: the socket is dropped.
            }
        }
        finally
        {
            exit();
        }
    }
}
