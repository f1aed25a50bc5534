using Auralis.Server.Api;
using Auralis.Server.Fingerprints;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Auralis.Server.Security;
using Auralis.Server.Streaming;
using Auralis.Server.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Hosting;

/// <summary>The settings cannot work (e.g. beyond loopback without a token); the message says how to fix them.</summary>
public sealed class ServerConfigurationException(string message) : Exception(message)
{
    public ServerConfigurationException()
        : this("invalid server configuration")
    {
    }

    public ServerConfigurationException(string message, Exception inner)
        : this(message) => _ = inner;
}

/// <summary>
/// `auralis serve`: one Kestrel host speaking gRPC (HTTP/2) and the HTTP/JSON API (HTTP/1.1 and
/// HTTP/2) on the same address (cleartext: told apart by the HTTP/2 preface). The pipeline, outermost first: error guard (no stack traces to
/// clients) -> access control (Host, Origin, bearer token) -> stream socket -> bounded concurrency (API
/// requests once their body is read; gRPC calls take their slot once their message is read) -> gRPC
/// -> JSON API -> web page. Every bound: <see cref="ServerLimits"/>.
/// </summary>
public sealed class AuralisServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ServerLibrary _library;
    private readonly RequestGate _gate;

    private AuralisServer(WebApplication app, ServerLibrary library, RequestGate gate)
    {
        _app = app;
        _library = library;
        _gate = gate;
    }

    /// <exception cref="ServerConfigurationException">Token missing off loopback, a root that does not exist, bad URL.</exception>
    /// <exception cref="Library.Database.LibraryDatabaseException">The database cannot be opened.</exception>
    public static AuralisServer Create(ServerSettings settings, LogLevel logLevel = LogLevel.Warning)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Urls.Count == 0)
        {
            throw new ServerConfigurationException("no URL to listen on");
        }

        var urls = settings.Urls.Select(ServerUrl.Parse).ToList();
        var names = ServerNames.Create(settings.AllowedHosts, settings.AllowedOrigins);
        if (string.IsNullOrEmpty(settings.Token) && !urls.All(u => u.IsLoopback))
        {
            throw new ServerConfigurationException(
                $"listening beyond loopback ({string.Join(", ", urls)}) requires a bearer token: add --token SECRET (clients send 'Authorization: Bearer SECRET')");
        }

        ServerLibrary library;
        try
        {
            library = new ServerLibrary(settings);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new ServerConfigurationException(e.Message);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(logLevel);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            KestrelBounds.Apply(kestrel.Limits, settings);
            foreach (var url in urls.Where(u => u.Scheme == "https"))
            {
                // TLS: HTTP/1.1 or HTTP/2 is chosen per connection by ALPN.
                kestrel.Listen(url.EndPoint, options =>
                {
                    options.Protocols = HttpProtocols.Http1AndHttp2;
                    options.UseHttps();
                });
            }
        });

        // Cleartext: one port for browsers and curl (HTTP/1.1) and gRPC clients (HTTP/2 prior
        // knowledge), told apart by the connection preface (docs/grpc.md).
        foreach (var url in urls.Where(u => u.Scheme == "http"))
        {
            builder.WebHost.ListenHttp1AndH2c(url.EndPoint);
        }

        var gate = new RequestGate(settings.MaxConcurrentRequests, settings.MaxQueuedRequests);
        builder.Services.AddSingleton(library);
        builder.Services.AddSingleton(gate);
        builder.Services.AddAuralisGrpc(options =>
        {
            // The upload limit plus the request message's own framing.
            options.MaxReceiveMessageSize = settings.MaxUploadBytes + 4096;
            // A call takes its request slot once its message has been read: one waiting for a slot
            // holds no HTTP/2 flow-control window that the calls holding the slots still need.
            options.Interceptors.Add<RequestSlotInterceptor>();
        });

        var app = builder.Build();
        var token = string.IsNullOrEmpty(settings.Token) ? null : new BearerToken(settings.Token);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Auralis.Server");

        app.Use(async (context, next) =>
        {
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody to answer.
            }
            catch (Exception e) when (!context.Response.HasStarted)
            {
                logger.LogError(e, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
                context.Response.Clear();
                await JsonApi.Error(StatusCodes.Status500InternalServerError, "internal error (see the server log)").ExecuteAsync(context).ConfigureAwait(false);
            }
        });

        // Host, Origin and token, by endpoint (Security/AccessControl.cs); before the stream
        // socket and the gate, so a refused request holds neither.
        app.Use(new AccessControl(names, token, GrpcHosting.MethodPaths(FingerprintService.Descriptor)).InvokeAsync);

        // Large uploads held at once are bounded in bytes, before the framework buffers them.
        app.Use(new UploadBudget(settings.Limits.MaxUploadBytesInFlight).InvokeAsync);

        // Streams are long-lived and bounded on their own (ServerLimits.MaxStreams).
        StreamingEndpoint.Map(app, new StreamPreparer(library), logger, settings.Limits);

        app.Use(async (context, next) =>
        {
            // Streams have their own bound, gRPC calls enter the gate once their message is read
            // (RequestSlotInterceptor), and health is cheap and must answer while everything else is busy.
            if (StreamingEndpoint.IsStreamRequest(context.Request) || IsGrpc(context) || IsHealth(context.Request))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            if (!await RequestBodies.ReadBeforeGateAsync(context, settings.Limits.MaxApiBodyBytes).ConfigureAwait(false))
            {
                return;
            }

            if (!await gate.EnterAsync(context.RequestAborted).ConfigureAwait(false))
            {
                await RefuseBusy(context).ConfigureAwait(false);
                return;
            }

            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                gate.Exit();
            }
        });

        app.MapGrpcService<FingerprintGrpcService>();
        JsonApi.Map(app, library);
        WebPage.Map(app);
        return new AuralisServer(app, library, gate);
    }

    /// <summary>The addresses actually bound (port 0 resolved), after <see cref="StartAsync"/>; each serves HTTP/1.1, gRPC and the API.</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses
            .Where(a => a != CleartextHttp2.InProcessAddress).ToList() ?? [];

    public IReadOnlyList<string> Roots => _library.Roots.Roots;

    /// <exception cref="IOException">The address is in use or cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        if (_library.Settings.Watch)
        {
            _library.Scans.StartWatching();
        }
    }

    /// <summary>With <see cref="ServerSettings.Watch"/>: roots the watcher could not watch, with the cause (they are rescanned periodically).</summary>
    public IReadOnlyList<string> WatchProblems => _library.Scans.WatchProblems;

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        _library.Dispose();
        _gate.Dispose();
    }

    // A call routed to a gRPC method (endpoint routing runs first): the Content-Type is the
    // client's to choose, so it alone must not let a request skip the gate.
    private static bool IsGrpc(HttpContext context) => GrpcHosting.IsGrpcCall(context);

    private static bool IsHealth(HttpRequest request) =>
        request.Path.Equals("/api/health", StringComparison.Ordinal) && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method));

    private static Task RefuseBusy(HttpContext context)
    {
        context.Response.Headers.RetryAfter = "1";
        return JsonApi.Error(StatusCodes.Status503ServiceUnavailable, "server busy, retry later").ExecuteAsync(context);
    }
}
