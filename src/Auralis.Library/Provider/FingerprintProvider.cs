using System.Diagnostics;
using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Sidecars;
using Auralis.Mastering;

namespace Auralis.Library.Provider;

/// <summary>Where a provided fingerprint came from (docs/server.md, in lookup order).</summary>
public enum FingerprintSource
{
    Database,
    Sidecar,
    Server,
    Computed,
}

/// <summary>How sources are named in every JSON, gRPC and CLI output.</summary>
public static class FingerprintSourceNames
{
    /// <summary>"database", "sidecar", "server" or "computed".</summary>
    public static string Name(this FingerprintSource source) => source.ToString().ToLowerInvariant();
}

/// <summary>A fingerprint server the provider may ask (the gRPC client implements it).</summary>
public interface IRemoteFingerprinter
{
    /// <summary>Where the server is, for messages ("http://127.0.0.1:8765").</summary>
    string Address { get; }

    /// <summary>Asks the server to fingerprint a file by path; throws with a clear message when it cannot.</summary>
    Task<Fingerprint> FingerprintFileAsync(string path, CancellationToken cancellationToken);
}

public sealed class FingerprintProviderOptions
{
    /// <summary>The library database; null when the caller has none (e.g. mastering a loose file).</summary>
    public LibraryDatabasePool? Database { get; init; }

    /// <summary>Sidecars to read and write; null to use neither.</summary>
    public SidecarStore? Sidecars { get; init; }

    /// <summary>
    /// Writes a sidecar only beside files that are tracks of <see cref="Database"/>: a tool that
    /// is handed a loose file (`auralis master`) leaves no file beside it unless asked to.
    /// </summary>
    public bool SidecarsForLibraryTracksOnly { get; init; }

    /// <summary>The fingerprint server to ask before computing locally; null for none.</summary>
    public IRemoteFingerprinter? Server { get; init; }

    /// <summary>How long the server may take before the provider gives up on it (10 s, docs/server.md).</summary>
    public TimeSpan ServerTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The extractor for the last tier.</summary>
    public required IFingerprintEngine Engine { get; init; }

    /// <summary>
    /// Bounds local extractions (each takes a core for a moment) without holding up the cheap
    /// tiers; shared with the caller's other computations. Null: unbounded.
    /// </summary>
    public SemaphoreSlim? ExtractionSlots { get; init; }
}

/// <summary>A fingerprint and the story of how it was obtained.</summary>
/// <param name="TrackId">The library track, when the file is one.</param>
/// <param name="Trail">Why each earlier tier did not answer, in order ("database: no track for ...").</param>
/// <param name="Warnings">What went wrong storing the result (it is still valid; nothing claims it was stored).</param>
public sealed record ProvidedFingerprint(
    string Path,
    Fingerprint Fingerprint,
    FingerprintSource Source,
    long? TrackId,
    IReadOnlyList<string> Trail,
    IReadOnlyList<string> Warnings,
    TimeSpan Elapsed)
{
    /// <summary>Set when the fingerprint was computed here (decoded audio facts).</summary>
    public FileFingerprint? Computed { get; init; }

    /// <summary>The library track's row as the lookup read it (its audio facts), when the file is one.</summary>
    public TrackRecord? Track { get; init; }

    /// <summary>True when the database holds this fingerprint for <see cref="TrackId"/> after the call.</summary>
    public bool StoredInDatabase { get; init; }

    /// <summary>Where the sidecar was written, if one was.</summary>
    public SidecarLocation? SidecarWritten { get; init; }
}

/// <summary>No tier could produce a fingerprint; the message lists why, tier by tier.</summary>
public sealed class FingerprintUnavailableException : Exception
{
    public FingerprintUnavailableException(string path, IReadOnlyList<string> trail, Exception? inner)
        : base($"Cannot fingerprint '{path}': {string.Join("; ", trail)}", inner)
    {
        Path = path;
        Trail = trail;
    }

    public FingerprintUnavailableException()
    {
        Path = "";
        Trail = [];
    }

    public FingerprintUnavailableException(string message)
        : base(message)
    {
        Path = "";
        Trail = [];
    }

    public FingerprintUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
        Path = "";
        Trail = [];
    }

    public string Path { get; }

    public IReadOnlyList<string> Trail { get; }
}

/// <summary>
/// The on-demand lookup of docs/server.md: database (current version, file unchanged) ->
/// valid sidecar -> fingerprint server (bounded by <see cref="FingerprintProviderOptions.ServerTimeout"/>)
/// -> local extraction. What a lower tier produced is written back to the higher ones (database
/// when the file is a library track, sidecar always when sidecars are on), so the next lookup is
/// the fast one. Every step that did not answer leaves its reason in the trail: the original
/// silently fell back to a 100x slower path for a day (the tool Auralis replaces lost a day of work to exactly that); this one says so.
/// </summary>
public sealed class FingerprintProvider(FingerprintProviderOptions options)
{
    private readonly FingerprintProviderOptions _options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>Fingerprint of the library track <paramref name="trackId"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such track (or no database configured).</exception>
    /// <exception cref="FingerprintUnavailableException">Every tier failed; the message says why.</exception>
    public Task<ProvidedFingerprint> GetAsync(long trackId, CancellationToken cancellationToken = default)
    {
        var track = _options.Database?.Use(db => new TrackRepository(db).Get(trackId))
            ?? throw new KeyNotFoundException($"No track {trackId} in the library.");
        return GetAsync(track.FilePath, cancellationToken);
    }

    /// <summary>Fingerprint of the audio file at <paramref name="path"/>.</summary>
    /// <exception cref="FingerprintUnavailableException">Every tier failed; the message says why.</exception>
    public async Task<ProvidedFingerprint> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var clock = Stopwatch.StartNew();
        var full = System.IO.Path.GetFullPath(path);
        var trail = new List<string>();
        var warnings = new List<string>();

        AudioFileSignature signature;
        try
        {
            signature = AudioFileSignature.Of(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            trail.Add($"file: {e.Message}");
            throw new FingerprintUnavailableException(full, trail, e);
        }

        // 1. Database: a current fingerprint of this very file (size and mtime unchanged).
        var track = _options.Database?.Use(db => new TrackRepository(db).GetByPath(full));
        if (_options.Database is null)
        {
            trail.Add("database: none configured");
        }
        else if (track is null)
        {
            trail.Add("database: not a library track");
        }
        else
        {
            var stored = _options.Database.Use(db => new FingerprintRepository(db).Get(track.Id));
            var unchanged = track.SizeBytes == signature.SizeBytes && track.MtimeNs == signature.MtimeNs;
            if (stored is not null && stored.Version == Fingerprint.FingerprintVersion && unchanged)
            {
                return new ProvidedFingerprint(full, stored.Fingerprint, FingerprintSource.Database, track.Id, trail, warnings, clock.Elapsed)
                {
                    StoredInDatabase = true,
                    Track = track,
                };
            }

            trail.Add(stored is null && _options.Database.Use(db => new FingerprintRepository(db).IsOutOfRange(track.Id))
                ? $"database: track {track.Id} has a stored fingerprint with values outside their ranges; recomputing"
                : stored is null ? $"database: track {track.Id} has no fingerprint yet"
                : !unchanged ? $"database: track {track.Id} changed on disk since it was fingerprinted"
                : $"database: track {track.Id} has fingerprint version {stored.Version}, current is {Fingerprint.FingerprintVersion}");
        }

        // 2. Sidecar.
        if (_options.Sidecars is null)
        {
            trail.Add("sidecar: sidecars off");
        }
        else
        {
            var fromSidecar = _options.Sidecars.TryReadContents(full, signature, out var reason);
            if (fromSidecar is not null)
            {
                var result = new ProvidedFingerprint(full, fromSidecar.Fingerprint, FingerprintSource.Sidecar, track?.Id, trail, warnings, clock.Elapsed);
                var plan = fromSidecar.Plan is { } stored && stored.Serves(fromSidecar.Fingerprint) ? stored : null;
                return Store(result, track, signature, writeSidecar: false, warnings, plan) with { Elapsed = clock.Elapsed };
            }

            trail.Add($"sidecar: {reason}");
        }

        // 3. Fingerprint server, bounded in time.
        if (_options.Server is null)
        {
            trail.Add("server: none configured");
        }
        else
        {
            var fromServer = await AskServerAsync(full, trail, cancellationToken).ConfigureAwait(false);
            if (fromServer is not null)
            {
                var result = new ProvidedFingerprint(full, fromServer, FingerprintSource.Server, track?.Id, trail, warnings, clock.Elapsed);
                return Store(result, track, signature, writeSidecar: true, warnings) with { Elapsed = clock.Elapsed };
            }
        }

        // 4. Local extraction.
        FileFingerprint computed;
        if (_options.ExtractionSlots is { } slots)
        {
            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            computed = await Task.Run(() => FileFingerprinter.Compute(full, _options.Engine, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is AudioDecodeException or FingerprintException or IOException or UnauthorizedAccessException)
        {
            trail.Add($"local ({_options.Engine.Name}): {e.Message}");
            throw new FingerprintUnavailableException(full, trail, e);
        }
        finally
        {
            _options.ExtractionSlots?.Release();
        }

        var local = new ProvidedFingerprint(full, computed.Fingerprint, FingerprintSource.Computed, track?.Id, trail, warnings, clock.Elapsed)
        {
            Computed = computed,
        };
        return Store(local, track, signature, writeSidecar: true, warnings) with { Elapsed = clock.Elapsed };
    }

    private async Task<Fingerprint?> AskServerAsync(string path, List<string> trail, CancellationToken cancellationToken)
    {
        var server = _options.Server!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ServerTimeout);
        try
        {
            var fingerprint = await server.FingerprintFileAsync(path, timeout.Token)
                .WaitAsync(_options.ServerTimeout, cancellationToken).ConfigureAwait(false);
            if (fingerprint.Values.Length != Fingerprint.Dimensions)
            {
                trail.Add($"server {server.Address}: answered with {fingerprint.Values.Length} values, expected {Fingerprint.Dimensions}");
                return null;
            }

            if (fingerprint.OutOfRange is { } problem)
            {
                trail.Add($"server {server.Address}: answered with values no audio has: {problem}");
                return null;
            }

            return fingerprint;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is OperationCanceledException or TimeoutException)
        {
            trail.Add($"server {server.Address}: no answer within {_options.ServerTimeout.TotalSeconds:0.###} s");
            return null;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OutOfMemoryException)
        {
            trail.Add($"server {server.Address}: {e.Message}");
            return null;
        }
        finally
        {
            // WaitAsync may give up a moment before CancelAfter fires: make sure an abandoned
            // call is told to stop now, not left running on the server.
            await timeout.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The mastering planner's stored data for a provided fingerprint (docs/mastering.md, "Stored
    /// plan data"): the database row of its track first, then the file's sidecar; only data that
    /// serves this very fingerprint (current version, measured against it, every preset). Null
    /// when neither has it, with both causes in <paramref name="reason"/>. Reads only: nothing is
    /// decoded.
    /// </summary>
    public StoredPlanData? GetStoredPlan(ProvidedFingerprint provided, out string reason)
    {
        ArgumentNullException.ThrowIfNull(provided);
        var causes = new List<string>();
        if (_options.Database is { } database && provided.TrackId is { } trackId)
        {
            try
            {
                string? why = null;
                var row = database.Use(db => new PlanDataRows(db).Get(trackId, out why));
                if (row is not null && row.Serves(provided.Fingerprint))
                {
                    reason = $"database: track {trackId}";
                    return row;
                }

                causes.Add(row is null ? $"database: {why}" : $"database: track {trackId}'s plan data is stale");
            }
            catch (LibraryDatabaseException e)
            {
                causes.Add($"database: {e.Message}");
            }
        }
        else
        {
            causes.Add("database: not a library track");
        }

        if (_options.Sidecars is { } sidecars)
        {
            try
            {
                var contents = sidecars.TryReadContents(provided.Path, AudioFileSignature.Of(provided.Path), out var why);
                if (contents?.Plan is { } plan && plan.Serves(provided.Fingerprint))
                {
                    reason = $"sidecar: {contents.Path}";
                    return plan;
                }

                causes.Add(contents is null ? $"sidecar: {why}" : contents.Plan is null ? $"sidecar {contents.Path}: {contents.PlanReason}" : $"sidecar {contents.Path}: plan data is stale");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                causes.Add($"sidecar: {e.Message}");
            }
        }
        else
        {
            causes.Add("sidecar: sidecars off");
        }

        reason = string.Join("; ", causes);
        return null;
    }

    /// <summary>Writes the result back to the higher tiers; failures become warnings on the result, never silence.</summary>
    private ProvidedFingerprint Store(ProvidedFingerprint result, TrackRecord? track, AudioFileSignature signature, bool writeSidecar, List<string> warnings, StoredPlanData? plan = null)
    {
        SidecarLocation? sidecar = null;
        if (writeSidecar && _options.Sidecars is not null && (track is not null || !_options.SidecarsForLibraryTracksOnly))
        {
            try
            {
                sidecar = _options.Sidecars.Write(result.Path, signature, result.Fingerprint);
            }
            catch (IOException e)
            {
                warnings.Add($"sidecar not written: {e.Message}");
            }
        }

        var stored = false;
        if (track is not null && _options.Database is not null)
        {
            try
            {
                var audio = result.Computed?.Audio;
                var duration = result.Computed?.DurationSeconds;
                // Tags only where the file itself was just read (decoded): a fingerprint from a
                // sidecar or the database leaves them to the scan's tag read.
                var tags = result.Computed is null ? null : TagReader.Read(result.Path);
                _options.Database.Use(db =>
                {
                    // Only when the file is still the one we looked at: a rescan owns changed files.
                    var current = new TrackRepository(db).Get(track.Id);
                    if (current is null || current.SizeBytes != signature.SizeBytes || current.MtimeNs != signature.MtimeNs)
                    {
                        warnings.Add($"database: track {track.Id} changed or was removed meanwhile; not stored (a scan will pick it up)");
                        return false;
                    }

                    new TrackEventWriter(db).Apply([new TrackEvent.Completed(track.Id, result.Fingerprint, audio, duration, plan, tags)]);
                    stored = true;
                    return true;
                });
            }
            catch (LibraryDatabaseException e)
            {
                warnings.Add($"database: not stored: {e.Message}");
            }
        }

        return result with { StoredInDatabase = stored, SidecarWritten = sidecar, Track = track };
    }
}
