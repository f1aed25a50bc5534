using System.Text;

namespace Auralis.Library.Scanning;

/// <summary>A folder a scan could not list, and why; the library's tracks under it are kept as they were.</summary>
public sealed record UnreadableFolder(string Path, string Cause)
{
    /// <summary>Tracks of the library under this folder that the scan kept without looking at them.</summary>
    public int TracksKept { get; init; }
}

/// <summary>An entry with an audio name, under its full path.</summary>
public sealed record AudioFileEntry(string Path, FileSystemInfo Info);

/// <summary>What a walk of one folder tree found.</summary>
public sealed record FolderWalk(IReadOnlyList<AudioFileEntry> Files, IReadOnlyList<UnreadableFolder> Unreadable, bool RootIsEmpty)
{
    /// <summary>Entries (files or whole folders) the exclusions left out of the walk.</summary>
    public int Excluded { get; init; }
}

/// <summary>Which entries of a folder tree are tracks.</summary>
public static class AudioFiles
{
    /// <summary>Extensions picked by a scan (libsndfile formats, and what ffmpeg decodes).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".flac", ".mp3", ".ogg", ".oga", ".opus", ".wav", ".wave", ".aif", ".aiff", ".m4a", ".aac", ".wma", ".wv", ".ape",
    };

    /// <summary>
    /// The longest path, in UTF-8 bytes, the system opens: PATH_MAX less its terminating NUL
    /// (4096 on Linux, 1024 on macOS). Longer paths fail in every system call.
    /// </summary>
    public static int MaxPathBytes { get; } = OperatingSystem.IsWindows() ? int.MaxValue : OperatingSystem.IsMacOS() ? 1023 : 4095;

    public static bool HasAudioExtension(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies under it (by path, ordinal; no I/O).</summary>
    internal static bool IsUnderOrAt(string path, string folder) =>
        path.StartsWith(folder, StringComparison.Ordinal) && (path.Length == folder.Length || path[folder.Length] == Path.DirectorySeparatorChar);

    /// <summary>Why <paramref name="path"/> cannot be opened because of its length, or null when it can.</summary>
    public static string? PathTooLong(string path)
    {
        var bytes = Encoding.UTF8.GetByteCount(path);
        return bytes <= MaxPathBytes
            ? null
            : $"the path is {bytes} bytes long, over this system's limit of {MaxPathBytes} bytes, so it cannot be opened; move it to shorter folder names";
    }

    /// <summary>
    /// Every entry under <paramref name="root"/> with an audio extension, in ordinal path order:
    /// regular files, and also directories and broken symbolic links with such names, so that
    /// they end as tracks with a clear error instead of vanishing silently. Symbolic links to
    /// folders are not followed (a link loop would never end). Folders that cannot be listed are
    /// reported with their cause, never silently skipped. Entries <paramref name="exclusions"/>
    /// exclude (by default every name starting with ".") are neither listed nor entered.
    /// </summary>
    public static FolderWalk Walk(string root, ScanExclusions? exclusions = null)
    {
        exclusions ??= ScanExclusions.Default;
        var excluded = 0;
        var pending = new Stack<string>();
        pending.Push(root);
        var found = new List<AudioFileEntry>();
        var unreadable = new List<UnreadableFolder>();
        var rootIsEmpty = false;
        while (pending.TryPop(out var folder))
        {
            if (PathTooLong(folder) is { } tooLong)
            {
                unreadable.Add(new UnreadableFolder(folder, tooLong));
                continue;
            }

            List<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0 }).ToList();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                unreadable.Add(new UnreadableFolder(folder, CauseOf(e)));
                continue;
            }

            rootIsEmpty |= entries.Count == 0 && string.Equals(folder, root, StringComparison.Ordinal);
            foreach (var entry in entries)
            {
                // .NET leaves FullName empty when the full path exceeds PATH_MAX: build it from the parts.
                var path = Path.Join(folder, entry.Name);
                if (exclusions.IsExcluded(root, path))
                {
                    excluded++;
                    continue;
                }

                if (entry is DirectoryInfo && !HasAudioExtension(entry.Name))
                {
                    if (PathTooLong(path) is not null || !IsLink(entry))
                    {
                        pending.Push(path); // a path over the limit is reported when it is reached
                    }
                }
                else if (HasAudioExtension(entry.Name))
                {
                    found.Add(new AudioFileEntry(path, entry));
                }
            }
        }

        return new FolderWalk(found.OrderBy(e => e.Path, StringComparer.Ordinal).ToList(), unreadable, rootIsEmpty) { Excluded = excluded };
    }

    /// <summary>A cause in the words of the system, without .NET's sentence around it.</summary>
    internal static string CauseOf(Exception e) => e switch
    {
        UnauthorizedAccessException => "permission denied",
        DirectoryNotFoundException => "the folder disappeared during the scan",
        _ => e.Message,
    };

    private static bool IsLink(FileSystemInfo entry)
    {
        try
        {
            return entry.LinkTarget is not null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true; // cannot tell: do not follow
        }
    }
}
