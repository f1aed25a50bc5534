using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Auralis.Server.Grpc;

public static class GrpcApplicationBuilderExtensions
{
    /// <summary>
    /// Middleware: handles every request whose content-type is application/grpc or
    /// application/grpc+proto (any path; also application/grpc+json and the like, which are answered
    /// UNIMPLEMENTED) with the methods of <paramref name="registry"/>, and passes everything else on.
    /// Freezes the registry.
    /// </summary>
    public static IApplicationBuilder UseGrpcServices(this IApplicationBuilder app, GrpcServiceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(registry);
        registry.Freeze();
        var logger = app.ApplicationServices.GetService<ILoggerFactory>()?.CreateLogger("Auralis.Server.Grpc") ?? NullLogger.Instance;
        var server = new GrpcServer(registry, logger);
        return app.Use(next => context =>
            GrpcProtocol.IsGrpcContentType(context.Request.ContentType) ? server.HandleAsync(context) : next(context));
    }
}
