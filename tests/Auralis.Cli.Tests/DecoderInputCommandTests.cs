using System.Diagnostics;
using System.Text.Json;
using Auralis.Audio;
using Auralis.Library.Database;

namespace Auralis.Cli.Tests;

/// <summary>
/// `auralis fingerprint` and `auralis scan` on what the decoder refuses: FIFOs (which used to hang
/// the scan for ever) and files whose decoded samples are garbage (which used to be stored as
/// complete with LUFS +743), next to good files that must still be fingerprinted.
/// </summary>
public sealed class DecoderInputCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => Directory.CreateDirectory(_temp.File("music")).FullName;

    private string Db => _temp.File("library.db");

    private string AddFloatWav(string name, double amplitude, float? spike = null)
    {
        var frames = 44_100 * 2;
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(amplitude * Math.Sin(2 * Math.PI * 330 * i / 44_100.0));
        }

        if (spike is float s)
        {
            pcm[2 * 50_000] = s;
        }

        var path = Path.Combine(Music, name);
        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Float32);
        return path;
    }

    private string AddFifo(string name)
    {
        var path = Path.Combine(Music, name);
        using var mkfifo = Process.Start("mkfifo", [path]);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Scan_of_a_folder_with_a_fifo_finishes_with_exit_3_and_lists_the_fifo_with_its_cause()
    {
        AddFloatWav("good.wav", 0.3);
        var fifo = AddFifo("x.flac");
        var clock = Stopwatch.StartNew();
        var scan = CliRunner.RunProcess(new Dictionary<string, string>(), "scan", Music, "--db", Db, "--json", "--no-sidecars");
        Console.WriteLine($"scan with a FIFO finished in {clock.Elapsed.TotalSeconds:0.0} s, exit {scan.ExitCode}");
        Assert.True(scan.ExitCode == 3, $"exit {scan.ExitCode}: {scan.Error}");
        var lines = scan.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("\"event\":\"failure\"", StringComparison.Ordinal) && l.Contains("x.flac", StringComparison.Ordinal)
            && l.Contains("not a regular file: a named pipe (FIFO)", StringComparison.Ordinal));
        using var summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal((1, 1), (summary.RootElement.GetProperty("complete").GetInt32(), summary.RootElement.GetProperty("error").GetInt32()));

        var fingerprint = CliRunner.RunProcess(new Dictionary<string, string>(), "fingerprint", fifo);
        Assert.NotEqual(0, fingerprint.ExitCode);
        Assert.Contains("not a regular file: a named pipe (FIFO)", fingerprint.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rescan_retries_an_unchanged_track_whose_error_an_older_decoder_stored_and_it_becomes_complete()
    {
        var path = AddFloatWav("transcoded.wav", 0.3);
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars").ExitCode);

        // The state an older Auralis left: the file unchanged, its track in error from a decoder
        // that gave up (generation 0: before the generation was stored).
        using (var db = LibraryDatabase.Open(Db))
        {
            using var command = db.Command(
                "UPDATE tracks SET fingerprint_status = 'error', fingerprint_error_generation = 0, " +
                "fingerprint_error_message = $m WHERE filepath = $p");
            command.Parameters.AddWithValue("$m", $"{path}: libsndfile failed at frame 959688: Supported file format but file is malformed. The file is damaged; re-copy, re-download or re-encode it.");
            command.Parameters.AddWithValue("$p", path);
            Assert.Equal(1, command.ExecuteNonQuery());
            using var drop = db.Command("DELETE FROM track_fingerprints");
            drop.ExecuteNonQuery();
        }

        var rescan = CliRunner.Run("scan", Music, "--db", Db, "--json", "--no-sidecars");
        Assert.True(rescan.ExitCode == 0, rescan.Out + rescan.Error);
        using var status = JsonDocument.Parse(CliRunner.Run("status", "--db", Db, "--json").Out);
        Assert.Equal((1, 0), (status.RootElement.GetProperty("complete").GetInt32(), status.RootElement.GetProperty("error").GetInt32()));

        // An error of the current generation is not retried while the file stays the same.
        using (var db = LibraryDatabase.Open(Db))
        {
            using var command = db.Command($"UPDATE tracks SET fingerprint_status = 'error', fingerprint_error_generation = {AudioDecoder.Generation}");
            command.ExecuteNonQuery();
        }

        var again = CliRunner.Run("scan", Music, "--db", Db, "--json", "--no-sidecars");
        using var summary = JsonDocument.Parse(again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(1, summary.RootElement.GetProperty("skipped").GetInt32());
    }

    [Fact]
    public void Fingerprint_refuses_a_float_wav_of_huge_values_and_accepts_one_peaking_at_1_5()
    {
        var huge = AddFloatWav("huge.wav", 0.3, spike: 3e38f);
        var refused = CliRunner.Run("fingerprint", huge, "--json");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("decoded samples reach 3E+38", refused.Error, StringComparison.Ordinal);
        Assert.Contains("the file is damaged or not audio", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("lufs", refused.Out, StringComparison.Ordinal);

        var hot = AddFloatWav("hot.wav", 1.5);
        var accepted = CliRunner.Run("fingerprint", hot, "--json");
        Assert.True(accepted.ExitCode == 0, accepted.Error);
        Assert.Contains("lufs", accepted.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_stores_a_float_wav_of_huge_values_as_an_error_with_the_cause_and_a_hot_one_as_complete()
    {
        AddFloatWav("huge.wav", 0.3, spike: -237f);
        AddFloatWav("hot.wav", 1.5);
        var scan = CliRunner.Run("scan", Music, "--db", Db, "--json", "--no-sidecars");
        Assert.Equal(3, scan.ExitCode);

        var status = CliRunner.Run("status", "--db", Db, "--json");
        using var s = JsonDocument.Parse(status.Out);
        Assert.Equal((2, 1, 1), (s.RootElement.GetProperty("tracks").GetInt32(), s.RootElement.GetProperty("complete").GetInt32(), s.RootElement.GetProperty("error").GetInt32()));
        var error = Assert.Single(s.RootElement.GetProperty("errors").EnumerateArray());
        Assert.EndsWith("huge.wav", error.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Contains("decoded samples reach 237 (+47 dBFS)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
