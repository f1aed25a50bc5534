using System.Collections.Frozen;
using Auralis.Server.Api;
using Auralis.Server.Grpc;
using Grpc.Core;
using Auralis.Server.Streaming;
using Auralis.Server.Web;
using Microsoft.AspNetCore.Http;
using StatusCodes = Microsoft.AspNetCore.Http.StatusCodes;

namespace Auralis.Server.Security;

/// <summary>
/// Who may use the server, decided by endpoint and never by a header the client picks
/// (docs/server.md, "Threat model and authentication"). In order: the Host must be one of the
/// server's names (every request); the web page's own files are public; any other request with
/// an Origin must come from one of the server's own origins or a configured one; and with a token
/// set it must carry the token (<c>Authorization: Bearer</c>, or <c>?token=</c> on /ws only).
/// </summary>
internal sealed class AccessControl
{
    private readonly ServerNames _names;
    private readonly BearerToken? _token;
    private readonly FrozenSet<string> _grpcMethods;

    /// <param name="grpcMethods">The registered gRPC method paths: their refusals are gRPC statuses.</param>
    public AccessControl(ServerNames names, BearerToken? token, IEnumerable<string> grpcMethods)
    {
        _names = names;
        _token = token;
        _grpcMethods = grpcMethods.ToFrozenSet(StringComparer.Ordinal);
    }

    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        // A call of a registered gRPC method (by path: the Content-Type is the client's to choose)
        // gets its refusals as gRPC statuses.
        var grpc = HttpProtocol.IsHttp2(request.Protocol) && request.Path.Value is { } path && _grpcMethods.Contains(path);

        if (!_names.AcceptsHost(context))
        {
            return Refuse(context, grpc, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied,
                $"this server does not answer to the name '{Shorten(request.Host.Value)}' (Host): address it as 127.0.0.1, localhost or the IP address you connected to, with its port, " +
                "or start it with --allowed-host NAME for another name (this check stops DNS rebinding)");
        }

        if (WebPage.IsPublic(request))
        {
            return next(context);
        }

        var origin = request.Headers.Origin;
        if (origin.Count > 0 && (origin.Count > 1 || !_names.AcceptsOrigin(origin[0] ?? "", context)))
        {
            return Refuse(context, grpc, StatusCodes.Status403Forbidden, StatusCode.PermissionDenied,
                $"requests from pages of '{Shorten(origin.ToString())}' (Origin) are refused: only the server's own page may call it; " +
                "start it with --allowed-origin URL to let another web origin in (this check stops cross-site requests and WebSocket hijacking)");
        }

        if (_token is not null && !HasToken(request, _token))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return Refuse(context, grpc, StatusCodes.Status401Unauthorized, StatusCode.Unauthenticated,
                "missing or wrong bearer token (send 'Authorization: Bearer TOKEN')");
        }

        return next(context);
    }

    private static bool HasToken(HttpRequest request, BearerToken token)
    {
        var authorization = request.Headers.Authorization;
        if (authorization.Count == 1 && token.Accepts(authorization[0]))
        {
            return true;
        }

        // Browsers cannot set headers on a WebSocket: /ws (only) may carry the token as ?token=.
        var query = request.Query["token"];
        return StreamingEndpoint.IsStreamRequest(request) && query.Count == 1 && token.AcceptsValue(query[0]);
    }

    private static Task Refuse(HttpContext context, bool grpc, int httpStatus, StatusCode grpcStatus, string message)
    {
        if (grpc)
        {
            // Trailers-only (docs/grpc.md): the status in the headers, no message.
            return GrpcStatusHeaders.WriteTrailersOnly(context, grpcStatus, message);
        }

        return JsonApi.Error(httpStatus, message).ExecuteAsync(context);
    }

    /// <summary>Client-chosen text in a message: bounded, so an error never echoes kilobytes back.</summary>
    private static string Shorten(string? text) =>
        text is null ? "" : text.Length <= 100 ? text : text[..100] + "...";
}
