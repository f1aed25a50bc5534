using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Auralis.Server.Tests.Abuse;

/// <summary>A raw TCP connection to the test server: writes what an attacker writes, reads what comes back.</summary>
internal sealed class RawClient : IDisposable
{
    /// <summary>Stands in the request text for this server's own authority (127.0.0.1:port), the only Host it accepts.</summary>
    public const string AuthorityToken = "{authority}";

    private readonly TcpClient _tcp = new() { NoDelay = true };
    private readonly string _authority;

    private RawClient(int port)
    {
        _authority = $"127.0.0.1:{port}";
    }

    public NetworkStream Stream => _tcp.GetStream();

    public static async Task<RawClient> ConnectAsync(Uri server)
    {
        var client = new RawClient(server.Port);
        await client._tcp.ConnectAsync(IPAddress.Loopback, server.Port);
        return client;
    }

    /// <summary>Opens <paramref name="count"/> connections at once.</summary>
    public static async Task<List<RawClient>> ConnectManyAsync(Uri server, int count) =>
        [.. await Task.WhenAll(Enumerable.Range(0, count).Select(_ => ConnectAsync(server)))];

    public Task WriteAsync(string ascii) => WriteAsync(Encoding.ASCII.GetBytes(ascii.Replace(AuthorityToken, _authority, StringComparison.Ordinal)));

    public async Task WriteAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    /// <summary>Reads until the server closes the connection or <paramref name="limit"/> passes; null when it did not close.</summary>
    public async Task<string?> ReadUntilClosedAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await Stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return Encoding.ASCII.GetString(received.ToArray());
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (IOException)
        {
            // Reset by the server: closed too.
            return Encoding.ASCII.GetString(received.ToArray());
        }
    }

    /// <summary>Reads until <paramref name="marker"/> has arrived (or the connection ends, or <paramref name="limit"/> passes).</summary>
    public async Task<string> ReadUntilAsync(string marker, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            while (!received.ToString().Contains(marker, StringComparison.Ordinal))
            {
                var read = await Stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.Latin1.GetString(buffer, 0, read));
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // What arrived is the answer.
        }

        return received.ToString();
    }

    public void Dispose() => _tcp.Dispose();
}
