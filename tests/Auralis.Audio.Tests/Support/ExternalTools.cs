using System.Diagnostics;

namespace Auralis.Audio.Tests.Support;

/// <summary>ffmpeg for making fixtures libsndfile cannot write (M4A) or should not be the only encoder of (MP3).</summary>
public static class ExternalTools
{
    public static string? Ffmpeg { get; } = Find("ffmpeg");


    private static readonly Lazy<string> Encoders = new(() =>
        Ffmpeg is null ? "" : Run(Ffmpeg, "-hide_banner", "-encoders").Output);

    public static bool HasEncoder(string name) =>
        Encoders.Value.Split('\n').Any(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) == name);

    /// <summary>Runs ffmpeg and fails the test with its stderr if it fails.</summary>
    public static void RunFfmpeg(params string[] args)
    {
        Assert.NotNull(Ffmpeg);
        (int exit, _, string error) = Run(Ffmpeg, ["-nostdin", "-hide_banner", "-v", "error", "-y", .. args]);
        Assert.True(exit == 0, $"ffmpeg {string.Join(' ', args)} failed ({exit}): {error}");
    }

    /// <summary>Makes a sine fixture: ffmpeg -f lavfi -i sine=... -ac CH -ar SR [codec args] OUT.</summary>
    public static string MakeSine(string output, double seconds, int sampleRate, int channels, params string[] codecArgs)
    {
        RunFfmpeg(["-f", "lavfi", "-i", $"sine=frequency=440:sample_rate={sampleRate}:duration={seconds}",
            "-ac", channels.ToString(), "-ar", sampleRate.ToString(), .. codecArgs, output]);
        return output;
    }

    public static (int ExitCode, string Output, string Error) Run(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }

    private static string? Find(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, tool))
            .FirstOrDefault(File.Exists);
}
