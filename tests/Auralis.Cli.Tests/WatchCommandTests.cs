using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>`auralis scan --watch` on a real process: the library follows the folder without another command.</summary>
public sealed class WatchCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private void WriteTone(string path, double hz, double seconds = 2)
    {
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        // Written beside and renamed into place, as a copy tool finishing a file would.
        var partial = Path.Combine(_temp.Path, Path.GetFileName(path) + ".partial.wav");
        AudioFileWriter.Write(partial, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
        File.Move(partial, path, overwrite: true);
    }

    /// <summary>The library's (file name, status, size) per track, once it satisfies <paramref name="done"/> (within 60 s).</summary>
    private List<(string Name, string Status, long Id)> WaitForLibrary(Func<List<(string Name, string Status, long Id)>, bool> done, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        List<(string, string, long)> tracks = [];
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var list = CliRunner.Run("list", "--db", Db, "--json", "--sort", "path");
            if (list.ExitCode == 0)
            {
                using var doc = JsonDocument.Parse(list.Out);
                tracks = [.. doc.RootElement.EnumerateArray().Select(t => (
                    Path.GetFileName(t.GetProperty("path").GetString()!), t.GetProperty("status").GetString()!, t.GetProperty("id").GetInt64()))];
                if (done(tracks))
                {
                    return tracks;
                }
            }

            Thread.Sleep(250);
        }

        throw new Xunit.Sdk.XunitException($"the watching scan did not pick up {what} within 60 s; library: {string.Join(", ", tracks)}");
    }

    [UnixFact]
    public void A_watched_library_picks_up_an_added_a_changed_a_moved_and_a_deleted_file()
    {
        Directory.CreateDirectory(Path.Combine(Music, "album"));
        WriteTone(Path.Combine(Music, "album", "a.wav"), 220);
        WriteTone(Path.Combine(Music, "album", "b.wav"), 330);
        using var process = CliRunner.StartWithDefaultSigint("scan", Music, "--db", Db, "--watch", "--json", "--no-sidecars", "--engine", "managed");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            WaitForLibrary(t => t.Count == 2 && t.All(x => x.Status == "complete"), "the first scan");

            WriteTone(Path.Combine(Music, "album", "c.wav"), 440);
            WaitForLibrary(t => t.Any(x => x is { Name: "c.wav", Status: "complete" }), "an added file");

            var before = WaitForLibrary(_ => true, "nothing");
            WriteTone(Path.Combine(Music, "album", "a.wav"), 550, seconds: 3); // new content, new size
            var changedId = before.Single(x => x.Name == "a.wav").Id;
            WaitForLibrary(t => t.Any(x => x.Name == "a.wav" && x.Status == "complete") && Duration(changedId) is > 2.5, "a changed file");

            var bId = before.Single(x => x.Name == "b.wav").Id;
            File.Move(Path.Combine(Music, "album", "b.wav"), Path.Combine(Music, "b moved.wav"));
            var moved = WaitForLibrary(t => t.Any(x => x.Name == "b moved.wav") && t.All(x => x.Name != "b.wav"), "a moved file");
            Assert.Equal(bId, moved.Single(x => x.Name == "b moved.wav").Id); // a move keeps the track (id, fingerprint)

            File.Delete(Path.Combine(Music, "album", "c.wav"));
            WaitForLibrary(t => t.All(x => x.Name != "c.wav"), "a deleted file");

            Assert.Equal(0, CliRunner.Signal(process.Id, 2));
            Assert.True(process.WaitForExit(30_000), "a watching scan must stop within 30 s of Ctrl-C");
            Assert.Equal(130, process.ExitCode);
            Assert.Contains("\"event\":\"rescan\"", output.Result, StringComparison.Ordinal);
            Assert.Contains("watching", errors.Result, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private double? Duration(long id)
    {
        using var doc = JsonDocument.Parse(CliRunner.Run("list", "--db", Db, "--json").Out);
        var track = doc.RootElement.EnumerateArray().Single(t => t.GetProperty("id").GetInt64() == id);
        return track.GetProperty("duration_s").ValueKind == JsonValueKind.Number ? track.GetProperty("duration_s").GetDouble() : null;
    }
}
