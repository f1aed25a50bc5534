using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

public sealed class SimilarCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private void AddTone(string name, double hz, double seconds = 2)
    {
        Directory.CreateDirectory(Music);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.3 * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        AudioFileWriter.Write(Path.Combine(Music, name), pcm, 44_100, 2, AudioSampleFormat.Pcm16);
    }

    [Fact]
    public void An_exact_copy_under_another_name_is_the_nearest_track_at_distance_0()
    {
        AddTone("a.wav", 220);
        File.Copy(Path.Combine(Music, "a.wav"), Path.Combine(Music, "copy of a.wav"));
        AddTone("b.wav", 880);
        AddTone("c.wav", 3000);
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars").ExitCode);

        var result = CliRunner.Run("similar", Path.Combine(Music, "a.wav"), "--db", Db, "--json", "-k", "2");
        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var list = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, list.Count);
        Assert.Equal(["track_id", "path", "title", "artist", "album", "distance"], list[0].EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("copy of a.wav", list[0].GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.0, list[0].GetProperty("distance").GetDouble());
        Assert.True(list[1].GetProperty("distance").GetDouble() > 0);

        // The same by track id, and for a file outside the library (fingerprinted on the fly).
        var id = list[0].GetProperty("track_id").GetInt64();
        var byId = JsonDocument.Parse(CliRunner.Run("similar", id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--db", Db, "--json", "-k", "1").Out);
        Assert.EndsWith("a.wav", byId.RootElement[0].GetProperty("path").GetString(), StringComparison.Ordinal);
        var outside = _temp.File("outside.wav");
        File.Copy(Path.Combine(Music, "c.wav"), outside);
        var fromFile = JsonDocument.Parse(CliRunner.Run("similar", outside, "--db", Db, "--json", "-k", "1").Out);
        Assert.EndsWith("c.wav", fromFile.RootElement[0].GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.0, fromFile.RootElement[0].GetProperty("distance").GetDouble());
    }

    [Fact]
    public void Each_scan_keeps_the_stored_graph_equal_to_a_full_rebuild()
    {
        // 14 tracks: one more or one fewer stays under the 10 % refit threshold, so later scans
        // take the incremental path (which the scan output names).
        for (var i = 0; i < 14; i++)
        {
            AddTone($"{(char)('a' + i)}.wav", 150 + (i * 97), seconds: 1);
        }

        void ScanAndCheck(string expect)
        {
            var scan = CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars");
            Assert.True(scan.ExitCode == 0, scan.Error);
            Assert.Contains(expect, scan.Out, StringComparison.Ordinal);
            using var db = Auralis.Library.Database.LibraryDatabase.Open(Db);
            var stored = Auralis.Similarity.SimilarityGraph.Load(db);
            var rebuilt = Auralis.Similarity.SimilarityGraph.Build(Auralis.Similarity.LibrarySimilarity.Load(db).Index);
            Assert.Equal(rebuilt.Keys.Order(), stored.Keys.Order());
            foreach (var (id, list) in rebuilt)
            {
                Assert.Equal(list, stored[id]);
            }
        }

        ScanAndCheck("graph rebuilt");
        File.Copy(Path.Combine(Music, "a.wav"), Path.Combine(Music, "a copy.wav"));
        ScanAndCheck("graph updated"); // a track added
        AddTone("b.wav", 300, seconds: 2);
        File.Delete(Path.Combine(Music, "d.wav"));
        ScanAndCheck("graph updated"); // a track changed and one removed
    }

    [Fact]
    public void Unknown_targets_and_a_missing_library_are_clear_usage_errors()
    {
        var missingDb = CliRunner.Run("similar", "1", "--db", Db);
        Assert.Equal(2, missingDb.ExitCode);
        Assert.Contains("auralis scan", missingDb.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Db)); // a read-only command never creates the database
        Auralis.Library.Database.LibraryDatabase.Open(Db).Dispose(); // an empty library
        var empty = CliRunner.Run("similar", "1", "--db", Db);
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("auralis scan", empty.Error, StringComparison.Ordinal);
        AddTone("a.wav", 220);
        CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars");
        var unknown = CliRunner.Run("similar", "99999", "--db", Db);
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("99999", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, CliRunner.Run("similar", "1", "--db", Db, "-k", "0").ExitCode);
    }
}
