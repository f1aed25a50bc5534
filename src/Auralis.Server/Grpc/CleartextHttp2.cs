using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Auralis.Server.Grpc;

/// <summary>
/// HTTP/1.1 and cleartext HTTP/2 with prior knowledge (what gRPC clients use on http:// addresses)
/// on one Kestrel endpoint.
/// </summary>
/// <remarks>
/// Kestrel (ASP.NET Core 10) picks the protocol of a cleartext connection from the endpoint's
/// settings alone: an endpoint with <see cref="HttpProtocols.Http1AndHttp2"/> and no TLS speaks
/// HTTP/1.1 only, and an HTTP/2 client gets its connection closed (dotnet/aspnetcore#56984). Here
/// the public endpoint speaks HTTP/1.1 and a connection middleware peeks at the first bytes of
/// each connection: when they are the HTTP/2 connection preface ("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
/// RFC 9113 section 3.4), it hands the connection, bytes untouched, to the HTTP/2 pipeline of a
/// second, in-process endpoint that has no socket (it never accepts anything itself). Both
/// pipelines run the same application, so the client's address, limits and middleware are the
/// same for both protocols. See docs/grpc.md.
/// </remarks>
public static class CleartextHttp2
{
    /// <summary>How the in-process HTTP/2 endpoint appears in Kestrel's address list ("Now listening on").</summary>
    public const string InProcessAddress = "http://in-process-h2c";

    /// <summary>Serves HTTP/1.1 and cleartext HTTP/2 (prior knowledge) on <paramref name="endpoint"/>.</summary>
    public static IWebHostBuilder ListenHttp1AndH2c(this IWebHostBuilder builder, IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(endpoint);
        builder.ConfigureServices(services =>
        {
            services.TryAddSingleton<Http2Dispatch>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, InProcessListenerFactory>());
        });
        builder.ConfigureKestrel(kestrel =>
        {
            var dispatch = kestrel.ApplicationServices.GetRequiredService<Http2Dispatch>();
            dispatch.AddHttp2Pipeline(kestrel);
            var limits = kestrel.Limits;
            kestrel.Listen(endpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http1;

                // The first bytes are the start of the first request: they get the time its headers
                // get (read per connection, so it does not matter which ConfigureKestrel ran first).
                listen.Use(http1 => connection => dispatch.DispatchAsync(connection, http1, Min(limits.KeepAliveTimeout, limits.RequestHeadersTimeout)));
            });
        });
        return builder;
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>The HTTP/2 pipeline of the in-process endpoint, and the per-connection protocol choice.</summary>
    internal sealed class Http2Dispatch
    {
        // RFC 9113 section 3.4: every HTTP/2 connection starts with these 24 octets. No HTTP/1.x
        // request can: "PRI" is not a method a client sends and "HTTP/2.0" not a version it sends.
        private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

        private readonly TaskCompletionSource<ConnectionDelegate> _http2 = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _pipelineAdded;

        public void AddHttp2Pipeline(KestrelServerOptions kestrel)
        {
            if (Interlocked.Exchange(ref _pipelineAdded, 1) != 0)
            {
                return;
            }

            kestrel.Listen(new InProcessEndPoint(), listen =>
            {
                listen.Protocols = HttpProtocols.Http2;

                // Kestrel builds this endpoint's pipeline when it binds it: "next" is its HTTP/2
                // connection handler, which is all this endpoint exists for.
                listen.Use(next =>
                {
                    _http2.TrySetResult(next);
                    return next;
                });
            });
        }

        public async Task DispatchAsync(ConnectionContext connection, ConnectionDelegate http1, TimeSpan sniffTimeout)
        {
            if (connection.Features.Get<ITlsConnectionFeature>() is not null)
            {
                await http1(connection).ConfigureAwait(false);
                return;
            }

            using var timeout = new CancellationTokenSource(sniffTimeout);
            var closing = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
            using var closingRegistration = closing.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), timeout);
            var protocol = await SniffAsync(connection.Transport.Input, timeout.Token).ConfigureAwait(false);
            switch (protocol)
            {
                case SniffResult.Http2:
                    var http2 = await _http2.Task.WaitAsync(connection.ConnectionClosed).ConfigureAwait(false);
                    await http2(connection).ConfigureAwait(false);
                    break;
                case SniffResult.Http1:
                    await http1(connection).ConfigureAwait(false);
                    break;
                default:
                    // Closed before sending anything, silent past the request-header (or keep-alive)
                    // timeout, or the server is stopping: returning closes the connection.
                    break;
            }
        }

        internal static async ValueTask<SniffResult> SniffAsync(PipeReader input, CancellationToken cancellationToken)
        {
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return SniffResult.None;
                }

                var buffer = result.Buffer;
                var (matches, complete) = Compare(buffer);

                // Consume nothing, so the chosen protocol reads the connection from its first byte.
                if (!matches)
                {
                    input.AdvanceTo(buffer.Start);
                    return SniffResult.Http1;
                }

                if (complete)
                {
                    input.AdvanceTo(buffer.Start);
                    return SniffResult.Http2;
                }

                if (result.IsCompleted)
                {
                    input.AdvanceTo(buffer.Start);
                    return buffer.IsEmpty ? SniffResult.None : SniffResult.Http1;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        private static (bool Matches, bool Complete) Compare(in ReadOnlySequence<byte> buffer)
        {
            var length = (int)Math.Min(buffer.Length, Preface.Length);
            Span<byte> head = stackalloc byte[Preface.Length];
            buffer.Slice(0, length).CopyTo(head);
            return (head[..length].SequenceEqual(Preface.AsSpan(0, length)), length == Preface.Length);
        }
    }

    internal enum SniffResult
    {
        None,
        Http1,
        Http2,
    }

    /// <summary>The endpoint of the in-process HTTP/2 pipeline: no socket, never accepts a connection.</summary>
    internal sealed class InProcessEndPoint : EndPoint
    {
        public override string ToString() => InProcessAddress["http://".Length..];
    }

    /// <summary>Binds <see cref="InProcessEndPoint"/> (only) to a listener that accepts nothing until unbound.</summary>
    internal sealed class InProcessListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
    {
        public bool CanBind(EndPoint endpoint) => endpoint is InProcessEndPoint;

        public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
            new(new Listener(endpoint));

        private sealed class Listener(EndPoint endPoint) : IConnectionListener
        {
            private readonly TaskCompletionSource _unbound = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public EndPoint EndPoint => endPoint;

            public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
            {
                await _unbound.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                return null;
            }

            public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
            {
                _unbound.TrySetResult();
                return ValueTask.CompletedTask;
            }

            public ValueTask DisposeAsync()
            {
                _unbound.TrySetResult();
                return ValueTask.CompletedTask;
            }
        }
    }
}
