using Auralis.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Streaming;

/// <summary>The player's WebSocket at <c>/ws</c> (docs/streaming.md), with a bound on simultaneous streams.</summary>
internal static class StreamingEndpoint
{
    public const string Path = "/ws";

    /// <summary>Sockets open at once; each holds at most a few chunks (flow control), so this bounds memory.</summary>
    public const int MaxSessions = 32;

    public static void Map(WebApplication app, StreamPreparer preparer, ILogger logger)
    {
        var sessions = new SemaphoreSlim(MaxSessions, MaxSessions);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.Map(Path, async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                await Api.JsonApi.Error(StatusCodes.Status400BadRequest, "/ws is a WebSocket endpoint (docs/streaming.md)").ExecuteAsync(context).ConfigureAwait(false);
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
            if (!sessions.Wait(0, CancellationToken.None))
            {
                var busy = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { type = "audio_stream_error", stream_id = (int?)null, code = "busy", message = $"the server plays at most {MaxSessions} streams at once; try again later" });
                await socket.SendAsync(busy, System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted).ConfigureAwait(false);
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.PolicyViolation, "busy", context.RequestAborted).ConfigureAwait(false);
                return;
            }

            try
            {
                using var session = new PlaybackSession(socket, preparer, logger);
                await session.RunAsync(context.RequestAborted).ConfigureAwait(false);
            }
            finally
            {
                sessions.Release();
            }
        });
    }

    public static bool IsStreamRequest(HttpRequest request) => request.Path.Equals(Path, StringComparison.Ordinal);
}
