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

    /// <summary>Tracks whose file was found at a new path (moved, renamed, or stored under a non-canonical path before): same id, fingerprint and graph edges.</summary>
    public IReadOnlyList<ScanMove> Moved { get; init; } = [];

    /// <summary>Tracks of the library that the exclusions now leave out: kept as they are (<c>auralis forget</c> removes them), in path order.</summary>
    public IReadOnlyList<string> Excluded { get; init; } = [];

    /// <summary>Files and folders under the roots the exclusions left out of the walk.</summary>
    public int ExcludedOnDisk { get; init; }

    /// <summary>Sidecars of moved tracks that could not be moved with them, each naming the files and the cause.</summary>
    public IReadOnlyList<string> SidecarProblems { get; init; } = [];
}

/// <summary>
/// Brings the database in line with the folders (docs/architecture.md, docs/scanning.md): new
/// files are added (pending), files whose size or mtime changed lose their fingerprint and become
/// pending, files found at a new path with the content signature of a vanished track keep that
/// track (moved), and files that vanished are removed. An unchanged file costs one stat and no
/// write, so a rescan of an unchanged library only stats files.
///
/// Paths are canonical: roots and files are resolved through symbolic links, so one file is one
/// track however it is reached. Names starting with "." and the exclusion patterns are left out;
/// tracks they now exclude are kept and reported, never removed.
///
/// A track is only removed when its folder was listed and the file is not in it: the tracks under
/// a folder that cannot be listed, a root that is missing, or a root that is empty while the
/// library has tracks there (an unmounted disk) are kept as they are, and reported.
/// </summary>
public sealed class LibraryScanner(LibraryDatabase database, IReadConfinement? confinement = null)
{
    private const char Replacement = '\uFFFD';

    /// <summary>Glob patterns to exclude (<c>auralis scan --exclude</c>), on top of the ignore files.</summary>
    public IReadOnlyList<string> ExcludePatterns { get; init; } = [];

    /// <summary>The user's ignore file; default <see cref="ScanExclusions.UserIgnoreFile"/>.</summary>
    public string? UserIgnoreFile { get; init; }

    /// <summary>Where moved tracks' sidecars are moved (beside the audio and in its cache); null leaves sidecars alone.</summary>
    public SidecarStore? Sidecars { get; init; }

    /// <param name="roots">The folders to scan.</param>
    /// <param name="forgetMissingRoots">
    /// Remove the tracks of a root that is missing or empty instead of keeping them (the user says
    /// the music is gone for good, not unmounted). Folders that cannot be read still keep theirs.
    /// </param>
    /// <exception cref="ScanExclusionException">An exclusion pattern is invalid or an ignore file cannot be read (nothing was changed).</exception>
    public ScanChanges Sync(IReadOnlyList<string> roots, bool forgetMissingRoots = false)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var literal = roots.Select(r => Path.TrimEndingDirectorySeparator(Path.GetFullPath(r))).Distinct().ToList();
        var canonical = literal.ToDictionary(r => r, CanonicalPath.OfUserPath, StringComparer.Ordinal);
        var fullRoots = canonical.Values.Distinct().ToList();

        // A root spelled through a link (before this version stored such paths as they were
        // spelled): its old rows are read too, and mapped onto the real folder.
        var aliases = canonical.Where(c => c.Key != c.Value).ToList();
        string Lexical(string path)
        {
            foreach (var (alias, real) in aliases)
            {
                if (AudioFiles.IsUnderOrAt(path, alias))
                {
                    return real + path[alias.Length..];
                }
            }

            return path;
        }

        var knownRoots = fullRoots.Concat(aliases.Select(a => a.Key)).Distinct().ToList();
        var exclusions = fullRoots.ToDictionary(r => r, r => ScanExclusions.For(r, ExcludePatterns, UserIgnoreFile), StringComparer.Ordinal);
        var tracks = new TrackRepository(database);
        var known = tracks.Known(knownRoots);
        var knownCanonical = known.Under.Keys.Select(Lexical).ToList();

        var unreadable = new List<UnreadableFolder>();
        var onDisk = new Dictionary<string, DiskFile>(StringComparer.Ordinal);
        var walks = new List<FolderWalk>();
        foreach (var root in fullRoots)
        {
            var kept = CountUnder(knownCanonical, root);
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

            var walk = AudioFiles.Walk(root, exclusions[root]);
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
                var file = Inspect(entry);

                // A linked file is its target: reached twice (the link and the file, or two
                // links), it is still one track. A file that is not read keeps the name it was
                // found by, so its error names what the user sees.
                var path = file.Problem is null && IsLink(entry.Info) && CanonicalPath.Resolve(entry.Path) is { } real ? real : entry.Path;
                onDisk.TryAdd(path, file);
            }
        }

        var outside = onDisk.Keys.Where(p => !fullRoots.Any(r => AudioFiles.IsUnderOrAt(p, r))).ToHashSet(StringComparer.Ordinal);
        known = tracks.Known(knownRoots, outside);

        // File reads happen here, outside the write transaction: the content signatures of the
        // files that can move onto a vanished track (new ones), of changed files, and of known
        // files that have none yet (rows from before migration 6, filled on their next scan).
        var hashes = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (path, file) in onDisk)
        {
            if (file.Problem is null && file.Signature is { } signature && File.Exists(path)
                && (!known.Under.TryGetValue(path, out var track) || track.ContentHash is null || track.Signature != signature)
                && ContentSignature.TryCompute(path) is { } hash)
            {
                hashes[path] = hash;
            }
        }

        // Known rows whose path is not on disk but whose real path is (a linked folder or file
        // stored as spelled by an earlier version).
        var realOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in known.Under.Keys.Where(p => !onDisk.ContainsKey(p)))
        {
            var real = CanonicalPath.Resolve(path) ?? Lexical(path);
            if (real != path && onDisk.ContainsKey(real))
            {
                realOf[path] = real;
            }
        }

        bool IsKept(string path) => unreadable.Any(u => AudioFiles.IsUnderOrAt(Lexical(path), u.Path));
        bool IsExcluded(string path)
        {
            var lexical = Lexical(path);
            return fullRoots.Any(r => AudioFiles.IsUnderOrAt(lexical, r) && exclusions[r].IsExcluded(r, lexical));
        }

        ScanPlan PlanFor(KnownTracks current) => Plan(onDisk, current, IsKept, IsExcluded, hashes, realOf);
        var plan = PlanFor(known);
        if (!plan.IsEmpty)
        {
            // Planned again inside the write transaction, against the tracks as they are then.
            plan = tracks.ApplyScan(
                knownRoots,
                outside,
                PlanFor,
                $"record a scan ({plan.Added.Count + plan.AddedErrors.Count} new, {plan.Changed.Count} changed, {plan.Moved.Count} moved, {plan.Removed.Count} removed)");
        }

        var sidecarProblems = Sidecars is { } store ? plan.Moved.SelectMany(m => MoveSidecars(store, m).Concat(RewriteSidecar(store, m))).ToList() : [];
        var reported = unreadable
            .Select(u => u with { TracksKept = CountUnder(knownCanonical, u.Path) })
            .OrderBy(u => u.Path, StringComparer.Ordinal)
            .ToList();
        return new ScanChanges(onDisk.Count, plan.Added.Count + plan.AddedErrors.Count, plan.Changed.Count, plan.Removed.Count, reported)
        {
            RemovedIds = [.. plan.Removed, .. plan.Invalid],
            Repaired = plan.Invalid.Count,
            Moved = plan.Moved,
            Excluded = plan.Excluded,
            ExcludedOnDisk = walks.Sum(w => w.Excluded),
            SidecarProblems = sidecarProblems,
        };
    }

    private static ScanPlan Plan(
        Dictionary<string, DiskFile> onDisk,
        KnownTracks known,
        Func<string, bool> isKept,
        Func<string, bool> isExcluded,
        Dictionary<string, long> hashes,
        Dictionary<string, string> realOf)
    {
        var added = new List<(string, AudioFileSignature)>();
        var changed = new List<(long, AudioFileSignature)>();
        var addedErrors = new List<(string, string)>();
        var errored = new List<(long, string)>();
        var contentHashes = new List<(string, long)>();
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
            if (hashes.TryGetValue(path, out var hash) && (track is null || track.ContentHash != hash))
            {
                contentHashes.Add((path, hash));
            }
        }

        var gone = known.Under.Where(k => !onDisk.ContainsKey(k.Key)).ToList();
        var excluded = gone.Where(k => isExcluded(k.Key)).Select(k => k.Key).Order(StringComparer.Ordinal).ToList();
        var vanished = gone.Where(k => !isKept(k.Key) && !isExcluded(k.Key)).ToList();
        var moved = new List<ScanMove>();
        var removed = new List<long>();
        var claimed = new HashSet<string>(StringComparer.Ordinal);

        // A row stored under another spelling of a file that is on disk: it becomes that file's
        // track, unless the file has its own row (then the other spelling was a duplicate).
        foreach (var (path, track) in vanished.Where(v => realOf.ContainsKey(v.Key)).OrderBy(v => v.Value.Id))
        {
            var real = realOf[path];
            if (known.Under.ContainsKey(real) || !claimed.Add(real))
            {
                removed.Add(track.Id);
            }
            else
            {
                moved.Add(new ScanMove(track.Id, path, real, onDisk[real].Signature ?? track.Signature));
            }
        }

        // A vanished track whose content signature is found at exactly one new path, and no other
        // vanished track has it: the same file, moved or renamed.
        var newByContent = added
            .Where(a => !claimed.Contains(a.Item1) && hashes.ContainsKey(a.Item1))
            .GroupBy(a => (a.Item2.SizeBytes, Hash: hashes[a.Item1]))
            .ToDictionary(g => g.Key, g => g.ToList());
        var candidates = vanished.Where(v => !realOf.ContainsKey(v.Key)).ToList();
        var vanishedByContent = candidates
            .Where(v => v.Value.ContentHash is not null)
            .GroupBy(v => (v.Value.Signature.SizeBytes, Hash: v.Value.ContentHash!.Value))
            .ToDictionary(g => g.Key, g => g.Count());
        foreach (var (path, track) in candidates)
        {
            if (track.ContentHash is { } hash
                && vanishedByContent[(track.Signature.SizeBytes, hash)] == 1
                && newByContent.TryGetValue((track.Signature.SizeBytes, hash), out var targets)
                && targets.Count == 1)
            {
                var (newPath, signature) = targets[0];
                claimed.Add(newPath);
                moved.Add(new ScanMove(track.Id, path, newPath, signature));
            }
            else
            {
                removed.Add(track.Id);
            }
        }

        added.RemoveAll(a => claimed.Contains(a.Item1));
        return new ScanPlan(added, changed, removed, addedErrors, errored, known.Invalid)
        {
            Moved = moved,
            ContentHashes = contentHashes,
            Excluded = excluded,
        };
    }

    /// <summary>
    /// Moves a moved track's sidecars (beside the audio, and in the cache, named by the path's
    /// hash) to its new path. A sidecar already at the new path is left as it is: it is checked
    /// against the file like any other.
    /// </summary>
    private static List<string> MoveSidecars(SidecarStore store, ScanMove move)
    {
        var problems = new List<string>();
        foreach (var (from, to) in new[]
        {
            (SidecarStore.BesidePath(move.OldPath), SidecarStore.BesidePath(move.NewPath)),
            (store.CachePath(move.OldPath), store.CachePath(move.NewPath)),
        })
        {
            try
            {
                if (File.Exists(from) && !File.Exists(to))
                {
                    File.Move(from, to);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The track keeps its fingerprint in the database; only a new database would miss it.
                problems.Add($"{from}: cannot move the sidecar to {to}: {AudioFiles.CauseOf(e)}");
            }
        }

        return problems;
    }

    /// <summary>
    /// A moved track whose sidecar does not serve its file now (a copy has a new mtime, which the
    /// sidecar checks; or it had none) gets one written from the database's fingerprint and plan
    /// data, so a new database still reuses it.
    /// </summary>
    private List<string> RewriteSidecar(SidecarStore store, ScanMove move)
    {
        if (store.TryReadContents(move.NewPath, move.Signature, out _) is not null
            || new FingerprintRepository(database).Get(move.Id) is not { } stored
            || stored.Version != Auralis.Fingerprinting.Fingerprint.FingerprintVersion)
        {
            return [];
        }

        try
        {
            store.Write(move.NewPath, move.Signature, stored.Fingerprint, new PlanDataRows(database).Get(move.Id, out _));
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [$"{move.NewPath}: cannot rewrite its sidecar after the move: {e.Message}"];
        }
    }

    private static bool IsLink(FileSystemInfo info)
    {
        try
        {
            return info.LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
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
