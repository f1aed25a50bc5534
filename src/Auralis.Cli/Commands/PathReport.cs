using Auralis.Cli.Output;
using Auralis.Library.Scanning;

namespace Auralis.Cli.Commands;

/// <summary>
/// What a scan says about paths (docs/scanning.md): moved tracks, tracks the exclusions now leave
/// out (kept; <c>auralis forget</c> removes them), sidecars that could not follow a move, and
/// files too short to analyse (reported by the run that finds them, once).
/// </summary>
internal static class PathReport
{
    /// <summary>Excluded paths listed by name before the rest are only counted.</summary>
    private const int Listed = 10;

    public static void Write(CliContext context, ScanChanges changes, bool json)
    {
        foreach (var move in changes.Moved)
        {
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "moved");
                    w.WriteNumber("id", move.Id);
                    w.WriteString("from", move.OldPath);
                    w.WriteString("path", move.NewPath);
                });
            }
        }

        if (changes.Excluded.Count > 0)
        {
            context.Error.WriteLine(
                $"auralis: note: {changes.Excluded.Count} track(s) of the library are excluded now and were kept as they are; 'auralis forget PATH' removes them:");
            foreach (var path in changes.Excluded.Take(Listed))
            {
                context.Error.WriteLine($"  {path}");
            }

            if (changes.Excluded.Count > Listed)
            {
                context.Error.WriteLine($"  ... and {changes.Excluded.Count - Listed} more");
            }

            foreach (var path in json ? changes.Excluded : [])
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "excluded");
                    w.WriteString("path", path);
                    w.WriteString("message", "excluded now; kept (auralis forget removes it)");
                });
            }
        }

        foreach (var problem in changes.SidecarProblems)
        {
            context.Error.WriteLine($"auralis: warning: {problem} (the track keeps its fingerprint in the database)");
        }
    }

    public static void WriteSkipped(CliContext context, ExtractionResult result, bool json)
    {
        foreach (var (path, reason) in result.Skipped)
        {
            context.Error.WriteLine($"auralis: note: skipped, too short to analyse: {reason}");
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "skipped");
                    w.WriteString("path", path);
                    w.WriteString("message", reason);
                });
            }
        }
    }
}
