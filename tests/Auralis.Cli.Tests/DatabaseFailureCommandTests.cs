using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>`auralis scan` on a database that cannot be written: exit 1 with the file and the cause, said once.</summary>
public sealed class DatabaseFailureCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => _temp.File("music");

    private void AddTone(string name)
    {
        Directory.CreateDirectory(Music);
        var frames = 44_100;
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.2 * Math.Sin(2 * Math.PI * (300 + name.Length) * i / 44_100.0));
        }

        AudioFileWriter.Write(Path.Combine(Music, name), pcm, 44_100, 2, AudioSampleFormat.Pcm16);
    }

    private static readonly Dictionary<string, string> NoSidecars = [];

    private CliResult Scan(string db) => CliRunner.RunProcess(NoSidecars, "scan", Music, "--db", db, "--no-sidecars", "--engine", "managed");

    [SmallFilesystemFact]
    public void Scan_on_a_full_disk_exits_1_naming_the_database_and_the_full_disk_once()
    {
        using var disk = SmallFilesystem.TryMount(_temp.Path, 2, out var reason) ?? throw new InvalidOperationException(reason);
        var db = disk.File("library.db");

        // Held open, so the WAL and shared-memory files stay between the scans: the full disk then
        // fails a write inside the scan, not the opening of the database.
        using var holder = Auralis.Library.Database.LibraryDatabase.Open(db);
        AddTone("first.wav");
        Assert.Equal(0, Scan(db).ExitCode);

        for (var i = 0; i < 8; i++)
        {
            AddTone($"more{i}.wav");
        }

        disk.Fill();
        var full = Scan(db);
        Assert.Equal(1, full.ExitCode);
        AssertNamesTheCauseOnce(full.Error, db, "database or disk is full");

        disk.Free();
        var after = Scan(db);
        Assert.Equal(0, after.ExitCode);
    }

    /// <summary>
    /// The same without privileges, so it runs everywhere: a file-size limit (RLIMIT_FSIZE, with
    /// SIGXFSZ ignored so the write fails with EFBIG instead of killing the process) stops the
    /// scan's WAL from growing, and SQLite fails the commit with SQLITE_IOERR, which it rolls back
    /// by itself as it does SQLITE_FULL. W^X is off because the runtime's double-mapped code heap
    /// is a file the limit would also stop from growing.
    /// </summary>
    [UnixFact]
    public void Scan_whose_database_cannot_grow_exits_1_naming_the_database_and_the_io_error_once()
    {
        var db = _temp.File("library.db");
        using var holder = Auralis.Library.Database.LibraryDatabase.Open(db);
        AddTone("first.wav");
        Assert.Equal(0, Scan(db).ExitCode);

        for (var i = 0; i < 8; i++)
        {
            AddTone($"more{i}.wav");
        }

        var largest = new[] { db, db + "-wal", db + "-shm" }.Where(File.Exists).Max(f => new FileInfo(f).Length);
        var limitKb = (largest / 1024) + 1;
        var dll = Path.Combine(AppContext.BaseDirectory, "auralis.dll");
        var limited = RunProgram(
            "bash",
            ["-c", $"trap '' XFSZ; ulimit -f {limitKb}; exec dotnet \"$0\" \"$@\"", dll, "scan", Music, "--db", db, "--no-sidecars", "--engine", "managed"]);
        Assert.Equal(1, limited.ExitCode);
        AssertNamesTheCauseOnce(limited.Error, db, "disk I/O error");

        Assert.Equal(0, Scan(db).ExitCode);
    }

    private static CliResult RunProgram(string program, IReadOnlyList<string> args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} did not finish in 120 s");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    private static void AssertNamesTheCauseOnce(string error, string db, string cause)
    {
        Assert.Contains(db, error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot rollback", error, StringComparison.Ordinal);
        var at = error.IndexOf(cause, StringComparison.Ordinal);
        Assert.True(at >= 0, $"the error should name the cause '{cause}': {error}");
        Assert.True(error.IndexOf(cause, at + cause.Length, StringComparison.Ordinal) < 0, $"the cause should be said once: {error}");
    }
}
