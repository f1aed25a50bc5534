using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Auralis.Fingerprinting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Auralis.Server.Web;

/// <summary>
/// The web player's static page (docs/web.md): index.html, app.js, style.css and the icon,
/// embedded in the assembly so `auralis serve` needs no files beside it and works offline. They
/// hold no library data, so they load without the bearer token; the page then sends the token
/// (taken from its own <c>?token=</c>) on every API call and on the WebSocket.
/// </summary>
internal static class WebPage
{
    /// <summary>
    /// Self only: no inline script or style, no other origin (connect-src 'self' covers the same
    /// origin's ws:/wss:, CSP level 3). The fingerprint dimensions are a JSON data block, which
    /// is never executed and so needs no script-src exception.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string DimensionsPlaceholder = "{{FINGERPRINT_DIMENSIONS}}";

    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>A GET or HEAD of one of the page's own files: no data, so no token needed.</summary>
    public static bool IsPublic(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Path.Value is { } path && Assets.ContainsKey(path);

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, asset) in Assets)
        {
            app.MapMethods(path, [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => Serve(context, asset));
        }
    }

    private static Task Serve(HttpContext context, Asset asset)
    {
        var response = context.Response;
        var headers = response.Headers;
        // no-cache: the browser revalidates every load (cheap with the ETag), so a new server
        // version is never paired with a stale script.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        // The page's address may carry ?token=; never send it to anyone in a Referer.
        headers["Referrer-Policy"] = "no-referrer";
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Content.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal)
        {
            ["/"] = Read("index.html", "text/html; charset=utf-8", html => html.Replace(DimensionsPlaceholder, DimensionsJson(), StringComparison.Ordinal)),
            ["/app.js"] = Read("app.js", "text/javascript; charset=utf-8"),
            ["/style.css"] = Read("style.css", "text/css; charset=utf-8"),
            ["/favicon.svg"] = Read("favicon.svg", "image/svg+xml"),
        };
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The 25 names, units and seven groups from <see cref="FingerprintDimensions"/>, so the chart
    /// follows the one definition instead of a copy in JavaScript. The default encoder escapes
    /// &lt;, &gt; and &amp;, so the JSON cannot close its script element.
    /// </summary>
    internal static string DimensionsJson() => JsonSerializer.Serialize(new
    {
        names = FingerprintDimensions.Names,
        units = FingerprintDimensions.Units,
        groups = FingerprintDimensions.Groups.Select(g => new { name = g.Group, dimensions = g.Indexes }),
    });

    private static Asset Read(string name, string contentType, Func<string, string>? transform = null)
    {
        var resource = $"Auralis.Server.Web.{name}";
        using var stream = typeof(WebPage).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the web page asset {resource} is not embedded in {typeof(WebPage).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = reader.ReadToEnd();
        var content = Encoding.UTF8.GetBytes(transform is null ? text : transform(text));
        var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12)) + "\"";
        return new Asset(content, contentType, etag);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
