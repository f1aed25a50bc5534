using System.CommandLine;
using System.Diagnostics;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis scan DIR... [--db PATH] [--workers N] [--no-sidecars] [--no-plan-data] [--forget-missing] [--exclude GLOB]... [--watch] [--json]</c>: brings the
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
        var noPlanData = new Option<bool>("--no-plan-data")
        {
            Description = "Do not measure mastering plan data (most of a scan's time today): similarity and loudness as usual, and enhanced playback plans from a fast measurement until a scan without this option measures it.",
        };
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
        var watch = new Option<bool>("--watch")
        {
            Description = $"After the scan, keep watching the folders: new, changed, moved and removed files are picked up within seconds (and everything is rescanned every {WatchSafetyInterval.TotalMinutes:0} minutes as a safety net). Ctrl-C stops.",
        };
        var json = CommonOptions.Json();
        var engine = CommonOptions.Engine();
        var command = new Command("scan", "Scan music folders: add, update and remove tracks, and fingerprint every track that needs it.")
        {
            folders, db, workers, noSidecars, noPlanData, forget, exclude, watch, json, engine,
        };
        command.SetAction(parse => Run(
            context,
            parse.GetValue(folders)!,
            parse.GetValue(db),
            parse.GetValue(workers),
            new ScanOutputs(!parse.GetValue(noSidecars), !parse.GetValue(noPlanData)),
            parse.GetValue(json),
            parse.GetValue(engine)!,
            parse.GetValue(forget),
            parse.GetValue(exclude) ?? [],
            parse.GetValue(watch)));
        return command;
    }

    /// <summary>How long files must stay quiet after a change before a watching scan rescans (an album being copied is one rescan).</summary>
    internal static readonly TimeSpan WatchDebounce = TimeSpan.FromSeconds(2);

    /// <summary>A watching scan rescans this often even without events (network shares, lost events).</summary>
    internal static readonly TimeSpan WatchSafetyInterval = TimeSpan.FromMinutes(10);

    private static int Run(CliContext context, string[] folders, string? dbPath, int workers, ScanOutputs outputs, bool json, string engineChoice, bool forgetMissing, string[] exclude, bool watch)
    {
        var engine = CommonOptions.SelectEngine(context, engineChoice);
        if (engine is null)
        {
            return ExitCodes.Fatal;
        }

        using var database = CommonOptions.OpenDatabase(context, dbPath);
        if (database is null)
        {
            return ExitCodes.Fatal;
        }

        if (!watch)
        {
            return Execute(context, database, folders, workers, outputs, json, engine, forgetMissing, exclude);
        }

        using var interrupt = new Interruption(context, "finishing the tracks in progress, then no more watching");
        // Watching starts before the first scan: a file that arrives while it runs wakes the next one.
        var roots = folders.Select(CanonicalPath.OfUserPath).Distinct().ToList();
        using var watcher = new LibraryWatcher(roots.Where(Directory.Exists).ToList(), WatchDebounce, WatchSafetyInterval);
        var code = Execute(context, database, folders, workers, outputs, json, engine, forgetMissing, exclude, interrupt);
        if (code is ExitCodes.Fatal or ExitCodes.Usage or ExitCodes.Interrupted)
        {
            return code;
        }

        return Watch(context, database, folders, workers, outputs, json, engine, exclude, interrupt, watcher);
    }

    /// <summary>
    /// `scan --watch` after the first scan: rescans whenever files under the folders changed and
    /// then stayed quiet for <see cref="WatchDebounce"/>, and every <see cref="WatchSafetyInterval"/>,
    /// until Ctrl-C (exit 130) or a fatal error. Failed tracks do not end the watch: each rescan
    /// reports them.
    /// </summary>
    private static int Watch(CliContext context, LibraryDatabase database, IReadOnlyList<string> folders, int workers, ScanOutputs outputs, bool json,
        Auralis.Fingerprinting.IFingerprintEngine engine, string[] exclude, Interruption interrupt, LibraryWatcher watcher)
    {
        var roots = folders.Select(CanonicalPath.OfUserPath).Distinct().ToList();
        foreach (var problem in watcher.Problems)
        {
            context.Error.WriteLine($"auralis: warning: cannot watch {problem}; it is rescanned every {WatchSafetyInterval.TotalMinutes:0} minutes instead");
        }

        context.Error.WriteLine($"auralis: watching {string.Join(", ", roots)} for changes (Ctrl-C to stop)");
        while (true)
        {
            WatchWake wake;
            try
            {
                wake = watcher.WaitAsync(interrupt.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (interrupt.Requested)
            {
                context.Error.WriteLine("auralis: stopped watching");
                return ExitCodes.Interrupted;
            }

            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteString("event", "rescan");
                    w.WriteString("reason", wake == WatchWake.Changed ? "changed" : "periodic");
                });
            }
            else
            {
                context.Out.WriteLine(wake == WatchWake.Changed ? "Files changed; rescanning." : "Periodic rescan.");
            }

            var code = Execute(context, database, folders, workers, outputs, json, engine, forgetMissing: false, exclude, interrupt);
            if (code is ExitCodes.Fatal or ExitCodes.Usage or ExitCodes.Interrupted)
            {
                return code;
            }
        }
    }

    /// <summary>The scan itself (also the first half of `auralis demo`): sync, extract, summarize.</summary>
    internal static int Execute(
        CliContext context, LibraryDatabase database, IReadOnlyList<string> folders, int workers, ScanOutputs outputs, bool json,
        Auralis.Fingerprinting.IFingerprintEngine engine, bool forgetMissing = false, IReadOnlyList<string>? exclude = null, Interruption? interruption = null)
    {
        var clock = Stopwatch.StartNew();

        // Canonical, as the scanner stores tracks: a DIR given through a link counts its real tracks.
        var roots = folders.Select(CanonicalPath.OfUserPath).Distinct().ToList();
        var console = Consoles.For(context.Out);
        // First Ctrl-C: finish cleanly (in-flight tracks return to pending), exit 130. A second one kills.
        using var own = interruption is null ? new Interruption(context, "finishing the tracks in progress") : null;
        var interrupt = interruption ?? own!;
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
                    Sidecars = outputs.Sidecars ? new Auralis.Library.Sidecars.SidecarStore() : null,
                };
                changes = scanner.Sync(roots, forgetMissing);
            }
            catch (DirectoryNotFoundException e)
            {
                // A folder that does not exist (and has no tracks to keep): a mistyped path.
                context.Error.WriteLine($"auralis: error: {e.Message}");
                return ExitCodes.Usage;
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
            var options = new ExtractionOptions(engine, workers, outputs.Sidecars)
            {
                LeaveUnder = [.. changes.UnreadableFolders.Select(f => f.Path)],
                MeasurePlans = outputs.PlanData,
            };
            var result = RunQueue(queue, options, console, context, json, interrupt.Token);
            if (!result.Cancelled && options.MeasurePlans)
            {
                result = BackfillPlans(context, console, database, options, json, result, interrupt.Token);
            }

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
        catch (OperationCanceledException) when (interrupt.Requested)
        {
            context.Error.WriteLine("auralis: interrupted while waiting for the other scan; nothing was changed");
            return ExitCodes.Interrupted;
        }
        catch (LibraryDatabaseException e)
        {
            // The lesson of the tool Auralis replaces (a day of work lost to a swallowed database error): a database that cannot be written stops the scan, loudly.
            var held = e.InnerException is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 5 or 6 }
                ? $" (another program held the database's write lock for more than {LibraryDatabase.BusyTimeout.TotalSeconds:0} s)"
                : "";
            return context.Fail($"{e.Message.TrimEnd('.')}{held}; the scan stopped, and only tracks reported complete before this error are stored");
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

    /// <summary>
    /// Mastering plan data for complete tracks that lack it (fingerprinted before the scan measured
    /// plans): measured now, without fingerprinting again, so their plays start with no measuring
    /// pass. Problems join the run's plan errors; Ctrl-C makes the run cancelled.
    /// </summary>
    private static ExtractionResult BackfillPlans(
        CliContext context, IAnsiConsole console, LibraryDatabase database, ExtractionOptions options, bool json, ExtractionResult result, CancellationToken token)
    {
        var work = PlanBackfill.WorkList(database);
        var total = work.Count;
        if (total == 0)
        {
            return result;
        }

        if (!json)
        {
            console.MarkupLine($"Measuring mastering data for {total} tracks fingerprinted before it was stored (no refingerprinting)...");
        }

        var sidecars = options.UseSidecars ? options.Sidecars ?? new Auralis.Library.Sidecars.SidecarStore() : null;
        var backfill = PlanBackfill.RunAsync(database, options.Workers, sidecars, options.Confinement, options.LeaveUnder, work, null, token).GetAwaiter().GetResult();
        if (json)
        {
            JsonLines.Write(context.Out, w =>
            {
                w.WriteString("event", "plan_data");
                w.WriteNumber("measured", backfill.Measured);
                w.WriteNumber("total", backfill.Total);
            });
        }
        else
        {
            console.MarkupLine($"Mastering data measured for {backfill.Measured} of {backfill.Total} tracks.");
        }

        return result with
        {
            Cancelled = result.Cancelled || backfill.Cancelled,
            PlanErrors = [.. result.PlanErrors, .. backfill.Errors],
        };
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

        // A library from before tags were stored got them without being fingerprinted again.
        if (result.MetadataFilled > 0 && !json)
        {
            console.MarkupLine($"Tags and durations read for {result.MetadataFilled} tracks fingerprinted before they were stored.");
        }

        // Complete tracks whose mastering plan data could not be measured: they play, with a fast plan.
        foreach (var problem in result.PlanErrors)
        {
            context.Error.WriteLine($"auralis: warning: {problem} (its streams will plan from a fast measurement)");
        }

        if (result.Cancelled)
        {
            context.Error.WriteLine($"auralis: interrupted: {result.Returned} tracks in progress went back to pending; run the same scan again to continue");
            return ExitCodes.Interrupted;
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

/// <summary>What a scan writes besides fingerprints: sidecars (--no-sidecars) and mastering plan data (--no-plan-data).</summary>
internal sealed record ScanOutputs(bool Sidecars, bool PlanData)
{
    public static ScanOutputs All { get; } = new(true, true);
}
