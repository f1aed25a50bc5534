using Auralis.Library.Scanning;

namespace Auralis.Server.Security;

/// <summary>Why a path was refused.</summary>
public enum PathVerdict
{
    Allowed,
    /// <summary>Outside every library root (lexically, or once symlinks are resolved).</summary>
    Outside,
    /// <summary>Under a root lexically but does not exist (or cannot be resolved).</summary>
    Missing,
}

/// <summary>
/// The folders the server may read (docs/server.md): a path is served only if, after resolving
/// every symbolic link and every "..", it lies under one of them. The check is done on the real
/// path the kernel would open, so neither "../" nor a symlink planted inside a root can reach
/// outside it.
/// </summary>
public sealed class LibraryRoots : IReadConfinement
{
    private readonly string[] _roots;

    /// <exception cref="DirectoryNotFoundException">A root does not exist or is not a folder.</exception>
    public LibraryRoots(IEnumerable<string> roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        _roots = roots.Select(root =>
        {
            var real = RealPath(Path.GetFullPath(root));
            if (real is null || !Directory.Exists(real))
            {
                throw new DirectoryNotFoundException($"Library root '{root}' does not exist or is not a folder.");
            }

            return Path.TrimEndingDirectorySeparator(real);
        }).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The roots, fully resolved.</summary>
    public IReadOnlyList<string> Roots => _roots;

    /// <summary>Checks <paramref name="path"/>; on success <paramref name="realPath"/> is what to open.</summary>
    public PathVerdict Check(string path, out string realPath)
    {
        realPath = "";
        if (string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal) || !Path.IsPathFullyQualified(path))
        {
            return PathVerdict.Outside;
        }

        // Resolve exactly as the kernel would open it; refuse anything whose real path is not under
        // a root. A missing file under a root is "missing"; anything else outside is "outside",
        // existing or not, so the answer tells nothing about the rest of the disk.
        var full = Path.GetFullPath(path);
        var real = RealPath(full);
        if (real is null)
        {
            return IsUnderRoot(full) ? PathVerdict.Missing : PathVerdict.Outside;
        }

        if (!IsUnderRoot(real))
        {
            return PathVerdict.Outside;
        }

        realPath = real;
        return PathVerdict.Allowed;
    }

    /// <summary>The same confinement for the server's scans: what they may read (docs/server.md, scans).</summary>
    ReadVerdict IReadConfinement.Check(string path, out string realPath) => Check(path, out realPath) switch
    {
        PathVerdict.Allowed => ReadVerdict.Allowed,
        PathVerdict.Missing => ReadVerdict.Unresolved,
        _ => ReadVerdict.Outside,
    };

    private bool IsUnderRoot(string path) => _roots.Any(root => IsUnder(path, root));

    private static bool IsUnder(string path, string root) =>
        path.Length > root.Length
            ? path.StartsWith(root, StringComparison.Ordinal) && (path[root.Length] == Path.DirectorySeparatorChar || root.EndsWith(Path.DirectorySeparatorChar))
            : string.Equals(path, root, StringComparison.Ordinal);

    /// <summary>The canonical path (symlinks and dots resolved), or null when it does not exist: the scanner's own rule, so the server confines exactly the paths the library stores.</summary>
    internal static string? RealPath(string path) => CanonicalPath.Resolve(path);
}
