using System.Diagnostics;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Auralis.Server.Tests.Server;
using Google.Protobuf;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Abuse;

/// <summary>Many concurrent uploads on one HTTP/2 connection: flow control must never stall the calls that hold the slots.</summary>
public sealed class Http2StreamFloodTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_cleartext_http2_endpoint_announces_its_stream_limit_of_at_least_a_hundred()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = await RawClient.ConnectAsync(server.Address);
        await client.WriteAsync([.. Http2Frames.Preface, .. Http2Frames.Frame(Http2Frames.Settings, 0, 0, [])]);

        // The server's first frame is its SETTINGS: 6-byte (id, value) pairs.
        var frame = await Http2Frames.ReadAsync(client.Stream, new CancellationTokenSource(TimeSpan.FromSeconds(5)).Token);
        Assert.Equal(Http2Frames.Settings, frame.Type);
        var settings = Enumerable.Range(0, frame.Payload.Length / 6).ToDictionary(
            i => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(frame.Payload.AsSpan(i * 6)),
            i => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan((i * 6) + 2)));

        // SETTINGS_MAX_CONCURRENT_STREAMS (0x3): what clients assume before they have read it.
        Assert.Equal((uint)server.Limits.MaxHttp2StreamsPerConnection, settings[3]);
        Assert.True(server.Limits.MaxHttp2StreamsPerConnection >= 100);
    }

    /// <summary>
    /// A client may send requests before it has read the server's SETTINGS (RFC 9113 section 3.4),
    /// and SocketsHttpHandler and nghttp2 open up to 100 streams then. Kestrel resets streams over
    /// its limit REFUSED_STREAM and, once it has forgotten them, answers their in-flight DATA with
    /// GOAWAY STREAM_CLOSED, which fails every call on the connection. So a burst of 100 calls
    /// opened before SETTINGS must be accepted whole.
    /// </summary>
    [Fact]
    public async Task A_burst_of_a_hundred_calls_sent_before_the_server_settings_is_never_refused()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = await RawClient.ConnectAsync(server.Address);
        var authority = $"127.0.0.1:{server.Address.Port}";
        var headers = Http2Frames.GrpcRequestHeaders(authority, "/auralis.v1.FingerprintService/Health");
        var streams = Enumerable.Range(0, 100).Select(i => (2 * i) + 1).ToList();

        // Everything a hasty client writes before reading: preface, SETTINGS, then per call its
        // HEADERS and the start of its body (the 5-byte message header of an empty HealthRequest).
        var burst = new MemoryStream();
        burst.Write(Http2Frames.Preface);
        burst.Write(Http2Frames.Frame(Http2Frames.Settings, 0, 0, []));
        foreach (var stream in streams)
        {
            burst.Write(Http2Frames.Frame(Http2Frames.Headers, Http2Frames.EndHeaders, stream, headers));
            burst.Write(Http2Frames.Frame(Http2Frames.Data, 0, stream, Http2Frames.GrpcMessage([])));
        }

        await client.WriteAsync(burst.ToArray());

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ended = new HashSet<int>();
        var refused = new List<string>();
        var bodiesEnded = false;
        while (ended.Count + refused.Count < streams.Count)
        {
            var frame = await Http2Frames.ReadAsync(client.Stream, timeout.Token);
            switch (frame.Type)
            {
                case Http2Frames.Settings when (frame.Flags & Http2Frames.Ack) == 0:
                    // Acknowledge, then end every request body: the calls can now complete.
                    var rest = new MemoryStream();
                    rest.Write(Http2Frames.Frame(Http2Frames.Settings, Http2Frames.Ack, 0, []));
                    foreach (var stream in streams)
                    {
                        rest.Write(Http2Frames.Frame(Http2Frames.Data, Http2Frames.EndStream, stream, []));
                    }

                    await client.WriteAsync(rest.ToArray());
                    bodiesEnded = true;
                    break;
                case Http2Frames.RstStream:
                    refused.Add($"stream {frame.StreamId}: RST_STREAM 0x{System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Payload):x}");
                    break;
                case Http2Frames.GoAway:
                    Assert.Fail($"the server closed the connection: GOAWAY 0x{System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.Payload.AsSpan(4)):x} after {ended.Count} calls");
                    break;
                case Http2Frames.Headers or Http2Frames.Data when (frame.Flags & Http2Frames.EndStream) != 0:
                    ended.Add(frame.StreamId);
                    break;
            }
        }

        Assert.True(bodiesEnded);
        Assert.Empty(refused);
        Assert.Equal(streams.Count, ended.Count);
    }

    [Fact]
    public async Task A_hundred_concurrent_uploads_on_one_http2_connection_all_finish_while_health_keeps_answering()
    {
        await using var server = await ServerFixture.StartAsync();
        var wav = server.AddTrack("upload.wav", 3, server.Outside, seconds: 0.885); // 16-bit stereo: ~156 kB
        var request = new FingerprintAudioRequest { Audio = ByteString.CopyFrom(await File.ReadAllBytesAsync(wav)), FileName = "upload.wav" };
        output.WriteLine($"upload: {request.Audio.Length / 1024} KiB");

        // One connection: the handler queues calls beyond the server's SETTINGS_MAX_CONCURRENT_STREAMS.
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = false, UseProxy = false };
        using var channel = FingerprintChannel.Create(server.Address, new GrpcClientOptions { Handler = handler, RetryUnavailableOnce = false });
        var client = new FingerprintService.FingerprintServiceClient(channel);
        var clock = Stopwatch.StartNew();
        var calls = Enumerable.Range(0, 100)
            .Select(_ => client.FingerprintAudioAsync(request, deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync)
            .ToList();
        var all = Task.WhenAll(calls);

        for (var probe = 0; probe < 3 && !all.IsCompleted; probe++)
        {
            await Task.Delay(300);
            // 10 s, not the fixture's 2 s: the flood fills both cores while the other test
            // assemblies run beside this one; starvation (health queued behind the uploads) shows
            // as no answer at all until the flood has drained.
            var latency = await server.AssertHealthAnswersAsync(TimeSpan.FromSeconds(10));
            output.WriteLine($"/api/health during the flood: {latency.TotalMilliseconds:F0} ms");
        }

        var replies = await all.WaitAsync(TimeSpan.FromSeconds(45));
        output.WriteLine($"100 uploads on one connection finished in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.All(replies, r => Assert.Equal("computed", r.Source));
        Assert.Single(replies.Select(r => string.Join(",", r.Fingerprint.Values)).Distinct());
    }
}
