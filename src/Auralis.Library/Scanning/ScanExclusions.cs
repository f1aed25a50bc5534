using System.Text;
using System.Text.RegularExpressions;

namespace Auralis.Library.Scanning;

/// <summary>
/// Which paths under a scan root are not part of the library (docs/scanning.md, "Exclusions"):
/// every file or folder whose name starts with "." (dotfiles, dot-folders, AppleDouble "._*"
/// files), and the glob patterns given with <c>--exclude</c>, in the user's ignore file
/// (<c>$XDG_CONFIG_HOME/auralis/ignore</c>) and in a root's <c>.auralisignore</c>.
/// </summary>
public sealed class ScanExclusions
{
    /// <summary>The ignore file read from the top of each scan root.</summary>
    public const string IgnoreFileName = ".auralisignore";

    private readonly List<Glob> _patterns;

    private ScanExclusions(List<Glob> patterns) => _patterns = patterns;

    /// <summary>Only the default rule (names starting with ".").</summary>
    public static ScanExclusions Default { get; } = new([]);

    /// <summary>The patterns, in the order they were given (for reports).</summary>
    public IReadOnlyList<string> Patterns => _patterns.Select(p => p.Text).ToList();

    /// <summary>
    /// The rules of one scan root: <paramref name="patterns"/> (from --exclude), then the user's
    /// ignore file, then <c>root/.auralisignore</c>. An ignore file that cannot be read is an
    /// error naming it (a scan that silently ignored it would add what the user excluded).
    /// </summary>
    /// <exception cref="ScanExclusionException">A pattern is invalid, or an ignore file exists but cannot be read.</exception>
    public static ScanExclusions For(string root, IReadOnlyList<string> patterns, string? userIgnoreFile = null)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        var globs = patterns.Select(p => Glob.Parse(p, "--exclude")).ToList();
        foreach (var file in new[] { userIgnoreFile ?? UserIgnoreFile, Path.Join(root, IgnoreFileName) })
        {
            globs.AddRange(ReadIgnoreFile(file));
        }

        return new ScanExclusions(globs);
    }

    /// <summary><c>$XDG_CONFIG_HOME/auralis/ignore</c>, or <c>~/.config/auralis/ignore</c> when that is unset or relative.</summary>
    public static string UserIgnoreFile
    {
        get
        {
            var config = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
            if (string.IsNullOrEmpty(config) || !Path.IsPathFullyQualified(config))
            {
                config = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
            }

            return Path.Combine(config, "auralis", "ignore");
        }
    }

    /// <summary>
    /// True when <paramref name="path"/> (a full path under <paramref name="root"/>) is excluded:
    /// it or a folder above it (below the root) is named ".*" or matches a pattern.
    /// </summary>
    public bool IsExcluded(string root, string path) => IsExcluded(root, path, dotRule: true);

    /// <summary>True when a pattern (not the "." rule) excludes <paramref name="path"/> relative to <paramref name="root"/>.</summary>
    public bool IsExcludedByPattern(string root, string path) => IsExcluded(root, path, dotRule: false);

    private bool IsExcluded(string root, string path, bool dotRule)
    {
        if (!AudioFiles.IsUnderOrAt(path, root) || path.Length == root.Length)
        {
            return false;
        }

        var relative = path[(root.Length + 1)..].Replace(Path.DirectorySeparatorChar, '/');
        var parts = relative.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            if (dotRule && parts[i].StartsWith('.'))
            {
                return true;
            }

            // Each prefix (a folder above the file, then the file itself) is tried, so a pattern
            // that names a folder excludes everything in it.
            var prefix = string.Join('/', parts, 0, i + 1);
            if (_patterns.Any(p => p.Matches(parts[i], prefix)))
            {
                return true;
            }
        }

        return false;
    }

    private static List<Glob> ReadIgnoreFile(string file)
    {
        string[] lines;
        try
        {
            if (!File.Exists(file))
            {
                return [];
            }

            lines = File.ReadAllLines(file, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ScanExclusionException($"{file}: cannot read the ignore file: {AudioFiles.CauseOf(e)}");
        }

        return lines
            .Select((line, index) => (Line: line.Trim(), Number: index + 1))
            .Where(l => l.Line.Length > 0 && !l.Line.StartsWith('#'))
            .Select(l => Glob.Parse(l.Line, $"{file}:{l.Number}"))
            .ToList();
    }

    /// <summary>
    /// One pattern: "*" matches any characters but "/", "**" any characters including "/", "?"
    /// one character but "/", "[...]" one of a set ("[!...]" none of it); "\" quotes the next
    /// character. A pattern without "/" is tried on every name in the path; one with "/" (a
    /// leading "/" is dropped) on the path relative to the root. A trailing "/" is dropped too
    /// (a folder pattern excludes what is under it either way). Matching is case-sensitive.
    /// </summary>
    private sealed class Glob
    {
        private readonly Regex _regex;
        private readonly bool _anchored;

        private Glob(string text, Regex regex, bool anchored) => (Text, _regex, _anchored) = (text, regex, anchored);

        public string Text { get; }

        public bool Matches(string name, string relativePath) => _regex.IsMatch(_anchored ? relativePath : name);

        public static Glob Parse(string text, string where)
        {
            var pattern = text.Trim();
            if (pattern.EndsWith('/'))
            {
                pattern = pattern.TrimEnd('/');
            }

            var anchored = pattern.Contains('/', StringComparison.Ordinal);
            pattern = pattern.TrimStart('/');
            if (pattern.Length == 0)
            {
                throw new ScanExclusionException($"{where}: '{text}' is not a pattern (it matches nothing or everything)");
            }

            var regex = new StringBuilder("^");
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                switch (c)
                {
                    case '*' when i + 1 < pattern.Length && pattern[i + 1] == '*':
                        i++;
                        if (i + 1 < pattern.Length && pattern[i + 1] == '/')
                        {
                            i++;
                            regex.Append("(?:.*/)?"); // "**/" matches zero or more folders
                        }
                        else
                        {
                            regex.Append(".*");
                        }

                        break;
                    case '*':
                        regex.Append("[^/]*");
                        break;
                    case '?':
                        regex.Append("[^/]");
                        break;
                    case '\\' when i + 1 < pattern.Length:
                        regex.Append(Regex.Escape(pattern[++i].ToString()));
                        break;
                    case '[':
                        var end = i + 2 < pattern.Length ? pattern.IndexOf(']', i + 2) : -1;
                        if (end < 0)
                        {
                            throw new ScanExclusionException($"{where}: '{text}': '[' without a closing ']'");
                        }

                        var set = pattern[(i + 1)..end];
                        var negated = set.StartsWith('!');
                        set = (negated ? set[1..] : set).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("^", "\\^", StringComparison.Ordinal).Replace("[", "\\[", StringComparison.Ordinal);
                        regex.Append(negated ? "[^/" : "[").Append(set).Append(']');
                        i = end;
                        break;
                    default:
                        regex.Append(Regex.Escape(c.ToString()));
                        break;
                }
            }

            regex.Append('$');
            return new Glob(text, new Regex(regex.ToString(), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)), anchored);
        }
    }
}

/// <summary>An exclusion pattern or ignore file is unusable; the message names where it came from.</summary>
public sealed class ScanExclusionException : Exception
{
    public ScanExclusionException(string message)
        : base(message)
    {
    }

    public ScanExclusionException()
        : this("invalid exclusion")
    {
    }

    public ScanExclusionException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
