using System.Text.Json;
using Auralis.Audio;
using Auralis.Library.Database;

namespace Auralis.Cli.Tests;

/// <summary>`auralis scan` and `auralis status`: the contract JSON, exit codes, and nothing lost.</summary>
public sealed class ScanCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private void AddTone(string name, double seconds)
    {
        Directory.CreateDirectory(Music);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * (300 + name.Length) * i / 44_100.0));
        }

        AudioFileWriter.Write(Path.Combine(Music, name), pcm, 44_100, 2, AudioSampleFormat.Pcm16);
    }

    [Fact]
    public void Scan_json_ends_with_the_contract_summary_and_status_agrees()
    {
        AddTone("a.wav", 1);
        AddTone("b.flac", 1);
        File.WriteAllBytes(Path.Combine(Music, "bad.mp3"), Enumerable.Repeat((byte)7, 3000).ToArray());

        var scan = CliRunner.Run("scan", Music, "--db", Db, "--json", "--workers", "2");
        Assert.Equal(3, scan.ExitCode); // finished, but a track failed
        var lines = scan.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal(["total", "complete", "error", "skipped", "too_short", "elapsed_s"], summary.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal((3, 2, 1, 0), (summary.RootElement.GetProperty("total").GetInt32(), summary.RootElement.GetProperty("complete").GetInt32(),
            summary.RootElement.GetProperty("error").GetInt32(), summary.RootElement.GetProperty("skipped").GetInt32()));
        Assert.Contains(lines, l => l.Contains("\"event\":\"failure\"", StringComparison.Ordinal) && l.Contains("bad.mp3", StringComparison.Ordinal));

        var status = CliRunner.Run("status", "--db", Db, "--json");
        Assert.Equal(0, status.ExitCode);
        using var s = JsonDocument.Parse(status.Out);
        Assert.Equal(["tracks", "pending", "processing", "complete", "error", "skipped", "errors"], s.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal((3, 2, 1), (s.RootElement.GetProperty("tracks").GetInt32(), s.RootElement.GetProperty("complete").GetInt32(), s.RootElement.GetProperty("error").GetInt32()));
        var error = Assert.Single(s.RootElement.GetProperty("errors").EnumerateArray());
        Assert.EndsWith("bad.mp3", error.GetProperty("path").GetString(), StringComparison.Ordinal);
        Assert.Contains("bad.mp3", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // A rescan of the unchanged folder does no work.
        var again = CliRunner.Run("scan", Music, "--db", Db, "--json");
        using var second = JsonDocument.Parse(again.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(3, second.RootElement.GetProperty("skipped").GetInt32());
    }

    [Fact]
    public void A_clean_library_exits_0_a_missing_folder_2_and_an_unusable_database_1()
    {
        AddTone("a.wav", 1);
        Assert.Equal(0, CliRunner.Run("scan", Music, "--db", Db).ExitCode);
        var missing = CliRunner.Run("scan", _temp.File("nope"), "--db", Db);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope", missing.Error, StringComparison.Ordinal);
        Directory.CreateDirectory(_temp.File("dir.db"));
        var badDb = CliRunner.Run("scan", Music, "--db", _temp.File("dir.db"));
        Assert.Equal(1, badDb.ExitCode);
        Assert.Contains("dir.db", badDb.Error, StringComparison.Ordinal);
    }

    [UnixFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_read_only_database_file_makes_the_scan_fail_loudly_and_nothing_is_reported_complete()
    {
        AddTone("a.wav", 1);
        AddTone("b.wav", 1);
        LibraryDatabase.Open(Db).Dispose(); // creates and migrates the database
        File.SetUnixFileMode(Db, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        // Root ignores file modes; the immutable attribute stops even root (ext4 and friends).
        var immutable = Environment.IsPrivilegedProcess && Chattr("+i", Db);
        try
        {
            Assert.True(!Environment.IsPrivilegedProcess || immutable, "cannot make the database read-only for root here (chattr +i failed)");
            var scan = CliRunner.Run("scan", Music, "--db", Db, "--json", "--no-sidecars");
            Assert.Equal(1, scan.ExitCode);
            Assert.Contains(Db, scan.Error, StringComparison.Ordinal);
            Assert.Contains("readonly", scan.Error.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("\"complete\"", scan.Out, StringComparison.Ordinal);
        }
        finally
        {
            if (immutable)
            {
                Chattr("-i", Db);
            }
        }

        using var db = LibraryDatabase.Open(Db);
        Assert.Equal(0, new TrackRepository(db).CountByStatus()[FingerprintStatus.Complete]);
    }

    private static bool Chattr(string flag, string path)
    {
        using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode == 0;
    }

    [Fact]
    public void Kill_9_during_a_scan_then_a_rescan_leaves_every_track_complete_and_none_duplicated()
    {
        // Many short tracks: the writer stores results in batches of up to 32 tracks, so the kill
        // has several batch boundaries to land between.
        const int tracks = 160;
        for (var i = 0; i < tracks; i++)
        {
            AddTone($"t{i:D3}.wav", 1);
        }

        var env = new Dictionary<string, string>();
        using (var scan = CliRunner.Start(env, "scan", Music, "--db", Db, "--workers", "1", "--json", "--no-sidecars"))
        {
            // Kill as soon as some (not all) tracks are stored.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (CompleteCount() < 1 && DateTime.UtcNow < deadline && !scan.HasExited)
            {
                Thread.Sleep(20);
            }

            Assert.False(scan.HasExited, "the scan finished before it could be killed; make the library bigger");
            scan.Kill(entireProcessTree: true); // SIGKILL: no cleanup runs
            scan.WaitForExit();
        }

        Assert.InRange(CompleteCount(), 1, tracks - 1);
        var rescan = CliRunner.RunProcess(env, "scan", Music, "--db", Db, "--workers", "2", "--json", "--no-sidecars");
        Assert.True(rescan.ExitCode == 0, rescan.Error);
        using var db = LibraryDatabase.Open(Db);
        Assert.Equal(tracks, new TrackRepository(db).CountByStatus()[FingerprintStatus.Complete]);
        Assert.Equal((long)tracks, db.Scalar("SELECT COUNT(DISTINCT filepath) FROM tracks"));
        Assert.Equal((long)tracks, db.Scalar("SELECT COUNT(*) FROM tracks"));
        Assert.Equal((long)tracks, db.Scalar("SELECT COUNT(*) FROM track_fingerprints"));
    }

    private long CompleteCount()
    {
        if (!File.Exists(Db))
        {
            return 0;
        }

        try
        {
            using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db};Mode=ReadOnly;Pooling=False");
            db.Open();
            using var command = db.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM tracks WHERE fingerprint_status = 'complete'";
            return (long)command.ExecuteScalar()!;
        }
        catch (Microsoft.Data.Sqlite.SqliteException)
        {
            return 0; // not created yet, or busy
        }
    }
}
