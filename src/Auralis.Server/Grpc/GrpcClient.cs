using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Auralis.Server.Grpc;

/// <summary>
/// A unary gRPC client over <see cref="HttpClient"/>'s HTTP/2: http:// addresses use cleartext
/// HTTP/2 with prior knowledge, https:// addresses TLS with ALPN. Thread-safe; keep one per server
/// (it holds the connection pool).
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(100);
    private static readonly string UserAgent = "grpc-dotnet-auralis/" + (typeof(GrpcClient).Assembly.GetName().Version?.ToString(3) ?? "0");

    private readonly HttpMessageInvoker _invoker;
    private readonly GrpcClientOptions _options;
    private readonly string? _authorization;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Service, string Method), Uri> _methodUris = new();

    public GrpcClient(Uri address, GrpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{address}' is not an http:// or https:// address of a gRPC server.", nameof(address));
        }

        _options = options ?? new GrpcClientOptions();
        if (_options.MaxReceiveMessageBytes < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxReceiveMessageBytes cannot be negative.");
        }

        // Calls go to <address>/<service>/<method>: keep any path prefix, end it with '/'.
        Address = address.AbsolutePath.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
        _authorization = string.IsNullOrEmpty(_options.BearerToken) ? null : "Bearer " + _options.BearerToken;
        _invoker = _options.Handler is { } handler
            ? new HttpMessageInvoker(handler, disposeHandler: false)
            : new HttpMessageInvoker(
                new SocketsHttpHandler
                {
                    // More than 100 concurrent calls (Kestrel's stream limit) open another connection
                    // instead of queueing.
                    EnableMultipleHttp2Connections = true,
                    ConnectTimeout = TimeSpan.FromSeconds(10),
                    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                    AutomaticDecompression = DecompressionMethods.None,
                    UseProxy = false,
                },
                disposeHandler: true);
    }

    /// <summary>The server's address as calls use it (with a trailing '/').</summary>
    public Uri Address { get; }

    /// <summary>
    /// Calls a unary method. Throws <see cref="GrpcException"/> for every status other than OK
    /// (DEADLINE_EXCEEDED when <paramref name="deadline"/>, or the default deadline, passes;
    /// UNAVAILABLE when the server cannot be reached), and <see cref="OperationCanceledException"/>
    /// when <paramref name="cancellationToken"/> fires.
    /// </summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        string service,
        string method,
        TRequest request,
        MessageParser<TResponse> parser,
        TimeSpan? deadline = null,
        CancellationToken cancellationToken = default)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(parser);
        cancellationToken.ThrowIfCancellationRequested();

        var call = new Call(this, service, method, deadline ?? _options.DefaultDeadline);
        if (call.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw call.DeadlineExceeded();
        }

        var payload = Frame(request);
        using var deadlineSource = call.Timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadlineSource?.CancelAfter(call.Timeout!.Value);
        var token = deadlineSource?.Token ?? cancellationToken;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await SendAsync(call, payload, parser, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && deadlineSource is { IsCancellationRequested: true })
            {
                throw call.DeadlineExceeded();
            }
            catch (GrpcException e) when (cancellationToken.IsCancellationRequested)
            {
                // Cancellation can surface as a broken stream (IOException) rather than as an
                // OperationCanceledException: the caller's cancellation is still what happened.
                throw new OperationCanceledException($"{service}/{method} at {Address} was cancelled", e, cancellationToken);
            }
            catch (GrpcException e) when (e.Status is GrpcStatusCode.Unavailable or GrpcStatusCode.Cancelled && deadlineSource is { IsCancellationRequested: true })
            {
                // The local deadline timer tore the stream down: that is the deadline, not the network.
                throw call.DeadlineExceeded();
            }
            catch (GrpcException e) when (e.Status == GrpcStatusCode.Cancelled && call.DeadlinePassed)
            {
                // PROTOCOL-HTTP2.md: a CANCELLED that races the deadline is the deadline.
                throw call.DeadlineExceeded();
            }
            catch (GrpcException e) when (e.Status == GrpcStatusCode.Unavailable && attempt == 1 && _options.RetryUnavailableOnce && !call.DeadlinePassed)
            {
                try
                {
                    await Task.Delay(RetryDelay, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw call.DeadlineExceeded();
                }
            }
        }
    }

    public void Dispose() => _invoker.Dispose();

    private Uri MethodUri(string service, string method) =>
        _methodUris.GetOrAdd((service, method), static (key, address) => new Uri(address, key.Service + "/" + key.Method), Address);

    private static byte[] Frame<TRequest>(TRequest request)
        where TRequest : IMessage<TRequest>
    {
        var size = request.CalculateSize();
        var payload = GC.AllocateUninitializedArray<byte>(GrpcProtocol.FrameHeaderSize + size);
        GrpcProtocol.WriteFrameHeader(payload, size);
        request.WriteTo(payload.AsSpan(GrpcProtocol.FrameHeaderSize));
        return payload;
    }

    private async Task<TResponse> SendAsync<TResponse>(Call call, byte[] payload, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, MethodUri(call.Service, call.Method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(payload),
        };
        message.Content.Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
        var headers = message.Headers;
        headers.TryAddWithoutValidation("te", "trailers");
        if (call.Remaining() is { } remaining)
        {
            headers.TryAddWithoutValidation("grpc-timeout", GrpcProtocol.FormatTimeout(remaining));
        }

        headers.TryAddWithoutValidation("user-agent", UserAgent);
        if (_authorization is not null)
        {
            headers.TryAddWithoutValidation("authorization", _authorization);
        }

        HttpResponseMessage response;
        try
        {
            response = await _invoker.SendAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw call.TransportFailure(e, replyStarted: false);
        }

        using (response)
        {
            try
            {
                return await ReadReplyAsync(call, response, parser, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw call.TransportFailure(e, replyStarted: true);
            }
            catch (IOException e)
            {
                throw call.TransportFailure(e, replyStarted: true);
            }
        }
    }

    private async Task<TResponse> ReadReplyAsync<TResponse>(Call call, HttpResponseMessage response, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        // A status in the headers: trailers-only (an error without a body), or an HTTP error that
        // still carries one.
        if (TryGetStatus(response.Headers, out var headerStatus, out var headerMessage))
        {
            throw headerStatus == GrpcStatusCode.OK
                ? call.Failure(GrpcStatusCode.Unimplemented, "the server ended the call OK without a reply message")
                : call.ServerStatus(headerStatus, headerMessage);
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw call.HttpStatus(response.StatusCode);
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw call.Failure(GrpcStatusCode.Internal, $"the reply is not gRPC (content-type {contentType ?? "none"})");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var _ = stream.ConfigureAwait(false);
        var header = new byte[GrpcProtocol.FrameHeaderSize];
        var read = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            // Headers, no message, trailers: an error status sent after the headers, or a reply missing.
            throw TrailerError(call, response)
                ?? call.Failure(GrpcStatusCode.Unimplemented, "the server ended the call OK without a reply message");
        }

        if (read < header.Length)
        {
            throw call.Failure(GrpcStatusCode.Internal, $"the reply ends inside a frame header ({read} of {GrpcProtocol.FrameHeaderSize} bytes)");
        }

        if (header[0] != 0)
        {
            throw call.Failure(GrpcStatusCode.Internal, $"the reply is compressed (flag {header[0]}), but this client accepts grpc-encoding identity only");
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
        if (length > (uint)_options.MaxReceiveMessageBytes)
        {
            throw call.Failure(GrpcStatusCode.ResourceExhausted, $"the reply message is {length} bytes, over the client's limit of {_options.MaxReceiveMessageBytes} bytes (GrpcClientOptions.MaxReceiveMessageBytes)");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)length + 1);
        try
        {
            var body = await stream.ReadAtLeastAsync(buffer.AsMemory(0, (int)length + 1), (int)length + 1, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (body < length)
            {
                throw call.Failure(GrpcStatusCode.Internal, $"the reply ends after {body} of the {length} message bytes its frame announced");
            }

            if (body > length || await stream.ReadAsync(buffer.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
            {
                // statuscodes.md: a response cardinality violation is UNIMPLEMENTED at the client.
                throw call.Failure(GrpcStatusCode.Unimplemented, "the server sent more than one reply message for a unary call");
            }

            if (TrailerError(call, response) is { } error)
            {
                throw error;
            }

            try
            {
                return parser.ParseFrom(buffer.AsSpan(0, (int)length));
            }
            catch (InvalidProtocolBufferException e)
            {
                throw call.Failure(GrpcStatusCode.Internal, $"the reply is not a valid message of the expected type: {e.Message}");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The error the trailers end the call with, or null for OK.</summary>
    private static GrpcException? TrailerError(Call call, HttpResponseMessage response)
    {
        if (TryGetStatus(response.TrailingHeaders, out var status, out var message))
        {
            return status == GrpcStatusCode.OK ? null : call.ServerStatus(status, message);
        }

        return response.TrailingHeaders.NonValidated.Contains("grpc-status")
            ? call.Failure(GrpcStatusCode.Unknown, "the server sent an unreadable grpc-status")
            : call.Failure(GrpcStatusCode.Unknown, "the server ended the call without a grpc-status (not a gRPC server, or a proxy dropped the trailers)");
    }

    private static bool TryGetStatus(HttpHeaders headers, out GrpcStatusCode status, out string message)
    {
        var nonValidated = headers.NonValidated;
        message = "";
        if (!nonValidated.TryGetValues("grpc-status", out var statusValues) || !GrpcProtocol.TryParseStatus(statusValues.ToString(), out status))
        {
            status = GrpcStatusCode.Unknown;
            return false;
        }

        if (nonValidated.TryGetValues("grpc-message", out var messageValues))
        {
            message = GrpcProtocol.DecodeMessage(messageValues.ToString());
        }

        return true;
    }

    /// <summary>One call's identity and deadline, and the errors it can end with, each naming both.</summary>
    private sealed class Call
    {
        private readonly GrpcClient _client;
        private readonly long _started = Stopwatch.GetTimestamp();

        public Call(GrpcClient client, string service, string method, TimeSpan? timeout)
        {
            _client = client;
            Service = service;
            Method = method;
            Timeout = timeout is { } t && t > GrpcProtocol.MaxTimeout ? null : timeout;
        }

        public string Service { get; }

        public string Method { get; }

        public TimeSpan? Timeout { get; }

        public bool DeadlinePassed => Timeout is { } t && Stopwatch.GetElapsedTime(_started) >= t;

        private string Target => $"{Service}/{Method} at {_client.Address}";

        public TimeSpan? Remaining()
        {
            if (Timeout is not { } t)
            {
                return null;
            }

            var left = t - Stopwatch.GetElapsedTime(_started);
            return left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
        }

        public GrpcException DeadlineExceeded() =>
            new(GrpcStatusCode.DeadlineExceeded, $"deadline exceeded: {Target} did not answer within {Timeout!.Value.TotalMilliseconds:0.###} ms") { Target = Target };

        public GrpcException ServerStatus(GrpcStatusCode status, string message) => new(status, message) { Target = Target };

        public GrpcException Failure(GrpcStatusCode status, string message) => new(status, $"{message} ({Target})") { Target = Target };

        public GrpcException HttpStatus(HttpStatusCode code)
        {
            // grpc/grpc doc/http-grpc-status-mapping.md
            var status = (int)code switch
            {
                400 => GrpcStatusCode.Internal,
                401 => GrpcStatusCode.Unauthenticated,
                403 => GrpcStatusCode.PermissionDenied,
                404 => GrpcStatusCode.Unimplemented,
                429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
                _ => GrpcStatusCode.Unknown,
            };
            return Failure(status, $"HTTP status {(int)code} ({code}) instead of a gRPC reply");
        }

        public GrpcException TransportFailure(Exception e, bool replyStarted)
        {
            var cause = Cause(e);
            if (FindInner<HttpProtocolException>(e) is { ErrorCode: 0xd })
            {
                // HTTP_1_1_REQUIRED: what Kestrel answers on an HTTP/1.1-only endpoint.
                return new GrpcException(GrpcStatusCode.Unavailable, $"cannot reach {_client.Address} over HTTP/2: the server answered HTTP_1_1_REQUIRED, so this address serves HTTP/1.1 only (not a gRPC endpoint, or cleartext HTTP/2 is not enabled there) (calling {Service}/{Method})", e) { Target = Target };
            }

            if (FindInner<HttpProtocolException>(e) is { } protocol)
            {
                // RST_STREAM or GOAWAY codes, mapped as PROTOCOL-HTTP2.md says.
                var status = protocol.ErrorCode switch
                {
                    0x7 => GrpcStatusCode.Unavailable, // REFUSED_STREAM: not processed, may be retried
                    0x8 => GrpcStatusCode.Cancelled, // CANCEL
                    0xb => GrpcStatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
                    0xc => GrpcStatusCode.PermissionDenied, // INADEQUATE_SECURITY
                    _ => GrpcStatusCode.Internal,
                };
                return new GrpcException(status, $"HTTP/2 error from {_client.Address} during {Service}/{Method}: {cause}", e) { Target = Target };
            }

            // Everything else means the server could not be reached or the connection broke:
            // UNAVAILABLE, which statuscodes.md also prescribes for a connection lost mid-call.
            return replyStarted
                ? new GrpcException(GrpcStatusCode.Unavailable, $"the connection to {_client.Address} broke during {Service}/{Method}: {cause}", e) { Target = Target }
                : new GrpcException(GrpcStatusCode.Unavailable, $"cannot reach {_client.Address}: {cause} (calling {Service}/{Method})", e) { Target = Target };
        }

        /// <summary>
        /// The most specific message in the chain: the innermost one, except the disposed stream
        /// that hides why (an HTTP/2 handshake that failed) and HttpClient's generic wrapper text.
        /// </summary>
        private static string Cause(Exception e)
        {
            string? best = null;
            for (Exception? x = e; x is not null; x = x.InnerException)
            {
                if (x is ObjectDisposedException || (x is HttpRequestException && x.InnerException is not null && x.Message.StartsWith("An error occurred while sending", StringComparison.Ordinal)))
                {
                    continue;
                }

                best = x.Message;
            }

            return best ?? e.Message;
        }

        private static T? FindInner<T>(Exception? e)
            where T : Exception
        {
            for (; e is not null; e = e.InnerException)
            {
                if (e is T found)
                {
                    return found;
                }
            }

            return null;
        }
    }
}
