using System.Diagnostics;

namespace Auralis.Audio.Ffmpeg;

/// <summary>Finds ffmpeg/ffprobe on PATH and builds their argument lists.</summary>
internal static class FfmpegTools
{
    /// <summary>Full path of <paramref name="tool"/> on PATH, or null. Not cached: PATH may change.</summary>
    internal static string? Find(string tool)
    {
        string fileName = OperatingSystem.IsWindows() ? tool + ".exe" : tool;
        string? pathVariable = Environment.GetEnvironmentVariable("PATH");
        if (string.IsNullOrEmpty(pathVariable))
        {
            return null;
        }

        foreach (string dir in pathVariable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, fileName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>
    /// The input argument for ffmpeg/ffprobe. "file:" plus an absolute path stops ffmpeg from
    /// reading a name like "concat:a|b", "http://..." or "-x" as a protocol or an option.
    /// </summary>
    internal static string InputArgument(string path) => "file:" + Path.GetFullPath(path);

    /// <summary>
    /// Demuxers of single-file audio containers: the only ones ffmpeg may use. Playlists and
    /// multi-file inputs (hls, dash, concat, image2 sequences...) would make ffmpeg open other
    /// files named inside the file - anywhere on the server - so they are not on the list.
    /// mov and matroska match their families (mov,mp4,m4a,...; matroska,webm).
    /// </summary>
    internal const string AllowedDemuxers =
        "aac,ac3,aiff,amr,ape,asf,au,caf,dsf,dts,eac3,flac,iff,matroska,mlp,mov,mp3,mpc,mpc8,ogg,rm,shn,tak,truehd,tta,w64,wav,wv,xwma";

    /// <summary>
    /// Input options that confine ffmpeg and ffprobe to the one file given: only the file protocol
    /// (no http, concat:, subfile:, ...) and only <see cref="AllowedDemuxers"/>. They go before "-i".
    /// MOV/MP4 external data references stay off through the mov demuxer's default (enable_drefs=0):
    /// ffmpeg rejects that option for every other demuxer, so it cannot be passed here.
    /// </summary>
    internal static readonly string[] ConfinedInput =
        ["-protocol_whitelist", "file", "-format_whitelist", AllowedDemuxers];

    /// <summary>
    /// ffmpeg's complaint when the content needs a demuxer that is not allowed, e.g.
    /// "[hls @ 0x55d3] Format not on whitelist 'aac,...'", turned into a cause a user understands;
    /// null for other messages.
    /// </summary>
    internal static string? RefusedContainer(string stderr)
    {
        foreach (string line in stderr.Split('\n'))
        {
            int marker = line.IndexOf(" @ ", StringComparison.Ordinal);
            if (line.StartsWith('[') && marker > 1 && line.Contains("not on whitelist", StringComparison.Ordinal))
            {
                string demuxer = line[1..marker];
                return $"refused: the content is a \"{demuxer}\" container (a playlist or multi-file format that refers to other files), not a single audio file";
            }
        }

        return null;
    }

    /// <summary>A process with every stream redirected and no shell: arguments are never re-parsed.</summary>
    internal static ProcessStartInfo StartInfo(string executable, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            CreateNoWindow = true,
        };
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    /// <summary>The first non-empty line of ffmpeg's stderr, which is where it states the cause.</summary>
    internal static string FirstLine(string? stderr, string fallback)
    {
        if (stderr is not null)
        {
            foreach (string line in stderr.Split('\n'))
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    return line.Trim();
                }
            }
        }

        return fallback;
    }
}
