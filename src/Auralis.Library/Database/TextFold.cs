using System.Globalization;
using System.Text;

namespace Auralis.Library.Database;

/// <summary>
/// The folding that makes search and sorting case-, accent- and separator-insensitive
/// (docs/database.md, "Search and sort keys"): Unicode NFKD, combining marks removed, invariant
/// lower case, and '_', '-' and every run of white space made one space. Computed in C# when a row
/// is written (not by a SQLite function), so the stored keys read the same in any SQLite tool.
/// The build runs with InvariantGlobalization, where string.Normalize does not decompose, so the
/// decompositions come from TextFold.data (tools/gen-textfold.py writes it from Python's
/// unicodedata; embedded in the assembly).
/// </summary>
public static class TextFold
{
    private static readonly Lazy<Dictionary<int, string>> Table = new(LoadTable);

    /// <summary>The SQLite collation every connection registers: ordinal comparison of the folds.</summary>
    public const string Collation = "auralis_fold";

    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var table = Table.Value;
        var folded = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (table.TryGetValue(rune.Value, out var decomposed))
            {
                foreach (var part in decomposed.EnumerateRunes())
                {
                    Append(part);
                }
            }
            else
            {
                Append(rune);
            }
        }

        return folded.ToString();

        void Append(Rune rune)
        {
            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                return; // an accent already decomposed in the input ("e" + U+0301)
            }

            if (rune.Value is '_' or '-' || Rune.IsWhiteSpace(rune))
            {
                pendingSpace = folded.Length > 0;
                return;
            }

            if (pendingSpace)
            {
                folded.Append(' ');
                pendingSpace = false;
            }

            folded.Append(Rune.ToLowerInvariant(rune).ToString());
        }
    }

    private static Dictionary<int, string> LoadTable()
    {
        using var stream = typeof(TextFold).Assembly.GetManifestResourceStream("Auralis.Library.TextFold.data")
            ?? throw new InvalidOperationException("the TextFold.data resource is missing from Auralis.Library");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var separator = line.IndexOf(';', StringComparison.Ordinal);
            var key = int.Parse(line.AsSpan(0, separator), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var value = new StringBuilder();
            foreach (var part in line[(separator + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                value.Append(char.ConvertFromUtf32(int.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            }

            table[key] = value.ToString();
        }

        return table;
    }

    /// <summary>The name a track is shown by: its title when tagged, else its file name without the extension.</summary>
    public static string ShownName(string filePath, string? title) =>
        string.IsNullOrWhiteSpace(title) ? Path.GetFileNameWithoutExtension(filePath) : title;

    /// <summary>What search matches: the folded title, artist, album, album artist and full path, space-separated.</summary>
    public static string SearchKey(string filePath, string? title, string? artist, string? album, string? albumArtist) =>
        string.Join(' ', new[] { title, artist, album, albumArtist, filePath }.Select(Fold).Where(s => s.Length > 0));

    /// <summary>What sorting by title orders: the folded shown name.</summary>
    public static string SortName(string filePath, string? title) => Fold(ShownName(filePath, title));
}
