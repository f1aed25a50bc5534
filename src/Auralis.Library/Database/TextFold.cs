using System.Globalization;
using System.Text;

namespace Auralis.Library.Database;

/// <summary>
/// The folding that makes search and sorting case-, accent- and separator-insensitive
/// (docs/database.md, "Search and sort keys"): Unicode NFKD, combining marks removed, invariant
/// lower case, and '_', '-' and every run of white space made one space. Computed in C# when a row
/// is written (not by a SQLite function), so the stored keys read the same in any SQLite tool.
/// </summary>
public static class TextFold
{
    public static string Fold(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        var decomposed = text.Normalize(NormalizationForm.FormKD);
        var folded = new StringBuilder(decomposed.Length);
        var pendingSpace = false;
        foreach (var c in decomposed)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark)
            {
                continue; // the accent of a decomposed letter: "é" is "e" + U+0301
            }

            if (c is '_' or '-' || char.IsWhiteSpace(c))
            {
                pendingSpace = folded.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                folded.Append(' ');
                pendingSpace = false;
            }

            folded.Append(char.ToLowerInvariant(c));
        }

        return folded.ToString();
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
