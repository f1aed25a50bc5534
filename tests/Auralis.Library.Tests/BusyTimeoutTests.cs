using System.Diagnostics;
using Auralis.Library.Database;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Tests;

/// <summary>A held write lock fails a write after the busy timeout the docs state, not after a hidden 30 s.</summary>
public sealed class BusyTimeoutTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }

    [Fact]
    public void A_held_write_lock_fails_a_write_after_the_busy_timeout_with_a_message_naming_the_lock()
    {
        var path = _temp.File("library.db");
        LibraryDatabase.Open(path).Dispose();
        using var holder = new SqliteConnection($"Data Source={path};Pooling=False");
        holder.Open();
        using (var begin = holder.CreateCommand())
        {
            begin.CommandText = "BEGIN IMMEDIATE";
            begin.ExecuteNonQuery();
        }

        // A short timeout keeps the test fast; the production value (10 s) goes through the same code.
        var timeout = TimeSpan.FromSeconds(1);
        using var db = LibraryDatabase.Open(path, timeout);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<LibraryDatabaseException>(() => new TrackRepository(db).Add("/music/a.flac", 1, 1));
        clock.Stop();
        Console.WriteLine($"a held lock failed the write after {clock.Elapsed.TotalSeconds:F2} s (busy timeout {timeout.TotalSeconds} s)");
        Assert.Contains("database is locked", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
        Assert.InRange(clock.Elapsed, timeout * 0.9, timeout + TimeSpan.FromSeconds(4));
    }
}
