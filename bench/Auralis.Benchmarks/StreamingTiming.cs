using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Auralis.Benchmarks;

/// <summary>
/// `stream-timing URL [--pid PID] [--streams N]`: against a running `auralis serve` on a scanned
/// library, (1) the time from play_enhanced to the first whole audio chunk (docs/targets.md: <= 500 ms),
/// cold (no plan yet for the track and preset) and warm (plan cached, chunks not: another
/// intensity), and (2) N streams at once played to the end by clients that acknowledge at once,
/// sampling the server's resident memory (/proc/PID/status) throughout.
/// </summary>
internal static class StreamingTiming
{
    public static int Run(string[] args)
    {
        var url = new Uri(args[0].TrimEnd('/') + "/");
        var pid = Option(args, "--pid");
        var streams = Option(args, "--streams") ?? 10;
        using var http = new HttpClient { BaseAddress = url };
        var page = http.GetFromJsonAsync<JsonElement>(new Uri("api/tracks?limit=500&sort=id", UriKind.Relative)).GetAwaiter().GetResult();
        var tracks = page.GetProperty("tracks").EnumerateArray()
            .Where(t => t.GetProperty("status").GetString() == "complete")
            .Select(t => (Id: t.GetProperty("id").GetInt64(), Duration: t.GetProperty("duration_s").ValueKind == JsonValueKind.Number ? t.GetProperty("duration_s").GetDouble() : double.NaN))
            .ToList();
        if (tracks.Count == 0)
        {
            Console.Error.WriteLine("stream-timing: no fingerprinted tracks in the library; scan first");
            return 1;
        }

        var ws = new Uri($"ws://{url.Host}:{url.Port}/ws");
        Console.WriteLine($"{tracks.Count} fingerprinted tracks, mean duration {tracks.Where(t => !double.IsNaN(t.Duration)).Select(t => t.Duration).DefaultIfEmpty().Average():0} s");

        var cold = new List<double>();
        var warm = new List<double>();
        foreach (var (id, _) in tracks.Take(8))
        {
            cold.Add(FirstChunkMs(ws, id, 1.0));
            warm.Add(FirstChunkMs(ws, id, 0.9));
        }

        Console.WriteLine($"first chunk, cold (plan made now): median {Median(cold):0} ms, max {cold.Max():0} ms over {cold.Count} tracks [{string.Join(", ", cold.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"first chunk, warm (plan cached):   median {Median(warm):0} ms, max {warm.Max():0} ms   (target <= 500 ms)");

        long baseline = Rss(pid), peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, Rss(pid));
                await Task.Delay(50).ConfigureAwait(false);
            }
        });
        var clock = Stopwatch.StartNew();
        var results = Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(() => PlayToEnd(ws, tracks[i % tracks.Count].Id, 0.7 + (0.01 * i))))).GetAwaiter().GetResult();
        sampling.Cancel();
        sampler.GetAwaiter().GetResult();
        Console.WriteLine($"{streams} concurrent enhanced streams to the end: {results.Sum(r => r.Chunks)} chunks, {results.Sum(r => r.AudioSeconds):0} s of audio in {clock.Elapsed.TotalSeconds:0.0} s " +
            $"({results.Sum(r => r.AudioSeconds) / clock.Elapsed.TotalSeconds:0}x realtime in all)");
        if (pid is not null)
        {
            Console.WriteLine($"server resident memory: {baseline / 1048576.0:0} MB before, peak {peak / 1048576.0:0} MB during the {streams} streams");
        }

        return 0;
    }

    private static double FirstChunkMs(Uri ws, long trackId, double intensity)
    {
        using var socket = new ClientWebSocket();
        socket.ConnectAsync(ws, CancellationToken.None).GetAwaiter().GetResult();
        var clock = Stopwatch.StartNew();
        Send(socket, new { type = "play_enhanced", track_id = trackId, preset = "adaptive", intensity });
        while (true)
        {
            var (kind, bytes) = Receive(socket);
            if (kind == WebSocketMessageType.Binary)
            {
                var ms = clock.Elapsed.TotalMilliseconds;
                socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).GetAwaiter().GetResult();
                return ms;
            }

            if (Encoding.UTF8.GetString(bytes).Contains("audio_stream_error", StringComparison.Ordinal))
            {
                throw new InvalidOperationException(Encoding.UTF8.GetString(bytes));
            }
        }
    }

    private static (int Chunks, double AudioSeconds) PlayToEnd(Uri ws, long trackId, double intensity)
    {
        using var socket = new ClientWebSocket();
        socket.ConnectAsync(ws, CancellationToken.None).GetAwaiter().GetResult();
        Send(socket, new { type = "play_enhanced", track_id = trackId, preset = "adaptive", intensity });
        int chunks = 0, rate = 44_100, channels = 2;
        double seconds = 0;
        while (true)
        {
            var (kind, bytes) = Receive(socket);
            if (kind == WebSocketMessageType.Binary)
            {
                seconds += bytes.Length / 4.0 / channels / rate;
                Send(socket, new { type = "chunk_ack", seq = chunks++ });
                continue;
            }

            using var message = JsonDocument.Parse(bytes);
            switch (message.RootElement.GetProperty("type").GetString())
            {
                case "audio_stream_start":
                    rate = message.RootElement.GetProperty("sample_rate").GetInt32();
                    channels = message.RootElement.GetProperty("channels").GetInt32();
                    break;
                case "audio_stream_end":
                    return (chunks, seconds);
                case "audio_stream_error":
                    throw new InvalidOperationException(Encoding.UTF8.GetString(bytes));
            }
        }
    }

    private static void Send(ClientWebSocket socket, object message) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None).GetAwaiter().GetResult();

    private static (WebSocketMessageType Kind, byte[] Bytes) Receive(ClientWebSocket socket)
    {
        using var message = new MemoryStream();
        var buffer = new byte[1 << 16];
        while (true)
        {
            var result = socket.ReceiveAsync(buffer, CancellationToken.None).GetAwaiter().GetResult();
            if (result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException("the server closed the stream");
            }

            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (result.MessageType, message.ToArray());
            }
        }
    }

    private static long Rss(int? pid)
    {
        if (pid is null)
        {
            return 0;
        }

        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static int? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
