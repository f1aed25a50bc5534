using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auralis.Mastering.Dsp;

/// <summary>
/// Oversampled peak detection in the manner of ITU-R BS.1770-4 Annex 2, at 8x where it matters.
/// A polyphase FIR interpolator (64 taps per phase: a Kaiser-windowed sinc, beta 4) estimates
/// the signal halfway between samples; only where that 2x estimate comes within 3.1 dB of a
/// caller's threshold (2x sampling misses a tone's peak by at most 3.01 dB, at Nyquist) does it
/// evaluate the other six points, 1/8 to 7/8. The reported peak of an interval is the largest
/// |value| of the sample and those points over all channels, for the interval
/// [n - <see cref="Delay"/>, n - <see cref="Delay"/> + 1) at push n (the filter needs 32 samples
/// of future). 64 taps and 8x rather than the Annex's 12 taps and 4x: a limiter flattens many
/// peaks onto its ceiling, so the detector's worst under-read shows in the output
/// (docs/mastering.md has the numbers). No allocation after construction.
/// </summary>
internal sealed class TruePeakDetector
{
    /// <summary>Taps per phase (a multiple of 8: one 256-bit vector per 8 taps).</summary>
    public const int Taps = 64;

    /// <summary>The interval reported for push n starts at sample n - Delay.</summary>
    public const int Delay = Taps / 2;

    /// <summary>Points per input sample once refined.</summary>
    public const int Oversampling = 8;

    /// <summary>The most 2x sampling of the interpolated signal can under-read a tone (at Nyquist: cos(pi/4), 3.01 dB), with a little room.</summary>
    public static readonly float CoarseMargin = (float)Math.Pow(10.0, -3.1 / 20.0);

    private const double KaiserBeta = 4.0;

    /// <summary>Half-width of the window in input samples (just beyond the outermost tap, 31.875).</summary>
    private const double WindowHalfWidth = Taps / 2;

    /// <summary>Coefficients of phases 1/8 .. 7/8 one after the other, oldest sample first.</summary>
    private static readonly float[] Phases = Design();

    /// <summary>Frames handled per internal step (the per-channel lines hold this many plus the history).</summary>
    private const int BlockFrames = 1024;

    /// <summary>Lanes of the 2x pass: the halfway points of 8 consecutive windows at once.</summary>
    private const int Lanes = 8;

    private readonly int _channels;

    // Per channel: the last Taps - 1 samples, then the current block, then Lanes of padding.
    private readonly float[][] _lines;
    private readonly float[] _coarse = new float[BlockFrames + Lanes];

    public TruePeakDetector(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        _channels = channels;
        _lines = new float[channels][];
        for (var c = 0; c < channels; c++)
        {
            _lines[c] = new float[Taps - 1 + BlockFrames + Lanes];
        }
    }

    /// <summary>The interpolation coefficients of phase p (1..7, at fraction p/8), oldest sample first.</summary>
    public static ReadOnlySpan<float> Coefficients(int phase) => Phases.AsSpan((phase - 1) * Taps, Taps);

    public void Reset()
    {
        foreach (var line in _lines)
        {
            Array.Clear(line);
        }
    }

    /// <summary>
    /// Pushes interleaved frames; <paramref name="peaks"/>[i] receives the peak of the interval
    /// starting <see cref="Delay"/> frames before frame i: at 8x where the 2x estimate reaches
    /// <paramref name="refineAbove"/> * <see cref="CoarseMargin"/>, else at 2x (0 always refines,
    /// +inf never does).
    /// </summary>
    public void Process(ReadOnlySpan<float> interleaved, Span<float> peaks, float refineAbove)
    {
        var frames = interleaved.Length / _channels;
        if (peaks.Length < frames || interleaved.Length % _channels != 0)
        {
            throw new ArgumentException($"{interleaved.Length} samples is not a whole number of {_channels}-channel frames, or {peaks.Length} peaks cannot hold them.");
        }

        for (var offset = 0; offset < frames; offset += BlockFrames)
        {
            var n = Math.Min(BlockFrames, frames - offset);
            ProcessBlock(interleaved.Slice(offset * _channels, n * _channels), peaks.Slice(offset, n), refineAbove);
        }
    }

    /// <summary>One frame (tests and simple callers; <see cref="Process"/> is the fast path).</summary>
    public float Push(ReadOnlySpan<float> frame, float refineAbove)
    {
        Span<float> peak = stackalloc float[1];
        Process(frame[.._channels], peak, refineAbove);
        return peak[0];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ProcessBlock(ReadOnlySpan<float> interleaved, Span<float> peaks, float refineAbove)
    {
        var n = peaks.Length;
        var refine = refineAbove * CoarseMargin;
        peaks.Clear();
        ref var half = ref MemoryMarshal.GetArrayDataReference(Phases);
        half = ref Unsafe.Add(ref half, 3 * Taps); // phase 4/8
        for (var c = 0; c < _channels; c++)
        {
            var line = _lines[c];
            for (var i = 0; i < n; i++)
            {
                line[Taps - 1 + i] = interleaved[(i * _channels) + c];
            }

            // Window of frame i: line[i .. i + Taps), newest last. Its halfway point for 8
            // consecutive frames at once: one broadcast coefficient times 8 shifted samples per tap.
            ref var start = ref MemoryMarshal.GetArrayDataReference(line);
            ref var coarse = ref MemoryMarshal.GetArrayDataReference(_coarse);
            for (var i = 0; i < n; i += Lanes)
            {
                var acc0 = Vector256<float>.Zero;
                var acc1 = Vector256<float>.Zero;
                for (var k = 0; k < Taps; k += 2)
                {
                    acc0 += Vector256.Create(Unsafe.Add(ref half, k)) * Vector256.LoadUnsafe(ref start, (nuint)(i + k));
                    acc1 += Vector256.Create(Unsafe.Add(ref half, k + 1)) * Vector256.LoadUnsafe(ref start, (nuint)(i + k + 1));
                }

                Vector256.Abs(acc0 + acc1).StoreUnsafe(ref coarse, (nuint)i);
            }

            for (var i = 0; i < n; i++)
            {
                // line[i + Taps - 1 - Delay] is sample n - Delay, the start of the interval.
                var peak = MathF.Max(MathF.Abs(line[i + Taps - 1 - Delay]), _coarse[i]);
                if (peak >= refine)
                {
                    ref var window = ref line[i];
                    peak = MathF.Max(
                        MathF.Max(
                            MathF.Max(peak, MathF.Abs(Interpolate(ref window, 1))),
                            MathF.Max(MathF.Abs(Interpolate(ref window, 2)), MathF.Abs(Interpolate(ref window, 3)))),
                        MathF.Max(
                            MathF.Abs(Interpolate(ref window, 5)),
                            MathF.Max(MathF.Abs(Interpolate(ref window, 6)), MathF.Abs(Interpolate(ref window, 7)))));
                }

                peaks[i] = MathF.Max(peaks[i], peak);
            }

            // Keep the newest Taps - 1 samples as the next block's history.
            Array.Copy(line, n, line, 0, Taps - 1);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Interpolate(ref float window, int phase)
    {
        ref var coefficients = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(Phases), (phase - 1) * Taps);
        var acc0 = Vector256.LoadUnsafe(ref window) * Vector256.LoadUnsafe(ref coefficients);
        var acc1 = Vector256.LoadUnsafe(ref window, 8) * Vector256.LoadUnsafe(ref coefficients, 8);
        for (nuint k = 16; k < Taps; k += 16)
        {
            acc0 += Vector256.LoadUnsafe(ref window, k) * Vector256.LoadUnsafe(ref coefficients, k);
            acc1 += Vector256.LoadUnsafe(ref window, k + 8) * Vector256.LoadUnsafe(ref coefficients, k + 8);
        }

        return Vector256.Sum(acc0 + acc1);
    }

    /// <summary>
    /// The point at time (n - Delay) + f is estimated from x[n - j], j = 0..Taps-1, at distance
    /// d = Delay - j - f: weight sinc(d) * kaiser(d), each phase normalized to unity DC gain.
    /// </summary>
    private static float[] Design()
    {
        var all = new float[(Oversampling - 1) * Taps];
        for (var p = 1; p < Oversampling; p++)
        {
            var f = (double)p / Oversampling;
            var taps = new double[Taps];
            for (var j = 0; j < Taps; j++)
            {
                var d = Delay - j - f;
                var sinc = Math.Sin(Math.PI * d) / (Math.PI * d);
                var r = d / WindowHalfWidth;
                taps[j] = sinc * BesselI0(KaiserBeta * Math.Sqrt(1.0 - (r * r))) / BesselI0(KaiserBeta);
            }

            var sum = taps.Sum();
            // Oldest first: tap j weighs x[n - j], and the window runs from x[n - Taps + 1] to x[n].
            for (var k = 0; k < Taps; k++)
            {
                all[((p - 1) * Taps) + k] = (float)(taps[Taps - 1 - k] / sum);
            }
        }

        return all;
    }

    private static double BesselI0(double x)
    {
        double sum = 1.0, term = 1.0;
        for (var k = 1; k < 60; k++)
        {
            term *= x / (2.0 * k) * (x / (2.0 * k));
            sum += term;
        }

        return sum;
    }
}
