using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Auralis.Tests.Support;

/// <summary>The independent loudness reference: the summary of `ffmpeg -af ebur128=peak=true`.</summary>
/// <param name="Integrated">Integrated loudness, LUFS.</param>
/// <param name="Range">Loudness range, LU.</param>
/// <param name="TruePeak">True peak, dBFS (ffmpeg's 4x-oversampled reading).</param>
public sealed record EbuSummary(double Integrated, double Range, double TruePeak);

public static partial class FfmpegEbur128
{
    /// <summary>Runs ffmpeg's ebur128 filter over the file and reads its summary (fails the test if ffmpeg fails).</summary>
    public static EbuSummary Measure(string path)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostats", "-hide_banner", "-nostdin", "-i", path, "-af", "ebur128=peak=true", "-f", "null", "-" })
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
        return new EbuSummary(Read(IntegratedLine()), Read(RangeLine()), Read(PeakLine()));
    }

    [GeneratedRegex(@"I:\s+(-?[\d.]+) LUFS")]
    private static partial Regex IntegratedLine();

    [GeneratedRegex(@"LRA:\s+(-?[\d.]+) LU")]
    private static partial Regex RangeLine();

    [GeneratedRegex(@"Peak:\s+(-?[\d.]+|-inf) dBFS")]
    private static partial Regex PeakLine();
}
