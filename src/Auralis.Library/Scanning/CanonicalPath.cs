using System.Runtime.InteropServices;

namespace Auralis.Library.Scanning;

/// <summary>
/// Canonical paths (docs/scanning.md, "Canonical paths"): a track's path is its file's real path,
/// every symbolic link and "." / ".." resolved, so that one file is one track however it was
/// reached (a linked folder, a linked file, a second spelling of a root).
/// </summary>
public static partial class CanonicalPath
{
    /// <summary>The real path of an existing file or folder (realpath(3)), or null when it cannot be resolved (missing, a broken link, a folder that cannot be entered).</summary>
    public static string? Resolve(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsWindows())
        {
            // No realpath(3): resolve the final link only.
            try
            {
                var info = new FileInfo(path);
                if (!info.Exists && !Directory.Exists(path))
                {
                    return null;
                }

                return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }

        var resolved = Native.realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Native.free(resolved);
        }
    }

    /// <summary>
    /// A folder given by the user as a scan root or a path to forget, canonical when it exists;
    /// when it does not, its deepest existing ancestor is resolved and the rest appended, so that
    /// a vanished folder under a linked one still names the tracks stored under its real path.
    /// </summary>
    public static string OfUserPath(string path)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Resolve(full) is { } real)
        {
            return Path.TrimEndingDirectorySeparator(real);
        }

        var rest = new Stack<string>();
        var current = full;
        while (Path.GetDirectoryName(current) is { } parent)
        {
            rest.Push(Path.GetFileName(current));
            current = parent;
            if (Resolve(current) is { } realParent)
            {
                return Path.TrimEndingDirectorySeparator(Path.Join([realParent, .. rest]));
            }
        }

        return full;
    }

    private static partial class Native
    {
        [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
        public static partial IntPtr realpath(string path, IntPtr resolved);

        [LibraryImport("libc")]
        public static partial void free(IntPtr pointer);
    }
}
