using System.Diagnostics;
using System.Globalization;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Library.Provider;
using Auralis.Library.Scanning;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// `auralis master DIR OUTDIR`: every audio file under DIR (the scan's rules: audio extensions,
/// dot-files, .auralisignore and the user's ignore file left out) mastered into the same relative
/// path under OUTDIR with the --format extension, <see cref="MasterSettings.Jobs"/> at a time.
/// Outputs that exist are skipped unless --force, so an interrupted batch resumes where it
/// stopped; a file that fails is listed with its cause and the others go on; exit 3 when some
/// failed (docs/mastering.md, "Batch mastering").
/// </summary>
internal static class MasterBatch
{
    private sealed record Job(string Input, string Output);

    private enum Outcome
    {
        Mastered,
        Skipped,
        Failed,
    }

    public static int Run(CliContext context, string inputRoot, string outputRoot, MasterSettings settings)
    {
        var root = CanonicalPath.Resolve(inputRoot) ?? Path.GetFullPath(inputRoot);
        if (File.Exists(outputRoot))
        {
            context.Error.WriteLine($"auralis: error: {outputRoot} is a file; when IN is a folder, OUT is the folder to write the mastered files into");
            return ExitCodes.Usage;
        }

        var target = ResolveMaybeMissing(outputRoot);
        if (IsUnderOrAt(target, root))
        {
            context.Error.WriteLine($"auralis: error: {outputRoot} is inside {inputRoot}; write the mastered files outside the folder being mastered (a second run would master the masters)");
            return ExitCodes.Usage;
        }

        FolderWalk walk;
        try
        {
            walk = AudioFiles.Walk(root, ScanExclusions.For(root, []));
        }
        catch (ScanExclusionException e)
        {
            return context.Fail(e.Message);
        }

        var format = settings.Format ?? "flac";
        var failures = new List<(string Path, string Message)>();
        foreach (var folder in walk.Unreadable)
        {
            failures.Add((folder.Path, $"folder not read: {folder.Cause}"));
        }

        var jobs = new List<Job>();
        var byOutput = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in walk.Files)
        {
            var relative = Path.GetRelativePath(root, entry.Path);
            var output = Path.Combine(target, Path.ChangeExtension(relative, "." + format));
            if (byOutput.TryGetValue(output, out var first))
            {
                // song.ogg and song.mp3 in one folder: neither output may silently replace the other.
                failures.Add((entry.Path, $"not mastered: {first} is already mastered to {output}; rename one of them, or master this one on its own"));
                continue;
            }

            byOutput[output] = entry.Path;
            jobs.Add(new Job(entry.Path, output));
        }

        using var pipeline = MasterPipeline.Open(context, settings.Engine, settings.DatabasePath, settings.WriteSidecar, out var exitCode);
        if (pipeline is null)
        {
            return exitCode;
        }

        var console = Consoles.For(context.Out);
        var report = new Report(context, console, settings.Json, jobs.Count + failures.Count);
        foreach (var (path, message) in failures)
        {
            report.Failed(path, message);
        }

        var clock = Stopwatch.StartNew();
        using var interrupt = new Interruption(context, "the files being mastered now are not written, finished ones are kept");
        void RunAll(Action advanced)
        {
            try
            {
                Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = settings.Jobs, CancellationToken = interrupt.Token }, job =>
                {
                    MasterOne(pipeline, job, settings, report, interrupt.Token);
                    advanced();
                });
            }
            catch (Exception e) when (interrupt.Requested && e is OperationCanceledException or AggregateException)
            {
                // Reported below; the renders in progress deleted their partial files.
            }
        }

        if (!settings.Json && console.Profile.Capabilities.Interactive && jobs.Count > 0)
        {
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .Start(progress =>
                {
                    var task = progress.AddTask("mastering", maxValue: jobs.Count);
                    RunAll(() =>
                    {
                        lock (task)
                        {
                            task.Increment(1);
                            task.Description = $"mastering ({report.Done}/{report.Total}, {report.FailedCount} failed)";
                        }
                    });
                });
        }
        else
        {
            RunAll(() => { });
        }

        if (interrupt.Requested)
        {
            context.Error.WriteLine($"auralis: interrupted after {report.MasteredCount} of {jobs.Count} files; run again to master the rest (finished outputs are skipped)");
            return ExitCodes.Interrupted;
        }

        report.Finish(inputRoot, outputRoot, clock.Elapsed);
        return report.FailedCount > 0 ? ExitCodes.SomeTracksFailed : ExitCodes.Success;
    }

    private static void MasterOne(MasterPipeline pipeline, Job job, MasterSettings settings, Report report, CancellationToken token)
    {
        if (!settings.Force && File.Exists(job.Output))
        {
            report.Skipped(job, "exists; --force masters it again");
            return;
        }

        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(job.Output)!);
            var mastered = pipeline.Master(job.Input, job.Output, settings.Preset, settings.Intensity, token);
            report.Mastered(mastered);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (FingerprintUnavailableException e)
        {
            report.Failed(job.Input, e.InnerException?.Message ?? e.Message);
        }
        catch (Exception e) when (e is AudioDecodeException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            report.Failed(job.Input, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A defect met by one file must not stop the others: it is listed like any failure.
            report.Failed(job.Input, $"internal error ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>OUT resolved through its nearest existing ancestor (OUT itself may not exist yet).</summary>
    private static string ResolveMaybeMissing(string path)
    {
        var full = Path.GetFullPath(path);
        var missing = new Stack<string>();
        var existing = full;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            missing.Push(Path.GetFileName(existing));
            existing = parent;
        }

        var resolved = CanonicalPath.Resolve(existing) ?? existing;
        while (missing.TryPop(out var name))
        {
            resolved = Path.Combine(resolved, name);
        }

        return resolved;
    }

    private static bool IsUnderOrAt(string path, string folder) =>
        path.StartsWith(folder, StringComparison.Ordinal)
        && (path.Length == folder.Length || path[folder.Length] == Path.DirectorySeparatorChar || folder.EndsWith(Path.DirectorySeparatorChar));

    /// <summary>What the batch tells: a line (or JSON event) per file as it ends, then the totals, the warnings and every failure.</summary>
    private sealed class Report(CliContext context, IAnsiConsole console, bool json, int total)
    {
        private readonly Lock _lock = new();
        private readonly List<(string Path, string Message)> _failures = [];
        private readonly List<string> _warnings = [];
        private readonly bool _lines = json || !console.Profile.Capabilities.Interactive;
        private int _mastered;
        private int _skipped;

        public int Total => total;

        public int Done => _mastered + _skipped + _failures.Count;

        public int MasteredCount => _mastered;

        public int FailedCount => _failures.Count;

        public void Mastered(MasteredFile file)
        {
            lock (_lock)
            {
                _mastered++;
                _warnings.AddRange(file.Warnings);
                if (json)
                {
                    JsonLines.Write(context.Out, w =>
                    {
                        w.WriteString("event", "mastered");
                        w.WriteString("input", file.Input);
                        w.WriteString("output", file.Output);
                        w.WriteString("zone", file.Plan.Lwrp.ZoneName);
                        w.WriteNumber("lufs", Math.Round(file.Measured.IntegratedLufs, 6));
                        w.WriteNumber("true_peak_dbtp", Math.Round(file.Measured.TruePeakDbtp, 6));
                        w.WriteString("fingerprint_source", file.FingerprintSource);
                        w.WriteStartArray("warnings");
                        foreach (var warning in file.Warnings)
                        {
                            w.WriteStringValue(warning);
                        }

                        w.WriteEndArray();
                    });
                }
                else if (_lines)
                {
                    context.Out.WriteLine(string.Format(
                        CultureInfo.InvariantCulture, "[{0}/{1}] mastered {2} -> {3}: {4:F2} LUFS, true peak {5:F2} dBTP ({6})",
                        Done, total, file.Input, file.Output, file.Measured.IntegratedLufs, file.Measured.TruePeakDbtp, file.Plan.Lwrp.ZoneName));
                }
            }
        }

        public void Skipped(Job job, string why)
        {
            lock (_lock)
            {
                _skipped++;
                if (json)
                {
                    JsonLines.Write(context.Out, w =>
                    {
                        w.WriteString("event", "skipped");
                        w.WriteString("input", job.Input);
                        w.WriteString("output", job.Output);
                        w.WriteString("message", why);
                    });
                }
                else if (_lines)
                {
                    context.Out.WriteLine($"[{Done}/{total}] skipped {job.Output}: {why}");
                }
            }
        }

        public void Failed(string path, string message)
        {
            lock (_lock)
            {
                _failures.Add((path, message));
                if (json)
                {
                    JsonLines.Write(context.Out, w =>
                    {
                        w.WriteString("event", "failure");
                        w.WriteString("path", path);
                        w.WriteString("message", message);
                    });
                }
                else if (_lines)
                {
                    var text = message.StartsWith(path, StringComparison.Ordinal) ? message : $"{path}: {message}";
                    context.Out.WriteLine($"[{Done}/{total}] failed {text}");
                }
            }
        }

        public void Finish(string inputRoot, string outputRoot, TimeSpan elapsed)
        {
            if (json)
            {
                JsonLines.Write(context.Out, w =>
                {
                    w.WriteNumber("total", total);
                    w.WriteNumber("mastered", _mastered);
                    w.WriteNumber("skipped", _skipped);
                    w.WriteNumber("failed", _failures.Count);
                    w.WriteNumber("warnings", _warnings.Count);
                    w.WriteNumber("elapsed_s", Math.Round(elapsed.TotalSeconds, 3));
                });
                return;
            }

            if (total == 0)
            {
                context.Out.WriteLine($"No audio files under {inputRoot}.");
                return;
            }

            var skipped = _skipped > 0 ? $", {_skipped} skipped (output exists; --force masters them again)" : "";
            var failed = _failures.Count > 0 ? $", {_failures.Count} failed" : "";
            context.Out.WriteLine(string.Format(
                CultureInfo.InvariantCulture, "Mastered {0} of {1} files into {2}{3}{4} in {5:0.0} s.", _mastered, total, outputRoot, skipped, failed, elapsed.TotalSeconds));
            foreach (var warning in _warnings)
            {
                context.Out.WriteLine($"warning: {warning}");
            }

            FailureList.Write(console, _failures);
            context.Out.Flush();
        }
    }
}
