using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Auralis.Server.Grpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Tests.Grpc;

/// <summary>The client when the server is not there, never answers, or hangs up.</summary>
public sealed class GrpcClientTransportTests
{
    /// <summary>Counts the HTTP requests the client sends (one per attempt).</summary>
    private sealed class CountingHandler() : DelegatingHandler(new SocketsHttpHandler { UseProxy = false })
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Accepts connections and closes each at once (RST), counting them.</summary>
    private sealed class HangUpServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private Task _acceptLoop = Task.CompletedTask;
        private int _connections;

        public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

        public static HangUpServer Start()
        {
            var server = new HangUpServer();
            server._listener.Start();
            server._acceptLoop = Task.Run(server.AcceptAsync);
            return server;
        }

        /// <summary>Stops listening and returns the connections accepted.</summary>
        public async Task<int> StopAsync()
        {
            _listener.Stop();
            await _acceptLoop;
            return Volatile.Read(ref _connections);
        }

        public async ValueTask DisposeAsync() => await StopAsync();

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var socket = await _listener.AcceptSocketAsync();
                    Interlocked.Increment(ref _connections);
                    socket.Close(0);
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [Fact]
    public async Task A_server_that_is_not_listening_is_unavailable()
    {
        var port = FreePort();
        using var client = new TestClient(new Uri($"http://127.0.0.1:{port}"));

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("Connection refused", e.Status.DebugException?.Message ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unresolvable_host_is_unavailable_and_named()
    {
        using var client = new TestClient(new Uri("http://auralis-no-such-host.invalid:50051"), new GrpcClientOptions { RetryUnavailableOnce = false });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
    }

    [Fact]
    public async Task A_server_that_never_answers_hits_the_local_deadline_without_retry()
    {
        // Accepts connections and reads nothing: only the client's own timer can end the call.
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var accepted = new List<Socket>();
        var acceptLoop = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    accepted.Add(await blackHole.AcceptSocketAsync());
                }
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        });
        using var handler = new CountingHandler();
        using var client = new TestClient(new Uri($"http://127.0.0.1:{((IPEndPoint)blackHole.LocalEndpoint).Port}"), new GrpcClientOptions { Handler = handler });
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.FromMilliseconds(300)));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(290), TimeSpan.FromSeconds(5));
        Assert.True(handler.Attempts <= 1, $"{handler.Attempts} attempts");
        blackHole.Stop();
        await acceptLoop;
        accepted.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task A_server_that_hangs_up_is_unavailable()
    {
        await using var hangUp = HangUpServer.Start();
        using var handler = new CountingHandler();
        using var client = new TestClient(hangUp.Address, new GrpcClientOptions { Handler = handler });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        var connections = await hangUp.StopAsync();
        // The call is retried once (two attempts at most; the second opens a connection only
        // when the channel has reconnected by then, docs/grpc.md), and the socket handler itself
        // may reopen a connection once for a request the server hung up on before answering: at
        // most 2 x 2 connections, where a retry loop would make many more.
        Assert.InRange(connections, 1, 4);
    }

    [Fact]
    public async Task Without_RetryUnavailableOnce_a_server_that_hangs_up_is_tried_once()
    {
        await using var hangUp = HangUpServer.Start();
        using var client = new TestClient(hangUp.Address, new GrpcClientOptions { RetryUnavailableOnce = false });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        var connections = await hangUp.StopAsync();
        // One attempt; the socket handler may reopen the connection once for a request the
        // server hung up on before answering (not a retry of ours): one or two connections.
        Assert.InRange(connections, 1, 2);
    }

    [Fact]
    public async Task A_server_speaking_only_http_1_is_internal_and_says_so()
    {
        // Kestrel as most deployments configure it for cleartext: HTTP/1.1 only.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http1));
        await using var app = builder.Build();
        app.Run(context => context.Response.WriteAsync("page"));
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        using var client = new TestClient(address, new GrpcClientOptions { RetryUnavailableOnce = false });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.Contains("HTTP_1_1_REQUIRED", e.Status.Detail + e.Status.DebugException, StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task A_zero_deadline_fails_at_once_without_sending()
    {
        using var handler = new CountingHandler();
        using var client = new TestClient(new Uri("http://127.0.0.1:1"), new GrpcClientOptions { Handler = handler });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync(TimeSpan.Zero));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.Equal(0, handler.Attempts);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:5000")]
    [InlineData("/relative")]
    public void Only_http_and_https_addresses_are_accepted(string address)
    {
        Assert.Throws<ArgumentException>(() => FingerprintChannel.Create(new Uri(address, UriKind.RelativeOrAbsolute)));
    }
}
