using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Server.Tests.Server;

/// <summary>The /ws protocol of docs/streaming.md through a real WebSocket client.</summary>
public sealed class StreamingTests
{
    private const int Rate = 44_100;
    private const int ChunkFrames = 15 * Rate;

    /// <summary>A server whose library holds one 40 s track (chunks of 15, 15 and 10 s), scanned.</summary>
    private static async Task<(ServerFixture Server, long TrackId, string Path)> LibraryWithLongTrack(double seconds = 40, string? token = null)
    {
        var server = await ServerFixture.StartAsync(token: token);
        var path = server.AddTrack("long.wav", 7, seconds: seconds);
        if (token is not null)
        {
            server.Http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        await server.ScanAsync();
        var tracks = await server.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/tracks", UriKind.Relative));
        return (server, tracks.GetProperty("tracks")[0].GetProperty("id").GetInt64(), path);
    }

    private static async Task<Client> ConnectAsync(ServerFixture server, string query = "")
    {
        var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://{server.Address.Host}:{server.Address.Port}/ws{query}"), CancellationToken.None);
        return new Client(socket);
    }

    [Fact]
    public async Task An_enhanced_stream_starts_with_its_lwrp_decision_and_sends_short_pieces_to_the_chunk_grid_then_whole_chunks_in_order()
    {
        var (server, trackId, _) = await LibraryWithLongTrack();
        await using var _ = server;
        using var client = await ConnectAsync(server);
        await client.SendAsync(new { type = "play_enhanced", track_id = trackId, preset = "warm", intensity = 0.8 });

        var preparing = await client.ReceiveJsonAsync();
        Assert.Equal("preparing", preparing.GetProperty("type").GetString());
        var start = await client.ReceiveJsonAsync();
        Assert.Equal("audio_stream_start", start.GetProperty("type").GetString());
        Assert.Equal((Rate, 2, 3L, 0L), (start.GetProperty("sample_rate").GetInt32(), start.GetProperty("channels").GetInt32(), start.GetProperty("chunk_count").GetInt64(), start.GetProperty("start_chunk").GetInt64()));
        Assert.Equal(40.0, start.GetProperty("duration_s").GetDouble(), 3);
        Assert.Equal("database", start.GetProperty("fingerprint_source").GetString());
        Assert.Equal("warm", start.GetProperty("preset").GetString());
        var lwrp = start.GetProperty("lwrp");
        Assert.Contains(lwrp.GetProperty("zone").GetString(), new[] { "quiet_dynamic", "compressed_loud", "dynamic_loud" });
        Assert.Equal(JsonValueKind.Number, lwrp.GetProperty("lufs").ValueKind);

        Assert.Equal(2.0, start.GetProperty("first_chunk_max_s").GetDouble());

        // 2 s pieces to the end of chunk 0 (audio out sooner; 7 x 2 s + 1 s), then whole chunks: 15 + 10 s.
        var expectedFrames = new[] { 2 * Rate, 2 * Rate, 2 * Rate, 2 * Rate, 2 * Rate, 2 * Rate, 2 * Rate, Rate, ChunkFrames, (40 * Rate) - (2 * ChunkFrames) };
        var expectedIndex = new[] { 0L, 0, 0, 0, 0, 0, 0, 0, 1, 2 };
        var expectedStart = new[] { 0.0, 2, 4, 6, 8, 10, 12, 14, 15, 30 };
        for (var seq = 0; seq < expectedFrames.Length; seq++)
        {
            var meta = await client.ReceiveJsonAsync();
            Assert.Equal("audio_chunk_meta", meta.GetProperty("type").GetString());
            Assert.Equal((seq, expectedIndex[seq], expectedFrames[seq]), (meta.GetProperty("seq").GetInt32(), meta.GetProperty("chunk_index").GetInt64(), meta.GetProperty("frames").GetInt32()));
            Assert.Equal(expectedStart[seq], meta.GetProperty("start_s").GetDouble(), 6);
            var samples = await client.ReceiveBinaryAsync();
            Assert.Equal(expectedFrames[seq] * 2, samples.Length);
            Assert.All(samples, s => Assert.True(float.IsFinite(s) && Math.Abs(s) <= 1f));
            Assert.True(samples.Max(Math.Abs) > 0.01f, "enhanced audio is not silent");
            await client.SendAsync(new { type = "chunk_ack", seq });
        }

        var end = await client.ReceiveJsonAsync();
        Assert.Equal(("audio_stream_end", expectedFrames.Length), (end.GetProperty("type").GetString(), end.GetProperty("chunks_sent").GetInt32()));
    }

    [Fact]
    public async Task A_normal_stream_sends_the_decoded_original_sample_for_sample()
    {
        var (server, trackId, path) = await LibraryWithLongTrack(seconds: 20);
        await using var _ = server;
        using var client = await ConnectAsync(server);
        Assert.Equal(Decode(path), await PlayAllAsync(client, new { type = "play_normal", track_id = trackId }));
    }

    /// <summary>
    /// output_lufs, which the web player's level-matched A/B trusts, is the loudness the stream has:
    /// the whole enhanced stream by the BS.1770 meter (checked against EBU Tech 3341 elsewhere) is
    /// within 0.5 LU of it; a normal stream has none (its loudness is the fingerprint's).
    /// </summary>
    [Fact]
    public async Task An_enhanced_streams_output_lufs_is_the_loudness_it_has_and_a_normal_stream_has_none()
    {
        var (server, trackId, _) = await LibraryWithLongTrack(seconds: 20);
        await using var _ = server;
        using var client = await ConnectAsync(server);
        var (start, samples) = await PlayAllWithStartAsync(client, new { type = "play_enhanced", track_id = trackId, preset = "adaptive" });
        var meter = new Auralis.Mastering.Measurement.ProgrammeMeter(Rate, 2);
        meter.Push(samples);
        var expected = start.GetProperty("output_lufs").GetDouble();
        Assert.Equal(expected, meter.Finish().IntegratedLufs, 0.5);

        var (normal, _) = await PlayAllWithStartAsync(client, new { type = "play_normal", track_id = trackId });
        Assert.Equal(JsonValueKind.Null, normal.GetProperty("output_lufs").ValueKind);
    }

    [Fact]
    public async Task Seek_restarts_at_the_position_itself_and_stop_ends_the_stream()
    {
        var (server, trackId, _) = await LibraryWithLongTrack();
        await using var _ = server;
        using var client = await ConnectAsync(server);
        await client.SendAsync(new { type = "play_enhanced", track_id = trackId });
        var first = await client.ReceiveUntilAsync("audio_stream_start");

        await client.SendAsync(new { type = "seek", position_s = 31.5 });
        var second = await client.ReceiveUntilAsync("audio_stream_start");
        Assert.NotEqual(first.GetProperty("stream_id").GetInt32(), second.GetProperty("stream_id").GetInt32());
        Assert.Equal((2L, 31.5), (second.GetProperty("start_chunk").GetInt64(), second.GetProperty("position_s").GetDouble()));
        var meta = await client.ReceiveUntilAsync("audio_chunk_meta", second.GetProperty("stream_id").GetInt32());
        Assert.Equal((2L, 31.5, 2 * Rate), (meta.GetProperty("chunk_index").GetInt64(), meta.GetProperty("start_s").GetDouble(), meta.GetProperty("frames").GetInt32()));
        await client.ReceiveBinaryAsync();

        await client.SendAsync(new { type = "stop" });
        var end = await client.ReceiveUntilAsync("audio_stream_end");
        Assert.Equal(second.GetProperty("stream_id").GetInt32(), end.GetProperty("stream_id").GetInt32());
    }

    /// <summary>
    /// Seamless and seek-exact end to end: a stream's pieces concatenate to the whole track, and a
    /// stream started at 31.5 s (a seek: decoder seeked, 5 s pre-roll, 2 s pieces) equals
    /// that whole-track stream from 31.5 s on.
    /// </summary>
    [Fact]
    public async Task A_stream_started_mid_track_equals_the_stream_from_the_start_from_that_point_on()
    {
        var (server, trackId, _) = await LibraryWithLongTrack();
        await using var _ = server;
        using var client = await ConnectAsync(server);
        var whole = await PlayAllAsync(client, new { type = "play_enhanced", track_id = trackId, preset = "punchy", intensity = 0.9 });
        Assert.Equal(2 * 40 * Rate, whole.Length);
        var fromMiddle = await PlayAllAsync(client, new { type = "play_enhanced", track_id = trackId, preset = "punchy", intensity = 0.9, position_s = 31.5 });
        var offset = 2 * (int)(31.5 * Rate);
        Assert.Equal(whole.Length - offset, fromMiddle.Length);
        var max = 0.0;
        for (var i = 0; i < fromMiddle.Length; i++)
        {
            max = Math.Max(max, Math.Abs(fromMiddle[i] - whole[offset + i]));
        }

        Assert.True(max <= 1e-6, $"max |seeked - whole| = {max:E2}");
    }

    private static async Task<float[]> PlayAllAsync(Client client, object play) => (await PlayAllWithStartAsync(client, play)).Samples;

    private static async Task<(JsonElement Start, float[] Samples)> PlayAllWithStartAsync(Client client, object play)
    {
        await client.SendAsync(play);
        var start = await client.ReceiveUntilAsync("audio_stream_start");
        var id = start.GetProperty("stream_id").GetInt32();
        var all = new List<float>();
        while (true)
        {
            var message = await client.ReceiveJsonAsync();
            var type = message.GetProperty("type").GetString();
            if (type == "audio_stream_end")
            {
                return (start, [.. all]);
            }

            Assert.Equal(("audio_chunk_meta", id), (type, message.GetProperty("stream_id").GetInt32()));
            Assert.Equal(all.Count / 2 / (double)Rate + start.GetProperty("position_s").GetDouble(), message.GetProperty("start_s").GetDouble(), 4);
            all.AddRange(await client.ReceiveBinaryAsync());
            await client.SendAsync(new { type = "chunk_ack", seq = message.GetProperty("seq").GetInt32() });
        }
    }

    [Fact]
    public async Task A_client_that_does_not_acknowledge_gets_at_most_three_chunks_until_it_does()
    {
        var (server, trackId, _) = await LibraryWithLongTrack(seconds: 75);
        await using var _ = server;
        using var client = await ConnectAsync(server);
        await client.SendAsync(new { type = "play_normal", track_id = trackId });
        await client.ReceiveUntilAsync("audio_stream_start");
        for (var i = 0; i < 3; i++)
        {
            await client.ReceiveUntilAsync("audio_chunk_meta");
            await client.ReceiveBinaryAsync();
        }

        // Nothing more may come while three chunks are unacknowledged.
        var early = client.ReceiveJsonAsync();
        var waited = await Task.WhenAny(early, Task.Delay(TimeSpan.FromSeconds(1.5)));
        Assert.NotSame(early, waited);

        await client.SendAsync(new { type = "chunk_ack", seq = 0 });
        var fourth = await early.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(("audio_chunk_meta", 3), (fourth.GetProperty("type").GetString(), fourth.GetProperty("seq").GetInt32()));
    }

    [Fact]
    public async Task Pause_holds_the_stream_and_resume_continues_it()
    {
        var (server, trackId, _) = await LibraryWithLongTrack(seconds: 75); // 5 chunks
        await using var _ = server;
        using var client = await ConnectAsync(server);
        await client.SendAsync(new { type = "pause" }); // nothing playing: ignored
        await client.SendAsync(new { type = "play_normal", track_id = trackId });
        await client.ReceiveUntilAsync("audio_stream_start");
        await client.ReceiveUntilAsync("audio_chunk_meta");
        await client.ReceiveBinaryAsync();
        await client.SendAsync(new { type = "pause" });
        await client.SendAsync(new { type = "chunk_ack", seq = 0 });

        // Chunks keep being acknowledged, so only the pause can hold the stream. One chunk that
        // was already past the pause check when it arrived may still come.
        var seq = 1;
        var sawPaused = false;
        var lateChunks = 0;
        while (true)
        {
            var next = client.ReceiveJsonAsync();
            if (sawPaused && await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(1))) != next)
            {
                await client.SendAsync(new { type = "resume" });
                var resumed = await next.WaitAsync(TimeSpan.FromSeconds(30));
                Assert.Equal("playing", resumed.GetProperty("state").GetString());
                Assert.Equal("audio_chunk_meta", (await client.ReceiveJsonAsync()).GetProperty("type").GetString());
                break;
            }

            var message = await next;
            switch (message.GetProperty("type").GetString())
            {
                case "state":
                    Assert.Equal("paused", message.GetProperty("state").GetString());
                    sawPaused = true;
                    break;
                case "audio_chunk_meta":
                    await client.ReceiveBinaryAsync();
                    await client.SendAsync(new { type = "chunk_ack", seq = seq++ });
                    lateChunks += sawPaused ? 1 : 0;
                    Assert.True(lateChunks <= 1, "after the pause is confirmed at most one chunk already under way may arrive");
                    break;
                default:
                    Assert.Fail($"unexpected {message}");
                    break;
            }
        }
    }

    [Fact]
    public async Task Unknown_tracks_bad_messages_and_bad_presets_get_error_codes_and_the_socket_stays_usable()
    {
        var (server, trackId, _) = await LibraryWithLongTrack(seconds: 5);
        await using var _ = server;
        using var client = await ConnectAsync(server);

        await client.SendAsync(new { type = "play_enhanced", track_id = 999 });
        Assert.Equal("track_not_found", (await client.ReceiveUntilAsync("audio_stream_error")).GetProperty("code").GetString());
        await client.SendTextAsync("{not json");
        Assert.Equal("bad_request", (await client.ReceiveUntilAsync("audio_stream_error")).GetProperty("code").GetString());
        await client.SendAsync(new { type = "dance" });
        Assert.Equal("bad_request", (await client.ReceiveUntilAsync("audio_stream_error")).GetProperty("code").GetString());
        await client.SendAsync(new { type = "play_enhanced", track_id = trackId, preset = "loudest" });
        var preset = await client.ReceiveUntilAsync("audio_stream_error");
        Assert.Contains("adaptive", preset.GetProperty("message").GetString(), StringComparison.Ordinal);
        await client.SendAsync(new { type = "play_enhanced", track_id = trackId, intensity = 2 });
        Assert.Equal("bad_request", (await client.ReceiveUntilAsync("audio_stream_error")).GetProperty("code").GetString());
        await client.SendAsync(new { type = "play_normal", track_id = trackId, position_s = 60 });
        Assert.Equal("bad_request", (await client.ReceiveUntilAsync("audio_stream_error")).GetProperty("code").GetString());

        await client.SendAsync(new { type = "play_normal", track_id = trackId });
        Assert.Equal("audio_stream_start", (await client.ReceiveUntilAsync("audio_stream_start")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task With_a_token_the_socket_needs_it_in_the_query()
    {
        var (server, trackId, _) = await LibraryWithLongTrack(seconds: 5, token: "w5-token");
        await using var _ = server;
        using var refused = new ClientWebSocket();
        var error = await Assert.ThrowsAsync<WebSocketException>(() => refused.ConnectAsync(new Uri($"ws://{server.Address.Host}:{server.Address.Port}/ws"), CancellationToken.None));
        Assert.Contains("401", error.Message, StringComparison.Ordinal);

        using var client = await ConnectAsync(server, "?token=w5-token");
        await client.SendAsync(new { type = "play_normal", track_id = trackId });
        Assert.Equal("audio_stream_start", (await client.ReceiveUntilAsync("audio_stream_start")).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Health_announces_streaming()
    {
        await using var server = await ServerFixture.StartAsync();
        var health = await server.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/health", UriKind.Relative));
        Assert.True(health.GetProperty("streaming").GetBoolean());
    }

    private static float[] Decode(string path)
    {
        using var reader = AudioDecoder.Open(path);
        var all = new List<float>();
        var block = new float[16_384];
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            all.AddRange(block.AsSpan(0, frames * reader.Info.Channels).ToArray());
        }

        return [.. all];
    }

    /// <summary>A WebSocket client speaking the protocol, with a timeout on every wait.</summary>
    private sealed class Client(ClientWebSocket socket) : IDisposable
    {
        private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

        public Task SendAsync(object message) => SendTextAsync(JsonSerializer.Serialize(message));

        public Task SendTextAsync(string text) =>
            socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

        public async Task<JsonElement> ReceiveJsonAsync()
        {
            var (kind, bytes) = await ReceiveAsync();
            Assert.True(kind == WebSocketMessageType.Text, $"expected a JSON message, got {kind} ({bytes.Length} bytes)");
            return JsonDocument.Parse(bytes).RootElement.Clone();
        }

        /// <summary>Skips messages (and their binary chunks) until one of <paramref name="type"/> (of the stream, if given).</summary>
        public async Task<JsonElement> ReceiveUntilAsync(string type, int? streamId = null)
        {
            while (true)
            {
                var (kind, bytes) = await ReceiveAsync();
                if (kind != WebSocketMessageType.Text)
                {
                    continue;
                }

                var message = JsonDocument.Parse(bytes).RootElement.Clone();
                if (message.GetProperty("type").GetString() == type &&
                    (streamId is null || (message.TryGetProperty("stream_id", out var id) && id.ValueKind == JsonValueKind.Number && id.GetInt32() == streamId)))
                {
                    return message;
                }
            }
        }

        public async Task<float[]> ReceiveBinaryAsync()
        {
            var (kind, bytes) = await ReceiveAsync();
            Assert.True(kind == WebSocketMessageType.Binary, $"expected a binary chunk, got {kind}: {Encoding.UTF8.GetString(bytes)}");
            Assert.Equal(0, bytes.Length % 4);
            return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        }

        private async Task<(WebSocketMessageType Kind, byte[] Bytes)> ReceiveAsync()
        {
            using var timeout = new CancellationTokenSource(Patience);
            using var message = new MemoryStream();
            var buffer = new byte[1 << 16];
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, timeout.Token);
                Assert.NotEqual(WebSocketMessageType.Close, result.MessageType);
                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    return (result.MessageType, message.ToArray());
                }
            }
        }

        public void Dispose() => socket.Dispose();
    }
}
