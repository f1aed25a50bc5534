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
/// <remarks>
/// Reference counted so its array can be recycled (<see cref="ChunkBuffers"/>): whoever gets a
/// chunk from a render or from <see cref="MasteredChunkCache.TryGet"/> holds one reference and may
/// <see cref="Release"/> it when done with the samples; the cache holds its own. Not releasing is
/// always safe (the array is then collected as usual); using the samples after releasing is not.
/// </remarks>
public sealed record RenderedChunk(long Index, long StartFrame, int Frames, int Channels, float[] Samples)
{
    private int _references = 1;

    /// <summary>Memory held by the samples, as the chunk cache counts it.</summary>
    public long SizeBytes => (long)Samples.Length * sizeof(float);

    /// <summary>Another holder (the cache, or a reader of the cache).</summary>
    public void Retain() => Interlocked.Increment(ref _references);

    /// <summary>Done with the samples: the last release recycles the array.</summary>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _references);
        if (left == 0)
        {
            ChunkBuffers.Return(Samples);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException($"chunk {Index} at frame {StartFrame} was released more often than it was held");
        }
    }
}

/// <summary>
/// Renders a track chunk by chunk with one chain whose state runs on from chunk to chunk, so
/// the concatenated chunks are the one-pass render. The chain's latency is compensated: output
/// frame i is the mastered input frame i, and a render has exactly the input's frame count.
/// Opened anywhere but the start (a seek), the decoder is positioned
/// <see cref="RenderOptions.PreRollSeconds"/> before the start frame, the chain runs through that
/// pre-roll with fresh state and its output is discarded. A render may also hand out pieces
/// shorter than a chunk (<see cref="RenderNext"/>'s maxFrames: a stream's short first message);
/// pieces never cross a chunk boundary, so after the first one everything is chunk-aligned.
/// </summary>
public sealed class MasteringRenderer : IDisposable
{
    private readonly IPcmReader _reader;
    private readonly MasteringChain _chain;
    private readonly int _channels;
    private readonly int _blockFrames;
    private readonly float[] _input;
    private readonly float[] _output;
    private readonly long? _sourceFrames;
    private long _toDiscard;
    private bool _endOfInput;
    private int _flushRemaining;
    private bool _finished;

    private MasteringRenderer(IPcmSource source, MasteringPlan plan, double intensity, long startFrame, RenderOptions options)
    {
        if (source.SampleRate != plan.SampleRate || source.Channels != plan.Channels)
        {
            throw new ArgumentException($"The plan is for {plan.SampleRate} Hz, {plan.Channels} channels; the source is {source.SampleRate} Hz, {source.Channels} channels.");
        }

        _channels = source.Channels;
        _blockFrames = options.BlockFrames;
        _sourceFrames = source.Frames;
        ChunkFrames = options.ChunkFramesFor(source.SampleRate);
        NextFrame = startFrame;
        PreRollFrames = Math.Min(startFrame, options.PreRollFramesFor(source.SampleRate));
        _chain = new MasteringChain(plan, intensity, options.BlockFrames);
        _toDiscard = PreRollFrames + _chain.LatencyFrames;
        _input = new float[_blockFrames * _channels];
        _output = new float[_blockFrames * _channels];
        _reader = source.OpenAt(startFrame - PreRollFrames);
    }

    /// <summary>Frames per chunk.</summary>
    public int ChunkFrames { get; }

    /// <summary>Track frame where the piece <see cref="RenderNext"/> returns starts.</summary>
    public long NextFrame { get; private set; }

    /// <summary>The chunk <see cref="RenderNext"/> returns (or a piece of, when the render is not at a chunk boundary).</summary>
    public long NextChunkIndex => NextFrame / ChunkFrames;

    /// <summary>Frames processed and discarded before the first chunk (0 from the start of a track).</summary>
    public long PreRollFrames { get; }

    /// <summary>The track has ended: <see cref="NextFrame"/> is its length, and <see cref="RenderNext"/> returns null.</summary>
    public bool IsFinished => _finished;

    /// <summary>Frames of delay the renderer compensates.</summary>
    public int LatencyFrames => _chain.LatencyFrames;

    /// <summary>Starts rendering at chunk <paramref name="startChunk"/> (0: from the start, no pre-roll).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Intensity outside 0..1 or a negative chunk.</exception>
    public static MasteringRenderer Open(IPcmSource source, MasteringPlan plan, double intensity, long startChunk = 0, RenderOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startChunk);
        options ??= RenderOptions.Default;
        ArgumentNullException.ThrowIfNull(source);
        return OpenAtFrame(source, plan, intensity, startChunk * options.ChunkFramesFor(source.SampleRate), options);
    }

    /// <summary>Starts rendering at track frame <paramref name="startFrame"/> (with pre-roll unless it is 0).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Intensity outside 0..1 or a negative frame.</exception>
    public static MasteringRenderer OpenAtFrame(IPcmSource source, MasteringPlan plan, double intensity, long startFrame, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentOutOfRangeException.ThrowIfNegative(startFrame);
        return new MasteringRenderer(source, plan, intensity, startFrame, options ?? RenderOptions.Default);
    }

    /// <summary>
    /// The next piece: from <see cref="NextFrame"/> to the next chunk boundary (a whole chunk when
    /// the render is aligned), at most <paramref name="maxFrames"/> long; null after the end.
    /// </summary>
    public RenderedChunk? RenderNext(CancellationToken cancellationToken = default) => RenderNext(int.MaxValue, cancellationToken);

    /// <inheritdoc cref="RenderNext(CancellationToken)"/>
    public RenderedChunk? RenderNext(int maxFrames, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxFrames);
        if (_finished)
        {
            return null;
        }

        var toBoundary = ChunkFrames - (int)(NextFrame % ChunkFrames);
        var wanted = Math.Min(toBoundary, maxFrames);
        if (_sourceFrames is { } total && total > NextFrame)
        {
            // Sized to what the source says is left: no trimming copy at the end of a track.
            wanted = (int)Math.Min(wanted, total - NextFrame);
        }

        var samples = ChunkBuffers.Rent(wanted * _channels);
        var filled = 0;
        while (filled < wanted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Never produce more than fits: outputs = inputs, the first _toDiscard are dropped.
            var want = (int)Math.Min(_blockFrames, wanted - filled + _toDiscard);
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
            ChunkBuffers.Return(samples);
            return null;
        }

        if (filled < wanted)
        {
            var rented = samples;
            samples = samples.AsSpan(0, filled * _channels).ToArray();
            ChunkBuffers.Return(rented);
        }

        var start = NextFrame;
        NextFrame += filled;
        return new RenderedChunk(start / ChunkFrames, start, filled, _channels, samples);
    }

    public void Dispose() => _reader.Dispose();
}
