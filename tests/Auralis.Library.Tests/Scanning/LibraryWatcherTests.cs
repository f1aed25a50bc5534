using Auralis.Library.Scanning;

namespace Auralis.Library.Tests.Scanning;

/// <summary>When a watching scan is told to look again, and when it is not (its own sidecar writes).</summary>
public sealed class LibraryWatcherTests : IDisposable
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(300);
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static async Task<WatchWake?> WakeWithin(LibraryWatcher watcher, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            return await watcher.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    [Fact]
    public async Task An_added_audio_file_in_a_subfolder_wakes_the_watcher_once_it_is_quiet()
    {
        var album = Directory.CreateDirectory(_temp.File("album")).FullName;
        using var watcher = new LibraryWatcher([_temp.Path], Debounce, TimeSpan.FromHours(1));
        Assert.Empty(watcher.Problems);
        await File.WriteAllBytesAsync(Path.Combine(album, "new.flac"), new byte[1000]);
        Assert.Equal(WatchWake.Changed, await WakeWithin(watcher, TimeSpan.FromSeconds(20)));
        Assert.Null(await WakeWithin(watcher, TimeSpan.FromSeconds(1))); // one change, one wake
    }

    [Fact]
    public async Task A_deleted_and_a_renamed_audio_file_wake_the_watcher()
    {
        var song = _temp.File("song.ogg");
        await File.WriteAllBytesAsync(song, new byte[100]);
        using var watcher = new LibraryWatcher([_temp.Path], Debounce, TimeSpan.FromHours(1));
        File.Move(song, _temp.File("renamed.ogg"));
        Assert.Equal(WatchWake.Changed, await WakeWithin(watcher, TimeSpan.FromSeconds(20)));
        File.Delete(_temp.File("renamed.ogg"));
        Assert.Equal(WatchWake.Changed, await WakeWithin(watcher, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public async Task Sidecars_and_their_temporary_files_do_not_wake_the_watcher()
    {
        await File.WriteAllBytesAsync(_temp.File("song.ogg"), new byte[100]);
        using var watcher = new LibraryWatcher([_temp.Path], Debounce, TimeSpan.FromHours(1));
        // What a scan writes beside the audio: a temporary file renamed over the sidecar.
        await File.WriteAllBytesAsync(_temp.File(".song.ogg.25d.0123abcd.tmp"), new byte[64]);
        File.Move(_temp.File(".song.ogg.25d.0123abcd.tmp"), _temp.File("song.ogg.25d"), overwrite: true);
        await File.WriteAllBytesAsync(_temp.File("library.db-wal"), new byte[64]);
        File.Delete(_temp.File("library.db-wal"));
        Assert.Null(await WakeWithin(watcher, TimeSpan.FromSeconds(2)));
    }

    [Fact]
    public async Task The_safety_interval_wakes_the_watcher_without_any_event()
    {
        using var watcher = new LibraryWatcher([_temp.Path], Debounce, TimeSpan.FromMilliseconds(500));
        Assert.Equal(WatchWake.Periodic, await WakeWithin(watcher, TimeSpan.FromSeconds(20)));
    }

    [Fact]
    public void A_root_that_cannot_be_watched_is_reported_not_thrown()
    {
        using var watcher = new LibraryWatcher([_temp.File("missing")], Debounce, TimeSpan.FromHours(1));
        Assert.Contains(watcher.Problems, p => p.Contains("missing", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/m/a/song.flac", false, true)]
    [InlineData("/m/a/song.flac", true, true)]
    [InlineData("/m/a/Some Album", true, true)] // a folder removed (or moved away)
    [InlineData("/m/a/song.flac.25d", false, false)]
    [InlineData("/m/a/.song.flac.25d.89ab.tmp", false, false)]
    [InlineData("/m/a/._song.flac", false, false)] // AppleDouble companion
    [InlineData("/m/a/cover.jpg", true, false)]
    public void Which_paths_matter(string path, bool deleted, bool matters) =>
        Assert.Equal(matters, LibraryWatcher.Matters(path, deleted));
}
