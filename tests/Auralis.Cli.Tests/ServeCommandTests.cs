using System.Net.Http.Json;
using System.Text.Json;

namespace Auralis.Cli.Tests;

/// <summary>`auralis serve` as a user runs it: real process, startup lines, usage errors, clean stop.</summary>
public sealed class ServeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [UnixFact]
    public async Task Serve_prints_its_address_answers_http1_and_h2c_on_it_and_stops_cleanly_on_sigterm()
    {
        var music = Directory.CreateDirectory(_temp.File("music")).FullName;
        using var process = CliRunner.Start(
            new Dictionary<string, string>(),
            "serve", "--db", _temp.File("lib.db"), "--urls", "http://127.0.0.1:0", "--root", music, "--engine", "managed");
        try
        {
            var address = await CliRunner.ListeningAddressAsync(process);
            using var http1 = new HttpClient();
            var health = await http1.GetFromJsonAsync<JsonElement>(new Uri(address + "/api/health"));
            Assert.Equal("ok", health.GetProperty("status").GetString());

            using var http2 = new HttpClient { DefaultRequestVersion = System.Net.HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
            using var response = await http2.GetAsync(new Uri(address + "/api/health"));
            Assert.Equal(new Version(2, 0), response.Version);

            AssertSigtermStopsCleanly(process);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [UnixFact]
    public async Task Sigterm_with_a_websocket_open_closes_it_going_away_and_exits_0_promptly()
    {
        var music = Directory.CreateDirectory(_temp.File("music")).FullName;
        using var process = CliRunner.Start(
            new Dictionary<string, string>(),
            "serve", "--db", _temp.File("lib.db"), "--urls", "http://127.0.0.1:0", "--root", music, "--engine", "managed");
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var address = await CliRunner.ListeningAddressAsync(process);
            var output = process.StandardOutput.ReadToEndAsync();
            using var socket = new System.Net.WebSockets.ClientWebSocket();
            await socket.ConnectAsync(new Uri(address.Replace("http://", "ws://", StringComparison.Ordinal) + "/ws"), CancellationToken.None);
            var clock = System.Diagnostics.Stopwatch.StartNew();

            Assert.Equal(0, CliRunner.Signal(process.Id, 15));
            var closing = await socket.ReceiveAsync(new byte[1024], CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(System.Net.WebSockets.WebSocketMessageType.Close, closing.MessageType);
            Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.EndpointUnavailable, socket.CloseStatus);
            await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);

            Assert.True(process.WaitForExit(5_000), "serve must stop within 5 s of SIGTERM with a WebSocket open");
            Assert.Equal(0, process.ExitCode);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {clock.Elapsed.TotalSeconds:F1} s");
            Assert.Contains("auralis: stopping", await output, StringComparison.Ordinal);
            var stderr = await errors;
            Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [UnixFact]
    public async Task Serve_answers_its_allowed_host_names_and_origins_and_refuses_others()
    {
        using var process = CliRunner.Start(
            new Dictionary<string, string>(),
            "serve", "--db", _temp.File("lib.db"), "--urls", "http://127.0.0.1:0", "--engine", "managed",
            "--allowed-host", "music.example", "--allowed-host", "proxy.example:8443", "--allowed-origin", "https://app.example");
        try
        {
            var address = await CliRunner.ListeningAddressAsync(process);
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            foreach (var (host, origin, expected) in new (string? Host, string? Origin, System.Net.HttpStatusCode Expected)[]
            {
                ("music.example", null, System.Net.HttpStatusCode.OK),
                ("proxy.example:8443", null, System.Net.HttpStatusCode.OK),
                ("evil.example", null, System.Net.HttpStatusCode.Forbidden),
                (null, "https://app.example", System.Net.HttpStatusCode.OK),
                (null, "https://evil.example", System.Net.HttpStatusCode.Forbidden),
            })
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/health");
                request.Headers.Host = host;
                if (origin is not null)
                {
                    request.Headers.Add("Origin", origin);
                }

                using var response = await http.SendAsync(request);
                Assert.True(response.StatusCode == expected, $"Host {host} Origin {origin}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }

            AssertSigtermStopsCleanly(process);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public void Serve_help_describes_the_allowed_host_and_origin_options()
    {
        var result = CliRunner.Run("serve", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--allowed-host", result.Out, StringComparison.Ordinal);
        Assert.Contains("DNS-rebinding", result.Out, StringComparison.Ordinal);
        Assert.Contains("--allowed-origin", result.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--allowed-host", "http://music.example", "--allowed-host 'http://music.example'")]
    [InlineData("--allowed-origin", "music.example", "--allowed-origin 'music.example'")]
    [InlineData("--urls", "http://0.0.0.0:0", "requires a bearer token")]
    [InlineData("--urls", "127.0.0.1:8765", "is not a listening URL")]
    [InlineData("--root", "/definitely/not/here", "does not exist")]
    public void Unusable_settings_are_usage_errors_that_say_what_to_change(string option, string value, string message)
    {
        var result = CliRunner.Run("serve", "--db", _temp.File("lib.db"), "--engine", "managed", option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    /// <summary>SIGTERM, as a service manager sends it: serve stops within 20 s with exit 0.</summary>
    private static void AssertSigtermStopsCleanly(System.Diagnostics.Process process)
    {
        Assert.Equal(0, CliRunner.Signal(process.Id, 15));
        Assert.True(process.WaitForExit(20_000), "serve must stop within 20 s of SIGTERM");
        Assert.Equal(0, process.ExitCode);
    }
}

/// <summary>A number option given a non-number is a usage error (exit 2), never a crash.</summary>
public sealed class NumberOptionTests
{
    [Theory]
    [InlineData("similar", "1", "-k", "abc")]
    [InlineData("similar", "1", "-k", "0")]
    [InlineData("scan", "/tmp", "--workers", "many")]
    [InlineData("scan", "/tmp", "--workers", "0")]
    public void Bad_numbers_are_usage_errors(string command, string argument, string option, string value)
    {
        var result = CliRunner.Run(command, argument, option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(option, result.Error, StringComparison.Ordinal);
    }
}
