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
        Assert.Equal((3, 3), Counts());

        // Readable again: nothing was lost, so nothing needs fingerprinting.
        var again = CliRunner.Run("scan", Music, "--db", Db, "--json");
        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal(3, JsonLinesOf(again.Out)[^1].GetProperty("skipped").GetInt32());
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
    }
}
