using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using ServiceDescriptor = Microsoft.Extensions.DependencyInjection.ServiceDescriptor;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Auralis.Server.Grpc;

/// <summary>
/// Grpc.AspNetCore as Auralis runs it (docs/grpc.md): no exception details to clients, message
/// size limits, unexpected handler errors as INTERNAL, and a request that is not valid protobuf
/// answered INVALID_ARGUMENT instead of the framework's UNKNOWN.
/// </summary>
public static class GrpcHosting
{
    /// <summary>Largest message either way unless the host says otherwise (gRPC's usual 4 MiB).</summary>
    public const int DefaultMaxMessageBytes = 4 * 1024 * 1024;

    public static IGrpcServerBuilder AddAuralisGrpc(this IServiceCollection services, Action<GrpcServiceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var builder = services.AddGrpc(options =>
        {
            options.EnableDetailedErrors = false;
            options.MaxReceiveMessageSize = DefaultMaxMessageBytes;
            options.MaxSendMessageSize = DefaultMaxMessageBytes;
            options.Interceptors.Add<UnexpectedErrorInterceptor>();
            configure?.Invoke(options);
        });

        // The framework parses the request before any interceptor or handler runs, and reports a
        // parse failure as UNKNOWN. Its method discovery is replaced by the same discovery over
        // the generated BindService with request parsers that report INVALID_ARGUMENT.
        services.RemoveAll(typeof(IServiceMethodProvider<>));
        services.TryAddEnumerable(ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(ParseFailureMethodProvider<>)));
        return builder;
    }

    /// <summary>Whether routing sent this request to a method of a mapped gRPC service.</summary>
    public static bool IsGrpcCall(Microsoft.AspNetCore.Http.HttpContext context) =>
        Microsoft.AspNetCore.Http.EndpointHttpContextExtensions.GetEndpoint(context)?.Metadata.GetMetadata<GrpcMethodMetadata>() is not null;

    /// <summary>The method paths ("/auralis.v1.FingerprintService/Health") of a generated service.</summary>
    public static IReadOnlyList<string> MethodPaths(Google.Protobuf.Reflection.ServiceDescriptor service) =>
        [.. service.Methods.Select(m => "/" + service.FullName + "/" + m.Name)];

    /// <summary>
    /// Finds the generated <c>BindService(ServiceBinderBase, TServiceBase)</c> through
    /// <see cref="BindServiceMethodAttribute"/> (what Grpc.Tools puts on the service base) and adds
    /// every unary method with its request parser wrapped.
    /// </summary>
    internal sealed class ParseFailureMethodProvider<TService> : IServiceMethodProvider<TService>
        where TService : class
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
        {
            for (var type = typeof(TService); type is not null; type = type.BaseType)
            {
                if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } attribute)
                {
                    continue;
                }

                var bind = attribute.BindType.GetMethod(attribute.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), type])
                    ?? throw new InvalidOperationException($"{attribute.BindType} has no {attribute.BindMethodName}(ServiceBinderBase, {type.Name})");
                bind.Invoke(null, [new Binder(context), null]);
                return;
            }
        }

        private sealed class Binder(ServiceMethodProviderContext<TService> context) : ServiceBinderBase
        {
            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
            {
                var parameters = new[] { typeof(TRequest), typeof(ServerCallContext) };
                var implementation = typeof(TService).GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance, parameters)
                    ?? throw new InvalidOperationException($"{typeof(TService)} has no method {method.Name}");
                var invoker = implementation.CreateDelegate<global::Grpc.AspNetCore.Server.Model.UnaryServerMethod<TService, TRequest, TResponse>>();
                var parsed = new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, InvalidArgumentOnParseFailure(method.RequestMarshaller), method.ResponseMarshaller);
                context.AddUnaryMethod(parsed, [], invoker);
            }

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
                throw new NotSupportedException($"{method.FullName}: only unary methods are served");

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
                throw new NotSupportedException($"{method.FullName}: only unary methods are served");

            public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
                throw new NotSupportedException($"{method.FullName}: only unary methods are served");
        }

        private static Marshaller<TRequest> InvalidArgumentOnParseFailure<TRequest>(Marshaller<TRequest> marshaller)
        {
            var name = typeof(TRequest).GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is MessageDescriptor descriptor
                ? descriptor.FullName
                : typeof(TRequest).Name;
            var parse = marshaller.ContextualDeserializer;
            return new Marshaller<TRequest>(marshaller.ContextualSerializer, context =>
            {
                try
                {
                    return parse(context);
                }
                catch (InvalidProtocolBufferException e)
                {
                    // The bytes are the caller's fault, and the same request will never succeed.
                    throw new RpcException(new Status(StatusCode.InvalidArgument, $"the request is not a valid {name} message: {e.Message}"));
                }
            });
        }
    }
}
