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
        var key = KeyFor(index);
        if (_cache is not null && _cache.TryGet(key, out var cached))
        {
            return cached;
        }

        if (_renderer is null || _renderer.NextChunkIndex != index)
        {
            _renderer?.Dispose();
            _renderer = MasteringRenderer.Open(_source, _plan, Intensity, index, _options);
            if (index > 0)
            {
                Seeks++;
            }
        }

        var chunk = _renderer.RenderNext(cancellationToken);
        if (chunk is not null)
        {
            _cache?.Add(key, chunk);
        }

        return chunk;
    }

    public void Dispose() => _renderer?.Dispose();
}
