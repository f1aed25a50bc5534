using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Google.Protobuf;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// The server's wire behaviour through a bare HTTP/2 client (no gRPC library): the statuses,
/// limits and deadlines docs/grpc.md promises another implementation, on Grpc.AspNetCore.
/// </summary>
public sealed class GrpcWireTests : IClassFixture<GrpcServerFixture>, IDisposable
{
    private const string HealthPath = "auralis.v1.FingerprintService/Health";
    private const string FilePath = "auralis.v1.FingerprintService/FingerprintFile";

    private readonly GrpcServerFixture _servers;
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    public GrpcWireTests(GrpcServerFixture servers)
    {
        _servers = servers;
    }

    public void Dispose() => _http.Dispose();

    private static byte[] Frame(IMessage message, byte flag = 0)
    {
        var body = message.ToByteArray();
        var frame = new byte[5 + body.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        return frame;
    }

    private async Task<Reply> SendAsync(string path, byte[] body, Action<HttpRequestMessage>? tweak = null, Version? version = null, HttpMethod? method = null)
    {
        using var request = new HttpRequestMessage(method ?? HttpMethod.Post, new Uri(_servers.Open.Address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        tweak?.Invoke(request);
        using var response = await _http.SendAsync(request);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        return new Reply(response, bytes);
    }

    private sealed class Reply
    {
        public Reply(HttpResponseMessage response, byte[] body)
        {
            StatusCode = response.StatusCode;
            Version = response.Version;
            Body = body;
            ContentType = response.Content.Headers.ContentType?.ToString();
            // HttpClient files Allow, Content-Type and the like under the content: one map for both.
            Headers = response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated)
                .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
            Trailers = response.TrailingHeaders.NonValidated.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        }

        public HttpStatusCode StatusCode { get; }

        public Version Version { get; }

        public byte[] Body { get; }

        public string? ContentType { get; }

        public Dictionary<string, string> Headers { get; }

        public Dictionary<string, string> Trailers { get; }

        /// <summary>Asserts the trailers-only form: HTTP 200, the status in the headers, no body, no trailers.</summary>
        public (int Status, string Message) TrailersOnly()
        {
            Assert.Equal(HttpStatusCode.OK, StatusCode);
            Assert.Equal("application/grpc", ContentType);
            Assert.Empty(Body);
            Assert.Empty(Trailers);
            return (int.Parse(Headers["grpc-status"], System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(Headers.GetValueOrDefault("grpc-message") ?? ""));
        }
    }

    [Fact]
    public async Task A_successful_call_is_headers_one_frame_then_trailers_with_status_0()
    {
        var reply = await SendAsync(HealthPath, Frame(new HealthRequest()));

        Assert.Equal(HttpStatusCode.OK, reply.StatusCode);
        Assert.Equal(HttpVersion.Version20, reply.Version);
        Assert.Equal("application/grpc", reply.ContentType);
        Assert.False(reply.Headers.ContainsKey("grpc-status"));
        Assert.Equal("0", reply.Trailers["grpc-status"]);
        Assert.False(reply.Trailers.ContainsKey("grpc-message"));
        Assert.Equal(0, reply.Body[0]);
        var length = BinaryPrimitives.ReadUInt32BigEndian(reply.Body.AsSpan(1));
        Assert.Equal(reply.Body.Length - 5, (int)length);
        Assert.Equal("ok", HealthReply.Parser.ParseFrom(reply.Body.AsSpan(5)).Status);
    }

    [Fact]
    public async Task Application_grpc_proto_content_type_is_served_too()
    {
        var reply = await SendAsync(HealthPath, Frame(new HealthRequest()), r =>
        {
            r.Content!.Headers.Remove("content-type");
            r.Content.Headers.TryAddWithoutValidation("content-type", "application/grpc+proto");
        });

        Assert.Equal("0", reply.Trailers["grpc-status"]);
    }

    [Fact]
    public async Task An_error_is_trailers_only_with_the_message_percent_encoded()
    {
        var reply = await SendAsync(FilePath, Frame(new FingerprintFileRequest { Path = "/unicode" }));

        var (status, message) = reply.TrailersOnly();
        Assert.Equal(5, status);
        Assert.Equal(TestFingerprintService.UnicodeMessage, message);
        var raw = reply.Headers["grpc-message"];
        Assert.All(raw, c => Assert.InRange(c, ' ', '~'));
        Assert.StartsWith("pas trouv%C3%A9: ", raw, StringComparison.Ordinal);
        Assert.Contains("100%25 done", raw, StringComparison.Ordinal);
        Assert.Contains("%0D%0A%09tab", raw, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 10, 0x0a, 1 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public async Task A_request_that_is_not_exactly_one_whole_message_is_internal_and_never_reaches_the_handler(byte[] body)
    {
        // Empty, cut inside the frame header, cut inside the message, two messages: Grpc.AspNetCore's
        // framing checks, answered before any handler runs (the Health handler would answer OK).
        var reply = await SendAsync(HealthPath, body);

        Assert.Equal(13, reply.TrailersOnly().Status);
    }

    [Fact]
    public async Task A_message_announced_over_the_limit_is_refused_before_its_body_arrives()
    {
        // Only the 5-byte header: the server must answer without waiting for the 1 GB it announces.
        var header = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), 1u << 30);

        var reply = await SendAsync(FilePath, header);

        Assert.Equal((8, "Received message exceeds the maximum configured message size."), reply.TrailersOnly());
    }

    [Fact]
    public async Task Malformed_protobuf_is_invalid_argument()
    {
        var reply = await SendAsync(FilePath, [0, 0, 0, 0, 2, 0x0a, 0x64]);

        var (status, message) = reply.TrailersOnly();
        Assert.Equal(3, status);
        Assert.StartsWith("the request is not a valid auralis.v1.FingerprintFileRequest message: ", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_throwing_status_OK_is_internal_not_a_reply_less_OK()
    {
        var reply = await SendAsync(FilePath, Frame(new FingerprintFileRequest { Path = "/status-ok" }));

        var (status, message) = reply.TrailersOnly();
        Assert.Equal(13, status);
        Assert.Contains("ended OK without a reply", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1H", 3_600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("7S", 7_000)]
    [InlineData("7000m", 7_000)]
    [InlineData("7000000u", 7_000)]
    [InlineData("00000030S", 30_000)]
    public async Task Every_grpc_timeout_unit_sets_the_handler_deadline(string timeout, long expectedMs)
    {
        var reply = await SendAsync(FilePath, Frame(new FingerprintFileRequest { Path = "/deadline" }), r => r.Headers.TryAddWithoutValidation("grpc-timeout", timeout));

        Assert.Equal("0", reply.Trailers["grpc-status"]);
        var left = FingerprintReply.Parser.ParseFrom(reply.Body.AsSpan(5)).TrackId;
        Assert.InRange(left, expectedMs - Math.Max(100, expectedMs / 10), expectedMs);
    }

    [Fact]
    public async Task The_server_ends_the_call_at_its_deadline_and_cancels_the_handler()
    {
        _servers.Service.ResetSlow();
        var watch = Stopwatch.StartNew();

        var reply = await SendAsync(FilePath, Frame(new FingerprintFileRequest { Path = "/slow" }), r => r.Headers.TryAddWithoutValidation("grpc-timeout", "200m"));

        var (status, message) = reply.TrailersOnly();
        Assert.Equal(4, status);
        Assert.Equal("Deadline Exceeded", message);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(190), TimeSpan.FromSeconds(10));
        await _servers.Service.SlowCancelled.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task The_deadline_holds_even_when_the_handler_ignores_its_token()
    {
        var watch = Stopwatch.StartNew();

        var reply = await SendAsync(FilePath, Frame(new FingerprintFileRequest { Path = "/deaf" }), r => r.Headers.TryAddWithoutValidation("grpc-timeout", "300m"));

        Assert.Equal(4, reply.TrailersOnly().Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}: the server waited for the handler (10 s)");
    }

    [Fact]
    public async Task A_grpc_request_over_http_1_1_is_told_to_upgrade()
    {
        var reply = await SendAsync(HealthPath, Frame(new HealthRequest()), version: HttpVersion.Version11);

        Assert.Equal(HttpStatusCode.UpgradeRequired, reply.StatusCode);
        Assert.Equal("HTTP/2", reply.Headers["upgrade"]);
    }

    [Fact]
    public async Task A_request_on_a_method_path_that_is_not_grpc_is_refused_unsupported_media_type()
    {
        using var http2 = new HttpRequestMessage(HttpMethod.Post, new Uri(_servers.Open.Address, HealthPath)) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(http2);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Requests_on_other_paths_pass_on_to_the_rest_of_the_pipeline()
    {
        using var http2 = new HttpRequestMessage(HttpMethod.Post, new Uri(_servers.Open.Address, "/api/anything")) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") };
        using var response = await _http.SendAsync(http2);

        Assert.Equal("page: HTTP/2", await response.Content.ReadAsStringAsync());
    }
}
