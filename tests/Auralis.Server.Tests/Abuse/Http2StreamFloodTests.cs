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
    public async Task The_cleartext_http2_endpoint_announces_fewer_streams_per_connection_than_request_slots()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = await RawClient.ConnectAsync(server.Address);
        await client.WriteAsync([.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), 0, 0, 0, 4, 0, 0, 0, 0, 0]);

        // The server's first frame is its SETTINGS: 9-byte header, then 6-byte (id, value) pairs.
        var header = new byte[9];
        await client.Stream.ReadExactlyAsync(header).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(4, header[3]);
        var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
        await client.Stream.ReadExactlyAsync(payload).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        var settings = Enumerable.Range(0, payload.Length / 6).ToDictionary(
            i => System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(payload.AsSpan(i * 6)),
            i => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(payload.AsSpan((i * 6) + 2)));

        // SETTINGS_MAX_CONCURRENT_STREAMS (0x3).
        Assert.Equal((uint)server.Limits.MaxHttp2StreamsPerConnection, settings[3]);
        Assert.True(server.Limits.MaxHttp2StreamsPerConnection < 64);
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
