namespace Auralis.Mastering.Rendering;

/// <summary>
/// Chunk k of one mastered track, on demand - what a player stream pulls. Chunks come from the
/// cache when there; the next chunk in order continues the running render (exactly the one-pass
/// result); any other chunk starts a new render there with pre-roll (a seek). Rendered chunks go
/// into the cache. One instance per listener; not thread-safe (the cache is).
/// </summary>
public sealed class MasteredTrack : IDisposable
{
    private readonly IPcmSource _source;
    private readonly MasteringPlan _plan;
    private readonly MasteredChunkCache? _cache;
    private readonly RenderOptions _options;
    private MasteringRenderer? _renderer;

    public MasteredTrack(IPcmSource source, MasteringPlan plan, double intensity, MasteredChunkCache? cache = null, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        if (!(intensity >= 0.0 && intensity <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(intensity), intensity, "intensity is between 0 and 1");
        }

        _source = source;
        _plan = plan;
        _cache = cache;
        _options = options ?? RenderOptions.Default;
        Intensity = intensity;
        ChunkFrames = _options.ChunkFramesFor(source.SampleRate);
    }

    public double Intensity { get; }

    public int ChunkFrames { get; }

    /// <summary>Chunks in the track when the source knows its length.</summary>
    public long? ChunkCount => _source.Frames is { } frames ? (frames + ChunkFrames - 1) / ChunkFrames : null;

    /// <summary>Renders counted by how they started (tests and diagnostics).</summary>
    public int Seeks { get; private set; }

    public ChunkKey KeyFor(long index) => new(_source.Signature, _plan.PresetName, Intensity, index, _plan.AlgorithmVersion);

    /// <summary>Chunk <paramref name="index"/>, or null past the end of the track.</summary>
    public RenderedChunk? GetChunk(long index, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return GetPiece(index * ChunkFrames, ChunkFrames, cancellationToken);
    }

    /// <summary>
    /// Frames from <paramref name="startFrame"/> to the end of its chunk, at most
    /// <paramref name="maxFrames"/> (a stream's short first message, or the start of a stream at
    /// any position); null past the end of the track. Whole chunks come from and go to the cache;
    /// a piece continues the running render when it starts where the last one ended, otherwise a
    /// new render starts there with pre-roll (a seek).
    /// </summary>
    public RenderedChunk? GetPiece(long startFrame, int maxFrames, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startFrame);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrames);
        var index = startFrame / ChunkFrames;
        var whole = startFrame % ChunkFrames == 0 && maxFrames >= ChunkFrames;
        var key = KeyFor(index);
        if (whole && _cache is not null && _cache.TryGet(key, out var cached))
        {
            return cached;
        }

        var continues = _renderer is not null && _renderer.NextFrame == startFrame;
        if (!continues && ((_renderer is { IsFinished: true } ended && startFrame >= ended.NextFrame) || startFrame >= _source.Frames))
        {
            // Past the end (found by the running render, or the length the source states; a render
            // that runs on past an estimated length still continues above).
            return null;
        }

        if (!continues || _renderer is null)
        {
            _renderer?.Dispose();
            _renderer = MasteringRenderer.OpenAtFrame(_source, _plan, Intensity, startFrame, _options);
            if (startFrame > 0)
            {
                Seeks++;
            }
        }

        var chunk = _renderer.RenderNext(maxFrames, cancellationToken);
        if (whole && chunk is not null)
        {
            _cache?.Add(key, chunk);
        }

        return chunk;
    }

    public void Dispose() => _renderer?.Dispose();
}
