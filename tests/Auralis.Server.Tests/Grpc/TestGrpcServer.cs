using System.Collections.Concurrent;
using System.Net;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Tests.Grpc;

/// <summary>A real Kestrel on 127.0.0.1 (free port) serving the test service over Grpc.AspNetCore, plus HTTP/1.1 pages on the same port.</summary>
public sealed class TestGrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestGrpcServer(WebApplication app, CapturedLogs logs, int port)
    {
        _app = app;
        Logs = logs;
        Port = port;
    }

    public int Port { get; }

    public Uri Address => new($"http://127.0.0.1:{Port}/");

    /// <summary>The address as grpc-js wants it (host:port).</summary>
    public string HostPort => $"127.0.0.1:{Port}";

    public CapturedLogs Logs { get; }

    /// <summary>
    /// Starts a server of <paramref name="service"/> (usually a <see cref="TestFingerprintService"/>; none: a plain HTTP server), with the test
    /// limits (<see cref="TestFingerprintService.MaxMessageBytes"/> each way) and, when
    /// <paramref name="requiredToken"/> is set, a bearer-token check on every call. Requests no
    /// gRPC endpoint takes reach a terminal middleware answering "page: &lt;protocol&gt;" (and /ws
    /// accepts WebSockets), to show that gRPC and ordinary HTTP share the port.
    /// </summary>
    public static async Task<TestGrpcServer> StartAsync(FingerprintService.FingerprintServiceBase? service, string? requiredToken = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        var logs = new CapturedLogs();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Debug);
        builder.WebHost.ListenHttp1AndH2c(new IPEndPoint(IPAddress.Loopback, 0));
        if (service is not null)
        {
            builder.Services.AddSingleton(service);
            builder.Services.AddAuralisGrpc(options =>
            {
                options.MaxReceiveMessageSize = TestFingerprintService.MaxMessageBytes;
                options.MaxSendMessageSize = TestFingerprintService.MaxMessageBytes;
            });
        }

        var app = builder.Build();
        app.UseWebSockets();
        if (requiredToken is not null)
        {
            // Like the server's access control: every request (any path, so an unknown method
            // cannot be probed) without the token is refused before the gRPC layer.
            app.Use((context, next) => context.Request.Headers.Authorization == "Bearer " + requiredToken
                ? next(context)
                : GrpcStatusHeaders.WriteTrailersOnly(context, StatusCode.Unauthenticated, "missing or wrong bearer token"));
        }

        if (service is not null)
        {
            app.MapGrpcService<FingerprintService.FingerprintServiceBase>();
        }

        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint() is not null)
            {
                await next(context);
                return;
            }

            if (context.WebSockets.IsWebSocketRequest)
            {
                using var socket = await context.WebSockets.AcceptWebSocketAsync();
                var buffer = new byte[256];
                var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
                await socket.SendAsync(buffer.AsMemory(0, received.Count), System.Net.WebSockets.WebSocketMessageType.Text, true, context.RequestAborted);
                await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                return;
            }

            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync($"page: {context.Request.Protocol}");
        });
        await app.StartAsync();
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        var address = addresses.Single(a => a != CleartextHttp2.InProcessAddress);
        return new TestGrpcServer(app, logs, new Uri(address).Port);
    }

    /// <summary>Stops gracefully, aborting what is left after <paramref name="patience"/>.</summary>
    public async Task StopAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        await _app.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(2));
        await _app.DisposeAsync();
    }
}

/// <summary>Every log entry of a test server, to check what was logged (and what was not sent).</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}
