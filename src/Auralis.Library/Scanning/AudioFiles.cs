namespace Auralis.Library.Scanning;

/// <summary>Which entries of a folder tree are tracks.</summary>
public static class AudioFiles
{
    /// <summary>Extensions picked by a scan (libsndfile formats, and what ffmpeg decodes).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".flac", ".mp3", ".ogg", ".oga", ".opus", ".wav", ".wave", ".aif", ".aiff", ".m4a", ".aac", ".wma", ".wv", ".ape",
    };

    public static bool HasAudioExtension(string path) => Extensions.Contains(Path.GetExtension(path));

    /// <summary>
    /// Every entry under <paramref name="root"/> with an audio extension, in ordinal path order:
    /// regular files, and also directories and broken symbolic links with such names, so that
    /// they end as tracks with a clear error instead of vanishing silently. Folders that cannot be
    /// read are skipped (and reported through <paramref name="unreadable"/>).
    /// </summary>
    public static IEnumerable<FileSystemInfo> Enumerate(string root, Action<string, Exception>? unreadable = null)
    {
        var pending = new Stack<DirectoryInfo>();
        pending.Push(new DirectoryInfo(root));
        var found = new List<FileSystemInfo>();
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = folder.EnumerateFileSystemInfos("*", new EnumerationOptions { IgnoreInaccessible = false, AttributesToSkip = 0 }).ToList();
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                unreadable?.Invoke(folder.FullName, e);
                continue;
            }

            foreach (var entry in entries)
            {
                // Symbolic links to folders are not followed: a link loop would never end.
                var isLink = entry.LinkTarget is not null;
                if (entry is DirectoryInfo directory && !isLink && !HasAudioExtension(entry.Name))
                {
                    pending.Push(directory);
                }
                else if (HasAudioExtension(entry.Name))
                {
                    found.Add(entry);
                }
            }
        }

        return found.OrderBy(e => e.FullName, StringComparer.Ordinal);
    }
}
