using System.Collections.Frozen;
using Google.Protobuf;

namespace Auralis.Server.Grpc;

/// <summary>
/// The unary gRPC methods a server answers, with their handlers. Register every method, then hand
/// the registry to <see cref="GrpcApplicationBuilderExtensions.UseGrpcServices"/>, which freezes it.
/// </summary>
public sealed class GrpcServiceRegistry
{
    private readonly Dictionary<string, GrpcMethod> _methods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _services = new(StringComparer.Ordinal);
    private FrozenDictionary<string, GrpcMethod>? _frozenMethods;
    private FrozenSet<string>? _frozenServices;

    public GrpcServiceRegistry()
        : this(new GrpcServerOptions())
    {
    }

    public GrpcServiceRegistry(GrpcServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    public GrpcServerOptions Options { get; }

    /// <summary>
    /// Runs before every call (known or not), after the request headers arrive and before the
    /// request message is read; throws <see cref="GrpcException"/> to refuse the call (bearer-token
    /// checks -> UNAUTHENTICATED, concurrency limits -> RESOURCE_EXHAUSTED). Work that must be undone
    /// when the call ends can be registered with <c>HttpContext.Response.RegisterForDispose</c>.
    /// </summary>
    public Func<GrpcCallContext, ValueTask>? BeforeCall { get; set; }

    /// <summary>
    /// Runs once the request message has been read, before the handler: admission to bounded work
    /// (a request slot). Returns what to dispose when the call ends (the slot), or throws
    /// <see cref="GrpcException"/> to refuse the call. Waiting here is safe: the call's body is read,
    /// so it holds no HTTP/2 flow-control window.
    /// </summary>
    public Func<GrpcCallContext, ValueTask<IDisposable?>>? BeforeHandler { get; set; }

    /// <summary>The registered methods as paths ("/auralis.v1.FingerprintService/Health"), for logs and tests.</summary>
    public IReadOnlyCollection<string> MethodPaths => _methods.Keys;

    /// <summary>
    /// Adds a unary method: exactly one request message in, exactly one reply out. The handler's
    /// <see cref="GrpcCallContext.CancellationToken"/> fires on client abort or deadline; a
    /// <see cref="GrpcException"/> it throws becomes the call's status and message; any other
    /// exception becomes INTERNAL with a generic message (the exception is logged, never sent).
    /// </summary>
    public GrpcServiceRegistry AddUnary<TRequest, TResponse>(
        string service,
        string method,
        MessageParser<TRequest> parser,
        Func<TRequest, GrpcCallContext, Task<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        ArgumentException.ThrowIfNullOrEmpty(method);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(handler);
        if (service.Contains('/', StringComparison.Ordinal) || method.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"gRPC service and method names cannot contain '/': {service}/{method}");
        }

        if (_frozenMethods is not null)
        {
            throw new InvalidOperationException($"Cannot add {service}/{method}: the registry is already serving calls (register every method before UseGrpcServices).");
        }

        var path = "/" + service + "/" + method;
        if (!_methods.TryAdd(path, new UnaryMethod<TRequest, TResponse>(service, method, parser, handler)))
        {
            throw new ArgumentException($"{service}/{method} is already registered.");
        }

        _services.Add(service);
        return this;
    }

    internal void Freeze()
    {
        _frozenMethods ??= _methods.ToFrozenDictionary(StringComparer.Ordinal);
        _frozenServices ??= _services.ToFrozenSet(StringComparer.Ordinal);
    }

    internal GrpcMethod? Find(string path) =>
        (_frozenMethods ?? throw new InvalidOperationException("The registry is not frozen.")).GetValueOrDefault(path);

    internal bool HasService(string service) => _frozenServices!.Contains(service);
}
