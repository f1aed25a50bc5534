namespace Auralis.Server.Api;

/// <summary>
/// A failed track's message as the page shows it (docs/web.md): one sentence about the file's
/// problem. The stored message is written for logs and the CLI, where it must stand alone: it
/// starts with the path, the ffmpeg fallback quotes the path again ("file:PATH: ..."), and an
/// on-demand lookup lists every tier it tried (database, sidecars, server) before the cause.
/// Beside the track's row all of that is noise, so it is dropped here and the cause is kept.
/// </summary>
internal static class FailureText
{
    // The provider's last tier (FingerprintUnavailableException: "local (ENGINE): CAUSE");
    // everything before it says where no fingerprint was found, not why the file failed.
    private const string LocalTier = "local (";

    public static string Readable(string message, string path)
    {
        var text = message.Trim();
        var prefix = $"Cannot fingerprint '{path}': ";
        if (text.StartsWith(prefix, StringComparison.Ordinal))
        {
            text = text[prefix.Length..];
            var local = text.LastIndexOf(LocalTier, StringComparison.Ordinal);
            var end = local < 0 ? -1 : text.IndexOf("): ", local, StringComparison.Ordinal);
            if (end >= 0)
            {
                text = text[(end + 3)..];
            }
        }

        if (path.Length > 0)
        {
            text = text.Replace($"file:{path}: ", "", StringComparison.Ordinal).Replace($"{path}: ", "", StringComparison.Ordinal);
        }

        // Causes joined by "; " (one per decoder tried); the same cause twice says nothing new.
        var parts = text.Split("; ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal);
        var readable = string.Join("; ", parts);
        return readable.Length == 0 ? message : readable;
    }
}
