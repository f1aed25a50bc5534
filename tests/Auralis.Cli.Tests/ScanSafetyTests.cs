using System.Text.Json;
using Auralis.Audio;
using Auralis.Library.Database;

namespace Auralis.Cli.Tests;

/// <summary>
/// `auralis scan` never removes a track because something could not be read, says what it could
/// not read, and exits 3 for it (README: exit codes).
/// </summary>
public sealed class ScanSafetyTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    internal static void AddTone(string path, double seconds = 0.5)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        var hz = 200 + (Path.GetFileName(path).Length * 37 % 500);
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
    }

    internal static List<JsonElement> JsonLinesOf(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    private (long Tracks, long Fingerprints) Counts()
    {
        using var db = LibraryDatabase.Open(Db);
        return (new TrackRepository(db).Count(), new FingerprintRepository(db).Count());
    }

    [OtherUserFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_folder_the_scan_cannot_read_keeps_its_tracks_and_fingerprints_is_reported_and_exits_3()
    {
        AddTone(Path.Combine(Music, "a.wav"));
        var locked = Path.Combine(Music, "locked");
        AddTone(Path.Combine(locked, "b.wav"));
        AddTone(Path.Combine(locked, "c.wav"));
        var first = CliRunner.Run("scan", Music, "--db", Db, "--json");
        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Equal((3, 3), Counts());

        // One of them still waits for its fingerprint: it must not end in an error for this scan.
        var waiting = Path.Combine(locked, "c.wav");
        using (var db = LibraryDatabase.Open(Db))
        {
            var id = new TrackRepository(db).GetByPath(waiting)!.Id;
            new FingerprintRepository(db).Delete(id);
            new TrackRepository(db).SetStatus(id, FingerprintStatus.Pending);
        }

        var home = Directory.CreateDirectory(_temp.File("home")).FullName;
        OtherUser.Own(_temp.Path);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        CliResult scan;
        try
        {
            scan = CliRunner.RunProcessAsOtherUser(OtherUser.EnvironmentFor(home), "scan", Music, "--db", Db, "--json");
        }
        finally
        {
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        Assert.True(scan.ExitCode == 3, $"exit {scan.ExitCode}: {scan.Error}");
        Assert.Contains($"cannot read folder {locked}", scan.Error, StringComparison.Ordinal);
        Assert.Contains("2 tracks kept", scan.Error, StringComparison.Ordinal);
        var unreadable = Assert.Single(JsonLinesOf(scan.Out), l => l.TryGetProperty("event", out var e) && e.GetString() == "unreadable");
        Assert.Equal(locked, unreadable.GetProperty("path").GetString());
        Assert.Contains("ermission denied", unreadable.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal((3, 2), Counts());
        using (var db = LibraryDatabase.Open(Db))
        {
            Assert.Equal(FingerprintStatus.Pending, new TrackRepository(db).GetByPath(waiting)!.Status);
        }

        // Readable again: nothing was lost, so only the waiting track needs fingerprinting.
        var again = CliRunner.Run("scan", Music, "--db", Db, "--json");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal(2, JsonLinesOf(again.Out)[^1].GetProperty("skipped").GetInt32());
        Assert.Equal((3, 3), Counts());
    }

    [Fact]
    public void A_root_that_vanished_or_came_up_empty_keeps_its_tracks_is_reported_and_exits_3()
    {
        AddTone(Path.Combine(Music, "a.wav"));
        AddTone(Path.Combine(Music, "sub", "b.wav"));
        var other = _temp.File("other");
        AddTone(Path.Combine(other, "c.wav"));
        Assert.Equal(0, CliRunner.Run("scan", Music, other, "--db", Db).ExitCode);
        Assert.Equal((3, 3), Counts());

        // Unmounted: the folder is gone. The other root is still scanned.
        var away = _temp.File("away");
        Directory.Move(Music, away);
        AddTone(Path.Combine(other, "d.wav"));
        var missing = CliRunner.Run("scan", Music, other, "--db", Db, "--json");
        Assert.True(missing.ExitCode == 3, $"exit {missing.ExitCode}: {missing.Error}");
        Assert.Contains(Music, missing.Error, StringComparison.Ordinal);
        Assert.Contains("2 tracks kept", missing.Error, StringComparison.Ordinal);
        Assert.Contains(JsonLinesOf(missing.Out), l => l.TryGetProperty("event", out var e) && e.GetString() == "unreadable" && l.GetProperty("path").GetString() == Music);
        Assert.Equal((4, 4), Counts());

        // An empty mount point where the library used to be.
        Directory.CreateDirectory(Music);
        var empty = CliRunner.Run("scan", Music, "--db", Db);
        Assert.True(empty.ExitCode == 3, $"exit {empty.ExitCode}: {empty.Error}");
        Assert.Contains("empty", empty.Error, StringComparison.Ordinal);
        Assert.Equal((4, 4), Counts());

        // Mounted again: everything is still there and up to date.
        Directory.Delete(Music);
        Directory.Move(away, Music);
        var back = CliRunner.Run("scan", Music, other, "--db", Db, "--json");
        Assert.True(back.ExitCode == 0, back.Error);
        Assert.Equal(4, JsonLinesOf(back.Out)[^1].GetProperty("skipped").GetInt32());

        // Gone for good, and the user says so: only then are its tracks removed.
        Directory.Move(Music, away);
        var forget = CliRunner.Run("scan", Music, other, "--db", Db, "--forget-missing");
        Assert.True(forget.ExitCode == 0, forget.Error);
        Assert.Equal((2, 2), Counts());
    }

    [UnixFact]
    public void A_path_over_the_system_limit_is_an_error_track_with_its_cause_and_later_scans_still_work()
    {
        AddTone(Path.Combine(Music, "a.wav"));
        var tone = Path.Combine(Music, "a.wav");
        // PATH_MAX (4096) bounds full paths, not the steps of a cd: build the tree one level at a time.
        var level = new string('d', 200);
        var deep = Sh($"cd \"$1\" && for i in $(seq 20); do mkdir {level} && cd {level} || exit 1; done && cp \"$2\" ./{new string('f', 100)}.wav && pwd", Music, tone).Trim();
        var deepFile = Path.Combine(deep, new string('f', 100) + ".wav");
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(deepFile), 4096, 4500);
        try
        {
            var first = CliRunner.Run("scan", Music, "--db", Db, "--json");
            Assert.True(first.ExitCode == 3, $"exit {first.ExitCode}: {first.Error}");
            var lines = JsonLinesOf(first.Out);
            var failure = Assert.Single(lines, l => l.TryGetProperty("event", out var e) && e.GetString() == "failure");
            Assert.Equal(deepFile, failure.GetProperty("path").GetString());
            Assert.Contains("over this system's limit", failure.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal((2, 1, 1, 1), (lines[^1].GetProperty("total").GetInt32(), lines[^1].GetProperty("complete").GetInt32(),
                lines[^1].GetProperty("error").GetInt32(), lines[^1].GetProperty("skipped").GetInt32()));

            var again = CliRunner.Run("scan", Music, "--db", Db, "--json");
            Assert.True(again.ExitCode == 3, $"exit {again.ExitCode}: {again.Error}");
            Assert.Equal(2, JsonLinesOf(again.Out)[^1].GetProperty("skipped").GetInt32());

            // A database where an earlier version stored the row with an empty path: repaired, with a warning.
            using (var db = LibraryDatabase.Open(Db))
            {
                db.Scalar("UPDATE tracks SET filepath = '' WHERE length(filepath) > 4095");
            }

            var repaired = CliRunner.Run("scan", Music, "--db", Db, "--json");
            Assert.True(repaired.ExitCode == 3, $"exit {repaired.ExitCode}: {repaired.Error}");
            Assert.Contains("removed 1 track rows without a file path", repaired.Error, StringComparison.Ordinal);
            using var after = LibraryDatabase.Open(Db);
            Assert.Equal(0L, after.Scalar("SELECT COUNT(*) FROM tracks WHERE filepath = ''"));
            Assert.Equal(2L, after.Scalar("SELECT COUNT(*) FROM tracks"));
        }
        finally
        {
            Sh("rm -rf \"$1\"", Path.Combine(Music, level)); // rm walks by relative steps; .NET cannot delete past PATH_MAX
        }
    }

    [UnixFact]
    public void A_file_name_that_is_not_valid_utf8_fails_saying_so_rather_than_no_such_file()
    {
        AddTone(Path.Combine(Music, "a.wav"));
        AddTone(Path.Combine(Music, "b.wav"));
        Sh("mv \"$1/b.wav\" \"$1/$(printf 'bad\\377name').wav\"", Music);
        var scan = CliRunner.Run("scan", Music, "--db", Db, "--json");
        Assert.True(scan.ExitCode == 3, $"exit {scan.ExitCode}: {scan.Error}");
        var failure = Assert.Single(JsonLinesOf(scan.Out), l => l.TryGetProperty("event", out var e) && e.GetString() == "failure");
        var message = failure.GetProperty("message").GetString()!;
        Assert.Contains("not valid UTF-8", message, StringComparison.Ordinal);
        Assert.DoesNotContain("no such file", message, StringComparison.Ordinal);
        Assert.EndsWith("bad\uFFFDname.wav", failure.GetProperty("path").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Runs a shell script with positional arguments; returns its stdout, fails on a non-zero exit.</summary>
    internal static string Sh(string script, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["-c", script, "sh", .. args])
        {
            start.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"sh -c '{script}' failed: {error}");
        return output;
    }
}
