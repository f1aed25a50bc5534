using System.Text.Json;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Cli.Tests;

/// <summary>
/// `auralis tag` (docs/tags.md): exit codes, gains from the library's stored loudness without a
/// decode, album loudness from pooled blocks, bad files reported while the others are tagged.
/// </summary>
public sealed class TagCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Db => _temp.File("library.db");

    private string Music(string folder = "music")
    {
        var path = _temp.File(folder);
        Directory.CreateDirectory(path);
        return path;
    }

    private static string Flac(string folder, string name, double amplitude, double seconds = 5) =>
        TagTestFiles.Encode(TagTestFiles.Wav(Path.Combine(folder, name + ".src.wav.tmp.wav"), seconds, amplitude), Path.Combine(folder, name + ".flac"));

    private static List<JsonElement> Events(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone())];

    private static JsonElement Summary(string output) => Events(output).Single(e => e.GetProperty("event").GetString() == "summary");

    [Fact]
    public void A_path_that_does_not_exist_exits_2_and_is_named()
    {
        var result = CliRunner.Run("tag", _temp.File("nope"), "--db", Db);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(_temp.File("nope"), result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_database_exits_2_with_or_without_paths()
    {
        Assert.Equal(2, CliRunner.Run("tag", "--db", Db).ExitCode);
        Assert.Equal(2, CliRunner.Run("tag", Music(), "--db", Db).ExitCode);
        Assert.False(File.Exists(Db)); // refused, not created empty
    }

    [FfmpegTagFact]
    public void Gains_come_from_the_library_without_decoding_and_a_second_run_changes_no_byte()
    {
        var music = Music();
        var loud = Flac(music, "loud", 0.5);
        var quiet = Flac(music, "quiet", 0.05);
        foreach (var wav in Directory.GetFiles(music, "*.wav"))
        {
            File.Delete(wav);
        }

        Assert.Equal(0, CliRunner.Run("scan", music, "--db", Db, "--no-sidecars").ExitCode);

        var first = CliRunner.Run("tag", music, "--db", Db, "--json");
        Assert.Equal(0, first.ExitCode);
        var summary = Summary(first.Out);
        Assert.Equal(2, summary.GetProperty("from_database").GetInt32());
        Assert.Equal(0, summary.GetProperty("measured").GetInt32());
        Assert.Equal(2, summary.GetProperty("tagged").GetInt32());

        // The stored loudness is the file's: a decode now measures the same.
        foreach (var tagged in Events(first.Out).Where(e => e.GetProperty("event").GetString() == "tagged"))
        {
            var path = tagged.GetProperty("path").GetString()!;
            var measured = TrackLoudness.Measure(new AudioFilePcmSource(path));
            Assert.Equal(Math.Round(measured.IntegratedLufs, 2), tagged.GetProperty("track_lufs").GetDouble(), 2);
            Assert.Equal(Math.Round(measured.TruePeakDbtp, 2), tagged.GetProperty("track_peak_dbtp").GetDouble(), 2);
        }

        var bytes = new[] { loud, quiet }.Select(File.ReadAllBytes).ToList();
        var second = CliRunner.Run("tag", music, "--db", Db, "--json");
        Assert.Equal(0, second.ExitCode);
        Assert.Equal(2, Summary(second.Out).GetProperty("unchanged").GetInt32());
        Assert.Equal(bytes, new[] { loud, quiet }.Select(File.ReadAllBytes).ToList());

        // Without paths: every track of the library.
        var all = CliRunner.Run("tag", "--db", Db, "--json");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal(2, Summary(all.Out).GetProperty("unchanged").GetInt32());
    }

    [FfmpegTagFact]
    public void Album_loudness_pools_the_tracks_blocks_and_albums_are_folders_without_album_tags()
    {
        var first = Music("one");
        var second = Music("two");
        var files = new[] { Flac(first, "a", 0.5), Flac(first, "b", 0.05, 10), Flac(second, "c", 0.2), Flac(second, "d", 0.3) };
        Assert.Equal(0, LibraryCreate());

        var result = CliRunner.Run("tag", _temp.File("one"), _temp.File("two"), "--album", "--dry-run", "--json", "--db", Db);
        Assert.Equal(0, result.ExitCode);
        var events = Events(result.Out).Where(e => e.GetProperty("event").GetString() == "would-tag").ToDictionary(e => e.GetProperty("path").GetString()!);
        Assert.Equal(4, events.Count);

        var measured = files.ToDictionary(f => f, f => TrackLoudness.Measure(new AudioFilePcmSource(f)));
        foreach (var album in new[] { files[..2], files[2..] })
        {
            var expected = LoudnessHistogram.IntegratedLufs(album.Select(f => measured[f].Histogram));
            var peak = album.Max(f => measured[f].TruePeakDbtp);
            foreach (var file in album)
            {
                Assert.Equal(Math.Round(expected, 2), events[file].GetProperty("album_lufs").GetDouble(), 2);
                Assert.Equal(Math.Round(peak, 2), events[file].GetProperty("album_peak_dbtp").GetDouble(), 2);
            }
        }

        // Not a mean of track loudnesses: the loud track dominates the quiet one's longer run.
        var a = measured[files[0]].IntegratedLufs;
        var b = measured[files[1]].IntegratedLufs;
        Assert.True(events[files[0]].GetProperty("album_lufs").GetDouble() > ((a + b) / 2) + 1, "album loudness should be gated over all blocks");
        Assert.All(files, f => Assert.DoesNotContain("REPLAYGAIN", File.ReadAllText(f), StringComparison.Ordinal)); // dry run
    }

    [FfmpegTagFact]
    public void An_unsupported_or_broken_file_is_reported_by_name_and_the_others_are_tagged()
    {
        var music = Music();
        var good = Flac(music, "good", 0.3);
        var wav = Path.Combine(music, "good.src.wav.tmp.wav");
        var broken = Path.Combine(music, "broken.mp3");
        File.WriteAllBytes(broken, [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 37))]);
        var brokenBytes = File.ReadAllBytes(broken);
        Assert.Equal(0, LibraryCreate());

        var result = CliRunner.Run("tag", music, "--db", Db);
        Assert.Equal(3, result.ExitCode);
        Assert.Contains(broken, result.Out + result.Error, StringComparison.Ordinal);
        Assert.Contains(wav, result.Error, StringComparison.Ordinal);
        Assert.Contains("unsupported", result.Error, StringComparison.Ordinal);
        Assert.Contains("REPLAYGAIN_TRACK_GAIN", TagTestFiles.ProbeTags(good).Keys);
        Assert.Equal(brokenBytes, File.ReadAllBytes(broken));
        Assert.Contains("1 failed", result.Out, StringComparison.Ordinal);
    }

    /// <summary>An empty library database (tag refuses a --db that does not exist).</summary>
    private int LibraryCreate()
    {
        Auralis.Library.Database.LibraryDatabase.Open(Db).Dispose();
        return 0;
    }
}
