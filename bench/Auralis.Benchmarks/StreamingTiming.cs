using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Auralis.Benchmarks;

/// <summary>
/// `stream-timing URL [--pid PID] [--streams N] [--stream-seconds S]`: against a freshly started
/// `auralis serve` on a scanned library (bench/streaming.sh), the times a listener waits for the
/// first binary message of a new stream (docs/targets.md), grouped by track length:
/// <list type="bullet">
/// <item>cold: play_enhanced on a track and preset the server has not planned yet (4 presets per track);</item>
/// <item>preset change at 60 s to a preset not planned yet (the plan is made now);</item>
/// <item>intensity change at 60 s (plan cached, the render is new);</item>
/// <item>seek to 80 % (plan cached: decoder seek, pre-roll, first piece);</item>
/// </list>
/// then N enhanced streams at once, each acknowledging at once until S seconds of audio arrived,
/// sampling the server's resident memory (/proc/PID/status) throughout.
/// </summary>
internal static class StreamingTiming
{
    private const double ColdTargetMs = 500;
    private const double ChangeTargetMs = 300;
    private const double RssTargetMb = 300;

    private static readonly string[] ColdPresets = ["adaptive", "gentle", "bright", "punchy"];

    public static int Run(string[] args)
    {
        var url = new Uri(args[0].TrimEnd('/') + "/");
        var pid = Option(args, "--pid");
        var streams = Option(args, "--streams") ?? 10;
        var streamSeconds = Option(args, "--stream-seconds") ?? 120;
        // --memory-only: skip the timings; plan the tracks under 6 minutes one by one, then run the streams on them.
        var memoryOnly = args.Contains("--memory-only");
        using var http = new HttpClient { BaseAddress = url };
        var page = http.GetFromJsonAsync<JsonElement>(new Uri("api/tracks?limit=500&sort=id", UriKind.Relative)).GetAwaiter().GetResult();
        var tracks = page.GetProperty("tracks").EnumerateArray()
            .Where(t => t.GetProperty("status").GetString() == "complete" && t.GetProperty("duration_s").ValueKind == JsonValueKind.Number)
            .Select(t => new Track(t.GetProperty("id").GetInt64(), Path.GetFileName(t.GetProperty("path").GetString() ?? "?"), t.GetProperty("duration_s").GetDouble()))
            .ToList();
        if (tracks.Count == 0)
        {
            Console.Error.WriteLine("stream-timing: no fingerprinted tracks in the library; scan first");
            return 1;
        }

        var ws = new Uri($"ws://{url.Host}:{url.Port}/ws");
        var classes = tracks.GroupBy(t => LengthClass(t.Duration)).OrderBy(g => g.Min(t => t.Duration)).ToList();
        Console.WriteLine($"{tracks.Count} fingerprinted tracks: " + string.Join(", ", classes.Select(g => $"{g.Key}: {g.Count()} ({string.Join(", ", g.Select(t => $"{t.Name} {t.Duration / 60:0.0} min"))})")));
        Console.WriteLine();
        Console.WriteLine($"{"first binary message after the command",-44} {"tracks",6} {"n",4} {"p50 ms",8} {"p95 ms",8} {"max ms",8}   target");

        Console.WriteLine($"server resident memory after start and scan: {Rss(pid) / 1048576.0:0} MB");
        if (memoryOnly)
        {
            tracks = [.. tracks.Where(t => t.Duration < 6 * 60)];
            classes = [];
            foreach (var track in tracks)
            {
                using var socket = Connect(ws);
                var client = new Client(socket);
                client.TimeToFirstChunk(new { type = "play_enhanced", track_id = track.Id, preset = "adaptive", intensity = 1.0 });
                client.Close();
            }
        }

        var rows = new List<(string Name, string Class, int Tracks, List<double> Ms, double Target)>();
        foreach (var group in classes)
        {
            var cold = new List<double>();
            var presetChange = new List<double>();
            var intensityChange = new List<double>();
            var seek = new List<double>();
            foreach (var track in group)
            {
                using var socket = Connect(ws);
                var client = new Client(socket);
                cold.Add(client.TimeToFirstChunk(new { type = "play_enhanced", track_id = track.Id, preset = ColdPresets[0], intensity = 1.0 }));
                client.TakeAudio(1);
                var at = Math.Min(60, track.Duration / 2);
                presetChange.Add(client.TimeToFirstChunk(new { type = "play_enhanced", track_id = track.Id, preset = "warm", intensity = 1.0, position_s = at }));
                client.TakeAudio(1);
                intensityChange.Add(client.TimeToFirstChunk(new { type = "play_enhanced", track_id = track.Id, preset = "warm", intensity = 0.7, position_s = at }));
                client.TakeAudio(1);
                seek.Add(client.TimeToFirstChunk(new { type = "seek", position_s = Math.Round(track.Duration * 0.8, 3) }));
                foreach (var preset in ColdPresets.Skip(1))
                {
                    cold.Add(client.TimeToFirstChunk(new { type = "play_enhanced", track_id = track.Id, preset, intensity = 1.0 }));
                }

                client.Close();
            }

            rows.Add(("cold (no plan, no chunk cached)", group.Key, group.Count(), cold, ColdTargetMs));
            rows.Add(("preset change at 60 s (plan made now)", group.Key, group.Count(), presetChange, ChangeTargetMs));
            rows.Add(("intensity change at 60 s (plan cached)", group.Key, group.Count(), intensityChange, ChangeTargetMs));
            rows.Add(("seek to 80 % (plan cached)", group.Key, group.Count(), seek, ChangeTargetMs));
            foreach (var row in rows.Skip(rows.Count - 4))
            {
                PrintRow(row);
            }
        }

        Console.WriteLine();
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
        // Adaptive plans are cached from above; each stream has its own intensity, so no chunk is shared.
        var results = Task.WhenAll(Enumerable.Range(0, streams).Select(i => Task.Run(() =>
        {
            using var socket = Connect(ws);
            var client = new Client(socket);
            client.Send(new { type = "play_enhanced", track_id = tracks[i % tracks.Count].Id, preset = "adaptive", intensity = 0.6 + (0.01 * i) });
            var seconds = client.TakeAudio(streamSeconds);
            client.Close();
            return seconds;
        }))).GetAwaiter().GetResult();
        sampling.Cancel();
        sampler.GetAwaiter().GetResult();
        Console.WriteLine($"{streams} concurrent enhanced streams, {streamSeconds} s of audio each (acknowledged at once): {results.Sum():0} s of audio in {clock.Elapsed.TotalSeconds:0.0} s ({results.Sum() / clock.Elapsed.TotalSeconds:0}x realtime in all)");
        if (pid is not null)
        {
            Console.WriteLine($"server resident memory: {baseline / 1048576.0:0} MB before, peak {peak / 1048576.0:0} MB during the {streams} streams   (target <= {RssTargetMb:0} MB) {(peak / 1048576.0 <= RssTargetMb ? "ok" : "MISSED")}");
        }

        return 0;
    }

    private static void PrintRow((string Name, string Class, int Tracks, List<double> Ms, double Target) row)
    {
        var p95 = Percentile(row.Ms, 0.95);
        Console.WriteLine($"{row.Class + " " + row.Name,-44} {row.Tracks,6} {row.Ms.Count,4} {Percentile(row.Ms, 0.5),8:0} {p95,8:0} {row.Ms.Max(),8:0}   p95 <= {row.Target:0} ms {(p95 <= row.Target ? "ok" : "MISSED")}");
    }

    private static string LengthClass(double seconds) => seconds switch
    {
        < 6 * 60 => "~3 min",
        < 11 * 60 => "~9 min",
        _ => "~14 min",
    };

    private static ClientWebSocket Connect(Uri ws)
    {
        var socket = new ClientWebSocket();
        socket.ConnectAsync(ws, CancellationToken.None).GetAwaiter().GetResult();
        return socket;
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(List<double> values, double p)
    {
        var sorted = values.Order().ToList();
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
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

    private sealed record Track(long Id, string Name, double Duration);

    /// <summary>One player socket: commands, and the stream it currently plays.</summary>
    private sealed class Client(ClientWebSocket socket)
    {
        private int _streamId = -1;
        private int _rate = 44_100;
        private int _channels = 2;
        private int _pendingSeq = -1;

        public void Send(object message) =>
            socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message), WebSocketMessageType.Text, true, CancellationToken.None).GetAwaiter().GetResult();

        /// <summary>Sends a command that starts a new stream; milliseconds until that stream's first binary message.</summary>
        public double TimeToFirstChunk(object command)
        {
            var previous = _streamId;
            var clock = Stopwatch.StartNew();
            Send(command);
            while (true)
            {
                var (binary, seconds) = Next();
                if (binary && _streamId != previous && _streamId > 0)
                {
                    var ms = clock.Elapsed.TotalMilliseconds;
                    Ack();
                    return ms;
                }
            }
        }

        /// <summary>Receives and acknowledges the current stream until <paramref name="seconds"/> of its audio arrived or it ended.</summary>
        public double TakeAudio(double seconds)
        {
            var got = 0.0;
            while (got < seconds)
            {
                var (binary, audio) = Next();
                if (binary)
                {
                    got += audio;
                    Ack();
                }
                else if (audio < 0)
                {
                    break; // the stream ended
                }
            }

            return got;
        }

        public void Close()
        {
            try
            {
                socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (WebSocketException)
            {
                // The server closed first.
            }
        }

        private void Ack()
        {
            if (_pendingSeq >= 0)
            {
                Send(new { type = "chunk_ack", seq = _pendingSeq });
            }
        }

        /// <summary>One message: (true, seconds of audio) for a binary one of the current stream; (false, -1) at its end.</summary>
        private (bool Binary, double Seconds) Next()
        {
            var (kind, bytes) = Receive();
            if (kind == WebSocketMessageType.Binary)
            {
                return _pendingSeq >= 0 ? (true, bytes.Length / 4.0 / _channels / _rate) : (false, 0);
            }

            using var message = JsonDocument.Parse(bytes);
            var root = message.RootElement;
            switch (root.GetProperty("type").GetString())
            {
                case "audio_stream_start":
                    _streamId = root.GetProperty("stream_id").GetInt32();
                    _rate = root.GetProperty("sample_rate").GetInt32();
                    _channels = root.GetProperty("channels").GetInt32();
                    break;
                case "audio_chunk_meta":
                    _pendingSeq = root.GetProperty("stream_id").GetInt32() == _streamId ? root.GetProperty("seq").GetInt32() : -1;
                    break;
                case "audio_stream_end":
                    if (root.GetProperty("stream_id").GetInt32() == _streamId)
                    {
                        return (false, -1);
                    }

                    break;
                case "audio_stream_error":
                    throw new InvalidOperationException(Encoding.UTF8.GetString(bytes));
            }

            return (false, 0);
        }

        private (WebSocketMessageType Kind, byte[] Bytes) Receive()
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
    }
}
