using System.Globalization;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Auralis.Audio;
using Auralis.Mastering;
using Auralis.Mastering.Rendering;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Streaming;

/// <summary>
/// One WebSocket of the player (docs/streaming.md): reads the client's commands and plays at most
/// one stream at a time. A stream's first messages are short (<see cref="FirstChunkSeconds"/>), so
/// audio is out soon; the next piece is rendered while the previous one is sent and played (at
/// most one waiting), each chunk's array is recycled after it is sent, and at most
/// <see cref="MaxUnacknowledged"/> sent chunks may be unacknowledged; so a stalled client holds the
/// server to two chunks, whatever the track's length.
/// </summary>
/// <param name="maxMessageBytes">Longest client message accepted (commands are tiny JSON); longer closes the socket with 1009.</param>
internal sealed class PlaybackSession(WebSocket socket, StreamPreparer preparer, ILogger logger, int maxMessageBytes) : IDisposable
{
    public const int MaxUnacknowledged = 3;

    /// <summary>
    /// Length of a stream's pieces before it reaches the 15 s grid (the first message is always one):
    /// the first audio is out after rendering this much (plus the pre-roll of a seek) instead of a
    /// whole 15 s chunk (docs/streaming.md).
    /// </summary>
    public const double FirstChunkSeconds = 2.0;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private PlaybackStream? _current;
    private CancellationToken _session;
    private int _nextStreamId;

    /// <param name="cancellationToken">The connection is gone (RequestAborted).</param>
    /// <param name="stopping">The server is stopping: the socket is closed with 1001 Going Away.</param>
    public async Task RunAsync(CancellationToken cancellationToken, CancellationToken stopping)
    {
        _session = cancellationToken;

        // One byte more than the limit: a message that fills it is too big, and nothing past it is read.
        var buffer = new byte[maxMessageBytes + 1];
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stopRegistration = stopping.Register(() => stop.TrySetResult());
        Task<(WebSocketMessageType Kind, int Length)>? pending = null;
        Closing? closing = null;
        try
        {
            while (socket.State == WebSocketState.Open && !cancellationToken.IsCancellationRequested)
            {
                // The receive is raced, never cancelled: cancelling a WebSocket receive aborts the
                // connection, and a stopping server still owes the client its close frame.
                pending = ReceiveAsync(buffer, cancellationToken);
                if (await Task.WhenAny(pending, stop.Task).ConfigureAwait(false) == stop.Task)
                {
                    closing = new Closing(WebSocketCloseStatus.EndpointUnavailable, "server stopping", WaitForClient: true);
                    break;
                }

                var (kind, length) = await pending.ConfigureAwait(false);
                pending = null;
                if (kind == WebSocketMessageType.Close)
                {
                    break;
                }

                if (length < 0)
                {
                    // The rest of the message is never read: its sender's close frame is behind it.
                    closing = new Closing(WebSocketCloseStatus.MessageTooBig, $"messages are at most {maxMessageBytes} bytes", WaitForClient: false);
                    break;
                }

                if (kind != WebSocketMessageType.Text)
                {
                    await SendErrorAsync(null, "bad_request", "commands are JSON text messages", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await HandleAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client went away.
        }
        finally
        {
            await StopCurrentAsync().ConfigureAwait(false);
            await CloseAsync(closing, pending).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Answers the client's close, or sends the server's (<paramref name="closing"/>) and, if asked,
    /// waits a moment for the client's reply: never long, whatever the client does.
    /// </summary>
    private async Task CloseAsync(Closing? closing, Task<(WebSocketMessageType Kind, int Length)>? pending)
    {
        using var timeout = new CancellationTokenSource(StreamingEndpoint.CloseWait);
        try
        {
            if (socket.State == WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token).ConfigureAwait(false);
            }
            else if (closing is { } close && socket.State == WebSocketState.Open)
            {
                await socket.CloseOutputAsync(close.Status, close.Description, timeout.Token).ConfigureAwait(false);
                if (close.WaitForClient && pending is not null)
                {
                    await pending.WaitAsync(timeout.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The client is gone or did not answer in time: the connection is dropped.
        }
        finally
        {
            // A receive still pending fails when the socket is disposed: observe that.
            _ = pending?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    public void Dispose() => _sendLock.Dispose();

    private async Task HandleAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        JsonElement root;
        string? type;
        try
        {
            using var document = JsonDocument.Parse(message);
            root = document.RootElement.Clone();
            type = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        catch (JsonException e)
        {
            await SendErrorAsync(null, "bad_request", $"not JSON: {e.Message}", cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            switch (type)
            {
                case "play_enhanced":
                    var preset = OptionalString(root, "preset") ?? "adaptive";
                    if (!MasteringPresets.TryGet(preset, out _))
                    {
                        throw new StreamException("bad_request", $"unknown preset '{preset}'; use one of {string.Join(", ", MasteringPresets.Names)}");
                    }

                    var intensity = OptionalNumber(root, "intensity") ?? 1.0;
                    if (!(intensity is >= 0 and <= 1))
                    {
                        throw new StreamException("bad_request", "intensity is between 0 and 1");
                    }

                    await StartAsync(new PlayRequest(RequiredTrack(root), preset, intensity, Position(root)), cancellationToken).ConfigureAwait(false);
                    break;
                case "play_normal":
                    await StartAsync(new PlayRequest(RequiredTrack(root), null, 1.0, Position(root)), cancellationToken).ConfigureAwait(false);
                    break;
                case "seek":
                    var playing = _current ?? throw new StreamException("bad_request", "nothing is playing to seek in");
                    await StartAsync(playing.Request with { PositionS = Position(root) }, cancellationToken).ConfigureAwait(false);
                    break;
                case "pause" or "resume":
                    if (_current is { } stream)
                    {
                        stream.SetPaused(type == "pause");
                        await SendAsync(new { type = "state", stream_id = stream.Id, state = type == "pause" ? "paused" : "playing" }, cancellationToken).ConfigureAwait(false);
                    }

                    break;
                case "stop":
                    await StopCurrentAsync(byStop: true).ConfigureAwait(false);
                    break;
                case "chunk_ack":
                    _current?.Acknowledge();
                    break;
                default:
                    throw new StreamException("bad_request", type is null ? "a message needs a \"type\"" : $"unknown message type '{type}'");
            }
        }
        catch (StreamException e)
        {
            await SendErrorAsync(_current?.Id, e.Code, e.Message, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task StartAsync(PlayRequest request, CancellationToken cancellationToken)
    {
        await StopCurrentAsync().ConfigureAwait(false);
        var stream = new PlaybackStream(++_nextStreamId, request, cancellationToken);
        _current = stream;
        stream.Task = Task.Run(() => PlayAsync(stream), CancellationToken.None);
    }

    /// <summary>Ends the current stream (if any) and waits for it, so its chunks never follow a newer stream's start.</summary>
    private async Task StopCurrentAsync(bool byStop = false)
    {
        if (_current is not { } stream)
        {
            return;
        }

        _current = null;
        await stream.CancelAsync(byStop).ConfigureAwait(false);
        await stream.Task.ConfigureAwait(false);
        stream.Dispose();
    }

    private async Task PlayAsync(PlaybackStream stream)
    {
        var token = stream.Token;
        var request = stream.Request;
        var sent = 0;
        try
        {
            await SendAsync(new { type = "preparing", track_id = request.TrackId, mode = request.Mode }, token).ConfigureAwait(false);
            var prepared = await preparer.PrepareAsync(request.TrackId, request.Preset, token).ConfigureAwait(false);
            var source = prepared.Source;
            var chunkFrames = RenderOptions.Default.ChunkFramesFor(source.SampleRate);
            var startFrame = (long)Math.Floor(request.PositionS * source.SampleRate);
            var startChunk = startFrame / chunkFrames;
            long? chunkCount = source.Frames is { } total ? (total + chunkFrames - 1) / chunkFrames : null;
            if (source.Frames is { } length && startFrame >= Math.Max(length, 1))
            {
                throw new StreamException("bad_request", $"position_s {request.PositionS.ToString(CultureInfo.InvariantCulture)} is past the end of the track ({(double)length / source.SampleRate:0.###} s)");
            }

            var lwrp = prepared.Plan?.Lwrp;
            await SendAsync(new
            {
                type = "audio_stream_start",
                stream_id = stream.Id,
                track_id = request.TrackId,
                mode = request.Mode,
                preset = request.Preset,
                intensity = request.Preset is null ? (double?)null : request.Intensity,
                sample_rate = source.SampleRate,
                channels = source.Channels,
                duration_s = source.Frames is { } f ? Math.Round((double)f / source.SampleRate, 3) : (double?)null,
                chunk_count = chunkCount,
                chunk_duration_s = RenderOptions.Default.ChunkSeconds,
                first_chunk_max_s = FirstChunkSeconds,
                start_chunk = startChunk,
                position_s = request.PositionS,
                fingerprint_source = prepared.FingerprintSource,
                lwrp = lwrp is null ? null : new { zone = lwrp.ZoneName, expansion = lwrp.Expansion, lufs = lwrp.Lufs, crest_db = lwrp.CrestDb },
                output_lufs = prepared.Plan is { } planned ? Math.Round(planned.ExpectedLufs, 2) : (double?)null,
            }, token).ConfigureAwait(false);

            // The producer renders while the previous piece is sent and played, but only into an
            // empty slot: at most one piece waits here, one is being sent (docs/streaming.md, "Flow control").
            // Two readers: the sender, and the producer dropping the slot's piece when the stream is cancelled.
            var ready = Channel.CreateBounded<RenderedChunk>(new BoundedChannelOptions(1) { SingleReader = false, SingleWriter = true });
            var producer = Task.Run(() => Produce(prepared, request, startFrame, chunkFrames, preparer.Chunks, ready, token), CancellationToken.None);
            while (true)
            {
                await stream.WaitToSendAsync().ConfigureAwait(false);
                if (!await ready.Reader.WaitToReadAsync(token).ConfigureAwait(false) || !ready.Reader.TryRead(out var chunk))
                {
                    break;
                }

                await SendAsync(new
                {
                    type = "audio_chunk_meta",
                    stream_id = stream.Id,
                    seq = sent,
                    chunk_index = chunk.Index,
                    frames = chunk.Frames,
                    start_s = Math.Round((double)chunk.StartFrame / source.SampleRate, 6),
                }, token).ConfigureAwait(false);
                try
                {
                    await SendBinaryAsync(chunk, token).ConfigureAwait(false);
                }
                finally
                {
                    chunk.Release(); // its array is recycled once the cache lets go of it too
                }

                sent++;
            }

            await producer.ConfigureAwait(false); // rethrows a render failure
            await SendAsync(new { type = "audio_stream_end", stream_id = stream.Id, chunks_sent = sent }, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Replaced, stopped, or the client left. A stop is confirmed with an end message.
            if (stream.StoppedByClient)
            {
                await TrySendAsync(new { type = "audio_stream_end", stream_id = stream.Id, chunks_sent = sent }).ConfigureAwait(false);
            }
        }
        catch (StreamException e)
        {
            await TrySendErrorAsync(stream.Id, e.Code, e.Message).ConfigureAwait(false);
        }
        catch (AudioDecodeException e)
        {
            await TrySendErrorAsync(stream.Id, "decode_failed", e.Message).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not WebSocketException)
        {
            logger.LogError(e, "stream {Stream} of track {Track} failed", stream.Id, request.TrackId);
            await TrySendErrorAsync(stream.Id, "internal", "internal error (see the server log)").ConfigureAwait(false);
        }
        catch (WebSocketException)
        {
            // The client is gone: nobody to tell.
        }
    }

    /// <summary>
    /// Renders (or, for a normal stream, decodes) the stream's pieces in order: from
    /// <paramref name="startFrame"/>, pieces of <see cref="FirstChunkSeconds"/> up to the end of
    /// its chunk (the last one shorter), then whole chunks. Each piece is rendered only once the
    /// slot is empty, so a stream holds at most two pieces (one waiting, one being sent).
    /// </summary>
    private static void Produce(PreparedStream prepared, PlayRequest request, long startFrame, int chunkFrames, MasteredChunkCache cache, Channel<RenderedChunk> ready, CancellationToken token)
    {
        Exception? failure = null;
        var firstFrames = (int)Math.Max(1, Math.Round(FirstChunkSeconds * prepared.Source.SampleRate));
        try
        {
            if (prepared.Plan is { } plan)
            {
                using var track = new MasteredTrack(prepared.Source, plan, request.Intensity, cache, RenderOptions.Default);
                var position = startFrame;
                while (WaitForSlot(ready.Writer, token) && track.GetPiece(position, PieceFrames(position, startFrame, chunkFrames, firstFrames), token) is { } piece)
                {
                    WriteBlocking(ready.Writer, piece, token);
                    position = piece.StartFrame + piece.Frames;
                }
            }
            else
            {
                using var reader = prepared.Source.OpenAt(startFrame);
                var channels = prepared.Source.Channels;
                var position = startFrame;
                while (WaitForSlot(ready.Writer, token))
                {
                    var wanted = (int)Math.Min(PieceFrames(position, startFrame, chunkFrames, firstFrames), chunkFrames - (position % chunkFrames));
                    var samples = ChunkBuffers.Rent(wanted * channels);
                    var frames = 0;
                    int read;
                    while (frames < wanted && (read = reader.Read(samples.AsSpan(frames * channels))) > 0)
                    {
                        frames += read;
                    }

                    if (frames == 0)
                    {
                        break;
                    }

                    if (frames < wanted)
                    {
                        samples = samples.AsSpan(0, frames * channels).ToArray(); // the rented one is left to the collector
                    }

                    WriteBlocking(ready.Writer, new RenderedChunk(position / chunkFrames, position, frames, channels, samples), token);
                    position += frames;
                    if (frames < wanted)
                    {
                        break;
                    }
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failure = e;
        }
        finally
        {
            ready.Writer.TryComplete(failure is OperationCanceledException ? null : failure);
            if (token.IsCancellationRequested && ready.Reader.TryRead(out var unsent))
            {
                unsent.Release(); // replaced or stopped: the piece in the slot is never sent
            }
        }

        if (failure is not null and not OperationCanceledException)
        {
            throw failure;
        }
    }

    /// <summary>
    /// Short pieces (the first always) until the stream reaches the 15 s grid, whole chunks from there: the first
    /// audio goes out after 2 s of rendering, and every piece but the last short one has one of
    /// two lengths, so their arrays are recycled (<see cref="ChunkBuffers"/>) instead of becoming
    /// large-object garbage (a 13 s remainder per stream start was 46 MB of it with 10 streams).
    /// </summary>
    private static int PieceFrames(long position, long startFrame, int chunkFrames, int firstFrames) =>
        position != startFrame && position % chunkFrames == 0 ? chunkFrames : firstFrames;

    /// <summary>Blocks the producer's thread until the slot is free (the look-ahead bound); false when the stream is over.</summary>
    private static bool WaitForSlot(ChannelWriter<RenderedChunk> writer, CancellationToken token) =>
        writer.WaitToWriteAsync(token).AsTask().GetAwaiter().GetResult();

    private static void WriteBlocking(ChannelWriter<RenderedChunk> writer, RenderedChunk chunk, CancellationToken token)
    {
        // The renderer is synchronous CPU work on its own thread; blocking here is the look-ahead bound.
        if (!writer.TryWrite(chunk))
        {
            writer.WriteAsync(chunk, token).AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>One message into <paramref name="buffer"/>; length -1 when it is over the limit (then at most the limit plus one byte has been read).</summary>
    private async Task<(WebSocketMessageType Kind, int Length)> ReceiveAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return (WebSocketMessageType.Close, 0);
            }

            length += result.Count;
            if (length > maxMessageBytes)
            {
                return (result.MessageType, -1);
            }

            if (result.EndOfMessage)
            {
                return (result.MessageType, length);
            }
        }
    }

    private async Task SendAsync(object message, CancellationToken cancellationToken) =>
        await SendMessageAsync(JsonSerializer.SerializeToUtf8Bytes(message, Json), WebSocketMessageType.Text, cancellationToken).ConfigureAwait(false);

    private async Task SendBinaryAsync(RenderedChunk chunk, CancellationToken cancellationToken)
    {
        // float32 little-endian interleaved (.NET's float layout on every platform we run on), sent
        // as one message in 64 KiB frames through a pooled buffer: no 5 MB copy per chunk.
        var total = chunk.Frames * chunk.Channels * sizeof(float);
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            for (var offset = 0; offset < total || total == 0; offset += buffer.Length)
            {
                var length = Math.Min(buffer.Length, total - offset);
                MemoryMarshal.AsBytes(chunk.Samples.AsSpan()).Slice(offset, length).CopyTo(buffer);
                await socket.SendAsync(buffer.AsMemory(0, length), WebSocketMessageType.Binary, offset + length >= total, _session).ConfigureAwait(false);
                if (total == 0)
                {
                    break;
                }
            }
        }
        finally
        {
            _sendLock.Release();
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// One whole message at a time. <paramref name="cancellationToken"/> may stop the wait for the
    /// socket, never a send under way: cancelling a WebSocket send aborts the whole connection.
    /// </summary>
    private async Task SendMessageAsync(byte[] bytes, WebSocketMessageType kind, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(bytes, kind, true, _session).ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private Task SendErrorAsync(int? streamId, string code, string message, CancellationToken cancellationToken) =>
        SendAsync(new { type = "audio_stream_error", stream_id = streamId, code, message }, cancellationToken);

    private Task TrySendErrorAsync(int streamId, string code, string message) =>
        TrySendAsync(new { type = "audio_stream_error", stream_id = streamId, code, message });

    private async Task TrySendAsync(object message)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await SendAsync(message, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The client is gone.
        }
    }

    private static long RequiredTrack(JsonElement root) =>
        root.TryGetProperty("track_id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var value) && value > 0
            ? value
            : throw new StreamException("bad_request", "track_id must be a positive integer");

    private static double Position(JsonElement root)
    {
        var position = OptionalNumber(root, "position_s") ?? 0;
        return position is >= 0 and < 1e7 ? position : throw new StreamException("bad_request", "position_s must be a number of seconds >= 0");
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw new StreamException("bad_request", $"{name} must be a string");

    private static double? OptionalNumber(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.Number && double.IsFinite(value.GetDouble()) ? value.GetDouble()
        : throw new StreamException("bad_request", $"{name} must be a number");

    /// <summary>How the server ends the socket: status, reason, and whether the client's close frame is worth waiting for.</summary>
    private readonly record struct Closing(WebSocketCloseStatus Status, string Description, bool WaitForClient);

    /// <summary>What the client asked to play; <see cref="Preset"/> null for the original audio.</summary>
    private sealed record PlayRequest(long TrackId, string? Preset, double Intensity, double PositionS)
    {
        public string Mode => Preset is null ? "normal" : "enhanced";
    }

    /// <summary>A stream's flow control (acknowledgement credits), pause state and cancellation.</summary>
    private sealed class PlaybackStream(int id, PlayRequest request, CancellationToken session) : IDisposable
    {
        private readonly CancellationTokenSource _cancel = CancellationTokenSource.CreateLinkedTokenSource(session);
        private readonly SemaphoreSlim _credits = new(MaxUnacknowledged, MaxUnacknowledged);
        private readonly Lock _pauseLock = new();
        private TaskCompletionSource _resumed = CompletedSource();

        public int Id { get; } = id;

        public PlayRequest Request { get; } = request;

        public CancellationToken Token => _cancel.Token;

        public Task Task { get; set; } = Task.CompletedTask;

        public bool StoppedByClient { get; private set; }

        /// <summary>Waits until the stream is not paused and a sent chunk may be unacknowledged.</summary>
        public async Task WaitToSendAsync()
        {
            Task resumed;
            lock (_pauseLock)
            {
                resumed = _resumed.Task;
            }

            await resumed.WaitAsync(Token).ConfigureAwait(false);
            await _credits.WaitAsync(Token).ConfigureAwait(false);
        }

        public void Acknowledge()
        {
            // Acks beyond what was sent (a confused client) must not raise the bound.
            try
            {
                if (_credits.CurrentCount < MaxUnacknowledged)
                {
                    _credits.Release();
                }
            }
            catch (SemaphoreFullException)
            {
            }
        }

        public void SetPaused(bool paused)
        {
            lock (_pauseLock)
            {
                if (paused && _resumed.Task.IsCompleted)
                {
                    _resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                }
                else if (!paused)
                {
                    _resumed.TrySetResult();
                }
            }
        }

        /// <param name="byStop">A client's stop (answered with audio_stream_end), not a replacement or a disconnect.</param>
        public async Task CancelAsync(bool byStop)
        {
            StoppedByClient = byStop;
            await _cancel.CancelAsync().ConfigureAwait(false);
        }

        public void Dispose()
        {
            _cancel.Dispose();
            _credits.Dispose();
        }

        private static TaskCompletionSource CompletedSource()
        {
            var source = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            source.SetResult();
            return source;
        }
    }
}
