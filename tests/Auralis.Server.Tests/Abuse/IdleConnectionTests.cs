using System.Diagnostics;
using Auralis.Server.Tests.Server;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Abuse;

/// <summary>Connections that send nothing, or half a request, are bounded in number and closed after a timeout.</summary>
public sealed class IdleConnectionTests(ITestOutputHelper output)
{
    private static readonly byte[] Http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    [Fact]
    public async Task Eighty_idle_and_half_sent_connections_leave_health_answering_and_are_closed_after_the_header_timeout()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with { Limits = s.Limits with { RequestHeadersTimeout = TimeSpan.FromSeconds(1) } });
        var silent = await RawClient.ConnectManyAsync(server.Address, 40);
        var halfSent = await RawClient.ConnectManyAsync(server.Address, 40);
        try
        {
            foreach (var client in halfSent)
            {
                await client.WriteAsync("GET /api/health HTTP/1.1\r\nHost: {authority}\r\nX-Slow: ");
            }

            var latency = await server.AssertHealthAnswersAsync();
            output.WriteLine($"/api/health with 80 idle connections: {latency.TotalMilliseconds:F0} ms");

            var clock = Stopwatch.StartNew();
            var closed = await Task.WhenAll(silent.Concat(halfSent).Select(c => c.ReadUntilClosedAsync(TimeSpan.FromSeconds(5))));
            output.WriteLine($"all closed by the server within {clock.Elapsed.TotalSeconds:F1} s");
            Assert.All(closed, c => Assert.NotNull(c));
            output.WriteLine($"a silent connection got \"{closed[0]}\", a half-sent request got \"{closed[^1]?.Split("\r\n")[0]}\"");
        }
        finally
        {
            silent.Concat(halfSent).ToList().ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task An_idle_http2_connection_is_closed_after_the_keep_alive_timeout()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with { Limits = s.Limits with { KeepAliveTimeout = TimeSpan.FromSeconds(1) } });
        using var client = await RawClient.ConnectAsync(server.Address);

        // The preface and an empty SETTINGS frame, then nothing.
        await client.WriteAsync([.. Http2Preface, 0, 0, 0, 4, 0, 0, 0, 0, 0]);

        Assert.NotNull(await client.ReadUntilClosedAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Connections_over_the_limit_are_closed_at_once_and_the_rest_keep_working()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with { Limits = s.Limits with { MaxConnections = 10 } });
        var clients = await RawClient.ConnectManyAsync(server.Address, 15);
        try
        {
            var closed = await Task.WhenAll(clients.Select(c => c.ReadUntilClosedAsync(TimeSpan.FromSeconds(1))));
            var refused = closed.Count(c => c is not null);
            output.WriteLine($"{refused} of 15 connections refused with a limit of 10");
            Assert.Equal(5, refused);

            // Freeing connections makes room again.
            clients.ForEach(c => c.Dispose());
            await Task.Delay(200);
            var latency = await server.AssertHealthAnswersAsync();
            output.WriteLine($"/api/health afterwards: {latency.TotalMilliseconds:F0} ms");
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }
}
