using Auralis.Mastering.Dsp;

namespace Auralis.Mastering;

/// <summary>
/// The whole mastering chain for one plan and intensity, as a stateful stream processor:
/// <code>
///   wet   = normalization gain * dynamics(EQ(x))         zero latency
///   blend = (1 - intensity) * x + intensity * wet        dry and wet aligned by construction
///   out   = true-peak limiter(blend)                     LatencyFrames of delay
/// </code>
/// The blend happens before the only processor with latency, so dry and wet are sample-aligned
/// without a delay line, and the ceiling holds at every intensity. Intensity 0 bypasses
/// everything: the output is the input, bit for bit, with no latency.
/// </summary>
public sealed class MasteringChain
{
    private readonly int _channels;
    private readonly int _blockFrames;
    private readonly bool _bypass;
    private readonly DynamicsStage? _stage;
    private readonly TruePeakLimiter? _limiter;
    private readonly float _dry;
    private readonly float _wet;
    private readonly float[] _scratch;

    public MasteringChain(MasteringPlan plan, double intensity, int blockFrames = 4096)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (!(intensity >= 0.0 && intensity <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(intensity), intensity, "intensity is between 0 and 1");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockFrames);
        if (plan.AlgorithmVersion != MasteringAlgorithm.Version)
        {
            throw new ArgumentException($"The plan is for mastering algorithm version {plan.AlgorithmVersion}, this is version {MasteringAlgorithm.Version}: plan again.", nameof(plan));
        }

        _channels = plan.Channels;
        _blockFrames = blockFrames;
        Intensity = intensity;
        _bypass = intensity == 0.0;
        _scratch = _bypass ? [] : new float[blockFrames * plan.Channels];
        if (!_bypass)
        {
            _stage = new DynamicsStage(plan.SampleRate, plan.Channels, plan.Settings, plan.Lwrp, blockFrames);
            _limiter = new TruePeakLimiter(plan.SampleRate, plan.Channels, plan.Settings.CeilingDbtp);
            _dry = (float)(1.0 - intensity);
            _wet = (float)(intensity * Math.Pow(10.0, plan.NormalizationGainDb / 20.0));
        }
    }

    public double Intensity { get; }

    public int Channels => _channels;

    /// <summary>Frames of delay between input and output (0 at intensity 0).</summary>
    public int LatencyFrames => _limiter?.LatencyFrames ?? 0;

    public void Reset()
    {
        _stage?.Reset();
        _limiter?.Reset();
    }

    /// <summary>
    /// Processes interleaved audio: output frame i is the mastered input frame i - LatencyFrames
    /// of the stream so far (the renderer trims the latency and flushes the tail).
    /// </summary>
    public void Process(ReadOnlySpan<float> input, Span<float> output)
    {
        if (output.Length != input.Length || input.Length % _channels != 0)
        {
            throw new ArgumentException($"Input ({input.Length}) and output ({output.Length}) must be the same whole number of {_channels}-channel frames.");
        }

        if (_bypass)
        {
            input.CopyTo(output);
            return;
        }

        var blockSamples = _blockFrames * _channels;
        for (var offset = 0; offset < input.Length; offset += blockSamples)
        {
            var n = Math.Min(blockSamples, input.Length - offset);
            var dry = input.Slice(offset, n);
            var wet = _scratch.AsSpan(0, n);
            dry.CopyTo(wet);
            _stage!.Process(wet);
            Blend(dry, wet);
            _limiter!.Process(wet, output.Slice(offset, n));
        }
    }

    private void Blend(ReadOnlySpan<float> dry, Span<float> wet)
    {
        var a = _dry;
        var b = _wet;
        if (a == 0f)
        {
            for (var i = 0; i < wet.Length; i++)
            {
                wet[i] *= b;
            }

            return;
        }

        for (var i = 0; i < wet.Length; i++)
        {
            wet[i] = (a * dry[i]) + (b * wet[i]);
        }
    }
}
