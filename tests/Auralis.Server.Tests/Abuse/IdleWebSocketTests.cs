using System.Net.WebSockets;
using System.Text.Json;
using Auralis.Server.Tests.Server;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Abuse;

/// <summary>WebSockets that send nothing hold a stream each, never a request slot, and refused ones are closed.</summary>
public sealed class IdleWebSocketTests(ITestOutputHelper output)
{
    private const string Handshake =
        "GET /ws HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    [Fact]
    public async Task Seventy_idle_websockets_leave_health_answering_and_those_over_the_stream_limit_are_told_busy()
    {
        await using var server = await ServerFixture.StartAsync();
        var sockets = new List<ClientWebSocket>();
        try
        {
            for (var i = 0; i < 70; i++)
            {
                var socket = new ClientWebSocket();
                await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Address.Port}/ws"), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
                sockets.Add(socket);
            }

            var latency = await server.AssertHealthAnswersAsync();
            output.WriteLine($"/api/health with 70 idle WebSockets open: {latency.TotalMilliseconds:F0} ms");

            // The 33rd and later sockets are over the stream limit: told so, then closed.
            var buffer = new byte[4096];
            var last = sockets[^1];
            var busy = await last.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            var message = JsonDocument.Parse(buffer.AsMemory(0, busy.Count)).RootElement;
            Assert.Equal(("audio_stream_error", "busy"), (message.GetProperty("type").GetString(), message.GetProperty("code").GetString()));
            var close = await last.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(WebSocketMessageType.Close, close.MessageType);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Abort();
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_quiet_player_socket_outlives_the_minimum_body_rate_and_the_timeouts()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with
        {
            Limits = s.Limits with
            {
                MinBodyBytesPerSecond = 100_000,
                MinBodyRateGracePeriod = TimeSpan.FromSeconds(1.5),
                RequestHeadersTimeout = TimeSpan.FromSeconds(1),
                KeepAliveTimeout = TimeSpan.FromSeconds(1),
            },
        });
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Address.Port}/ws"), CancellationToken.None);

        // A paused player sends nothing for minutes: the body rate and the HTTP timeouts are not its business.
        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await socket.SendAsync("{\"type\": \"nonsense\"}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        var answer = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));

        Assert.Equal(WebSocketMessageType.Text, answer.MessageType);
        Assert.Equal("bad_request", JsonDocument.Parse(buffer.AsMemory(0, answer.Count)).RootElement.GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_socket_refused_as_busy_is_closed_even_when_the_client_never_answers_the_close()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with { Limits = s.Limits with { MaxStreams = 2 } });
        var clients = new List<RawClient>();
        var handshake = "";
        try
        {
            // Fill the stream limit (the built-in 32 before streams had their own setting), then one more.
            for (var i = 0; i < 33; i++)
            {
                var client = await RawClient.ConnectAsync(server.Address);
                clients.Add(client);
                await client.WriteAsync(Handshake);
                handshake = await client.ReadUntilAsync("\r\n\r\n", TimeSpan.FromSeconds(5));
                Assert.Contains("101", handshake, StringComparison.Ordinal);
            }

            // The refused one gets "busy" and a close frame; it never sends its own close frame,
            // and the server must not wait for it forever.
            var refused = clients[^1];
            var rest = await refused.ReadUntilClosedAsync(TimeSpan.FromSeconds(5));
            Assert.True(rest is not null, "the server kept a refused WebSocket open, waiting for a close frame that never came");
            Assert.Contains("busy", handshake + rest, StringComparison.Ordinal);

            var latency = await server.AssertHealthAnswersAsync();
            output.WriteLine($"/api/health after a refused socket: {latency.TotalMilliseconds:F0} ms");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
