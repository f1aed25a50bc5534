namespace Auralis.Mastering.Rendering;

/// <summary>Chunking and seeking parameters (docs/mastering.md, "Chunks").</summary>
public sealed record RenderOptions
{
    /// <summary>Length of a chunk (the last one of a track is shorter).</summary>
    public double ChunkSeconds { get; init; } = 15.0;

    /// <summary>Audio processed with fresh state and discarded before a chunk rendered out of order.</summary>
    public double PreRollSeconds { get; init; } = 5.0;

    /// <summary>Frames per processing block (does not change the output).</summary>
    public int BlockFrames { get; init; } = 4096;

    public static RenderOptions Default { get; } = new();

    public int ChunkFramesFor(int sampleRate) => Math.Max(1, (int)Math.Round(ChunkSeconds * sampleRate));

    public long PreRollFramesFor(int sampleRate) => (long)Math.Ceiling(PreRollSeconds * sampleRate);
}

/// <summary>One rendered chunk: frames [StartFrame, StartFrame + Frames) of the mastered track.</summary>
/// <param name="Samples">Interleaved float PCM, exactly Frames * Channels long.</param>
public sealed record RenderedChunk(long Index, long StartFrame, int Frames, int Channels, float[] Samples)
{
    /// <summary>Memory held by the samples, as the chunk cache counts it.</summary>
    public long SizeBytes => (long)Samples.Length * sizeof(float);
}

/// <summary>
/// Renders a track chunk by chunk with one chain whose state runs on from chunk to chunk, so
/// the concatenated chunks are the one-pass render. The chain's latency is compensated: output
/// frame i is the mastered input frame i, and a render has exactly the input's frame count.
/// Opened at chunk k &gt; 0 (a seek), processing starts <see cref="RenderOptions.PreRollSeconds"/>
/// before the chunk with fresh state and the pre-roll is discarded.
/// </summary>
public sealed class MasteringRenderer : IDisposable
{
    private readonly IPcmReader _reader;
    private readonly MasteringChain _chain;
    private readonly int _channels;
    private readonly int _blockFrames;
    private readonly float[] _input;
    private readonly float[] _output;
    private long _toDiscard;
    private bool _endOfInput;
    private int _flushRemaining;
    private bool _finished;

    private MasteringRenderer(IPcmSource source, MasteringPlan plan, double intensity, long startChunk, RenderOptions options)
    {
        if (source.SampleRate != plan.SampleRate || source.Channels != plan.Channels)
        {
            throw new ArgumentException($"The plan is for {plan.SampleRate} Hz, {plan.Channels} channels; the source is {source.SampleRate} Hz, {source.Channels} channels.");
        }

        _channels = source.Channels;
        _blockFrames = options.BlockFrames;
        ChunkFrames = options.ChunkFramesFor(source.SampleRate);
        NextChunkIndex = startChunk;
        var chunkStart = startChunk * ChunkFrames;
        PreRollFrames = startChunk == 0 ? 0 : Math.Min(chunkStart, options.PreRollFramesFor(source.SampleRate));
        _chain = new MasteringChain(plan, intensity, options.BlockFrames);
        _toDiscard = PreRollFrames + _chain.LatencyFrames;
        _input = new float[_blockFrames * _channels];
        _output = new float[_blockFrames * _channels];
        _reader = source.OpenAt(chunkStart - PreRollFrames);
    }

    /// <summary>Frames per chunk.</summary>
    public int ChunkFrames { get; }

    /// <summary>The chunk <see cref="RenderNext"/> returns.</summary>
    public long NextChunkIndex { get; private set; }

    /// <summary>Frames processed and discarded before the first chunk (0 from the start of a track).</summary>
    public long PreRollFrames { get; }

    /// <summary>Frames of delay the renderer compensates.</summary>
    public int LatencyFrames => _chain.LatencyFrames;

    /// <summary>Starts rendering at chunk <paramref name="startChunk"/> (0: from the start, no pre-roll).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Intensity outside 0..1 or a negative chunk.</exception>
    public static MasteringRenderer Open(IPcmSource source, MasteringPlan plan, double intensity, long startChunk = 0, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegative(startChunk);
        return new MasteringRenderer(source, plan, intensity, startChunk, options ?? RenderOptions.Default);
    }

    /// <summary>The next chunk, or null after the last one.</summary>
    public RenderedChunk? RenderNext(CancellationToken cancellationToken = default)
    {
        if (_finished)
        {
            return null;
        }

        var samples = new float[ChunkFrames * _channels];
        var filled = 0;
        while (filled < ChunkFrames)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Never produce more than fits: outputs = inputs, the first _toDiscard are dropped.
            var want = (int)Math.Min(_blockFrames, ChunkFrames - filled + _toDiscard);
            int frames;
            if (!_endOfInput)
            {
                frames = _reader.Read(_input.AsSpan(0, want * _channels));
                if (frames == 0)
                {
                    _endOfInput = true;
                    _flushRemaining = _chain.LatencyFrames;
                    continue;
                }
            }
            else if (_flushRemaining > 0)
            {
                // The tail still inside the limiter's delay comes out on silence.
                frames = Math.Min(want, _flushRemaining);
                _input.AsSpan(0, frames * _channels).Clear();
                _flushRemaining -= frames;
            }
            else
            {
                _finished = true;
                break;
            }

            var input = _input.AsSpan(0, frames * _channels);
            var output = _output.AsSpan(0, frames * _channels);
            _chain.Process(input, output);
            var skip = (int)Math.Min(_toDiscard, frames);
            _toDiscard -= skip;
            var keep = output[(skip * _channels)..];
            keep.CopyTo(samples.AsSpan(filled * _channels));
            filled += keep.Length / _channels;
        }

        if (filled == 0)
        {
            _finished = true;
            return null;
        }

        var index = NextChunkIndex++;
        if (filled < ChunkFrames)
        {
            samples = samples.AsSpan(0, filled * _channels).ToArray();
        }

        return new RenderedChunk(index, index * ChunkFrames, filled, _channels, samples);
    }

    public void Dispose() => _reader.Dispose();
}
