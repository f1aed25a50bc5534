using System.CommandLine;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis forget PATH... [--db PATH] [--dry-run] [--force] [--json]</c>: removes the tracks at
/// or under each PATH that is gone or excluded (docs/scanning.md, "Forgetting tracks"), with their
/// fingerprints, plan data and similarity-graph edges. A PATH that still exists and is not
/// excluded is refused without --force: a scan keeps such tracks in line, and forgetting them
/// would only make the next scan fingerprint them again.
/// </summary>
internal static class ForgetCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("PATH") { Description = "Files or folders whose tracks to remove from the library.", Arity = ArgumentArity.OneOrMore };
        var db = CommonOptions.Database();
        var dryRun = new Option<bool>("--dry-run") { Description = "Show what would be removed; change nothing." };
        var force = new Option<bool>("--force") { Description = "Also forget a PATH that still exists and is not excluded." };
        var json = CommonOptions.Json();
        var command = new Command("forget", "Remove the tracks of files or folders that are gone or excluded (with their fingerprints and similarity links).")
        {
            paths, db, dryRun, force, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(paths)!, parse.GetValue(db), parse.GetValue(dryRun), parse.GetValue(force), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, string[] paths, string? dbPath, bool dryRun, bool force, bool json)
    {
        var file = Path.GetFullPath(dbPath ?? LibraryDatabase.DefaultPath);
        if (!File.Exists(file))
        {
            // Opening would create an empty library, and forgetting from it would say nothing useful.
            return context.Fail($"{file}: no library database there (nothing to forget); check --db or AURALIS_DB");
        }

        using var database = CommonOptions.OpenDatabase(context, file);
        if (database is null)
        {
            return ExitCodes.Fatal;
        }

        try
        {
            // A scan replans inside its own transaction; the lock keeps the graph refresh of the
            // two from interleaving.
            using var scanLock = ScanLock.Acquire(database.Path, "auralis forget", message => context.Error.WriteLine($"auralis: {message}"));
            return Forget(context, database, paths, dryRun, force, json);
        }
        catch (LibraryDatabaseException e)
        {
            return context.Fail($"{e.Message.TrimEnd('.')}; nothing was forgotten");
        }
    }

    private static int Forget(CliContext context, LibraryDatabase database, string[] paths, bool dryRun, bool force, bool json)
    {
        var tracks = new TrackRepository(database);
        var selected = new Dictionary<long, TrackRecord>();
        var refusals = new List<string>();
        foreach (var given in paths)
        {
            var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(given));
            var canonical = CanonicalPath.OfUserPath(given);

            // Rows an earlier version stored under the spelling given (a linked folder) count too.
            var found = tracks.AtOrUnder(canonical).Concat(full == canonical ? [] : tracks.AtOrUnder(full)).ToList();
            if (found.Count == 0)
            {
                refusals.Add($"{given}: no track of the library is at or under it");
                continue;
            }

            if ((File.Exists(canonical) || Directory.Exists(canonical)) && !force && !IsExcluded(canonical))
            {
                refusals.Add(
                    $"{given}: it still exists and is not excluded, so its {found.Count} track(s) belong to the library (a scan keeps them in line); " +
                    "exclude it (--exclude or .auralisignore) or pass --force to forget them anyway");
                continue;
            }

            foreach (var track in found)
            {
                selected.TryAdd(track.Id, track);
            }
        }

        if (refusals.Count > 0)
        {
            foreach (var refusal in refusals)
            {
                context.Error.WriteLine($"auralis: error: {refusal}");
            }

            context.Error.WriteLine("auralis: nothing was forgotten");
            return ExitCodes.Fatal;
        }

        var ordered = selected.Values.OrderBy(t => t.FilePath, StringComparer.Ordinal).ToList();
        if (!dryRun)
        {
            var ids = ordered.Select(t => t.Id).ToList();
            tracks.Forget(ids);
            if (new FingerprintRepository(database).Count() > 0)
            {
                // The neighbours of the removed tracks get new nearest lists, as after a scan.
                Auralis.Similarity.SimilarityGraph.Refresh(database, [], ids);
            }
        }

        Report(context, ordered, dryRun, json);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Excluded as a scan of any folder above it would see it: its own name starts with ".", or a
    /// pattern of the user's ignore file or of a <c>.auralisignore</c> in a folder above it
    /// matches it relative to that folder.
    /// </summary>
    private static bool IsExcluded(string path)
    {
        if (Path.GetFileName(path).StartsWith('.'))
        {
            return true;
        }

        for (var folder = Path.GetDirectoryName(path); folder is not null; folder = Path.GetDirectoryName(folder))
        {
            var root = Path.TrimEndingDirectorySeparator(folder);
            if (root.Length > 0 && ScanExclusions.For(root, []).IsExcludedByPattern(root, path))
            {
                return true;
            }
        }

        return false;
    }

    private static void Report(CliContext context, List<TrackRecord> forgotten, bool dryRun, bool json)
    {
        if (json)
        {
            JsonLines.Write(context.Out, w =>
            {
                w.WriteBoolean("dry_run", dryRun);
                w.WriteNumber("forgotten", forgotten.Count);
                w.WriteStartArray("tracks");
                foreach (var track in forgotten)
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", track.Id);
                    w.WriteString("path", track.FilePath);
                    w.WriteString("title", track.Title);
                    w.WriteString("artist", track.Artist);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            });
            return;
        }

        var console = Consoles.For(context.Out);
        console.MarkupLine(dryRun ? $"Would forget {forgotten.Count} track(s):" : $"Forgot {forgotten.Count} track(s):");
        foreach (var track in forgotten)
        {
            var title = track.Title is { } t ? $"{(track.Artist is { } a ? $"{a} - " : "")}{t}" : Path.GetFileName(track.FilePath);
            console.MarkupLine($"  {track.Id,6}  {Markup.Escape(title)}  [grey]{Markup.Escape(track.FilePath)}[/]");
        }
    }
}
