using System.Text.Json;
using Auralis.Audio;
using Auralis.Library.Database;

namespace Auralis.Cli.Tests;

/// <summary>`auralis forget`, `scan --exclude`, dotfiles, too-short files and linked folders (docs/scanning.md).</summary>
public sealed class ForgetAndExcludeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private string AddTone(string name, double seconds = 1.0)
    {
        var path = Path.Combine(Music, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        var hz = 200 + (Math.Abs(name.GetHashCode(StringComparison.Ordinal)) % 800);
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * hz * i / 44_100.0) * (1 + (0.5 * Math.Sin(i / 3000.0))));
        }

        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
        return path;
    }

    private CliResult Scan(params string[] extra) => CliRunner.Run(["scan", Music, "--db", Db, "--workers", "2", "--no-sidecars", .. extra]);

    private static JsonElement Summary(CliResult result)
    {
        using var document = JsonDocument.Parse(result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        return document.RootElement.Clone();
    }

    private long Scalar(string sql)
    {
        using var db = LibraryDatabase.Open(Db);
        using var command = db.Command(sql);
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void Forget_removes_a_vanished_folders_tracks_and_their_graph_edges_and_lists_them()
    {
        var a = AddTone("album/a.wav");
        var b = AddTone("album/b.wav");
        AddTone("c.wav");
        AddTone("d.wav");
        Assert.Equal(0, Scan().ExitCode);
        Assert.True(Scalar("SELECT COUNT(*) FROM similarity_graph WHERE track_id IN (SELECT id FROM tracks WHERE filepath LIKE '%/album/%') OR neighbor_id IN (SELECT id FROM tracks WHERE filepath LIKE '%/album/%')") > 0);
        Directory.Delete(Path.Combine(Music, "album"), recursive: true);

        var forget = CliRunner.Run("forget", Path.Combine(Music, "album"), "--db", Db);

        Assert.Equal(0, forget.ExitCode);
        Assert.Contains("Forgot 2 track(s)", forget.Out, StringComparison.Ordinal);
        Assert.Contains(a, forget.Out, StringComparison.Ordinal);
        Assert.Contains(b, forget.Out, StringComparison.Ordinal);
        Assert.Equal(2, Scalar("SELECT COUNT(*) FROM tracks"));
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM similarity_graph WHERE track_id NOT IN (SELECT id FROM tracks) OR neighbor_id NOT IN (SELECT id FROM tracks)"));
        Assert.Equal(2, Scalar("SELECT COUNT(*) FROM track_fingerprints"));
        Assert.True(Scalar("SELECT COUNT(*) FROM similarity_graph") > 0); // the two left still relate to each other
    }

    [Fact]
    public void Forget_refuses_a_path_that_still_exists_and_is_not_excluded_unless_forced()
    {
        AddTone("a.wav");
        Assert.Equal(0, Scan().ExitCode);

        var refused = CliRunner.Run("forget", Music, "--db", Db);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("still exists and is not excluded", refused.Error, StringComparison.Ordinal);
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM tracks"));

        var dryRun = CliRunner.Run("forget", Music, "--db", Db, "--force", "--dry-run", "--json");
        Assert.Equal(0, dryRun.ExitCode);
        Assert.Equal(1, Summary(dryRun).GetProperty("forgotten").GetInt32());
        Assert.True(Summary(dryRun).GetProperty("dry_run").GetBoolean());
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM tracks"));

        Assert.Equal(0, CliRunner.Run("forget", Music, "--db", Db, "--force").ExitCode);
        Assert.Equal(0, Scalar("SELECT COUNT(*) FROM tracks"));
    }

    [Fact]
    public void Forget_with_no_matching_track_or_no_database_is_an_error_and_creates_nothing()
    {
        AddTone("a.wav");
        var missingDb = _temp.File("typo.db");
        var noDb = CliRunner.Run("forget", Music, "--db", missingDb);
        Assert.Equal(1, noDb.ExitCode);
        Assert.Contains("no library database", noDb.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(missingDb));

        Assert.Equal(0, Scan().ExitCode);
        var none = CliRunner.Run("forget", Path.Combine(Music, "nothing-here"), "--db", Db);
        Assert.Equal(1, none.ExitCode);
        Assert.Contains("no track of the library", none.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_newly_excluded_folder_is_kept_and_reported_by_the_scan_and_forget_then_removes_it()
    {
        var live = AddTone("live/one.wav");
        AddTone("a.wav");
        Assert.Equal(0, Scan().ExitCode);
        File.WriteAllLines(Path.Combine(Music, ".auralisignore"), ["# concert recordings", "live/"]);

        var rescan = Scan();
        Assert.Equal(0, rescan.ExitCode);
        Assert.Contains("excluded now", rescan.Error, StringComparison.Ordinal);
        Assert.Contains(live, rescan.Error, StringComparison.Ordinal);
        Assert.Equal(2, Scalar("SELECT COUNT(*) FROM tracks"));

        var forget = CliRunner.Run("forget", Path.Combine(Music, "live"), "--db", Db, "--json");
        Assert.Equal(0, forget.ExitCode);
        Assert.Equal(live, Summary(forget).GetProperty("tracks")[0].GetProperty("path").GetString());
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM tracks"));
    }

    [Fact]
    public void Scan_exclude_is_repeatable_and_leaves_matching_files_out()
    {
        AddTone("keep.wav");
        AddTone("live/one.wav");
        AddTone("demo-1.wav");

        var scan = Scan("--exclude", "live", "--exclude", "demo-*", "--json");

        Assert.Equal(0, scan.ExitCode);
        Assert.Equal(1, Summary(scan).GetProperty("total").GetInt32());
        var invalid = Scan("--exclude", "[oops");
        Assert.Equal(1, invalid.ExitCode);
        Assert.Contains("--exclude", invalid.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AppleDouble_and_hidden_junk_is_not_counted_and_does_not_make_the_scan_fail()
    {
        AddTone("a.wav");
        File.WriteAllBytes(Path.Combine(Music, "._a.wav"), Enumerable.Repeat((byte)7, 4096).ToArray());
        File.WriteAllBytes(Path.Combine(Music, ".hidden.ogg"), Enumerable.Repeat((byte)7, 4096).ToArray());

        var scan = Scan("--json");

        Assert.Equal(0, scan.ExitCode);
        Assert.Equal((1, 0), (Summary(scan).GetProperty("total").GetInt32(), Summary(scan).GetProperty("error").GetInt32()));
    }

    [Fact]
    public void An_AppleDouble_file_an_earlier_version_stored_as_failed_no_longer_makes_every_rescan_exit_3()
    {
        AddTone("a.wav");
        var junk = Path.Combine(Music, "._a.wav");
        File.WriteAllBytes(junk, Enumerable.Repeat((byte)7, 4096).ToArray());
        using (var db = LibraryDatabase.Open(Db))
        {
            var tracks = new TrackRepository(db);
            tracks.SetStatus(tracks.Add(junk, 4096, 1), FingerprintStatus.Error, $"{junk}: not an audio file");
        }

        var scan = Scan("--json");

        Assert.Equal(0, scan.ExitCode);
        Assert.Equal(0, Summary(scan).GetProperty("error").GetInt32());
        Assert.Contains("excluded now", scan.Error, StringComparison.Ordinal);
        Assert.Equal(0, CliRunner.Run("forget", junk, "--db", Db).ExitCode); // its name starts with "."
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM tracks"));
    }

    [Fact]
    public void A_too_short_file_is_skipped_with_exit_0_reported_once_and_not_retried()
    {
        var blip = AddTone("blip.wav", seconds: 0.2);
        AddTone("song.wav");

        var first = Scan("--json");
        Assert.Equal(0, first.ExitCode);
        Assert.Equal((0, 1), (Summary(first).GetProperty("error").GetInt32(), Summary(first).GetProperty("too_short").GetInt32()));
        Assert.Contains("too short", first.Error, StringComparison.Ordinal);
        Assert.Contains(first.Out.Split('\n'), l => l.Contains("\"event\":\"skipped\"", StringComparison.Ordinal) && l.Contains(blip, StringComparison.Ordinal));

        var again = Scan();
        Assert.Equal(0, again.ExitCode);
        Assert.DoesNotContain("too short", again.Error, StringComparison.Ordinal);
        Assert.Equal(1, Scalar("SELECT COUNT(*) FROM tracks WHERE fingerprint_status = 'skipped' AND fingerprint_attempts = 0"));
    }

    [UnixFact]
    public void Scanning_through_a_linked_folder_adds_nothing_and_counts_the_same_tracks()
    {
        AddTone("a.wav");
        AddTone("b.wav");
        Assert.Equal(0, Scan().ExitCode);
        var link = _temp.File("link");
        Directory.CreateSymbolicLink(link, Music);

        var through = CliRunner.Run("scan", link, "--db", Db, "--no-sidecars", "--json");

        Assert.Equal(0, through.ExitCode);
        Assert.Equal((2, 2), (Summary(through).GetProperty("total").GetInt32(), Summary(through).GetProperty("skipped").GetInt32()));
        Assert.Equal(2, Scalar("SELECT COUNT(*) FROM tracks"));
    }
}
