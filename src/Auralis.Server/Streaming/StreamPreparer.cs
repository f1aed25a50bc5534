using System.Collections.Concurrent;
using Auralis.Audio;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Mastering;
using Auralis.Mastering.Rendering;
using Auralis.Server.Hosting;
using Auralis.Server.Security;

namespace Auralis.Server.Streaming;

/// <summary>A refusal the client sees as <c>audio_stream_error {code, message}</c> (docs/streaming.md).</summary>
internal sealed class StreamException(string code, string message) : Exception(message)
{
    public StreamException()
        : this("internal", "stream failed")
    {
    }

    public StreamException(string message, Exception inner)
        : this("internal", message) => _ = inner;

    public string Code { get; } = code;
}

/// <summary>What a stream plays: the file, its source, and for enhanced streams the plan and fingerprint source.</summary>
internal sealed record PreparedStream(long TrackId, IPcmSource Source, MasteringPlan? Plan, string? FingerprintSource);

/// <summary>
/// Turns a play request into a ready stream: track -> confined file -> fingerprint (the provider's
/// lookup order) -> mastering plan. The plan comes from the data the scan stored (database, then
/// sidecar: no decoding at all); a track without it (a loose file, an old sidecar, a scan not
/// done yet) is planned from a fast measurement of a few sampled windows (docs/mastering.md,
/// "Fast plan"). Plans are cached per file signature and preset (one plan serves every
/// intensity), and a cached plan is kept even once stored data appears, so every stream, seek
/// and preset return of a track uses the same gain: no gain steps. The rendered chunks are cached
/// (bounded LRU) across streams and clients.
/// </summary>
internal sealed class StreamPreparer(ServerLibrary library)
{
    /// <summary>Plans kept; each is a few hundred bytes, so this bounds memory, not speed.</summary>
    private const int MaxPlans = 4096;

    private readonly ConcurrentDictionary<(string Signature, string Preset), MasteringPlan> _plans = new();

    /// <summary>Rendered chunks shared by all streams (32 MB: about 6 chunks of 15 s 44.1 kHz stereo; 10 streams fit in 300 MB, docs/streaming.md).</summary>
    public MasteredChunkCache Chunks { get; } = new(32L * 1024 * 1024);

    public async Task<PreparedStream> PrepareAsync(long trackId, string? preset, CancellationToken cancellationToken)
    {
        var track = library.Database.Use(db => new TrackRepository(db).Get(trackId))
            ?? throw new StreamException("track_not_found", $"no track {trackId} in the library");
        switch (library.Roots.Check(track.FilePath, out var real))
        {
            case PathVerdict.Outside:
                throw new StreamException("file_outside_roots", $"track {trackId}'s file is outside the library roots");
            case PathVerdict.Missing:
                throw new StreamException("decode_failed", $"track {trackId}'s file {track.FilePath} no longer exists");
        }

        AudioFilePcmSource source;
        try
        {
            source = new AudioFilePcmSource(real);
        }
        catch (AudioDecodeException e)
        {
            throw new StreamException("decode_failed", e.Message);
        }

        if (preset is null)
        {
            return new PreparedStream(trackId, source, null, null);
        }

        ProvidedFingerprint provided;
        try
        {
            provided = await library.ProvideAsync(real, cancellationToken).ConfigureAwait(false);
        }
        catch (FingerprintUnavailableException e)
        {
            throw new StreamException("fingerprint_unavailable", e.Message);
        }

        var key = (source.Signature, preset);
        if (!_plans.TryGetValue(key, out var plan))
        {
            var stored = library.Provider.GetStoredPlan(provided, out _);
            plan = MasteringPlanner.FromStored(provided.Fingerprint, stored, preset);
            if (plan is null)
            {
                // No usable stored data: a bounded number of sampled windows, reached by seeking,
                // so the wait does not grow with the track's length.
                try
                {
                    plan = await Task.Run(() => MasteringPlanner.Plan(provided.Fingerprint, source, preset, MasteringPlanner.FastMeasurement, cancellationToken), cancellationToken).ConfigureAwait(false);
                }
                catch (AudioDecodeException e)
                {
                    throw new StreamException("decode_failed", e.Message);
                }
            }

            if (_plans.Count >= MaxPlans)
            {
                _plans.Clear();
            }

            _plans[key] = plan;
        }

        return new PreparedStream(trackId, source, plan, provided.Source.Name());
    }
}
