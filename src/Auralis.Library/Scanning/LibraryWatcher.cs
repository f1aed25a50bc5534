namespace Auralis.Library.Scanning;

/// <summary>Why <see cref="LibraryWatcher.WaitAsync"/> returned.</summary>
public enum WatchWake
{
    /// <summary>Files changed under a root, and then nothing more for the debounce time.</summary>
    Changed,

    /// <summary>The safety interval passed (or the watcher lost events): rescan anyway.</summary>
    Periodic,
}

/// <summary>
/// Tells a scan loop when to rescan: after files under the roots were added, changed, moved or
/// removed and then stayed quiet for <c>debounce</c> (a copy of an album is one rescan, not one per
/// file), and every <c>safetyInterval</c> regardless, which catches what file-system notification
/// misses (network shares, a watch limit reached, events dropped when its buffer overflowed).
/// A rescan is the ordinary incremental scan (size and mtime decide), so the watcher only has to
/// say "look now", never what changed.
/// </summary>
/// <remarks>
/// Events the scan itself causes are ignored, or watching would rescan forever: sidecars
/// (<c>.25d</c>) and their temporary files (<c>.tmp</c>), other non-audio files, and deletions
/// of non-audio names (e.g. a database's -wal file). A name without an extension may be a folder
/// and counts.
/// </remarks>
public sealed class LibraryWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly SemaphoreSlim _signal = new(0);
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _safetyInterval;
    private readonly Lock _lock = new();
    private DateTime _lastEventUtc;
    private bool _dirty;
    private bool _overflowed;
    private DateTime _lastWakeUtc = DateTime.UtcNow;

    public LibraryWatcher(IReadOnlyList<string> roots, TimeSpan debounce, TimeSpan safetyInterval)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _debounce = debounce;
        _safetyInterval = safetyInterval;
        var problems = new List<string>();
        foreach (var root in roots)
        {
            try
            {
                var watcher = new FileSystemWatcher(root)
                {
                    IncludeSubdirectories = true,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                    InternalBufferSize = 64 * 1024,
                };
                watcher.Created += (_, e) => OnEvent(e.FullPath, deleted: false);
                watcher.Changed += (_, e) => OnEvent(e.FullPath, deleted: false);
                watcher.Deleted += (_, e) => OnEvent(e.FullPath, deleted: true);
                watcher.Renamed += (_, e) =>
                {
                    OnEvent(e.OldFullPath, deleted: true);
                    OnEvent(e.FullPath, deleted: false);
                };
                watcher.Error += (_, e) => OnOverflow();
                watcher.EnableRaisingEvents = true;
                _watchers.Add(watcher);
            }
            catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                // e.g. the inotify watch limit: the periodic rescan still keeps the library current.
                problems.Add($"{root}: {e.Message}");
            }
        }

        Problems = problems;
    }

    /// <summary>Roots that could not be watched, with the cause; those are kept current by the periodic rescan only.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>Waits until a rescan is due: a debounced change, or the safety interval.</summary>
    public async Task<WatchWake> WaitAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = DateTime.UtcNow;
                if (_overflowed || now - _lastWakeUtc >= _safetyInterval)
                {
                    _overflowed = false;
                    _dirty = false;
                    _lastWakeUtc = now;
                    return WatchWake.Periodic;
                }

                if (_dirty && now - _lastEventUtc >= _debounce)
                {
                    _dirty = false;
                    _lastWakeUtc = now;
                    return WatchWake.Changed;
                }

                var untilSafety = _safetyInterval - (now - _lastWakeUtc);
                wait = _dirty ? Min(_debounce - (now - _lastEventUtc), untilSafety) : untilSafety;
            }

            await _signal.WaitAsync(Max(wait, TimeSpan.FromMilliseconds(10)), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether an event at <paramref name="path"/> may mean the library changed.</summary>
    public static bool Matters(string path, bool deleted)
    {
        var extension = Path.GetExtension(path);
        if (AudioFiles.HasAudioExtension(path))
        {
            return !Path.GetFileName(path).StartsWith("._", StringComparison.Ordinal); // AppleDouble companions are no audio
        }

        if (extension.Length == 0)
        {
            return true; // a folder (or an extensionless file: a rescan is cheap)
        }

        // A folder named "Vol. 2" has an "extension": it counts while it exists; its deletion is
        // left to the periodic rescan, like every deletion of a non-audio name.
        return !deleted && !string.Equals(extension, Sidecars.SidecarStore.Extension, StringComparison.OrdinalIgnoreCase) && Directory.Exists(path);
    }

    private void OnEvent(string path, bool deleted)
    {
        if (!Matters(path, deleted))
        {
            return;
        }

        lock (_lock)
        {
            _dirty = true;
            _lastEventUtc = DateTime.UtcNow;
        }

        _signal.Release();
    }

    private void OnOverflow()
    {
        lock (_lock)
        {
            _overflowed = true;
        }

        _signal.Release();
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _signal.Dispose();
    }
}
