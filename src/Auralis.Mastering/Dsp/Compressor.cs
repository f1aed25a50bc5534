using System.Runtime.CompilerServices;

namespace Auralis.Mastering.Dsp;

/// <summary>
/// Feed-forward compressor after Giannoulis, Massberg and Reiss (JAES 2012): a linked stereo peak
/// detector (the largest |sample| of the frame, so the stereo image never shifts), a dB-domain
/// gain computer with a soft knee, and smooth branching attack/release on the gain reduction.
/// No make-up gain: loudness normalization follows. Streaming, no allocation after construction.
/// </summary>
internal sealed class Compressor
{
    /// <summary>Soft-knee width in dB (quadratic interpolation across threshold +- 3 dB).</summary>
    public const double KneeDb = 6.0;

    private readonly int _channels;
    private readonly double _threshold;
    private readonly double _slope; // 1/ratio - 1 (negative)
    private readonly double _attack;
    private readonly double _release;
    private readonly float _kneeStartLinear;
    private double _gainDb; // smoothed gain change, <= 0

    public Compressor(int sampleRate, int channels, CompressorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (!(settings.Ratio >= 1.0) || !(settings.AttackMs > 0) || !(settings.ReleaseMs > 0))
        {
            throw new ArgumentException($"Compressor needs ratio >= 1 and positive times, got {settings}.", nameof(settings));
        }

        _channels = channels;
        _threshold = settings.ThresholdDb;
        _slope = (1.0 / settings.Ratio) - 1.0;
        _attack = Math.Exp(-1.0 / (settings.AttackMs * 1e-3 * sampleRate));
        _release = Math.Exp(-1.0 / (settings.ReleaseMs * 1e-3 * sampleRate));
        // Below the knee the gain computer gives 0 dB: no log needed.
        _kneeStartLinear = (float)Math.Pow(10.0, (settings.ThresholdDb - (KneeDb / 2.0)) / 20.0);
    }

    /// <summary>The current smoothed gain change in dB (0 or negative).</summary>
    public double GainDb => _gainDb;

    public void Reset() => _gainDb = 0.0;

    /// <summary>Static gain curve in dB for an input level in dB (the gain computer alone).</summary>
    public double StaticGainDb(double levelDb)
    {
        var over = levelDb - _threshold;
        if (2.0 * over < -KneeDb)
        {
            return 0.0;
        }

        if (2.0 * Math.Abs(over) <= KneeDb)
        {
            var k = over + (KneeDb / 2.0);
            return _slope * k * k / (2.0 * KneeDb);
        }

        return _slope * over;
    }

    /// <summary>Compresses interleaved audio in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(Span<float> interleaved)
    {
        var channels = _channels;
        var g = _gainDb;
        for (var i = 0; i + channels <= interleaved.Length; i += channels)
        {
            var frame = interleaved.Slice(i, channels);
            var level = 0f;
            foreach (var x in frame)
            {
                level = MathF.Max(level, MathF.Abs(x));
            }

            var target = level <= _kneeStartLinear ? 0.0 : StaticGainDb(20.0 * Math.Log10(level));
            g = target < g ? (_attack * g) + ((1.0 - _attack) * target) : (_release * g) + ((1.0 - _release) * target);
            if (g > -1e-9)
            {
                // Fully released: unity gain, and no exp per sample in quiet passages.
                g = 0.0;
                continue;
            }

            var gain = (float)Math.Exp(g * (Math.Log(10.0) / 20.0));
            for (var c = 0; c < frame.Length; c++)
            {
                frame[c] *= gain;
            }
        }

        _gainDb = g;
    }
}
