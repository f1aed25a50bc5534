using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Auralis.Fingerprinting;

namespace Auralis.Tests.Fingerprinting;

/// <summary>
/// lufs and dynamic_range_variation on real recordings against an independent implementation of
/// BS.1770 / EBU Tech 3342: ffmpeg's ebur128 filter (FINGERPRINT.md: +-0.1 LU and +-1 LU).
/// </summary>
public sealed partial class LoudnessReferenceTests
{
    public static TheoryData<string> RealFiles() => new(RealMusic.Files);

    [RealMusicTheory("asc-music and frozen-bubble-data", RealMusic.AscMusic)]
    [MemberData(nameof(RealFiles))]
    public void Loudness_and_range_match_ffmpeg_ebur128_on_real_recordings(string path)
    {
        var (integrated, range) = FfmpegEbur128(path);
        var ours = FileFingerprinter.Compute(path, NativeEngine.Instance).Fingerprint;
        Assert.True(Math.Abs(ours["lufs"] - integrated) <= 0.1, $"{path}: lufs {ours["lufs"]} vs ffmpeg {integrated}");
        Assert.True(
            Math.Abs(ours["dynamic_range_variation"] - range) <= 1.0,
            $"{path}: LRA {ours["dynamic_range_variation"]} vs ffmpeg {range}");
    }

    /// <summary>Integrated loudness and LRA from `ffmpeg -af ebur128`'s summary.</summary>
    private static (double Integrated, double Range) FfmpegEbur128(string path)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostats", "-hide_banner", "-nostdin", "-i", path, "-af", "ebur128", "-f", "null", "-" })
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start");
        _ = process.StandardOutput.ReadToEndAsync();
        var log = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg failed on {path}: {log[^Math.Min(500, log.Length)..]}");
        var summary = log[log.LastIndexOf("Summary:", StringComparison.Ordinal)..];
        double Read(Regex r) => double.Parse(r.Match(summary).Groups[1].Value, CultureInfo.InvariantCulture);
        return (Read(IntegratedLine()), Read(RangeLine()));
    }

    [GeneratedRegex(@"I:\s+(-?[\d.]+) LUFS")]
    private static partial Regex IntegratedLine();

    [GeneratedRegex(@"LRA:\s+(-?[\d.]+) LU")]
    private static partial Regex RangeLine();
}
