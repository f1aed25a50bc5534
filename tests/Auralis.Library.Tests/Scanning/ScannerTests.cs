using Auralis.Library.Database;
using Auralis.Library.Scanning;

namespace Auralis.Library.Tests.Scanning;

public sealed class ScannerTests : IDisposable
{
    private readonly LibraryFixture _lib = new();

    public void Dispose() => _lib.Dispose();

    [Fact]
    public void A_scan_adds_new_files_marks_changed_ones_and_removes_vanished_ones()
    {
        var a = _lib.AddTrack("a.wav");
        var b = _lib.AddTrack("sub/b.wav");
        var c = _lib.AddTrack("c.wav");
        File.WriteAllText(Path.Combine(_lib.Music, "cover.jpg"), "not audio");
        var first = new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.Equal((3, 3, 0, 0), (first.Found, first.Added, first.Changed, first.Removed));

        var idA = _lib.Tracks.GetByPath(a)!.Id;
        new FingerprintRepository(_lib.Database).StoreCompleted([(idA, RepositorySample())]);
        _lib.AddTrack("a.wav", seconds: 2); // changed content, size and mtime
        File.Delete(c);
        var second = new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.Equal((2, 0, 1, 1), (second.Found, second.Added, second.Changed, second.Removed));
        Assert.Equal(FingerprintStatus.Pending, _lib.Tracks.Get(idA)!.Status);
        Assert.False(new FingerprintRepository(_lib.Database).Exists(idA));
        Assert.Null(_lib.Tracks.GetByPath(c));
        Assert.NotNull(_lib.Tracks.GetByPath(b));
    }

    [Fact]
    public void A_rescan_of_an_unchanged_library_writes_nothing()
    {
        for (var i = 0; i < 20; i++)
        {
            _lib.AddTrack($"t{i:D2}.wav");
        }

        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        var before = _lib.Tracks.List(100).Select(t => t.UpdatedAt).ToList();
        var changes = Convert.ToInt64(_lib.Database.Scalar("SELECT total_changes()"), System.Globalization.CultureInfo.InvariantCulture);
        var again = new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.Equal((20, 0, 0, 0), (again.Found, again.Added, again.Changed, again.Removed));
        Assert.Equal(changes, Convert.ToInt64(_lib.Database.Scalar("SELECT total_changes()"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(before, _lib.Tracks.List(100).Select(t => t.UpdatedAt));
    }

    [Fact]
    public void Tracks_outside_the_scanned_folders_are_left_alone()
    {
        var id = _lib.Tracks.Add("/elsewhere/x.flac", 1, 1);
        _lib.AddTrack("a.wav");
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.NotNull(_lib.Tracks.Get(id));
    }

    [Fact]
    public void A_missing_folder_is_an_error_naming_it()
    {
        var missing = Path.Combine(_lib.Music, "nope");
        var e = Assert.Throws<DirectoryNotFoundException>(() => new LibraryScanner(_lib.Database).Sync([missing]));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directories_and_broken_links_with_audio_names_become_tracks_so_they_can_fail_visibly()
    {
        Directory.CreateDirectory(Path.Combine(_lib.Music, "album.flac"));
        File.CreateSymbolicLink(Path.Combine(_lib.Music, "gone.ogg"), "/nonexistent/gone.ogg");
        var changes = new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.Equal(2, changes.Added);
    }

    internal static Auralis.Fingerprinting.Fingerprint RepositorySample() => TestDatabase.Sample(1);
}
