using System.Diagnostics;

namespace Auralis.Cli.Tests;

/// <summary>
/// Ctrl-C (SIGINT) as a user presses it on a real process: the command stops cleanly and exits 130,
/// never 1, so a script can tell "stopped" from "failed".
/// </summary>
public sealed class InterruptionTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [UnixFact]
    public async Task Ctrl_c_stops_serve_cleanly_with_exit_130()
    {
        var music = Directory.CreateDirectory(_temp.File("music")).FullName;
        using var process = CliRunner.StartWithDefaultSigint("serve", "--db", _temp.File("lib.db"), "--urls", "http://127.0.0.1:0", "--root", music, "--engine", "managed");
        try
        {
            await CliRunner.ListeningAddressAsync(process);
            var output = process.StandardOutput.ReadToEndAsync();
            Assert.Equal(0, CliRunner.Signal(process.Id, Sigint));
            Assert.True(process.WaitForExit(20_000), "serve must stop within 20 s of Ctrl-C");
            Assert.Equal(130, process.ExitCode);
            Assert.Contains("auralis: stopping", await output, StringComparison.Ordinal);
        }
        finally
        {
            KillIfRunning(process);
        }
    }

    [UnixFact]
    public async Task Ctrl_c_during_a_scan_exits_130_and_returns_the_tracks_in_progress_to_pending()
    {
        var music = Directory.CreateDirectory(_temp.File("music")).FullName;
        for (var i = 0; i < 12; i++)
        {
            WriteTone(Path.Combine(music, $"t{i:D2}.wav"), 200 + (37 * i), seconds: 40);
        }

        var db = _temp.File("lib.db");
        using var process = CliRunner.StartWithDefaultSigint("scan", music, "--db", db, "--json", "--workers", "1", "--no-sidecars", "--engine", "managed");
        try
        {
            var errors = process.StandardError.ReadToEndAsync();
            // Wait until fingerprinting is under way (the first progress line), then press Ctrl-C.
            while (await process.StandardOutput.ReadLineAsync() is { } line && !line.Contains("\"event\":\"progress\"", StringComparison.Ordinal))
            {
            }

            Assert.Equal(0, CliRunner.Signal(process.Id, Sigint));
            Assert.True(process.WaitForExit(60_000), "scan must stop within 60 s of Ctrl-C");
            Assert.Equal(130, process.ExitCode);
            var stderr = await errors;
            Assert.Contains("went back to pending", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", stderr, StringComparison.Ordinal);
        }
        finally
        {
            KillIfRunning(process);
        }

        // Nothing is left "processing", and the same scan finishes the job.
        var status = CliRunner.Run("status", "--db", db, "--json");
        using var counts = System.Text.Json.JsonDocument.Parse(status.Out);
        Assert.Equal(0, counts.RootElement.GetProperty("processing").GetInt32());
        Assert.True(counts.RootElement.GetProperty("pending").GetInt32() > 0, "the scan should have been stopped before its end");
        Assert.Equal(0, CliRunner.Run("scan", music, "--db", db, "--no-sidecars", "--engine", "managed").ExitCode);
    }

    private const int Sigint = 2;

    private static void WriteTone(string path, double hz, double seconds)
    {
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        Auralis.Audio.AudioFileWriter.Write(path, pcm, 44_100, 2, Auralis.Audio.AudioSampleFormat.Pcm16);
    }

    private static void KillIfRunning(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
