using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Auralis.Server.Tests.Server;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Abuse;

/// <summary>Requests still sending their bodies hold a connection, never a request slot; too big or too slow is cut off.</summary>
public sealed class SlowBodyTests(ITestOutputHelper output)
{
    private const string ChunkedScan =
        "POST /api/scans HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";

    [Fact]
    public async Task Seventy_scan_requests_trickling_their_bodies_leave_health_answering()
    {
        await using var server = await ServerFixture.StartAsync();
        var clients = await RawClient.ConnectManyAsync(server.Address, 70);
        try
        {
            foreach (var client in clients)
            {
                await client.WriteAsync(ChunkedScan + "1\r\n{\r\n");
            }

            await Task.Delay(300);
            var latency = await server.AssertHealthAnswersAsync();
            output.WriteLine($"/api/health with 70 bodies trickling: {latency.TotalMilliseconds:F0} ms");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task A_declared_body_over_the_api_limit_is_answered_413_before_it_is_sent()
    {
        await using var server = await ServerFixture.StartAsync();
        using var client = await RawClient.ConnectAsync(server.Address);
        await client.WriteAsync("POST /api/scans HTTP/1.1\r\nHost: {authority}\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{");

        var answer = await client.ReadUntilAsync("\r\n\r\n", TimeSpan.FromSeconds(3));

        Assert.StartsWith("HTTP/1.1 413 ", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_chunked_body_over_the_api_limit_is_answered_413()
    {
        await using var server = await ServerFixture.StartAsync();
        using var http = new HttpClient { BaseAddress = server.Address };
        using var content = new StringContent("{\"roots\": [\"" + new string('a', 100_000) + "\"]}");
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/scans") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("\"status\":413", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_http1_body_slower_than_the_minimum_rate_is_cut_off()
    {
        await using var server = await ServerFixture.StartAsync(configure: Slow);
        using var client = await RawClient.ConnectAsync(server.Address);
        await client.WriteAsync(ChunkedScan);
        var clock = Stopwatch.StartNew();
        var closed = false;

        // About 500 B/s: above Kestrel's default minimum (240 B/s), below the configured 2,000.
        while (clock.Elapsed < TimeSpan.FromSeconds(6) && !closed)
        {
            try
            {
                await client.WriteAsync("32\r\n" + new string(' ', 50) + "\r\n");
                await Task.Delay(100);
            }
            catch (IOException)
            {
                closed = true;
            }

            if (!closed && client.Stream.DataAvailable && await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(1)) is { } answer)
            {
                closed = true;
                output.WriteLine($"the server answered \"{answer.Split("\r\n")[0]}\" and closed the connection");
            }
        }

        output.WriteLine($"cut off after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(closed, "a body arriving at 500 B/s was still being read after 6 s");
    }

    [Fact]
    public async Task An_h2c_grpc_upload_slower_than_the_minimum_rate_is_cut_off()
    {
        await using var server = await ServerFixture.StartAsync(configure: Slow);
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "/auralis.v1.FingerprintService/FingerprintAudio"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new TrickleContent(),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TE.ParseAdd("trailers");

        string outcome;
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(TimeSpan.FromSeconds(10));
            var body = await response.Content.ReadAsByteArrayAsync().WaitAsync(TimeSpan.FromSeconds(10));
            outcome = $"answered {response.StatusCode}, grpc-status {string.Join(",", response.Headers.TryGetValues("grpc-status", out var s) ? s : response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t : [])}";
        }
        catch (HttpRequestException e)
        {
            outcome = "reset: " + e.Message;
        }

        output.WriteLine($"{outcome} after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"an upload arriving at 500 B/s was still being read after {clock.Elapsed.TotalSeconds:F1} s");
    }

    private static Auralis.Server.Hosting.ServerSettings Slow(Auralis.Server.Hosting.ServerSettings settings) =>
        settings with { Limits = settings.Limits with { MinBodyBytesPerSecond = 2000, MinBodyRateGracePeriod = TimeSpan.FromSeconds(2) } };

    /// <summary>A gRPC FingerprintAudio request announcing 1 MB, sent at about 500 B/s for at most 12 s.</summary>
    private sealed class TrickleContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(new byte[] { 0, 0, 0x0F, 0x42, 0x40 });
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < TimeSpan.FromSeconds(12))
            {
                await stream.WriteAsync(new byte[50]);
                await stream.FlushAsync();
                await Task.Delay(100);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
