using System.Diagnostics;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Auralis.Similarity;

namespace Auralis.Server.Hosting;

/// <summary>A scan started through the API, and what it has done so far.</summary>
internal sealed class ScanJob(int id, IReadOnlyList<string> roots)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _finishedAfter;

    public int Id { get; } = id;

    public IReadOnlyList<string> Roots { get; } = roots;

    /// <summary>"running", "complete", "failed" or "cancelled".</summary>
    public volatile string State = "running";

    public volatile ScanChanges? Changes;

    public volatile ExtractionProgress? Progress;

    public volatile ExtractionResult? Result;

    public volatile string? Error;

    /// <summary>While the job waits for another scan of the database (a CLI scan): who it waits for.</summary>
    public volatile string? Waiting;

    public volatile ExtractionQueue? Queue;

    public TimeSpan Elapsed => _finishedAfter ?? _clock.Elapsed;

    public void Finish(string state)
    {
        _finishedAfter = _clock.Elapsed;
        State = state;
    }
}

/// <summary>
/// Scans run one at a time in the background (SQLite has one writer anyway); clients start one
/// and poll its status. A failed database write ends the job "failed" with the message: it is
/// never reported complete.
/// </summary>
internal sealed class ScanJobs(ServerLibrary library) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<int, ScanJob> _jobs = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;
    private Task _watching = Task.CompletedTask;
    private ScanJob? _current;
    private int _nextId;

    public ScanJob? Get(int id)
    {
        lock (_lock)
        {
            return _jobs.GetValueOrDefault(id);
        }
    }

    public ScanJob? Latest
    {
        get
        {
            lock (_lock)
            {
                return _nextId == 0 ? null : _jobs[_nextId];
            }
        }
    }

    /// <summary>Starts a scan of <paramref name="roots"/> (already confined), or returns null when one is running.</summary>
    public ScanJob? TryStart(IReadOnlyList<string> roots)
    {
        lock (_lock)
        {
            if (_current is { State: "running" })
            {
                return null;
            }

            var job = new ScanJob(++_nextId, roots);
            _jobs[job.Id] = job;
            _current = job;
            _running = Task.Run(() => Run(job, _stopping.Token));
            return job;
        }
    }

    /// <summary>
    /// When a scan is running and has not fingerprinted this track yet, puts it first in line and
    /// waits (bounded) for it, so the caller then finds it in the database.
    /// </summary>
    public async Task PrioritizeAsync(string path, CancellationToken cancellationToken)
    {
        var job = _current;
        if (job is not { State: "running", Queue: { } queue })
        {
            return;
        }

        var track = library.Database.Use(db => new TrackRepository(db).GetByPath(path));
        if (track is null || track.Status is FingerprintStatus.Complete or FingerprintStatus.Error or FingerprintStatus.Skipped)
        {
            return;
        }

        queue.RequestNow(track.Id, track.FilePath);
        var deadline = Stopwatch.StartNew();
        while (job.State == "running" && deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
            var status = library.Database.Use(db => new TrackRepository(db).Get(track.Id))?.Status;
            if (status is null or FingerprintStatus.Complete or FingerprintStatus.Error or FingerprintStatus.Skipped)
            {
                return;
            }
        }
    }

    /// <summary>
    /// `serve --watch`: scans the roots now, then whenever the watcher says files changed (or its
    /// safety interval passed). A wake while a scan runs (a client's, or the previous one) waits for
    /// it and then scans once more, so a change made during a scan is never left out.
    /// </summary>
    public void StartWatching()
    {
        var roots = library.Roots.Roots;
        if (roots.Count == 0)
        {
            return;
        }

        var settings = library.Settings;
        var watcher = new LibraryWatcher(roots, settings.WatchDebounce, settings.WatchSafetyInterval);
        WatchProblems = watcher.Problems;
        _watching = Task.Run(async () =>
        {
            using (watcher)
            {
                try
                {
                    while (true)
                    {
                        await StartWhenIdleAsync(roots, _stopping.Token).ConfigureAwait(false);
                        await watcher.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    // The server is stopping.
                }
            }
        });
    }

    /// <summary>Roots the watcher could not watch (kept current by the periodic rescan only), with the cause.</summary>
    public IReadOnlyList<string> WatchProblems { get; private set; } = [];

    private async Task StartWhenIdleAsync(IReadOnlyList<string> roots, CancellationToken stopping)
    {
        while (TryStart(roots) is null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), stopping).ConfigureAwait(false);
        }
    }

    private void Run(ScanJob job, CancellationToken stopping)
    {
        try
        {
            // One scan of the database at a time, across processes: a CLI scan running now goes first.
            using var scanLock = ScanLock.Acquire(library.Settings.DatabasePath, "auralis serve", message => job.Waiting = message, stopping);
            job.Waiting = null;
            using var lease = library.Database.Rent();
            var database = lease.Database;
            // Confined to the roots, symlinks resolved: a link in a root is never a way out of it.
            // Moved tracks' sidecars follow them (docs/scanning.md); both paths are under the roots.
            job.Changes = new LibraryScanner(database, library.Roots) { Sidecars = library.Settings.Sidecars }.Sync(job.Roots);
            var queue = new ExtractionQueue(database);
            job.Queue = queue;
            var options = new ExtractionOptions(library.Settings.Engine, library.Settings.MaxConcurrentExtractions,
                library.Settings.Sidecars is not null, library.Settings.Sidecars)
            {
                Confinement = library.Roots,
                LeaveUnder = [.. job.Changes.UnreadableFolders.Select(f => f.Path)],
            };
            var progress = new Progress(p => job.Progress = p);
            var result = queue.RunAsync(options, progress, stopping).GetAwaiter().GetResult();
            if (!result.Cancelled && options.MeasurePlans)
            {
                // Plan data for tracks fingerprinted before it was stored (no refingerprinting).
                var backfill = PlanBackfill.RunAsync(database, options.Workers, options.UseSidecars ? options.Sidecars : null, options.Confinement, options.LeaveUnder, null, null, stopping)
                    .GetAwaiter().GetResult();
                result = result with { Cancelled = backfill.Cancelled, PlanErrors = [.. result.PlanErrors, .. backfill.Errors] };
            }

            job.Result = result;
            if (!result.Cancelled && new FingerprintRepository(database).Count() > 0)
            {
                SimilarityGraph.Refresh(database, result.CompletedIds, job.Changes.RemovedIds);
            }

            library.LibraryChanged();
            job.Finish(result.Cancelled ? "cancelled" : "complete");
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            job.Error = "the server stopped while this scan waited for another scan of the library";
            job.Finish("cancelled");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whatever ends the scan ends the job: one left "running" refused every later scan.
            job.Error = e is LibraryDatabaseException or DirectoryNotFoundException or IOException or UnauthorizedAccessException
                ? e.Message
                : $"unexpected error: {e.Message}";
            library.LibraryChanged();
            job.Finish("failed");
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _watching.Wait(TimeSpan.FromSeconds(5));
            _running.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // The job recorded its own failure.
        }

        _stopping.Dispose();
    }

    /// <summary>Progress reported on the worker's thread (no synchronization context to marshal to).</summary>
    private sealed class Progress(Action<ExtractionProgress> report) : IProgress<ExtractionProgress>
    {
        public void Report(ExtractionProgress value) => report(value);
    }
}
