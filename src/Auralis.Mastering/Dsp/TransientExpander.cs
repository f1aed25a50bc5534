using System.Runtime.CompilerServices;

namespace Auralis.Mastering.Dsp;

/// <summary>
/// The LWRP expander: restores the crest factor of compressed loud material by raising
/// transients relative to the body. Two envelope followers track the linked peak |x| of each
/// frame, a fast one (attack 1 ms, release 60 ms) and a slow one (attack 40 ms, release 300 ms);
/// the gain is gain_dB = e * 20 log10(fast / slow), bounded to +-<see cref="MaxGainDb"/>. At an
/// onset the fast envelope leads (boost); in a decay it falls first (cut), so peaks rise and the
/// body recedes. Then the fixed trim (-0.5 dB). Streaming, no allocation after construction.
/// </summary>
internal sealed class TransientExpander
{
    public const double FastAttackMs = 1.0;
    public const double FastReleaseMs = 60.0;
    public const double SlowAttackMs = 40.0;
    public const double SlowReleaseMs = 300.0;

    /// <summary>Largest boost or cut in dB, whatever e: keeps the expander from pumping.</summary>
    public const double MaxGainDb = 6.0;

    /// <summary>Envelope floor (-160 dBFS): silence gives a ratio of 1, not 0/0.</summary>
    private const double Floor = 1e-8;

    private readonly int _channels;
    private readonly double _expansion;
    private readonly double _trim;
    private readonly double _fastAttack, _fastRelease, _slowAttack, _slowRelease;
    private readonly double _maxLog; // MaxGainDb as a natural log of the gain
    private double _fast = Floor, _slow = Floor;

    public TransientExpander(int sampleRate, int channels, double expansion, double trimDb)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (!(expansion >= 0.0) || !double.IsFinite(expansion) || !double.IsFinite(trimDb))
        {
            throw new ArgumentException($"Expansion must be a finite factor >= 0 and the trim finite, got {expansion} and {trimDb} dB.");
        }

        _channels = channels;
        _expansion = expansion;
        _trim = Math.Pow(10.0, trimDb / 20.0);
        static double Coefficient(double ms, int rate) => Math.Exp(-1.0 / (ms * 1e-3 * rate));
        _fastAttack = Coefficient(FastAttackMs, sampleRate);
        _fastRelease = Coefficient(FastReleaseMs, sampleRate);
        _slowAttack = Coefficient(SlowAttackMs, sampleRate);
        _slowRelease = Coefficient(SlowReleaseMs, sampleRate);
        _maxLog = MaxGainDb * Math.Log(10.0) / 20.0;
    }

    public void Reset() => (_fast, _slow) = (Floor, Floor);

    /// <summary>Expands interleaved audio in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Process(Span<float> interleaved)
    {
        var channels = _channels;
        double fast = _fast, slow = _slow;
        for (var i = 0; i + channels <= interleaved.Length; i += channels)
        {
            var frame = interleaved.Slice(i, channels);
            var level = 0f;
            foreach (var x in frame)
            {
                level = MathF.Max(level, MathF.Abs(x));
            }

            double l = Math.Max(level, Floor);
            fast = l > fast ? (_fastAttack * fast) + ((1.0 - _fastAttack) * l) : (_fastRelease * fast) + ((1.0 - _fastRelease) * l);
            slow = l > slow ? (_slowAttack * slow) + ((1.0 - _slowAttack) * l) : (_slowRelease * slow) + ((1.0 - _slowRelease) * l);
            var log = Math.Clamp(_expansion * Math.Log(fast / slow), -_maxLog, _maxLog);
            var gain = (float)(_trim * Math.Exp(log));
            for (var c = 0; c < frame.Length; c++)
            {
                frame[c] *= gain;
            }
        }

        (_fast, _slow) = (fast, slow);
    }
}
