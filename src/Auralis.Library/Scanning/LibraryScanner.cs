using Auralis.Library.Database;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Scanning;

/// <summary>What a scan changed in the database.</summary>
public sealed record ScanChanges(int Found, int Added, int Changed, int Removed, IReadOnlyList<UnreadableFolder> UnreadableFolders)
{
    /// <summary>Ids of the tracks this scan removed (their graph edges went with them).</summary>
    public IReadOnlyList<long> RemovedIds { get; init; } = [];

    /// <summary>Rows with an empty or relative file path (left by an earlier version) that this scan deleted.</summary>
    public int Repaired { get; init; }
}

/// <summary>
/// Brings the database in line with the folders (docs/architecture.md): new files are added
/// (pending), files whose size or mtime changed lose their fingerprint and become pending, and
/// files that vanished are removed. An unchanged file costs one stat and no write, so a rescan of
/// an unchanged library only stats files.
///
/// A track is only removed when its folder was listed and the file is not in it: the tracks under
/// a folder that cannot be listed, a root that is missing, or a root that is empty while the
/// library has tracks there (an unmounted disk) are kept as they are, and reported.
/// </summary>
public sealed class LibraryScanner(LibraryDatabase database, IReadConfinement? confinement = null)
{
    private const char Replacement = '\uFFFD';

    /// <param name="roots">The folders to scan.</param>
    /// <param name="forgetMissingRoots">
    /// Remove the tracks of a root that is missing or empty instead of keeping them (the user says
    /// the music is gone for good, not unmounted). Folders that cannot be read still keep theirs.
    /// </param>
    public ScanChanges Sync(IReadOnlyList<string> roots, bool forgetMissingRoots = false)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var fullRoots = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct().ToList();
        var tracks = new TrackRepository(database);
        var known = tracks.Known(fullRoots);

        var unreadable = new List<UnreadableFolder>();
        var onDisk = new Dictionary<string, DiskFile>(StringComparer.Ordinal);
        var walks = new List<FolderWalk>();
        foreach (var root in fullRoots)
        {
            var kept = CountUnder(known.Under.Keys, root);
            if (!Directory.Exists(root))
            {
                if (kept == 0 || File.Exists(root))
                {
                    // Nothing of the library is there: a mistyped folder, which is the user's error.
                    throw new DirectoryNotFoundException($"{root}: not a folder (scan takes folders of music)");
                }

                if (forgetMissingRoots)
                {
                    continue; // nothing on disk: every track under it goes
                }

                unreadable.Add(new UnreadableFolder(root, "the folder is missing (a disk that is not mounted?)"));
                continue;
            }

            var walk = AudioFiles.Walk(root);
            if (walk.RootIsEmpty && kept > 0 && !forgetMissingRoots)
            {
                unreadable.Add(new UnreadableFolder(root, "the folder is empty, but the library has tracks there (a disk that is not mounted?)"));
                continue;
            }

            walks.Add(walk);
        }

        foreach (var walk in walks)
        {
            unreadable.AddRange(walk.Unreadable);
            foreach (var entry in walk.Files)
            {
                onDisk[entry.Path] = Inspect(entry);
            }
        }

        bool IsKept(string path) => unreadable.Any(u => AudioFiles.IsUnderOrAt(path, u.Path));
        ScanPlan PlanFor(KnownTracks current) => Plan(onDisk, current, IsKept);
        var plan = PlanFor(known);
        if (!plan.IsEmpty)
        {
            // Planned again inside the write transaction, against the tracks as they are then.
            plan = tracks.ApplyScan(
                fullRoots,
                PlanFor,
                $"record a scan ({plan.Added.Count + plan.AddedErrors.Count} new, {plan.Changed.Count} changed, {plan.Removed.Count} removed)");
        }

        var reported = unreadable
            .Select(u => u with { TracksKept = CountUnder(known.Under.Keys, u.Path) })
            .OrderBy(u => u.Path, StringComparer.Ordinal)
            .ToList();
        return new ScanChanges(onDisk.Count, plan.Added.Count + plan.AddedErrors.Count, plan.Changed.Count, plan.Removed.Count, reported)
        {
            RemovedIds = [.. plan.Removed, .. plan.Invalid],
            Repaired = plan.Invalid.Count,
        };
    }

    private static ScanPlan Plan(Dictionary<string, DiskFile> onDisk, KnownTracks known, Func<string, bool> isKept)
    {
        var added = new List<(string, AudioFileSignature)>();
        var changed = new List<(long, AudioFileSignature)>();
        var addedErrors = new List<(string, string)>();
        var errored = new List<(long, string)>();
        foreach (var (path, file) in onDisk)
        {
            if (!known.Under.TryGetValue(path, out var track))
            {
                if (file.Problem is { } problem)
                {
                    addedErrors.Add((path, problem));
                }
                else
                {
                    // Unreadable metadata: added anyway, so that the extraction reports the real error.
                    added.Add((path, file.Signature ?? new AudioFileSignature(0, 0)));
                }
            }
            else if (file.Problem is { } problem)
            {
                if (track.Status != FingerprintStatus.Error || track.ErrorMessage != problem)
                {
                    errored.Add((track.Id, problem));
                }
            }
            else if (file.Signature is { } signature && signature != track.Signature)
            {
                changed.Add((track.Id, signature));
            }

            // A known file whose metadata cannot be read now is left exactly as it was.
        }

        var removed = known.Under.Where(k => !onDisk.ContainsKey(k.Key) && !isKept(k.Key)).Select(k => k.Value.Id).ToList();
        return new ScanPlan(added, changed, removed, addedErrors, errored, known.Invalid);
    }

    /// <summary>The file's signature, or why it is not to be read at all.</summary>
    private DiskFile Inspect(AudioFileEntry entry)
    {
        if (AudioFiles.PathTooLong(entry.Path) is { } tooLong)
        {
            return new DiskFile(null, $"{entry.Path}: {tooLong}");
        }

        if (confinement is not null && confinement.Check(entry.Path, out _) == ReadVerdict.Outside)
        {
            return new DiskFile(null, ReadRefusals.Outside(entry.Path)); // not even stat'ed
        }

        if (entry.Path.Contains(Replacement, StringComparison.Ordinal) && !ExistsByName(entry.Path))
        {
            // .NET decodes file names as UTF-8 and replaces invalid bytes with U+FFFD; the name it
            // gives back is then another name, which no system call finds.
            return new DiskFile(null,
                $"{entry.Path}: the file name is not valid UTF-8 (shown with U+FFFD where its bytes are invalid), so it cannot be opened by name; rename it to valid UTF-8");
        }

        return new DiskFile(SignatureOf(entry), null);
    }

    /// <summary>
    /// Size and mtime of a regular file (links followed); directories and broken links get their
    /// own entry's times; null when the metadata cannot be read.
    /// </summary>
    private static AudioFileSignature? SignatureOf(AudioFileEntry entry)
    {
        try
        {
            if (entry.Info is FileInfo)
            {
                if (File.Exists(entry.Path))
                {
                    return AudioFileSignature.Of(entry.Path);
                }

                // A broken link has its own times; any other file that stat cannot see now (a folder
                // that can be listed but not entered) has no signature to compare.
                if (entry.Info.LinkTarget is null)
                {
                    return null;
                }
            }

            return new AudioFileSignature(0, AudioFileSignature.ToUnixNanoseconds(entry.Info.LastWriteTimeUtc));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static bool ExistsByName(string path)
    {
        try
        {
            _ = File.GetAttributes(path); // lstat: a broken link still exists by its name
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return e is not (FileNotFoundException or DirectoryNotFoundException);
        }
    }

    private static int CountUnder(IEnumerable<string> paths, string folder) => paths.Count(p => AudioFiles.IsUnderOrAt(p, folder));

    private readonly record struct DiskFile(AudioFileSignature? Signature, string? Problem);
}
