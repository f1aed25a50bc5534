using System.Diagnostics;
using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>Audio files for the loudness-tag tests, made with ffmpeg; their decoded samples and their tags as ffprobe reads them.</summary>
internal static class TagTestFiles
{
    public const int Rate = 44_100;

    /// <summary>The ffmpeg encoder arguments of every format `auralis tag` writes, by extension.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Encoders = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [".flac"] = ["-c:a", "flac"],
        [".ogg"] = ["-c:a", "libvorbis", "-q:a", "4"],
        [".opus"] = ["-c:a", "libopus", "-b:a", "96k"],
        [".mp3"] = ["-c:a", "libmp3lame", "-b:a", "128k"],
        [".m4a"] = ["-c:a", "aac", "-b:a", "128k"],
        [".wv"] = ["-c:a", "wavpack"],
    };

    public static bool FfmpegAvailable { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Any(dir => File.Exists(Path.Combine(dir, "ffmpeg")) && File.Exists(Path.Combine(dir, "ffprobe")));

    /// <summary>A stereo tone with a slow tremolo at about <paramref name="amplitude"/>, as WAV.</summary>
    public static string Wav(string path, double seconds, double amplitude, double hz = 440)
    {
        var frames = (int)(seconds * Rate);
        var x = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var level = amplitude * (0.6 + (0.4 * Math.Sin(2 * Math.PI * 0.5 * t)));
            x[2 * i] = (float)(level * Math.Sin(2 * Math.PI * hz * t));
            x[(2 * i) + 1] = (float)(level * Math.Sin(2 * Math.PI * hz * 1.5 * t));
        }

        AudioFileWriter.Write(path, x, Rate, 2);
        return path;
    }

    /// <summary>Encodes <paramref name="source"/> into <paramref name="path"/> (format by extension) with extra ffmpeg arguments (e.g. -metadata).</summary>
    public static string Encode(string source, string path, params string[] extra)
    {
        Run("ffmpeg", ["-nostdin", "-loglevel", "error", "-y", "-i", source, .. Encoders[Path.GetExtension(path)], .. extra, path]);
        return path;
    }

    /// <summary>Every decoded sample, through the decoder the library uses.</summary>
    public static float[] Decode(string path)
    {
        using var reader = AudioDecoder.Open(path);
        var all = new List<float>();
        var buffer = new float[8192 * reader.Info.Channels];
        int read;
        while ((read = reader.Read(buffer)) > 0)
        {
            all.AddRange(buffer.AsSpan(0, read * reader.Info.Channels));
        }

        return [.. all];
    }

    /// <summary>The file's format and audio stream tags as ffprobe (an independent reader) sees them, keys upper-cased.</summary>
    public static Dictionary<string, string> ProbeTags(string path)
    {
        var output = Run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "format_tags:stream_tags", "-of", "json", path]); // audio streams: a cover is a stream with tags of its own
        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        using var json = JsonDocument.Parse(output);
        void Add(JsonElement holder)
        {
            if (holder.TryGetProperty("tags", out var t))
            {
                foreach (var p in t.EnumerateObject())
                {
                    tags[p.Name.ToUpperInvariant()] = p.Value.GetString() ?? "";
                }
            }
        }

        if (json.RootElement.TryGetProperty("format", out var format))
        {
            Add(format);
        }

        if (json.RootElement.TryGetProperty("streams", out var streams))
        {
            foreach (var s in streams.EnumerateArray())
            {
                Add(s);
            }
        }

        return tags;
    }

    public static string Run(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', start.ArgumentList)} failed: {error.Result}");
        return output;
    }
}

/// <summary>A fact that needs ffmpeg and ffprobe; skipped with the reason shown when they are not on PATH.</summary>
public sealed class FfmpegTagFactAttribute : FactAttribute
{
    public FfmpegTagFactAttribute()
    {
        if (!TagTestFiles.FfmpegAvailable)
        {
            Skip = "ffmpeg/ffprobe are not on PATH (build.sh installs them): no files of the tagged formats can be made";
        }
    }
}

/// <summary>A theory that needs ffmpeg and ffprobe; skipped with the reason shown when they are not on PATH.</summary>
public sealed class FfmpegTagTheoryAttribute : TheoryAttribute
{
    public FfmpegTagTheoryAttribute()
    {
        if (!TagTestFiles.FfmpegAvailable)
        {
            Skip = "ffmpeg/ffprobe are not on PATH (build.sh installs them): no files of the tagged formats can be made";
        }
    }
}
