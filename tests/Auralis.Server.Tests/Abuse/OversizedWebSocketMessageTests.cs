using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Auralis.Server.Tests.Server;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Abuse;

/// <summary>A client message over the limit closes the socket with 1009 Message Too Big, without the server reading it.</summary>
public sealed class OversizedWebSocketMessageTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_16_mib_message_is_closed_with_1009_at_once_and_health_keeps_answering()
    {
        await using var server = await ServerFixture.StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Address.Port}/ws"), CancellationToken.None);
        var huge = new byte[16 * 1024 * 1024];
        huge.AsSpan().Fill((byte)' ');
        var clock = Stopwatch.StartNew();

        // The server stops reading: the send may never complete, so it is not awaited.
        var send = socket.SendAsync(huge, WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        var answer = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));
        output.WriteLine($"answer after {clock.Elapsed.TotalMilliseconds:F0} ms: {answer.MessageType} {socket.CloseStatus} {socket.CloseStatusDescription}");

        Assert.Equal(WebSocketMessageType.Close, answer.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        var latency = await server.AssertHealthAnswersAsync();
        output.WriteLine($"/api/health afterwards: {latency.TotalMilliseconds:F0} ms");
        socket.Abort();
        await Task.WhenAny(send, Task.Delay(1000));
        _ = send.Exception;
    }

    [Fact]
    public async Task A_message_at_the_limit_is_still_read_as_a_command()
    {
        await using var server = await ServerFixture.StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Address.Port}/ws"), CancellationToken.None);
        var command = "{\"type\": \"no_such_command\"}";
        var padded = Encoding.UTF8.GetBytes(command + new string(' ', server.Limits.MaxWebSocketMessageBytes - command.Length));

        await socket.SendAsync(padded, WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[4096];
        var answer = await socket.ReceiveAsync(buffer, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));

        Assert.Equal(WebSocketMessageType.Text, answer.MessageType);
        var error = JsonDocument.Parse(buffer.AsMemory(0, answer.Count)).RootElement;
        Assert.Equal("bad_request", error.GetProperty("code").GetString());
        Assert.Contains("no_such_command", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_message_one_byte_over_the_limit_is_closed_with_1009()
    {
        await using var server = await ServerFixture.StartAsync();
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{server.Address.Port}/ws"), CancellationToken.None);

        // In two frames, so the bound is on the message, not only on one frame.
        var half = server.Limits.MaxWebSocketMessageBytes / 2;
        await socket.SendAsync(new byte[half], WebSocketMessageType.Text, false, CancellationToken.None);
        await socket.SendAsync(new byte[half + 1], WebSocketMessageType.Text, true, CancellationToken.None);
        var answer = await socket.ReceiveAsync(new byte[4096], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(3));

        Assert.Equal(WebSocketMessageType.Close, answer.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
    }
}
