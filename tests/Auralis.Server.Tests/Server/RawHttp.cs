using System.Net.Sockets;
using System.Text;

namespace Auralis.Server.Tests.Server;

/// <summary>
/// HTTP/1.1 over a plain socket, byte for byte as written: headers HttpClient would refuse or
/// rewrite (an empty Content-Type, any Host, odd casing) reach the server unchanged.
/// </summary>
public static class RawHttp
{
    /// <summary>The answer: status code, headers (names lower-cased, last one wins) and the decoded body.</summary>
    public sealed record Response(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
    {
        public override string ToString() => $"{Status} {Body}";
    }

    /// <summary>
    /// Sends <paramref name="method"/> <paramref name="target"/> with <paramref name="headers"/>
    /// (each "Name: value"; a Host header is added unless one is given) and an optional body with
    /// its Content-Length, on a new connection that the server closes after answering.
    /// </summary>
    public static async Task<Response> SendAsync(Uri server, string method, string target, IEnumerable<string>? headers = null, string? body = null)
    {
        var lines = new List<string> { $"{method} {target} HTTP/1.1" };
        var given = headers?.ToList() ?? [];
        if (!given.Any(h => h.StartsWith("host:", StringComparison.OrdinalIgnoreCase)))
        {
            lines.Add($"Host: {server.Host}:{server.Port}");
        }

        lines.AddRange(given);
        lines.Add("Connection: close");
        var bodyBytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null && !given.Any(h => h.StartsWith("transfer-encoding:", StringComparison.OrdinalIgnoreCase)))
        {
            lines.Add($"Content-Length: {bodyBytes.Length}");
        }

        var head = Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n");
        return await SendBytesAsync(server, [.. head, .. bodyBytes]);
    }

    /// <summary>
    /// A WebSocket opening handshake for <paramref name="target"/> with <paramref name="headers"/>
    /// added; the answer's head only (101 when the server accepted the upgrade).
    /// </summary>
    public static Task<Response> WebSocketHandshakeAsync(Uri server, string target, params string[] headers)
    {
        var given = headers.ToList();
        var lines = new List<string> { $"GET {target} HTTP/1.1" };
        if (!given.Any(h => h.StartsWith("host:", StringComparison.OrdinalIgnoreCase)))
        {
            lines.Add($"Host: {server.Host}:{server.Port}");
        }

        lines.AddRange(given);
        lines.AddRange(["Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]);
        return SendBytesAsync(server, Encoding.ASCII.GetBytes(string.Join("\r\n", lines) + "\r\n\r\n"), headOnly: true);
    }

    /// <summary>Writes <paramref name="request"/> as it is and reads the answer until the server closes (or, with <paramref name="headOnly"/>, to the end of its head).</summary>
    public static async Task<Response> SendBytesAsync(Uri server, byte[] request, bool headOnly = false)
    {
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await tcp.ConnectAsync(server.Host, server.Port, timeout.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(request, timeout.Token);
        using var received = new MemoryStream();
        try
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
                if (headOnly && received.ToArray().AsSpan().IndexOf("\r\n\r\n"u8) >= 0)
                {
                    break;
                }
            }
        }
        catch (IOException)
        {
            // The server may reset the connection after answering (an unread request body): the
            // answer is already here.
        }

        return Parse(received.ToArray());
    }

    private static Response Parse(byte[] raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(end > 0, $"no HTTP response head in {raw.Length} bytes: {text}");
        var headLines = text[..end].Split("\r\n");
        var status = int.Parse(headLines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in headLines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim().ToLowerInvariant()] = line[(colon + 1)..].Trim();
        }

        var body = text[(end + 4)..];
        if (headers.TryGetValue("transfer-encoding", out var te) && te.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            body = Unchunk(body);
        }

        return new Response(status, headers, body);
    }

    private static string Unchunk(string chunked)
    {
        var result = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (lineEnd < 0)
            {
                return result.ToString();
            }

            var size = Convert.ToInt32(chunked[at..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return result.ToString();
            }

            // Sizes count bytes; the bodies here are ASCII JSON, so bytes and chars agree.
            result.Append(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
