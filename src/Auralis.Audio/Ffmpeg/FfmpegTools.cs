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
