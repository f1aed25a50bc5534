using System.Globalization;
using System.Threading.Channels;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Sidecars;
using Auralis.Mastering;
using Auralis.Mastering.Rendering;

namespace Auralis.Library.Scanning;

/// <summary>What a <see cref="PlanBackfill"/> run did.</summary>
public sealed record PlanBackfillResult(int Total, int Measured, IReadOnlyList<string> Errors, bool Cancelled);

/// <summary>
/// Stored mastering plan data for complete tracks that have none of the current version: a library
/// fingerprinted before the scan measured plans, or by an older measurement. Their fingerprints
/// are current, so they are not queued for extraction; without this every play of theirs would
/// plan from the fast measurement. Each is measured from its file (the sampled windows of
/// <see cref="MasteringPlanner.ScanMeasurement"/>, nothing fingerprinted again) and stored in the
/// database and, with sidecars on, rewritten into its sidecar. A file that cannot be measured
/// stays complete and is reported; the next scan tries again.
/// </summary>
public static class PlanBackfill
{
    /// <summary>Complete tracks without current plan data, with the fingerprint to measure against (the order of their ids).</summary>
    public static IReadOnlyList<(long Id, string Path, Fingerprint Fingerprint)> WorkList(LibraryDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        using var command = database.Command(
            "SELECT t.id, t.filepath FROM tracks t LEFT JOIN track_plan_data p ON p.track_id = t.id " +
            "WHERE t.fingerprint_status = 'complete' AND (p.track_id IS NULL OR p.data_version <> $version) ORDER BY t.id");
        command.Parameters.AddWithValue("$version", StoredPlanData.CurrentVersion);
        var candidates = new List<(long, string)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                candidates.Add((reader.GetInt64(0), reader.GetString(1)));
            }
        }

        var fingerprints = new FingerprintRepository(database);
        return [.. candidates
            .Select(c => (c.Item1, c.Item2, Stored: fingerprints.Get(c.Item1)))
            .Where(c => c.Stored is { Version: Fingerprint.FingerprintVersion })
            .Select(c => (c.Item1, c.Item2, c.Stored!.Fingerprint))];
    }

    /// <summary>
    /// Measures the work list with <paramref name="workers"/> in parallel; one writer (the caller's
    /// thread) stores the results, as the extraction queue does.
    /// </summary>
    /// <param name="work">The <see cref="WorkList"/> to measure, when the caller has taken it already (null: taken here).</param>
    public static async Task<PlanBackfillResult> RunAsync(
        LibraryDatabase database, int workers, SidecarStore? sidecars, IReadConfinement? confinement,
        IReadOnlyList<string> leaveUnder, IReadOnlyList<(long Id, string Path, Fingerprint Fingerprint)>? work = null,
        IProgress<(int Done, int Total)>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(leaveUnder);
        var todo = (work ?? WorkList(database)).Where(w => !leaveUnder.Any(folder => AudioFiles.IsUnderOrAt(w.Path, folder))).ToList();
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        if (todo.Count == 0)
        {
            return new PlanBackfillResult(0, 0, [], false);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var results = Channel.CreateBounded<(long Id, StoredPlanData Data)>(new BoundedChannelOptions(Math.Max(1, workers) * 2) { SingleReader = true });
        var producer = Parallel.ForEachAsync(
            todo,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, workers), CancellationToken = stop.Token },
            async (item, token) =>
            {
                if (Measure(item.Path, item.Fingerprint, sidecars, confinement, errors, token) is { } data)
                {
                    await results.Writer.WriteAsync((item.Id, data), token).ConfigureAwait(false);
                }
            });
        _ = producer.ContinueWith(_ => results.Writer.TryComplete(), TaskScheduler.Default);

        var plans = new PlanDataRows(database);
        var measured = 0;
        var done = 0;
        try
        {
            await foreach (var (id, data) in results.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                plans.Upsert(id, data);
                measured++;
                progress?.Report((++done, todo.Count));
            }
        }
        catch
        {
            // A database that cannot be written stops the workers too, and the error goes up.
            await stop.CancelAsync().ConfigureAwait(false);
            throw;
        }

        var cancelled = false;
        try
        {
            await producer.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            cancelled = true;
        }

        return new PlanBackfillResult(todo.Count, measured, [.. errors.Order(StringComparer.Ordinal)], cancelled);
    }

    private static StoredPlanData? Measure(
        string path, Fingerprint fingerprint, SidecarStore? sidecars, IReadConfinement? confinement,
        System.Collections.Concurrent.ConcurrentBag<string> errors, CancellationToken token)
    {
        if (confinement is not null)
        {
            var verdict = confinement.Check(path, out var realPath);
            if (verdict != ReadVerdict.Allowed)
            {
                errors.Add(verdict == ReadVerdict.Outside ? ReadRefusals.Outside(path) : ReadRefusals.Unresolved(path));
                return null;
            }

            path = realPath;
        }

        try
        {
            var signature = AudioFileSignature.Of(path);
            var data = MasteringPlanner.MeasureForStorage(fingerprint, new AudioFilePcmSource(path), null, token);
            if (sidecars is not null)
            {
                try
                {
                    sidecars.Write(path, signature, fingerprint, data);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The database has the data; the sidecar only saves a later database the work.
                }
            }

            return data;
        }
        catch (Exception e) when (e is Audio.AudioDecodeException or IOException or UnauthorizedAccessException)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{path}: plan data not measured: {e.Message}"));
            return null;
        }
    }
}
