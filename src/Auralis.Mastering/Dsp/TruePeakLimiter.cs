using System.Runtime.CompilerServices;

namespace Auralis.Mastering.Dsp;

/// <summary>
/// Lookahead true-peak limiter. Its input is first band-limited (<see cref="BandLimit"/>) so the
/// true peak is the same for every meter. Sample m then needs gain required[m] = min(1, ceiling / p[m]), where
/// p[m] is the 4x-oversampled peak (<see cref="TruePeakDetector"/>) of the intervals on either
/// side of m over all channels (linked: the stereo image never shifts). The gain applied is
/// <code>
///   h[j] = min(required[j - L - 2G + 1 .. j])        sliding minimum over lookahead L plus guard 2G
///   r[j] = h[j] if h[j] &lt; r[j-1], else r[j-1] + (h[j] - r[j-1]) (1 - a)   instant attack, one-pole release
///   s[j] = mean(r[j - L + 1 .. j])                    L-tap moving average: the attack is a linear ramp
/// </code>
/// and s[j] multiplies sample q = j - L + 1 - G. Every h in that average covers required[q - G ..
/// q + G], so the gain of each sample is at most what it and its G neighbours on either side need:
/// sample peaks hold the ceiling by construction, and the interpolated peaks between samples see
/// (almost) the gain their own samples see, not the higher gain of a ramp next to them (without
/// the guard, a 6 dB ramp lets true peaks overshoot by up to 0.2 dB). At most (1 - gain)/L of gain
/// change per sample: no clicks. A final clamp to the ceiling only absorbs float rounding.
/// Latency: <see cref="TruePeakDetector.Delay"/> + L - 1 + G frames (the band limit adds 0.4 frames
/// of group delay, left uncompensated). No allocation after construction.
/// </summary>
internal sealed class TruePeakLimiter
{
    public const double DefaultLookaheadMs = 2.0;

    public const double DefaultReleaseMs = 100.0;

    /// <summary>Guard G: samples on either side of a peak that get (at most) the peak's gain.</summary>
    public const int GuardFrames = 8;

    private readonly int _channels;
    private readonly int _lookahead;
    private readonly float _ceiling;
    private readonly double _ceilingD;
    private readonly double _releaseKeep;
    private readonly TruePeakDetector _detector;
    private readonly BiquadCascade _bandLimit;
    private readonly float[] _limited;
    private readonly float[] _intervals;
    private const int BlockFrames = 1024;

    // Sliding minimum of the required gain: a monotonic deque of (index, value) in a ring.
    private readonly long[] _minIndex;
    private readonly double[] _minValue;
    private readonly int _minWindow;
    private int _minHead, _minCount;

    // Moving average of r over the last L values.
    private readonly double[] _rRing;
    private int _rPos;
    private double _rSum;
    private double _r;

    // Delay line: the last Latency frames of (band-limited) input, then the current block.
    private readonly float[] _line;
    private readonly double[] _blockGains;

    private float _previousInterval;
    private long _index; // frames pushed so far

    public TruePeakLimiter(int sampleRate, int channels, double ceilingDbtp, double lookaheadMs = DefaultLookaheadMs, double releaseMs = DefaultReleaseMs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (!double.IsFinite(ceilingDbtp) || ceilingDbtp > 0.0)
        {
            throw new ArgumentOutOfRangeException(nameof(ceilingDbtp), ceilingDbtp, "the ceiling is a finite level at or below 0 dBTP");
        }

        _channels = channels;
        _lookahead = Math.Max(1, (int)Math.Round(lookaheadMs * 1e-3 * sampleRate));
        _ceilingD = Math.Pow(10.0, ceilingDbtp / 20.0);
        _ceiling = (float)_ceilingD;
        _releaseKeep = Math.Exp(-1.0 / (releaseMs * 1e-3 * sampleRate));
        _detector = new TruePeakDetector(channels);
        _bandLimit = BandLimit.Create(sampleRate, channels, BlockFrames);
        _limited = new float[BlockFrames * channels];
        _intervals = new float[BlockFrames];
        _minWindow = _lookahead + (2 * GuardFrames);
        _minIndex = new long[_minWindow + 1];
        _minValue = new double[_minWindow + 1];
        _rRing = new double[_lookahead];
        _line = new float[(LatencyFrames + BlockFrames) * channels];
        _blockGains = new double[BlockFrames];
        Reset();
    }

    /// <summary>Frames between a sample going in and coming out: the detector's delay, the lookahead and the guard.</summary>
    public int LatencyFrames => TruePeakDetector.Delay + _lookahead - 1 + GuardFrames;

    /// <summary>The lookahead L in frames (also the length of the attack ramp).</summary>
    public int LookaheadFrames => _lookahead;

    /// <summary>Output samples the final clamp had to touch (float rounding only; a test watches it).</summary>
    public long ClampedSamples { get; private set; }

    public void Reset()
    {
        _detector.Reset();
        _bandLimit.Reset();
        _minHead = 0;
        _minCount = 0;
        Array.Fill(_rRing, 1.0);
        _rPos = 0;
        _rSum = _lookahead;
        _r = 1.0;
        Array.Clear(_line);
        _previousInterval = 0f;
        _index = 0;
        ClampedSamples = 0;
    }

    /// <summary>
    /// Limits <paramref name="input"/> into <paramref name="output"/> (same length): output frame i
    /// is input frame i - <see cref="LatencyFrames"/> of the whole stream (zeros before the start).
    /// </summary>
    /// <param name="gains">Optional: receives the gain applied to each output frame (tests).</param>
    public void Process(ReadOnlySpan<float> input, Span<float> output, Span<double> gains = default)
    {
        if (output.Length != input.Length || input.Length % _channels != 0)
        {
            throw new ArgumentException($"Input ({input.Length}) and output ({output.Length}) must be the same whole number of {_channels}-channel frames.");
        }

        var blockSamples = BlockFrames * _channels;
        var history = LatencyFrames * _channels;
        for (var offset = 0; offset < input.Length; offset += blockSamples)
        {
            var n = Math.Min(blockSamples, input.Length - offset);
            var frames = n / _channels;
            var limited = _line.AsSpan(history, n);
            input.Slice(offset, n).CopyTo(limited);
            _bandLimit.Process(limited);
            _detector.Process(limited, _intervals, _ceiling);
            var blockGains = _blockGains.AsSpan(0, frames);
            Gains(_intervals.AsSpan(0, frames), blockGains);

            // Output frame f is the line's frame f (input frame f - Latency) times its gain.
            var delayed = _line.AsSpan(0, n);
            var o = output.Slice(offset, n);
            for (var f = 0; f < frames; f++)
            {
                var g = blockGains[f];
                for (var c = 0; c < _channels; c++)
                {
                    var i = (f * _channels) + c;
                    var y = (float)(g * delayed[i]);
                    if (y > _ceiling || y < -_ceiling)
                    {
                        y = Math.Clamp(y, -_ceiling, _ceiling);
                        ClampedSamples++;
                    }

                    o[i] = y;
                }
            }

            if (!gains.IsEmpty)
            {
                blockGains.CopyTo(gains.Slice(offset / _channels, frames));
            }

            // The newest Latency frames become the next block's history.
            _line.AsSpan(n, history).CopyTo(_line);
        }
    }

    /// <summary>The gain of each output frame from the interval peaks of the newest input frames.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Gains(ReadOnlySpan<float> intervals, Span<double> gains)
    {
        for (var f = 0; f < intervals.Length; f++)
        {
            var interval = intervals[f];

            // The sample the detector just completed: m = index - Delay, needing both intervals around it.
            var peak = MathF.Max(interval, _previousInterval);
            _previousInterval = interval;
            var required = peak > _ceiling ? _ceilingD / peak : 1.0;
            var h = SlidingMinimum(required);
            _r = h < _r ? h : _r + ((h - _r) * (1.0 - _releaseKeep));
            _rSum += _r - _rRing[_rPos];
            _rRing[_rPos] = _r;
            _rPos = _rPos + 1 == _lookahead ? 0 : _rPos + 1;
            if (_rPos == 0)
            {
                // Re-add from scratch once per lookahead so rounding never accumulates.
                _rSum = 0.0;
                foreach (var v in _rRing)
                {
                    _rSum += v;
                }
            }

            gains[f] = Math.Min(_rSum / _lookahead, 1.0);
            _index++;
        }
    }

    /// <summary>Minimum of the last L + 2G required gains (missing history counts as 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double SlidingMinimum(double value)
    {
        var capacity = _minIndex.Length;
        // Drop from the back everything not smaller than the new value: it can never be the minimum again.
        while (_minCount > 0)
        {
            var back = _minHead + _minCount - 1;
            if (back >= capacity)
            {
                back -= capacity;
            }

            if (_minValue[back] < value)
            {
                break;
            }

            _minCount--;
        }

        var tail = _minHead + _minCount;
        if (tail >= capacity)
        {
            tail -= capacity;
        }

        _minIndex[tail] = _index;
        _minValue[tail] = value;
        _minCount++;
        // Drop from the front what left the window.
        while (_minIndex[_minHead] <= _index - _minWindow)
        {
            _minHead = _minHead + 1 == capacity ? 0 : _minHead + 1;
            _minCount--;
        }

        return _minValue[_minHead];
    }
}
