using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Auralis.Library.Database;

namespace Auralis.Cli.Tests;

/// <summary>
/// Scans of one database never abort each other: two CLI scans, or a CLI scan and a server scan,
/// run one after the other (the second says whom it waits for), and every track is stored once.
/// </summary>
public sealed class ConcurrentScanTests : IDisposable
{
    private const int Tracks = 40;

    private readonly TempDirectory _temp = new();

    public ConcurrentScanTests()
    {
        for (var i = 0; i < Tracks; i++)
        {
            ScanSafetyTests.AddTone(Path.Combine(Music, $"t{i:D2}.wav"), seconds: 0.75);
        }
    }

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private string Db => _temp.File("library.db");

    private void AssertEachTrackStoredOnce()
    {
        using var db = LibraryDatabase.Open(Db);
        Assert.Equal((long)Tracks, db.Scalar("SELECT COUNT(*) FROM tracks"));
        Assert.Equal((long)Tracks, db.Scalar("SELECT COUNT(DISTINCT filepath) FROM tracks"));
        Assert.Equal((long)Tracks, db.Scalar("SELECT COUNT(*) FROM track_fingerprints"));
        Assert.Equal(Tracks, new TrackRepository(db).CountByStatus()[FingerprintStatus.Complete]);
    }

    private static CliResult Finish(Process process)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("a scan did not finish in 120 s");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    [Fact]
    public void Two_scans_of_one_library_at_once_both_exit_0_and_store_each_track_once()
    {
        var env = new Dictionary<string, string>();
        string[] args = ["scan", Music, "--db", Db, "--workers", "1", "--no-sidecars"];
        using var first = CliRunner.Start(env, args);
        using var second = CliRunner.Start(env, args);
        var results = new[] { Finish(first), Finish(second) };
        foreach (var result in results)
        {
            Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        }

        AssertEachTrackStoredOnce();
        // Usually one waited for the other (and said so); on a slow start they may not have met.
        var waited = results.Where(r => r.Error.Contains("another scan of this library is running", StringComparison.Ordinal)).ToList();
        Assert.True(waited.Count <= 1, "only the second scan waits");
        Assert.All(waited, w => Assert.Matches(@"\(pid \d+, auralis scan, since ", w.Error));
    }

    [Fact]
    public async Task A_scan_waits_while_another_scan_holds_the_library_and_says_whose_it_is()
    {
        LibraryDatabase.Open(Db).Dispose(); // the database exists
        var holder = Auralis.Library.Scanning.ScanLock.Acquire(Db, "the test's scan", _ => throw new InvalidOperationException("nobody else holds it"));
        using var scan = CliRunner.Start(new Dictionary<string, string>(), "scan", Music, "--db", Db, "--no-sidecars");
        var output = scan.StandardOutput.ReadToEndAsync();
        try
        {
            var line = await scan.StandardError.ReadLineAsync();
            Assert.NotNull(line);
            Assert.StartsWith($"auralis: another scan of this library is running (pid {Environment.ProcessId}, the test's scan, since ", line, StringComparison.Ordinal);
            Assert.EndsWith(" UTC), waiting for it to finish...", line, StringComparison.Ordinal);
            await Task.Delay(300);
            Assert.False(scan.HasExited, "the scan must wait while the library is held");
            using (var db = LibraryDatabase.Open(Db))
            {
                Assert.Equal(0, new TrackRepository(db).Count()); // and change nothing meanwhile
            }
        }
        finally
        {
            holder.Dispose();
        }

        var rest = await scan.StandardError.ReadToEndAsync();
        Assert.True(scan.WaitForExit(120_000), "the scan must go on once the lock is free");
        Assert.True(scan.ExitCode == 0, $"exit {scan.ExitCode}: {rest}");
        Assert.Contains($"{Tracks} tracks", await output, StringComparison.Ordinal);
        AssertEachTrackStoredOnce();
    }

    [UnixFact]
    public async Task A_cli_scan_during_a_server_scan_waits_for_it_and_both_finish()
    {
        using var serve = CliRunner.Start(
            new Dictionary<string, string>(),
            ["serve", "--db", Db, "--urls", "http://127.0.0.1:0", "--root", Music, "--engine", "managed", "--no-sidecars"],
            asOtherUser: false);
        try
        {
            var address = await CliRunner.ListeningAddressAsync(serve);
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            using var start = await http.PostAsync(new Uri("/api/scans", UriKind.Relative), null);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, start.StatusCode);
            var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();

            var cli = CliRunner.RunProcess(new Dictionary<string, string>(), "scan", Music, "--db", Db, "--workers", "1", "--no-sidecars", "--engine", "managed");
            Assert.True(cli.ExitCode == 0, $"exit {cli.ExitCode}: {cli.Error}");

            // Whether the CLI scan started while the server's still ran is up to the scheduler
            // (a short server scan can end first), so the waiting message is not asserted here;
            // A_scan_waits_while_another_scan_holds_the_library_and_says_whose_it_is proves it
            // deterministically. What must hold either way: both finish, each track stored once.
            if (cli.Error.Contains("another scan of this library is running", StringComparison.Ordinal))
            {
                Assert.Contains($"(pid {serve.Id}, auralis serve", cli.Error, StringComparison.Ordinal);
            }

            // The server's scan may also be the one that waited (the CLI took the lock first).
            var clock = Stopwatch.StartNew();
            JsonElement status;
            do
            {
                await Task.Delay(50);
                status = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/scans/{id}", UriKind.Relative));
            }
            while (status.GetProperty("state").GetString() == "running" && clock.Elapsed < TimeSpan.FromSeconds(60));
            Assert.Equal("complete", status.GetProperty("state").GetString());
            Assert.Equal(Tracks, status.GetProperty("complete").GetInt32());
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }

        AssertEachTrackStoredOnce();
    }

    [OtherUserFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_server_scan_reports_a_folder_it_cannot_read_and_keeps_its_tracks()
    {
        var locked = Path.Combine(Music, "locked");
        ScanSafetyTests.AddTone(Path.Combine(locked, "x.wav"));
        var first = CliRunner.Run("scan", Music, "--db", Db, "--no-sidecars");
        Assert.True(first.ExitCode == 0, first.Error);
        var home = Directory.CreateDirectory(_temp.File("home")).FullName;
        OtherUser.Own(_temp.Path);
        File.SetUnixFileMode(locked, UnixFileMode.None);
        using var serve = CliRunner.Start(
            OtherUser.EnvironmentFor(home),
            ["serve", "--db", Db, "--urls", "http://127.0.0.1:0", "--root", Music, "--engine", "managed", "--no-sidecars"],
            asOtherUser: true);
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri(await CliRunner.ListeningAddressAsync(serve)) };
            using var start = await http.PostAsync(new Uri("/api/scans", UriKind.Relative), null);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, start.StatusCode);
            var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
            JsonElement status;
            var clock = Stopwatch.StartNew();
            do
            {
                await Task.Delay(50);
                status = await http.GetFromJsonAsync<JsonElement>(new Uri($"/api/scans/{id}", UriKind.Relative));
            }
            while (status.GetProperty("state").GetString() == "running" && clock.Elapsed < TimeSpan.FromSeconds(60));

            Assert.Equal("complete", status.GetProperty("state").GetString());
            Assert.Equal(0, status.GetProperty("removed").GetInt32());
            var folder = Assert.Single(status.GetProperty("unreadable_folders").EnumerateArray());
            Assert.Equal(locked, folder.GetProperty("path").GetString());
            Assert.Contains("permission denied", folder.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, folder.GetProperty("tracks_kept").GetInt32());
            var tracks = await http.GetFromJsonAsync<JsonElement>(new Uri("/api/tracks", UriKind.Relative));
            Assert.Equal(Tracks + 1, tracks.GetProperty("total").GetInt32());
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
            File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
