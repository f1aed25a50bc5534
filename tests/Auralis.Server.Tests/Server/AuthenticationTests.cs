using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Text.Json;

namespace Auralis.Server.Tests.Server;

/// <summary>
/// With --token, the server decides by endpoint whether a request needs the token, never by a
/// header the client picks: every API route, /ws and every gRPC method refuse a request without
/// it, whatever its Content-Type, and only the web page's own files load without it.
/// </summary>
public sealed class AuthenticationTests
{
    private const string Token = "auth-t0ken";

    private static readonly string[] GrpcMethods =
        ["/auralis.v1.FingerprintService/Health", "/auralis.v1.FingerprintService/GetTrackFingerprint", "/auralis.v1.FingerprintService/FingerprintFile", "/auralis.v1.FingerprintService/FingerprintAudio"];

    /// <summary>Content-Types a client may pick; none of them may change what needs the token (null: no header).</summary>
    private static readonly string?[] ContentTypes =
    [
        null, "", "application/grpc", "application/grpc-web", "application/grpc+proto", "application/grpc-web+proto",
        "application/grpc-web-text", "application/grpcfoo", "APPLICATION/GRPC", "Application/Grpc+Proto; charset=x",
        "multipart/form-data; boundary=x", "text/plain", "application/json",
    ];

    private static readonly (string Method, string Target)[] Routes =
    [
        ("GET", "/api/health"), ("GET", "/api/tracks"), ("GET", "/api/tracks?q=track"), ("GET", "/api/tracks/1"),
        ("GET", "/api/tracks/1/fingerprint"), ("GET", "/api/tracks/1/similar"), ("POST", "/api/scans"),
        ("GET", "/api/scans/latest"), ("GET", "/api/scans/1"), ("GET", "/api/nope"), ("GET", "/nope"),
        ("GET", "/ws"), ("POST", "/"), ("PUT", "/app.js"), ("GET", "/api/tracks?token=" + Token),
        .. GrpcMethods.Select(m => ("POST", m)),
    ];

    private static IEnumerable<string> Headers(string? contentType, string? token) =>
        (contentType is null ? [] : new[] { $"Content-Type: {contentType}" })
            .Concat(token is null ? [] : [$"Authorization: Bearer {token}"]);

    [Fact]
    public async Task Without_the_token_every_route_is_401_whatever_the_content_type_and_nothing_happens()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1, token: Token);
        var failures = new List<string>();
        foreach (var (method, target) in Routes)
        {
            foreach (var contentType in ContentTypes)
            {
                foreach (var token in new[] { null, "wrong" })
                {
                    var response = await RawHttp.SendAsync(server.Address, method, target, Headers(contentType, token), method == "GET" ? null : "{}");
                    if (response.Status != 401 || !response.Body.Contains("bearer token", StringComparison.Ordinal) || response.Body.Contains("track00", StringComparison.Ordinal))
                    {
                        failures.Add($"{method} {target} Content-Type '{contentType}' token {token ?? "none"}: {response}");
                    }
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} requests got past the token check:\n{string.Join("\n", failures.Take(20))}");

        // Not one POST /api/scans above started a scan.
        server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var latest = await server.Http.GetAsync(new Uri("/api/scans/latest", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
    }

    [Fact]
    public async Task With_the_token_every_route_gets_past_the_check_whatever_the_content_type()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1, token: Token);
        var failures = new List<string>();
        foreach (var (method, target) in Routes.Where(r => !r.Target.Contains("token=", StringComparison.Ordinal)))
        {
            foreach (var contentType in ContentTypes)
            {
                var response = await RawHttp.SendAsync(server.Address, method, target, Headers(contentType, Token), method == "GET" ? null : "{}");
                if (response.Status is 401 or 403)
                {
                    failures.Add($"{method} {target} Content-Type '{contentType}': {response}");
                }
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} requests with the token were refused:\n{string.Join("\n", failures.Take(20))}");
        var health = await RawHttp.SendAsync(server.Address, "GET", "/api/health", Headers("application/grpc-web", Token));
        Assert.Equal(200, health.Status);
        Assert.Equal(1, JsonDocument.Parse(health.Body).RootElement.GetProperty("tracks").GetInt32());
    }

    [Fact]
    public async Task The_web_page_files_load_without_the_token_and_carry_no_library_data()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1, token: Token);
        foreach (var path in new[] { "/", "/app.js", "/style.css", "/favicon.svg" })
        {
            foreach (var method in new[] { "GET", "HEAD" })
            {
                var response = await RawHttp.SendAsync(server.Address, method, path, Headers("text/plain", null));
                Assert.True(response.Status == 200, $"{method} {path}: {response.Status}");
                Assert.DoesNotContain("track00", response.Body, StringComparison.Ordinal);
                Assert.DoesNotContain(server.Music, response.Body, StringComparison.Ordinal);
                Assert.DoesNotContain(Token, response.Body, StringComparison.Ordinal);
            }
        }

        // Only those exact files: a neighbour of a public path is not public.
        foreach (var path in new[] { "/index.html", "/app.js/", "//", "/app.js/../api/tracks", "/api/tracks?x=/app.js" })
        {
            var response = await RawHttp.SendAsync(server.Address, "GET", path);
            Assert.True(response.Status is 401 or 404 or 400, $"GET {path}: {response}");
            Assert.DoesNotContain("track00", response.Body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Over_http2_api_routes_need_the_token_whatever_the_content_type()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1, token: Token);
        using var http2 = Http2Client(server);
        foreach (var contentType in ContentTypes.Where(c => !string.IsNullOrEmpty(c)))
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/tracks") { Content = new ByteArrayContent([]), Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            using var response = await http2.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpVersion.Version20, response.Version);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"GET /api/tracks over HTTP/2 with Content-Type {contentType}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("track00", body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_grpc_method_without_the_token_is_a_trailers_only_unauthenticated_whatever_the_content_type()
    {
        await using var server = await ServerFixture.StartAsync(token: Token);
        using var http2 = Http2Client(server);
        foreach (var path in GrpcMethods)
        {
            foreach (var contentType in ContentTypes)
            {
                foreach (var token in new[] { null, "wrong" })
                {
                    using var request = GrpcRequest(path, contentType, token);
                    using var response = await http2.SendAsync(request);
                    var body = await response.Content.ReadAsByteArrayAsync();
                    var what = $"{path} Content-Type '{contentType}' token {token ?? "none"}";
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"{what}: HTTP {(int)response.StatusCode}");
                    Assert.True(response.Headers.TryGetValues("grpc-status", out var status) && status.Single() == "16", $"{what}: no grpc-status 16 in the headers");
                    Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
                    Assert.Empty(body);
                }
            }
        }
    }

    [Fact]
    public async Task A_grpc_method_with_the_token_is_answered()
    {
        await using var server = await ServerFixture.StartAsync(token: Token);
        using var http2 = Http2Client(server);
        using var request = GrpcRequest("/auralis.v1.FingerprintService/Health", "application/grpc", Token);
        using var response = await http2.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.True(body.Length > 5, "a Health reply message");
    }

    [Fact]
    public async Task The_stream_socket_needs_the_token_whatever_the_content_type()
    {
        await using var server = await ServerFixture.StartAsync(token: Token);
        foreach (var contentType in ContentTypes)
        {
            var headers = contentType is null ? Array.Empty<string>() : [$"Content-Type: {contentType}"];
            var refused = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws", headers);
            Assert.True(refused.Status == 401, $"/ws without the token, Content-Type '{contentType}': {refused.Status}");
            var wrong = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws?token=wrong", headers);
            Assert.True(wrong.Status == 401, $"/ws with a wrong token, Content-Type '{contentType}': {wrong.Status}");
            // With the token the request gets past the check and is upgraded: gRPC is routed by
            // path, so a gRPC Content-Type on /ws changes nothing.
            var accepted = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws?token=" + Token, headers);
            const int expected = 101;
            Assert.True(accepted.Status == expected, $"/ws with the token, Content-Type '{contentType}': {accepted.Status}, expected {expected}");
        }

        // A real client: the query (what browsers can do) or the header (what other clients do).
        using (var byQuery = new ClientWebSocket())
        {
            await byQuery.ConnectAsync(new Uri($"ws://{server.Address.Authority}/ws?token={Token}"), CancellationToken.None);
            Assert.Equal(WebSocketState.Open, byQuery.State);
        }

        using (var byHeader = new ClientWebSocket())
        {
            byHeader.Options.SetRequestHeader("Authorization", "Bearer " + Token);
            await byHeader.ConnectAsync(new Uri($"ws://{server.Address.Authority}/ws"), CancellationToken.None);
            Assert.Equal(WebSocketState.Open, byHeader.State);
        }

        using var none = new ClientWebSocket();
        await Assert.ThrowsAsync<WebSocketException>(() => none.ConnectAsync(new Uri($"ws://{server.Address.Authority}/ws"), CancellationToken.None));
    }

    internal static HttpClient Http2Client(ServerFixture server) => new()
    {
        BaseAddress = server.Address,
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
    };

    /// <summary>A unary gRPC request with an empty message (every request type of the service accepts one).</summary>
    internal static HttpRequestMessage GrpcRequest(string path, string? contentType, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation("TE", "trailers");
        if (contentType is not null)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }
}
