namespace Auralis.Library.Scanning;

/// <summary>What a <see cref="IReadConfinement"/> says about a path.</summary>
public enum ReadVerdict
{
    /// <summary>May be read; open the real path given with it.</summary>
    Allowed,

    /// <summary>Its real path (symbolic links resolved) is outside the allowed folders: never read it.</summary>
    Outside,

    /// <summary>Cannot be resolved (missing, a broken link, a folder that cannot be entered): not read.</summary>
    Unresolved,
}

/// <summary>
/// The files a scan may read. The server confines its scans to its library roots, so a symbolic
/// link planted in a root cannot make it read (and then serve) a file from elsewhere; a CLI scan
/// has none and follows file links wherever the user's folders point.
/// </summary>
public interface IReadConfinement
{
    /// <summary>The verdict on <paramref name="path"/>; when allowed, <paramref name="realPath"/> is what to open.</summary>
    ReadVerdict Check(string path, out string realPath);
}

/// <summary>The errors a confined scan records for files it does not read.</summary>
public static class ReadRefusals
{
    public static string Outside(string path) =>
        $"{path}: not read: its real path is outside the library roots (a symbolic link out of a root)";

    public static string Unresolved(string path) =>
        $"{path}: not read: it cannot be resolved (missing, a broken symbolic link, or in a folder that cannot be entered)";
}
