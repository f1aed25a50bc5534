using Auralis.Library.Database;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Scanning;

/// <summary>What a scan changed in the database.</summary>
public sealed record ScanChanges(int Found, int Added, int Changed, int Removed, IReadOnlyList<string> UnreadableFolders)
{
    /// <summary>Ids of the tracks this scan removed (their graph edges went with them).</summary>
    public IReadOnlyList<long> RemovedIds { get; init; } = [];
}

/// <summary>
/// Brings the database in line with the folders (SPEC.md section 6): new files are added
/// (pending), files whose size or mtime changed lose their fingerprint and become pending, and
/// files that vanished are removed. An unchanged file costs one stat and no write, so a rescan of
/// an unchanged library only stats files.
/// </summary>
public sealed class LibraryScanner(LibraryDatabase database)
{
    public ScanChanges Sync(IReadOnlyList<string> roots)
    {
        var fullRoots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct().ToList();
        foreach (var root in fullRoots)
        {
            if (!Directory.Exists(root))
            {
                throw new DirectoryNotFoundException($"{root}: not a folder (scan takes folders of music)");
            }
        }

        var unreadable = new List<string>();
        var onDisk = new Dictionary<string, AudioFileSignature>(StringComparer.Ordinal);
        foreach (var root in fullRoots)
        {
            foreach (var entry in AudioFiles.Enumerate(root, (folder, e) => unreadable.Add($"{folder}: {e.Message}")))
            {
                onDisk[entry.FullName] = SignatureOf(entry);
            }
        }

        var known = new TrackRepository(database).Signatures(fullRoots);
        var added = onDisk.Where(f => !known.ContainsKey(f.Key)).Select(f => (f.Key, f.Value)).ToList();
        var changed = onDisk.Where(f => known.TryGetValue(f.Key, out var k) && k.Signature != f.Value)
            .Select(f => (known[f.Key].Id, f.Value)).ToList();
        var removed = known.Where(k => !onDisk.ContainsKey(k.Key)).Select(k => k.Value.Id).ToList();
        if (added.Count + changed.Count + removed.Count > 0)
        {
            new TrackRepository(database).ApplyScan(added, changed, removed);
        }

        return new ScanChanges(onDisk.Count, added.Count, changed.Count, removed.Count, unreadable) { RemovedIds = removed };
    }

    /// <summary>Size and mtime of a regular file; directories and broken links get their own entry's times.</summary>
    private static AudioFileSignature SignatureOf(FileSystemInfo entry)
    {
        try
        {
            if (entry is FileInfo file && file.Exists)
            {
                return AudioFileSignature.Of(file.FullName);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unreadable metadata: the extraction will report the real error for this track.
        }

        return new AudioFileSignature(0, AudioFileSignature.ToUnixNanoseconds(entry.LastWriteTimeUtc));
    }
}
