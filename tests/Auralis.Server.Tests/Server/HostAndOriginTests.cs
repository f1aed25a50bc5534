using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json;
using Auralis.Server.Grpc;
using Grpc.Core;
using Auralis.Server.Hosting;

using Auralis.Server.Tests.Grpc;

namespace Auralis.Server.Tests.Server;

/// <summary>
/// DNS rebinding and cross-site requests: the server answers only requests addressed to one of
/// its own names (Host), and refuses requests a foreign web page makes (Origin), on the page, the
/// API, the stream socket and gRPC.
/// </summary>
public sealed class HostAndOriginTests
{
    private static string Port(ServerFixture server) => server.Address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_request_for_a_foreign_host_name_is_403_on_the_page_the_api_and_the_socket()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1);
        var port = Port(server);
        foreach (var host in new[] { "evil.example", $"evil.example:{port}", $"127.0.0.1.evil.example:{port}", $"localhost.evil.example:{port}", "127.0.0.1", $"127.0.0.1:{int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) + 1}", $"localhost:1", $"192.0.2.1:{port}" })
        {
            foreach (var target in new[] { "/", "/app.js", "/api/health", "/api/tracks", "/nope" })
            {
                var response = await RawHttp.SendAsync(server.Address, "GET", target, [$"Host: {host}"]);
                Assert.True(response.Status == 403, $"GET {target} Host {host}: {response}");
                Assert.Contains("Host", response.Body, StringComparison.Ordinal);
                Assert.Contains("--allowed-host", response.Body, StringComparison.Ordinal);
                Assert.DoesNotContain("track00", response.Body, StringComparison.Ordinal);
            }

            var scan = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", [$"Host: {host}"]);
            Assert.True(scan.Status == 403, $"POST /api/scans Host {host}: {scan}");
            var socket = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws", $"Host: {host}");
            Assert.True(socket.Status == 403, $"/ws Host {host}: {socket.Status}");
        }

        using var latest = await server.Http.GetAsync(new Uri("/api/scans/latest", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
    }

    [Fact]
    public async Task The_loopback_names_with_the_servers_port_are_its_own()
    {
        await using var server = await ServerFixture.StartAsync();
        var port = Port(server);
        foreach (var host in new[] { $"127.0.0.1:{port}", $"localhost:{port}", $"LocalHost:{port}", $"[::1]:{port}" })
        {
            foreach (var target in new[] { "/", "/api/health" })
            {
                var response = await RawHttp.SendAsync(server.Address, "GET", target, [$"Host: {host}"]);
                Assert.True(response.Status == 200, $"GET {target} Host {host}: {response}");
            }

            var socket = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws", $"Host: {host}");
            Assert.True(socket.Status == 101, $"/ws Host {host}: {socket.Status}");
        }
    }

    [Fact]
    public async Task A_foreign_origin_is_refused_on_the_socket_and_the_api()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1);
        var port = Port(server);
        foreach (var origin in new[] { "http://evil.example", $"http://evil.example:{port}", "null", $"http://localhost:{int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) + 1}", "http://127.0.0.1", $"ftp://127.0.0.1:{port}", "file://", $"http://127.0.0.1:{port}/path", "not an origin" })
        {
            var socket = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws", $"Origin: {origin}");
            Assert.True(socket.Status == 403, $"/ws Origin {origin}: {socket.Status}");

            // What a hostile page can send without a preflight: a "simple" POST.
            var scan = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", [$"Origin: {origin}", "Content-Type: text/plain"], "{\"roots\": []}");
            Assert.True(scan.Status == 403, $"POST /api/scans Origin {origin}: {scan}");
            Assert.Contains("Origin", scan.Body, StringComparison.Ordinal);
            Assert.Contains("--allowed-origin", scan.Body, StringComparison.Ordinal);

            var tracks = await RawHttp.SendAsync(server.Address, "GET", "/api/tracks", [$"Origin: {origin}"]);
            Assert.True(tracks.Status == 403, $"GET /api/tracks Origin {origin}: {tracks}");
            Assert.DoesNotContain("track00", tracks.Body, StringComparison.Ordinal);
        }

        using var latest = await server.Http.GetAsync(new Uri("/api/scans/latest", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
    }

    [Fact]
    public async Task The_servers_own_origins_are_accepted()
    {
        await using var server = await ServerFixture.StartAsync();
        var port = Port(server);
        foreach (var origin in new[] { $"http://127.0.0.1:{port}", $"http://localhost:{port}", $"http://[::1]:{port}", $"HTTP://LOCALHOST:{port}" })
        {
            var socket = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws", $"Origin: {origin}");
            Assert.True(socket.Status == 101, $"/ws Origin {origin}: {socket.Status}");
            var health = await RawHttp.SendAsync(server.Address, "GET", "/api/health", [$"Origin: {origin}"]);
            Assert.True(health.Status == 200, $"GET /api/health Origin {origin}: {health}");
        }
    }

    [Fact]
    public async Task Configured_host_names_and_origins_are_accepted_and_nothing_else()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with
        {
            AllowedHosts = ["music.example", "proxy.example:8443"],
            AllowedOrigins = ["https://app.example", "http://dev.example:3000"],
        });
        var port = Port(server);
        foreach (var (host, status) in new[] { ($"music.example:{port}", 200), ("music.example", 200), ("MUSIC.example:8080", 200), ("proxy.example:8443", 200), ("proxy.example", 403), ($"proxy.example:{port}", 403), ("other.example", 403) })
        {
            var response = await RawHttp.SendAsync(server.Address, "GET", "/api/health", [$"Host: {host}"]);
            Assert.True(response.Status == status, $"Host {host}: {response} (expected {status})");
        }

        foreach (var (origin, status) in new[] { ("https://app.example", 101), ("https://app.example:443", 101), ("http://dev.example:3000", 101), ("https://music.example", 101), ("http://app.example", 403), ("https://app.example:8443", 403), ("http://dev.example", 403), ("https://proxy.example:8443", 101), ("https://proxy.example", 403) })
        {
            var socket = await RawHttp.WebSocketHandshakeAsync(server.Address, "/ws", $"Origin: {origin}");
            Assert.True(socket.Status == status, $"/ws Origin {origin}: {socket.Status} (expected {status})");
        }
    }

    [Theory]
    [InlineData("AllowedHosts", "http://music.example")]
    [InlineData("AllowedHosts", "music.example/path")]
    [InlineData("AllowedHosts", "user@music.example")]
    [InlineData("AllowedHosts", "music.example:99999")]
    [InlineData("AllowedHosts", "")]
    [InlineData("AllowedOrigins", "app.example")]
    [InlineData("AllowedOrigins", "https://app.example/path")]
    [InlineData("AllowedOrigins", "ftp://app.example")]
    [InlineData("AllowedOrigins", "*")]
    public void An_unusable_allowed_host_or_origin_refuses_to_start(string setting, string value)
    {
        var settings = new ServerSettings
        {
            DatabasePath = Path.Combine(Path.GetTempPath(), $"never-opened-{Guid.NewGuid():N}.db"),
            Engine = Auralis.Fingerprinting.FingerprintEngines.Managed,
            Urls = ["http://127.0.0.1:0"],
            AllowedHosts = setting == "AllowedHosts" ? [value] : [],
            AllowedOrigins = setting == "AllowedOrigins" ? [value] : [],
        };
        var e = Assert.Throws<ServerConfigurationException>(() => AuralisServer.Create(settings));
        Assert.Contains(setting == "AllowedHosts" ? "--allowed-host" : "--allowed-origin", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(settings.DatabasePath));
    }

    [Fact]
    public async Task Grpc_clients_keep_working_by_address_or_localhost_and_a_foreign_authority_is_permission_denied()
    {
        await using var server = await ServerFixture.StartAsync();
        using (var byAddress = new TestClient(server.Address))
        {
            Assert.Equal("ok", (await byAddress.HealthAsync()).Status);
        }

        using (var byName = new TestClient(new Uri($"http://localhost:{server.Address.Port}")))
        {
            Assert.Equal("ok", (await byName.HealthAsync()).Status);
        }

        using var http2 = AuthenticationTests.Http2Client(server);
        using var request = AuthenticationTests.GrpcRequest("/auralis.v1.FingerprintService/Health", "application/grpc", null);
        request.Headers.Host = "evil.example";
        using var response = await http2.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("grpc-status").Single());
    }

    [NonLoopbackFact]
    public async Task Bound_beyond_loopback_the_bound_address_is_one_of_its_names()
    {
        var address = NonLoopbackFactAttribute.FindAddress()!;
        await using var server = await ServerFixture.StartAsync(token: "lan-t0ken", configure: s => s with { Urls = ["http://0.0.0.0:0"] });
        var lan = new Uri($"http://{address}:{server.Address.Port}");
        var own = await RawHttp.SendAsync(lan, "GET", "/api/health", ["Authorization: Bearer lan-t0ken"]);
        Assert.True(own.Status == 200, $"Host {lan.Authority}: {own}");
        Assert.Equal("ok", JsonDocument.Parse(own.Body).RootElement.GetProperty("status").GetString());
        var loopback = await RawHttp.SendAsync(new Uri($"http://127.0.0.1:{server.Address.Port}"), "GET", "/api/health", ["Authorization: Bearer lan-t0ken"]);
        Assert.Equal(200, loopback.Status);
        var foreign = await RawHttp.SendAsync(lan, "GET", "/api/health", ["Authorization: Bearer lan-t0ken", $"Host: evil.example:{server.Address.Port}"]);
        Assert.Equal(403, foreign.Status);
    }
}

/// <summary>Runs only on a machine with a non-loopback IPv4 address to connect to.</summary>
public sealed class NonLoopbackFactAttribute : FactAttribute
{
    public NonLoopbackFactAttribute()
    {
        if (FindAddress() is null)
        {
            Skip = "this machine has no non-loopback IPv4 address";
        }
    }

    public static IPAddress? FindAddress() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
