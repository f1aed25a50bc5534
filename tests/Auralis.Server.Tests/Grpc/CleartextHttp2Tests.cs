using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using Auralis.Server.Grpc;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// One cleartext port for HTTP/1.1 (pages, JSON, WebSocket) and HTTP/2 with prior knowledge (gRPC),
/// which Kestrel alone does not offer (see CleartextHttp2).
/// </summary>
public sealed class CleartextHttp2Tests : IClassFixture<GrpcServerFixture>
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly GrpcServerFixture _servers;

    public CleartextHttp2Tests(GrpcServerFixture servers)
    {
        _servers = servers;
    }

    private Uri Address => _servers.Open.Address;

    [Theory]
    [InlineData("1.1", "page: HTTP/1.1")]
    [InlineData("2.0", "page: HTTP/2")]
    public async Task The_same_port_answers_http_1_1_and_http_2_prior_knowledge(string version, string expected)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, Address) { Version = Version.Parse(version), VersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await http.SendAsync(request);

        Assert.Equal(expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_websocket_works_on_the_same_port()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_servers.Open.Port}/ws"), CancellationToken.None);

        await socket.SendAsync("hello"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);

        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task A_preface_arriving_in_pieces_still_selects_http_2()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _servers.Open.Port);
        var stream = tcp.GetStream();
        foreach (var (start, length) in new[] { (0, 1), (1, 3), (4, 10), (14, 10) })
        {
            await stream.WriteAsync(Preface.AsMemory(start, length));
            await stream.FlushAsync();
            await Task.Delay(30);
        }

        // An empty SETTINGS frame: length 0, type 4, flags 0, stream 0.
        await stream.WriteAsync(new byte[] { 0, 0, 0, 4, 0, 0, 0, 0, 0 });
        var frame = new byte[9];
        await stream.ReadExactlyAsync(frame).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        // The server's connection preface is a SETTINGS frame on stream 0.
        Assert.Equal(4, frame[3]);
        Assert.Equal(new byte[] { 0, 0, 0, 0 }, frame[5..9]);
    }

    [Theory]
    [InlineData("PRI * HTTP/1.1\r\n\r\n")]
    [InlineData("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")]
    public async Task Anything_but_the_whole_preface_is_left_to_http_1_1(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, _servers.Open.Port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));

        var buffer = new byte[12];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 ", Encoding.ASCII.GetString(buffer), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stopping_the_server_closes_connections_that_never_sent_a_byte()
    {
        await using var server = await TestGrpcServer.StartAsync(service: null);
        using var idle = new TcpClient();
        await idle.ConnectAsync(IPAddress.Loopback, server.Port);
        await Task.Delay(100);
        var watch = Stopwatch.StartNew();

        await server.StopAsync(TimeSpan.FromSeconds(10));

        // Not Kestrel's abort after 10 s of patience, nor the 130-second keep-alive timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stopping took {watch.Elapsed}");
        var read = await idle.GetStream().ReadAsync(new byte[1]).AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, read);
    }
}
