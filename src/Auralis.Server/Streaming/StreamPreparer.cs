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
/// lookup order) -> mastering plan. Plans are cached per file signature and preset (one plan
/// serves every intensity), so the measuring pass is paid once per track and preset; the rendered
/// chunks are cached (bounded LRU) across streams and clients.
/// </summary>
internal sealed class StreamPreparer(ServerLibrary library)
{
    /// <summary>Plans kept; each is a few hundred bytes, so this bounds memory, not speed.</summary>
    private const int MaxPlans = 4096;

    /// <summary>
    /// The measuring pass (docs/mastering.md) samples every 4th 3 s window with 2 s pre-roll,
    /// about 40 % of the track through EQ and dynamics: the first chunk of a 3-minute track must
    /// start within 500 ms (docs/targets.md). `auralis master` measures the whole track.
    /// </summary>
    private static readonly PlannerOptions StreamingPlanner = new() { WindowEvery = 4 };

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
            try
            {
                plan = await Task.Run(() => MasteringPlanner.Plan(provided.Fingerprint, source, preset, StreamingPlanner, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            catch (AudioDecodeException e)
            {
                throw new StreamException("decode_failed", e.Message);
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
