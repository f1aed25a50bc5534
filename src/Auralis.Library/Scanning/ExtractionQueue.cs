using System.Diagnostics;
using System.Threading.Channels;
using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Sidecars;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Library.Scanning;

public sealed record ExtractionOptions(IFingerprintEngine Engine, int Workers, bool UseSidecars = true, SidecarStore? Sidecars = null)
{
    /// <summary>Results per writer transaction, and the longest a result waits to be written.</summary>
    public int BatchSize { get; init; } = 64;

    public TimeSpan BatchInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Attempts for transient I/O errors (decode errors are never retried).</summary>
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// The files the run may read (the server's library roots), checked when a track is taken,
    /// right before it is opened; a track outside it fails with the reason and is never read.
    /// Null: every track is read where its path leads.
    /// </summary>
    public IReadConfinement? Confinement { get; init; }

    /// <summary>
    /// Folders whose tracks this run leaves as they are (the folders the sync could not read): a
    /// pending track there stays pending for a later scan instead of ending in an error that
    /// only says the folder was unreadable at the time.
    /// </summary>
    public IReadOnlyList<string> LeaveUnder { get; init; } = [];

    /// <summary>
    /// Also measure what the mastering planner needs, for every preset (docs/mastering.md,
    /// "Stored plan data"), and store it with the fingerprint (database and sidecar), so a cold
    /// play does no measuring pass. Costs a sampled decode of the track (docs/mastering.md gives
    /// the numbers).
    /// </summary>
    public bool MeasurePlans { get; init; } = true;
}

/// <summary>Progress of an extraction run, reported after each written batch.</summary>
public sealed record ExtractionProgress(int Done, int Total, int Failed, int FromSidecars, TimeSpan Elapsed)
{
    public double TracksPerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;

    public TimeSpan? Remaining => TracksPerSecond > 0 ? TimeSpan.FromSeconds((Total - Done) / TracksPerSecond) : null;
}

public sealed record ExtractionResult(int Total, int Completed, int Failed, int FromSidecars, int Returned, bool Cancelled, TimeSpan Elapsed)
{
    /// <summary>
    /// Tracks whose fingerprint was current but whose tags had never been read (a library from
    /// before migration 5) that got them in this run, without being fingerprinted again.
    /// </summary>
    public int MetadataFilled { get; init; }

    /// <summary>Files whose tags could not be read in this run (fingerprinted or not), each naming the file and the cause.</summary>
    public IReadOnlyList<string> MetadataErrors { get; init; } = [];

    /// <summary>Tracks fingerprinted (or taken from a sidecar) in this run.</summary>
    public IReadOnlyList<long> CompletedIds { get; init; } = [];

    /// <summary>
    /// Tracks fingerprinted whose plan data could not be measured, each naming the file and the
    /// cause: they are complete, and their streams plan with a fast measurement instead.
    /// </summary>
    public IReadOnlyList<string> PlanErrors { get; init; } = [];

    /// <summary>
    /// Tracks this run set to 'skipped' (shorter than the analysis needs), each with the reason
    /// naming the file; they are not failures and are not retried until their file changes.
    /// </summary>
    public IReadOnlyList<(string Path, string Reason)> Skipped { get; init; } = [];
}

/// <summary>
/// The extraction queue (docs/architecture.md). Work is ordered by priority (on-demand requests,
/// then newly added tracks, most recent first, then stale ones) and taken by N workers; each track goes pending ->
/// processing -> complete or error. Workers never write to the database: a single writer applies
/// their events in batched transactions, and a failed write stops the whole run loudly (nothing
/// is reported stored that is not). Cancellation returns in-flight tracks to pending.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711", Justification = "The domain's name (docs/architecture.md): the extraction queue.")]
public sealed class ExtractionQueue(LibraryDatabase database)
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(long Id, string Path)> _onDemand = new();

    /// <summary>
    /// Asks for a track before everything else (a track about to play): the next free worker takes
    /// it, ahead of new and stale tracks. Takes effect for a run in progress or the next run.
    /// </summary>
    public void RequestNow(long trackId, string path) => _onDemand.Enqueue((trackId, path));

    /// <summary>
    /// The tracks that need work, in the order they will be processed: pending ones, stale
    /// fingerprints, and errors stored by an older decoder generation (a decoder upgrade may fix
    /// them although the file did not change; errors of the current one are not retried).
    /// </summary>
    public IReadOnlyList<(long Id, string Path)> WorkList()
    {
        using var command = database.Command(
            "SELECT t.id, t.filepath, CASE WHEN f.track_id IS NULL THEN 0 ELSE 1 END AS stale FROM tracks t " +
            "LEFT JOIN track_fingerprints f ON f.track_id = t.id " +
            $"WHERE t.fingerprint_status = 'pending' OR (f.track_id IS NOT NULL AND (f.fingerprint_version < $version OR NOT {FingerprintRepository.InRangeF})) " +
            "OR (t.fingerprint_status = 'error' AND t.fingerprint_error_generation < $generation) " +
            "ORDER BY stale, t.added_at DESC, t.id DESC");
        command.Parameters.AddWithValue("$version", Fingerprint.FingerprintVersion);
        command.Parameters.AddWithValue("$generation", AudioDecoder.Generation);
        var work = new List<(long, string)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            work.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return work;
    }

    /// <summary>
    /// Complete tracks whose tags were never read (metadata_read_at IS NULL: written before
    /// migration 5, or changed files a decode has not reached): they only need a tag read.
    /// </summary>
    public IReadOnlyList<(long Id, string Path)> MetadataWorkList()
    {
        using var command = database.Command(
            "SELECT id, filepath FROM tracks WHERE metadata_read_at IS NULL AND fingerprint_status = 'complete' ORDER BY id");
        var work = new List<(long, string)>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            work.Add((reader.GetInt64(0), reader.GetString(1)));
        }

        return work;
    }

    public async Task<ExtractionResult> RunAsync(ExtractionOptions options, IProgress<ExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        // Tracks a crash left in 'processing' go back to 'pending' first: nothing is lost.
        new TrackRepository(database).ResetProcessing();
        var work = WorkList().Where(w => !options.LeaveUnder.Any(folder => AudioFiles.IsUnderOrAt(w.Path, folder))).ToList();
        // Taken after the fingerprint work (which reads the tags of its own tracks on the way).
        var inWork = work.Select(w => w.Id).ToHashSet();
        var metadataWork = MetadataWorkList()
            .Where(w => !inWork.Contains(w.Id) && !options.LeaveUnder.Any(folder => AudioFiles.IsUnderOrAt(w.Path, folder)))
            .ToList();
        var sidecars = options.UseSidecars ? options.Sidecars ?? new SidecarStore() : null;
        var events = Channel.CreateUnbounded<TrackEvent>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var counts = new Counts();

        var writer = Task.Run(() => WriteLoop(events.Reader, options, counts, work.Count, clock, progress, stop), CancellationToken.None);
        var next = -1;
        var nextMetadata = -1;
        var claimed = new System.Collections.Concurrent.ConcurrentDictionary<long, bool>();
        bool TryTake(out (long Id, string Path) item)
        {
            // On-demand requests first, then the ordered work; a track is taken at most once.
            while (_onDemand.TryDequeue(out item))
            {
                if (claimed.TryAdd(item.Id, true))
                {
                    return true;
                }
            }

            int i;
            while ((i = Interlocked.Increment(ref next)) < work.Count)
            {
                if (claimed.TryAdd(work[i].Id, true))
                {
                    item = work[i];
                    return true;
                }
            }

            return false;
        }

        var workers = Enumerable.Range(0, Math.Max(1, options.Workers)).Select(_ => Task.Factory.StartNew(
            () =>
            {
                while (!stop.IsCancellationRequested && TryTake(out var item))
                {
                    Process(item.Id, item.Path, options, sidecars, events.Writer, counts, stop.Token);
                }

                int m;
                while (!stop.IsCancellationRequested && (m = Interlocked.Increment(ref nextMetadata)) < metadataWork.Count)
                {
                    ReadMetadataOnly(metadataWork[m].Id, metadataWork[m].Path, options, events.Writer, counts);
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();

        await Task.WhenAll(workers).ConfigureAwait(false);
        events.Writer.Complete();
        await writer.ConfigureAwait(false); // rethrows a failed database write

        return new ExtractionResult(work.Count, counts.Completed, counts.Failed, counts.FromSidecars, counts.Returned, cancellationToken.IsCancellationRequested, clock.Elapsed)
        {
            MetadataFilled = counts.MetadataFilled,
            MetadataErrors = counts.MetadataErrors.Order(StringComparer.Ordinal).ToList(),
            CompletedIds = counts.CompletedIds.ToList(),
            PlanErrors = counts.PlanErrors.ToList(),
            Skipped = [.. counts.Skipped.OrderBy(s => s.Path, StringComparer.Ordinal)],
        };
    }

    private static void Process(long id, string path, ExtractionOptions options, SidecarStore? sidecars, ChannelWriter<TrackEvent> events, Counts counts, CancellationToken token)
    {
        events.TryWrite(new TrackEvent.Started(id));
        if (options.Confinement is { } confinement)
        {
            var verdict = confinement.Check(path, out var realPath);
            if (verdict != ReadVerdict.Allowed)
            {
                Interlocked.Increment(ref counts.Failed);
                events.TryWrite(new TrackEvent.Failed(id, verdict == ReadVerdict.Outside ? ReadRefusals.Outside(path) : ReadRefusals.Unresolved(path)));
                return;
            }

            path = realPath; // what the check approved is what is opened, not the link it came through
        }

        // Tags and header for every track, however its fingerprint is obtained below (a sidecar
        // decodes nothing, so without this its track would have no title, duration or format).
        var tags = ReadTags(path, counts);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var signature = TrySignature(path);
                if (sidecars is not null && signature is { } cached && sidecars.TryReadContents(path, cached, out _) is { } fromSidecar)
                {
                    // The fingerprint is reused; the plan data too when it serves it, else it is
                    // measured now (an older sidecar, or a damaged plan section) and the sidecar
                    // rewritten with it.
                    var plan = fromSidecar.Plan is { } stored && stored.Serves(fromSidecar.Fingerprint) ? stored : null;
                    if (plan is null && options.MeasurePlans)
                    {
                        plan = MeasurePlans(path, fromSidecar.Fingerprint, null, counts, token);
                        if (plan is not null)
                        {
                            WriteSidecar(sidecars, path, cached, fromSidecar.Fingerprint, plan);
                        }
                    }

                    Interlocked.Increment(ref counts.FromSidecars);
                    Interlocked.Increment(ref counts.Completed);
                    counts.CompletedIds.Add(id);
                    events.TryWrite(new TrackEvent.Completed(id, fromSidecar.Fingerprint, null, null, plan, WithDecoderHeader(path, tags)));
                    return;
                }

                // The loudness statistics come from the fingerprint's own decode.
                TrackLoudnessMeter? loudness = null;
                var result = FileFingerprinter.Compute(path, options.Engine, options.MeasurePlans ? info => loudness = new TrackLoudnessMeter(info.SampleRate, info.Channels) : null, token);
                var measured = options.MeasurePlans ? MeasurePlans(path, result.Fingerprint, loudness?.Finish(), counts, token) : null;
                if (sidecars is not null && signature is { } current)
                {
                    WriteSidecar(sidecars, path, current, result.Fingerprint, measured);
                }

                Interlocked.Increment(ref counts.Completed);
                counts.CompletedIds.Add(id);
                events.TryWrite(new TrackEvent.Completed(id, result.Fingerprint, result.Audio, result.DurationSeconds, measured, tags));
                return;
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                Interlocked.Increment(ref counts.Returned);
                events.TryWrite(new TrackEvent.Returned(id));
                return;
            }
            catch (FingerprintException e) when (e.Kind == FingerprintErrorKind.TooShort)
            {
                // Too short to analyse is what the file is, not a failure to read it: reported
                // once, and left alone until the file changes.
                var reason = e.Message.StartsWith(path, StringComparison.Ordinal) ? e.Message : $"{path}: {e.Message}";
                counts.Skipped.Add((path, reason));
                events.TryWrite(new TrackEvent.Skipped(id, reason));
                return;
            }
            catch (Exception e) when (IsTransient(e) && attempt < options.MaxAttempts)
            {
                // Transient I/O (a busy network share...): back off and try again.
                Thread.Sleep(TimeSpan.FromMilliseconds(100 * Math.Pow(4, attempt - 1)));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Decode and analysis errors name the file and the cause; anything else still ends
                // this track as an error and the scan goes on.
                var message = e is AudioDecodeException or FingerprintException ? e.Message : $"{path}: unexpected error: {e.Message}";
                Interlocked.Increment(ref counts.Failed);
                events.TryWrite(new TrackEvent.Failed(id, message));
                return;
            }
        }
    }

    /// <summary>A tag read for a track whose fingerprint is current: nothing is decoded, the status is not touched.</summary>
    private static void ReadMetadataOnly(long id, string path, ExtractionOptions options, ChannelWriter<TrackEvent> events, Counts counts)
    {
        if (options.Confinement is { } confinement)
        {
            var verdict = confinement.Check(path, out var realPath);
            if (verdict != ReadVerdict.Allowed)
            {
                // Not read, and not marked read: a later scan whose roots allow it reads it.
                counts.MetadataErrors.Add(verdict == ReadVerdict.Outside ? ReadRefusals.Outside(path) : ReadRefusals.Unresolved(path));
                return;
            }

            path = realPath;
        }

        var tags = WithDecoderHeader(path, ReadTags(path, counts));
        if (tags is TagReadResult.Read)
        {
            Interlocked.Increment(ref counts.MetadataFilled);
        }

        events.TryWrite(new TrackEvent.MetadataRead(id, tags));
    }

    /// <summary>
    /// For a track that is not decoded: the format, rate, channels and length as the decoder reads
    /// them from the header when it opens the file (nothing is decoded). TagLibSharp's durations are
    /// estimates for lossy formats (a LAME-encoded 3 s MP3 reads as 6.11 s); libsndfile counts an
    /// MP3's frames from its LAME header, an Ogg stream's from its last page. TagLibSharp's own
    /// values stay where the decoder cannot open the file or does not know the length.
    /// </summary>
    private static TagReadResult WithDecoderHeader(string path, TagReadResult tags)
    {
        if (tags is not TagReadResult.Read read)
        {
            return tags;
        }

        try
        {
            using var reader = AudioDecoder.Open(path);
            var info = reader.Info;
            double? seconds = info.FramesHint is { } frames && frames > 0 && info.SampleRate > 0 ? (double)frames / info.SampleRate : null;
            return read with
            {
                Tags = read.Tags with
                {
                    Format = info.Format,
                    SampleRate = info.SampleRate,
                    Channels = info.Channels,
                    DurationSeconds = seconds ?? read.Tags.DurationSeconds,
                },
            };
        }
        catch (AudioDecodeException)
        {
            return tags;
        }
    }

    private static TagReadResult ReadTags(string path, Counts counts)
    {
        var tags = TagReader.Read(path);
        if (tags is TagReadResult.Unreadable unreadable)
        {
            counts.MetadataErrors.Add(unreadable.Message);
        }

        return tags;
    }

    private static bool IsTransient(Exception e) =>
        e is AudioDecodeException { IsTransient: true } || (e is IOException && e is not FileNotFoundException and not DirectoryNotFoundException);

    private static AudioFileSignature? TrySignature(string path)
    {
        try
        {
            return File.Exists(path) ? AudioFileSignature.Of(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // the decoder reports the real problem
        }
    }

    /// <summary>
    /// The planner's measurements for every preset (<see cref="MasteringPlanner.ScanMeasurement"/>:
    /// sampled windows, one read per pass for all presets). A file the fingerprint could be taken
    /// from but that does not decode for this (rare: the decoder failed mid-file) is recorded in
    /// the run's plan errors; the track is still complete. <paramref name="loudness"/> is what the
    /// fingerprint's decode measured (null when the fingerprint came from a sidecar).
    /// </summary>
    private static StoredPlanData? MeasurePlans(string path, Fingerprint fingerprint, TrackLoudness? loudness, Counts counts, CancellationToken token)
    {
        try
        {
            return MasteringPlanner.MeasureForStorage(fingerprint, new AudioFilePcmSource(path), loudness, token);
        }
        catch (AudioDecodeException e)
        {
            counts.PlanErrors.Add($"{path}: plan data not measured: {e.Message}");
            return null;
        }
    }

    private static void WriteSidecar(SidecarStore sidecars, string path, AudioFileSignature signature, Fingerprint fingerprint, StoredPlanData? plan)
    {
        try
        {
            sidecars.Write(path, signature, fingerprint, plan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The database holds the fingerprint; a missing sidecar only costs a recomputation later.
        }
    }

    private void WriteLoop(ChannelReader<TrackEvent> reader, ExtractionOptions options, Counts counts, int total, Stopwatch clock, IProgress<ExtractionProgress>? progress, CancellationTokenSource stop)
    {
        var writer = new TrackEventWriter(database);
        var batch = new List<TrackEvent>(options.BatchSize);
        var done = 0;
        try
        {
            // WaitToReadAsync is false once the workers are done and every event has been read.
            while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                // Gather a batch: up to BatchSize events, waiting at most BatchInterval for more.
                var deadline = Stopwatch.GetTimestamp() + (long)(options.BatchInterval.TotalSeconds * Stopwatch.Frequency);
                while (batch.Count < options.BatchSize)
                {
                    if (reader.TryRead(out var e))
                    {
                        batch.Add(e);
                        continue;
                    }

                    var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                    if (left <= TimeSpan.Zero || !reader.WaitToReadAsync().AsTask().Wait(left))
                    {
                        break;
                    }
                }

                writer.Apply(batch);
                done += batch.Count(e => e is TrackEvent.Completed or TrackEvent.Failed or TrackEvent.Skipped);
                batch.Clear();
                progress?.Report(new ExtractionProgress(done, total, Volatile.Read(ref counts.Failed), Volatile.Read(ref counts.FromSidecars), clock.Elapsed));
            }
        }
        catch
        {
            // A failed write stops the run: the workers finish their current track and stop, and
            // the error reaches the caller. Nothing unwritten is reported as stored.
            stop.Cancel();
            throw;
        }
    }

    /// <summary>Outcome counters, updated by the workers with Interlocked.</summary>
    private sealed class Counts
    {
#pragma warning disable CA1051 // Interlocked needs fields.
        public int Completed;
        public int Failed;
        public int FromSidecars;
        public int Returned;
        public int MetadataFilled;
        public System.Collections.Concurrent.ConcurrentBag<string> MetadataErrors = [];
        public System.Collections.Concurrent.ConcurrentBag<long> CompletedIds = [];
        public System.Collections.Concurrent.ConcurrentBag<string> PlanErrors = [];
        public System.Collections.Concurrent.ConcurrentBag<(string Path, string Reason)> Skipped = [];
#pragma warning restore CA1051
    }
}
