using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Auralis.Audio.Ffmpeg;

/// <summary>What ffmpeg knows about a file's first audio stream before decoding it.</summary>
internal sealed record FfmpegStreamInfo(
    int SampleRate, int Channels, string Demuxer, double? DurationSeconds, string? Title, string? Artist, string? Album);

/// <summary>Asks ffprobe (or, without ffprobe, ffmpeg's banner on stderr) for sample rate and channels.</summary>
internal static partial class FfmpegProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>Probes kept per file identity; each is a few hundred bytes, so this bounds memory.</summary>
    private const int MaxRemembered = 512;

    /// <summary>
    /// Successful probes by (full path, size, mtime): a stream that seeks, or changes its preset
    /// or intensity, opens the same file again, and a probe is another process (~0.1 s). The same
    /// path, size and modification time are the same file for the scanner too.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Path, long Size, long MtimeTicks), FfmpegStreamInfo> Remembered = new();

    /// <summary>Probes <paramref name="path"/>; null with the reason when ffmpeg cannot read it.</summary>
    internal static FfmpegStreamInfo? Run(string path, string ffmpeg, out string failure)
    {
        (string, long, long)? key = null;
        try
        {
            var file = new FileInfo(path);
            key = (file.FullName, file.Length, file.LastWriteTimeUtc.Ticks);
            if (Remembered.TryGetValue(key.Value, out var known))
            {
                failure = "";
                return known;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not cacheable; the probe itself reports what is wrong with the file.
        }

        string? ffprobe = FfmpegTools.Find("ffprobe");
        var probed = ffprobe is not null ? WithFfprobe(ffprobe, path, out failure) : WithFfmpeg(ffmpeg, path, out failure);
        if (probed is not null && key is { } identity)
        {
            if (Remembered.Count >= MaxRemembered)
            {
                Remembered.Clear();
            }

            Remembered[identity] = probed;
        }

        return probed;
    }

    internal static FfmpegStreamInfo? WithFfprobe(string ffprobe, string path, out string failure)
    {
        string[] args =
        [
            "-v", "error", .. FfmpegTools.ConfinedInput, "-select_streams", "a:0",
            "-show_entries",
            "stream=codec_name,sample_rate,channels:stream_tags=title,artist,album:format=format_name,duration:format_tags=title,artist,album",
            "-of", "json", FfmpegTools.InputArgument(path),
        ];
        if (!RunToEnd(ffprobe, args, out int exitCode, out string stdout, out string stderr, out failure))
        {
            return null;
        }

        if (exitCode != 0)
        {
            failure = FfmpegTools.RefusedContainer(stderr) ?? FfmpegTools.FirstLine(stderr, $"ffprobe exited with code {exitCode}");
            return null;
        }

        try
        {
            return ParseFfprobeJson(stdout, path, out failure);
        }
        catch (JsonException ex)
        {
            failure = $"unreadable ffprobe output ({ex.Message})";
            return null;
        }
    }

    internal static FfmpegStreamInfo? ParseFfprobeJson(string json, string path, out string failure)
    {
        using var doc = JsonDocument.Parse(json);
        JsonElement root = doc.RootElement;
        if (!root.TryGetProperty("streams", out JsonElement streams) || streams.GetArrayLength() == 0)
        {
            failure = "ffmpeg found no audio stream";
            return null;
        }

        JsonElement stream = streams[0];
        int sampleRate = ReadInt(stream, "sample_rate");
        int channels = ReadInt(stream, "channels");
        if (sampleRate <= 0 || channels <= 0)
        {
            failure = $"ffprobe reports {channels} channels at {sampleRate} Hz";
            return null;
        }

        root.TryGetProperty("format", out JsonElement format);
        string formatName = format.ValueKind == JsonValueKind.Object ? ReadString(format, "format_name") ?? "" : "";
        double? duration = format.ValueKind == JsonValueKind.Object
            && double.TryParse(ReadString(format, "duration"), NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
            && d > 0 ? d : null;

        failure = string.Empty;
        return new FfmpegStreamInfo(sampleRate, channels, FormatName(DemuxerName(formatName, path), ReadString(stream, "codec_name")), duration,
            Tag(format, stream, "title"), Tag(format, stream, "artist"), Tag(format, stream, "album"));
    }

    /// <summary>Without ffprobe: "ffmpeg -i FILE" prints the stream line on stderr and exits 1 (no output given).</summary>
    internal static FfmpegStreamInfo? WithFfmpeg(string ffmpeg, string path, out string failure)
    {
        string[] args = ["-nostdin", "-hide_banner", .. FfmpegTools.ConfinedInput, "-i", FfmpegTools.InputArgument(path)];
        if (!RunToEnd(ffmpeg, args, out _, out _, out string stderr, out failure))
        {
            return null;
        }

        if (FfmpegTools.RefusedContainer(stderr) is { } refused)
        {
            failure = refused;
            return null;
        }

        return ParseFfmpegBanner(stderr, path, out failure);
    }

    /// <summary>Parses e.g. "Input #0, mov,mp4,m4a,... from" and "Stream #0:0(und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, mono, fltp".</summary>
    internal static FfmpegStreamInfo? ParseFfmpegBanner(string stderr, string path, out string failure)
    {
        Match audio = AudioStreamLine().Match(stderr);
        if (!audio.Success)
        {
            // Without an audio stream line, ffmpeg's first complaint is the best explanation.
            failure = FfmpegTools.FirstLine(
                stderr.Split('\n').FirstOrDefault(l => l.Contains("Invalid", StringComparison.OrdinalIgnoreCase)) ?? stderr,
                "ffmpeg found no audio stream");
            return null;
        }

        int sampleRate = int.Parse(audio.Groups["rate"].Value, CultureInfo.InvariantCulture);
        int channels = ChannelsOfLayout(audio.Groups["layout"].Value.Trim());
        if (channels <= 0)
        {
            failure = $"ffmpeg's channel layout \"{audio.Groups["layout"].Value.Trim()}\" is not known; install ffprobe";
            return null;
        }

        Match input = InputLine().Match(stderr);
        failure = string.Empty;
        return new FfmpegStreamInfo(sampleRate, channels,
            FormatName(DemuxerName(input.Success ? input.Groups["demuxer"].Value : "", path), audio.Groups["codec"].Value),
            null, null, null, null);
    }

    /// <summary>Channel counts of ffmpeg's layout names (libavutil/channel_layout.c).</summary>
    internal static int ChannelsOfLayout(string layout)
    {
        Match counted = CountedLayout().Match(layout);
        if (counted.Success)
        {
            return int.Parse(counted.Groups[1].Value, CultureInfo.InvariantCulture);
        }

        return layout switch
        {
            "mono" => 1,
            "stereo" or "downmix" => 2,
            "2.1" or "3.0" or "3.0(back)" => 3,
            "4.0" or "quad" or "quad(side)" or "3.1" or "2.2" => 4,
            "5.0" or "5.0(side)" or "4.1" => 5,
            "5.1" or "5.1(side)" or "6.0" or "6.0(front)" or "hexagonal" or "3.1.2" => 6,
            "6.1" or "6.1(back)" or "6.1(front)" or "7.0" or "7.0(front)" => 7,
            "7.1" or "7.1(wide)" or "7.1(wide-side)" or "octagonal" or "5.1.2" or "cube" => 8,
            _ => 0,
        };
    }

    /// <summary>
    /// Ogg files get the names libsndfile gives them ("opus", "ogg-vorbis"), so a track's stored
    /// format does not depend on which decoder read it; other containers keep the demuxer name.
    /// </summary>
    internal static string FormatName(string demuxer, string? codec) => (demuxer, codec) switch
    {
        ("ogg", "opus") => "opus",
        ("ogg", "vorbis") => "ogg-vorbis",
        _ => demuxer,
    };

    /// <summary>
    /// ffmpeg names demuxers by a family list ("mov,mp4,m4a,3gp,3g2,mj2"); the member that matches
    /// the file's extension is the most useful short name, else the first.
    /// </summary>
    internal static string DemuxerName(string formatName, string path)
    {
        string[] names = formatName.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            return "unknown";
        }

        string extension = Path.GetExtension(path).TrimStart('.').ToLowerInvariant();
        return names.FirstOrDefault(n => n == extension) ?? names[0];
    }

    private static bool RunToEnd(string exe, string[] args, out int exitCode, out string stdout, out string stderr, out string failure)
    {
        exitCode = -1;
        stdout = stderr = failure = string.Empty;
        try
        {
            using var process = Process.Start(FfmpegTools.StartInfo(exe, args))
                ?? throw new InvalidOperationException("Process.Start returned null");
            process.StandardInput.Close();
            Task<string> outTask = process.StandardOutput.ReadToEndAsync();
            Task<string> errTask = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                failure = $"{Path.GetFileName(exe)} did not finish within {Timeout.TotalSeconds:0} s";
                return false;
            }

            stdout = outTask.GetAwaiter().GetResult();
            stderr = errTask.GetAwaiter().GetResult();
            exitCode = process.ExitCode;
            return true;
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            failure = $"{exe} could not be run ({ex.Message})";
            return false;
        }
    }

    private static int ReadInt(JsonElement element, string name) =>
        !element.TryGetProperty(name, out JsonElement value) ? 0
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n) ? n
        : value.ValueKind == JsonValueKind.String && int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out n) ? n
        : 0;

    private static string? ReadString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>Container tags first, then stream tags (Ogg keeps them on the stream); keys in any case.</summary>
    private static string? Tag(JsonElement format, JsonElement stream, string key)
    {
        foreach (JsonElement owner in new[] { format, stream })
        {
            if (owner.ValueKind == JsonValueKind.Object && owner.TryGetProperty("tags", out JsonElement tags)
                && tags.ValueKind == JsonValueKind.Object)
            {
                foreach (JsonProperty tag in tags.EnumerateObject())
                {
                    if (tag.Name.Equals(key, StringComparison.OrdinalIgnoreCase)
                        && tag.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(tag.Value.GetString()))
                    {
                        return tag.Value.GetString()!.Trim();
                    }
                }
            }
        }

        return null;
    }

    [GeneratedRegex(@"Stream #\d+:\d+.*?: Audio: (?<codec>[a-z0-9_]+)[^\n]*?(?<rate>\d+) Hz, (?<layout>[^,\n]+)")]
    private static partial Regex AudioStreamLine();

    [GeneratedRegex(@"Input #\d+, (?<demuxer>[^\s]+), from")]
    private static partial Regex InputLine();

    [GeneratedRegex(@"^(\d+) channels")]
    private static partial Regex CountedLayout();
}
