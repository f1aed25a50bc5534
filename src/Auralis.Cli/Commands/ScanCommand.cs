using System.CommandLine;
using System.Diagnostics;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis scan DIR... [--db PATH] [--workers N] [--no-sidecars] [--forget-missing] [--exclude GLOB]... [--json]</c>: brings the
/// library in line with the folders and fingerprints every track that needs it.
/// </summary>
internal static class ScanCommand
{
    public static Command Create(CliContext context)
    {
        var folders = new Argument<string[]>("DIR") { Description = "Music folders to scan (recursively).", Arity = ArgumentArity.OneOrMore };
        var db = CommonOptions.Database();
        var workers = new Option<int>("--workers")
        {
            Description = "Parallel extraction workers (default: all cores).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        CommonOptions.AtLeastOne(workers, "--workers must be at least 1");
        var noSidecars = new Option<bool>("--no-sidecars") { Description = "Neither read nor write .25d sidecar files." };
        var forget = new Option<bool>("--forget-missing")
        {
            Description = "Remove the tracks of a DIR that is missing or empty (by default they are kept: an unmounted disk loses nothing).",
        };
        var exclude = new Option<string[]>("--exclude")
        {
            Description = "Leave out files and folders matching GLOB (repeatable; docs/scanning.md). Names starting with \".\" are always left out; DIR/.auralisignore and ~/.config/auralis/ignore add patterns.",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var json = CommonOptions.Json();
        var engine = CommonOptions.Engine();
        var command = new Command("scan", "Scan music folders: add, update and remove tracks, and fingerprint every track that needs it.")
        {
            folders, db, workers, noSidecars, forget, exclude, json, engine,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetValue(folders)!,
            parse.GetValue(db),
            parse.GetValue(workers),
            !parse.GetValue(noSidecars),
            parse.GetValue(json),
            parse.GetValue(engine)!,
            parse.GetValue(forget),
            parse.GetValue(exclude) ?? []));
        return command;
    }

    private static int Run(CliContext context, string[] folders, string? dbPath, int workers, bool sidecars, bool json, string engineChoice, bool forgetMissing, string[] exclude)
    {
        var engine = CommonOptions.SelectEngine(context, engineChoice);
        if (engine is null)
        {
            return ExitCodes.Fatal;
        }

        using var database = CommonOptions.OpenDatabase(context, dbPath);
        return database is null ? ExitCodes.Fatal : Execute(context, database, folders, workers, sidecars, json, engine, forgetMissing, exclude);
    }

    /// <summary>The scan itself (also the first half of `auralis demo`): sync, extract, summarize.</summary>
    internal static int Execute(
        CliContext context, LibraryDatabase database, IReadOnlyList<string> folders, int workers, bool sidecars, bool json,
        Auralis.Fingerprinting.IFingerprintEngine engine, bool forgetMissing = false, IReadOnlyList<string>? exclude = null)
    {
        var clock = Stopwatch.StartNew();

        // Canonical, as the scanner stores tracks: a DIR given through a link counts its real tracks.
        var roots = folders.Select(CanonicalPath.OfUserPath).Distinct().ToList();
        var console = Consoles.For(context.Out);
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // First Ctrl-C: finish cleanly (in-flight tracks return to pending). A second one kills.
            if (!interrupt.IsCancellationRequested)
            {
                e.Cancel = true;
                context.Error.WriteLine("auralis: stopping: finishing the tracks in progress (Ctrl-C again to abort)...");
                interrupt.Cancel();
            }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            // One scan of a database at a time (another CLI scan, a server scan): wait for it.
            using var scanLock = ScanLock.Acquire(database.Path, "auralis scan", message => context.Error.WriteLine($"auralis: {message}"), interrupt.Token);
            if (scanLock.Warning is { } lockWarning)
            {
                context.Error.WriteLine($"auralis: warning: {lockWarning}");
            }

            ScanChanges changes;
            try
            {
                var scanner = new LibraryScanner(database)
                {
                    ExcludePatterns = exclude ?? [],
                    Sidecars = sidecars ? new Auralis.Library.Sidecars.SidecarStore() : null,
                };
                changes = scanner.Sync(roots, forgetMissing);
            }
            catch (DirectoryNotFoundException e)
            {
                return context.Fail(e.Message);
            }
            catch (ScanExclusionException e)
            {
                return context.Fail($"{e.Message}; nothing was scanned");
            }

            ReportUnreadable(context, changes, json);
            PathReport.Write(context, changes, json);
            if (!json)
            {
                var moved = changes.Moved.Count > 0 ? $"{changes.Moved.Count} moved, " : "";
                console.MarkupLine(
                    $"Found {changes.Found} audio files in {Markup.Escape(string.Join(", ", roots))}: " +
                    $"{changes.Added} new, {changes.Changed} changed, {moved}{changes.Removed} removed.");
            }

            var queue = new ExtractionQueue(database);
            var options = new ExtractionOptions(engine, workers, sidecars) { LeaveUnder = [.. changes.UnreadableFolders.Select(f => f.Path)] };
            var result = RunQueue(queue, options, console, context, json, interrupt.Token);
            if (!result.Cancelled)
            {
                RefreshGraph(context, console, database, result, changes, json);
            }

            PathReport.WriteSkipped(context, result, json);
            var code = Summarize(context, console, database, roots, result, json, clock.Elapsed, changes.Excluded.ToHashSet(StringComparer.Ordinal));
            if (code == ExitCodes.Success && changes.UnreadableFolders.Count > 0)
            {
                context.Error.WriteLine($"auralis: {changes.UnreadableFolders.Count} folder(s) could not be read; their tracks were kept as they were (exit 3)");
                return ExitCodes.SomeTracksFailed;
            }

            return code;
        }
        catch (OperationCanceledException) when (interrupt.IsCancellationRequested)
        {
            return context.Fail("interrupted while waiting for the other scan; nothing was changed");
        }
        catch (LibraryDatabaseException e)
        {
            // The lesson of the tool Auralis replaces (a day of work lost to a swallowed database error): a database that cannot be written stops the scan, loudly.
            var held = e.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 }
                ? $" (another program held the database's write lock for more than {LibraryDatabase.BusyTimeout.TotalSeconds:0} s)"
                : "";
            return context.Fail($"{e.Message.TrimEnd('.')}{held}; the scan stopped, and only tracks reported complete before this error are stored");
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// Folders the scan could not list (their tracks are kept, untouched) on stderr, and as
    /// <c>{"event": "unreadable", "path", "message"}</c> lines with --json; rows an earlier version
    /// left without a file path, which the scan deleted.
    /// </summary>
    private static void ReportUnreadable(CliContext context, ScanChanges changes, bool json)
    {
        foreach (var folder in changes.UnreadableFolders)
        {
            context.Error.WriteLine($"auralis: warning: cannot read folder {folder.Path}: {folder.Cause}; {folder.TracksKept} tracks kept as they were");
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "unreadable");
                    w.WriteString("path", folder.Path);
                    w.WriteString("message", $"cannot read folder: {folder.Cause}; {folder.TracksKept} tracks kept as they were");
                });
            }
        }

        if (changes.Repaired > 0)
        {
            context.Error.WriteLine($"auralis: warning: removed {changes.Repaired} track rows without a file path (left by an earlier version's scan of a path over the system's limit)");
        }
    }

    /// <summary>Keeps the similarity graph equal to a full rebuild after the library changed.</summary>
    private static void RefreshGraph(CliContext context, IAnsiConsole console, LibraryDatabase database, ExtractionResult result, ScanChanges changes, bool json)
    {
        if (new FingerprintRepository(database).Count() == 0)
        {
            return; // nothing to relate yet
        }

        var refresh = Auralis.Similarity.SimilarityGraph.Refresh(database, result.CompletedIds, changes.RemovedIds);
        if (!json && (refresh.Rebuilt || refresh.ListsWritten > 0))
        {
            console.MarkupLine(refresh.Rebuilt
                ? $"Similarity graph rebuilt for {refresh.Tracks} tracks."
                : $"Similarity graph updated ({refresh.ListsWritten} of {refresh.Tracks} lists changed).");
        }
    }

    private static ExtractionResult RunQueue(ExtractionQueue queue, ExtractionOptions options, IAnsiConsole console, CliContext context, bool json, CancellationToken token)
    {
        var total = queue.WorkList().Count;
        if (json)
        {
            var last = TimeSpan.Zero;
            var progress = new SynchronousProgress(p =>
            {
                if (p.Elapsed - last < TimeSpan.FromSeconds(1) && p.Done < p.Total)
                {
                    return;
                }

                last = p.Elapsed;
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "progress");
                    w.WriteNumber("done", p.Done);
                    w.WriteNumber("total", p.Total);
                    w.WriteNumber("failed", p.Failed);
                    w.WriteNumber("rate_per_s", Math.Round(p.TracksPerSecond, 2));
                    if (p.Remaining is { } eta)
                    {
                        w.WriteNumber("eta_s", Math.Round(eta.TotalSeconds, 1));
                    }
                });
            });
            return queue.RunAsync(options, progress, token).GetAwaiter().GetResult();
        }

        if (total == 0)
        {
            return queue.RunAsync(options, null, token).GetAwaiter().GetResult();
        }

        if (console.Profile.Capabilities.Interactive)
        {
            ExtractionResult? result = null;
            console.Progress().Columns(
                    new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("fingerprinting", maxValue: total);
                    var progress = new SynchronousProgress(p =>
                    {
                        task.Value = p.Done;
                        task.Description = $"fingerprinting ({p.Done}/{p.Total}, {p.TracksPerSecond:0.0}/s, {p.Failed} failed)";
                    });
                    result = queue.RunAsync(options, progress, token).GetAwaiter().GetResult();
                });
            return result!;
        }

        // Not a terminal (a log, a pipe): a plain line every few seconds.
        var lastLine = TimeSpan.Zero;
        var plain = new SynchronousProgress(p =>
        {
            if (p.Elapsed - lastLine < TimeSpan.FromSeconds(5) && p.Done < p.Total)
            {
                return;
            }

            lastLine = p.Elapsed;
            var eta = p.Remaining is { } r ? $", about {r.TotalSeconds:0} s left" : "";
            context.Out.WriteLine($"fingerprinted {p.Done}/{p.Total} ({p.TracksPerSecond:0.0} tracks/s, {p.Failed} failed{eta})");
        });
        return queue.RunAsync(options, plain, token).GetAwaiter().GetResult();
    }

    private static int Summarize(
        CliContext context, IAnsiConsole console, LibraryDatabase database, IReadOnlyList<string> roots, ExtractionResult result, bool json, TimeSpan elapsed,
        HashSet<string> excluded)
    {
        var tracks = new TrackRepository(database);
        var counts = tracks.CountByStatus(roots);

        // Excluded tracks were reported as such; their old errors are not this library's failures.
        var allFailures = tracks.Failures(roots);
        var failures = allFailures.Where(f => !excluded.Contains(f.Path)).ToList();
        var errors = counts[FingerprintStatus.Error] - (allFailures.Count - failures.Count);
        var total = counts.Values.Sum();
        var skipped = total - result.Total;
        if (json)
        {
            foreach (var (path, message) in failures)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "failure");
                    w.WriteString("path", path);
                    w.WriteString("message", message);
                });
            }

            JsonLines.Write(context.Out, w =>
            {
                w.WriteNumber("total", total);
                w.WriteNumber("complete", counts[FingerprintStatus.Complete]);
                w.WriteNumber("error", errors);
                w.WriteNumber("skipped", skipped);
                w.WriteNumber("too_short", counts[FingerprintStatus.Skipped]);
                w.WriteNumber("elapsed_s", Math.Round(elapsed.TotalSeconds, 3));
            });
        }
        else
        {
            console.MarkupLine(
                $"{total} tracks: {counts[FingerprintStatus.Complete]} complete, {errors} failed, " +
                (counts[FingerprintStatus.Skipped] > 0 ? $"{counts[FingerprintStatus.Skipped]} too short to analyse, " : "") +
                $"{skipped} already up to date; this run fingerprinted {result.Completed - result.FromSidecars}, " +
                $"reused {result.FromSidecars} sidecars, in {elapsed.TotalSeconds:0.0} s.");
            FailureList.Write(console, failures);
        }

        // Complete tracks whose mastering plan data could not be measured: they play, with a fast plan.
        foreach (var problem in result.PlanErrors)
        {
            context.Error.WriteLine($"auralis: warning: {problem} (its streams will plan from a fast measurement)");
        }

        if (result.Cancelled)
        {
            context.Error.WriteLine($"auralis: interrupted: {result.Returned} tracks in progress went back to pending; run the same scan again to continue");
            return ExitCodes.Fatal;
        }

        return errors > 0 ? ExitCodes.SomeTracksFailed : ExitCodes.Success;
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool out of order).</summary>
    private sealed class SynchronousProgress(Action<ExtractionProgress> report) : IProgress<ExtractionProgress>
    {
        private readonly Lock _gate = new();

        public void Report(ExtractionProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
