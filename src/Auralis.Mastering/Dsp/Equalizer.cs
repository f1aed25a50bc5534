using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auralis.Mastering.Dsp;

/// <summary>
/// The five-band mastering EQ: RBJ low shelf, three peaking filters and a high shelf (a
/// <see cref="BiquadCascade"/>; bands with 0 dB are left out).
/// </summary>
internal static class Equalizer
{
    /// <summary>Low-shelf midpoint (half the gain here): the 200 Hz boundary of the band.</summary>
    public const double LowShelfHz = 200.0;

    /// <summary>High-shelf midpoint: the 8 kHz boundary of the band.</summary>
    public const double HighShelfHz = 8000.0;

    /// <summary>Shelf slope S = 1: the steepest shelf without overshoot in the response.</summary>
    public const double ShelfSlope = 1.0;

    /// <summary>Peaking bands as (low edge, high edge) in Hz: centre sqrt(lo * hi), Q = centre / (hi - lo).</summary>
    public static readonly (double Low, double High)[] PeakBands = [(200.0, 800.0), (800.0, 3000.0), (3000.0, 8000.0)];

    /// <summary>Centre frequencies are kept below this fraction of the sample rate (low-rate files).</summary>
    private const double MaxFrequencyFraction = 0.45;

    /// <summary>The EQ for a preset's gains as a stateful filter (no sections when every gain is 0 dB).</summary>
    public static BiquadCascade Create(int sampleRate, int channels, EqGains gains, int blockFrames = 4096) =>
        new(channels, [.. Design(sampleRate, gains).Where(b => b != BiquadCoefficients.Identity)], blockFrames);

    /// <summary>The five band filters for a sample rate (identity for a 0 dB band).</summary>
    public static BiquadCoefficients[] Design(int sampleRate, EqGains gains)
    {
        ArgumentNullException.ThrowIfNull(gains);
        var result = new BiquadCoefficients[5];
        double Clamp(double f) => Math.Min(f, MaxFrequencyFraction * sampleRate);
        result[0] = gains.LowShelfDb == 0.0 ? BiquadCoefficients.Identity : BiquadDesign.LowShelf(sampleRate, Clamp(LowShelfHz), ShelfSlope, gains.LowShelfDb);
        for (var i = 0; i < PeakBands.Length; i++)
        {
            var gain = gains[i + 1];
            var (lo, hi) = PeakBands[i];
            var centre = Math.Sqrt(lo * hi);
            result[i + 1] = gain == 0.0 ? BiquadCoefficients.Identity : BiquadDesign.Peaking(sampleRate, Clamp(centre), centre / (hi - lo), gain);
        }

        result[4] = gains.HighShelfDb == 0.0 ? BiquadCoefficients.Identity : BiquadDesign.HighShelf(sampleRate, Clamp(HighShelfHz), ShelfSlope, gains.HighShelfDb);
        return result;
    }
}

/// <summary>
/// The band limit before the true-peak limiter: an 8th-order Butterworth low-pass at 0.9 of
/// Nyquist (19.8 kHz at 44.1 kHz). Above it, the true peak depends on the reconstruction filter
/// of whoever measures or plays the audio (ffmpeg's ebur128 and an interpolating sinc disagreed
/// by 0.7 dB on limited bright noise); below it they agree, so the ceiling holds for every meter.
/// Its group delay at low and mid frequencies is 0.4 frames at any rate: not compensated.
/// </summary>
internal static class BandLimit
{
    public const double NyquistFraction = 0.9;

    /// <summary>Q of the four second-order sections of an 8th-order Butterworth: 1 / (2 cos((2k + 1) pi / 16)).</summary>
    private static readonly double[] Qs = [0.5097955791041592, 0.6013448869350453, 0.8999762231364156, 2.5629154477415055];

    public static BiquadCoefficients[] Design(int sampleRate) =>
        [.. Qs.Select(q => BiquadDesign.LowPass(sampleRate, NyquistFraction * sampleRate / 2.0, q))];

    public static BiquadCascade Create(int sampleRate, int channels, int blockFrames = 4096) => new(channels, Design(sampleRate), blockFrames);
}

/// <summary>
/// Biquads in series, each a transposed direct form II section with f64 state per channel.
/// Streaming: state carries over between calls; no allocation after construction.
/// </summary>
internal sealed class BiquadCascade
{
    private readonly int _channels;
    private readonly BiquadCoefficients[] _bands;
    private readonly double[] _state; // [band][channel][s1, s2]
    private readonly double[] _scratch;
    private readonly int _blockFrames;

    public BiquadCascade(int channels, BiquadCoefficients[] sections, int blockFrames = 4096)
    {
        ArgumentNullException.ThrowIfNull(sections);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blockFrames);
        _channels = channels;
        _bands = sections;
        _state = new double[_bands.Length * channels * 2];
        _blockFrames = blockFrames;
        _scratch = new double[blockFrames * channels];
    }

    /// <summary>True when there is no section: audio passes through untouched.</summary>
    public bool IsIdentity => _bands.Length == 0;

    public void Reset() => Array.Clear(_state);

    /// <summary>Filters interleaved audio in place.</summary>
    public void Process(Span<float> interleaved)
    {
        if (_bands.Length == 0)
        {
            return;
        }

        var blockSamples = _blockFrames * _channels;
        while (interleaved.Length > 0)
        {
            var n = Math.Min(blockSamples, interleaved.Length - (interleaved.Length % _channels));
            if (n == 0)
            {
                throw new ArgumentException($"{interleaved.Length} samples is not a whole number of {_channels}-channel frames.", nameof(interleaved));
            }

            var block = interleaved[..n];
            var scratch = _scratch.AsSpan(0, n);
            for (var i = 0; i < n; i++)
            {
                scratch[i] = block[i];
            }

            if (_channels == 2)
            {
                // Two sections per pass: the second's recurrence runs alongside the first's (the
                // chain is latency-bound), so a pair costs little more than one section.
                var b = 0;
                for (; b + 1 < _bands.Length; b += 2)
                {
                    RunStereoPair(_bands[b], _bands[b + 1], _state.AsSpan(b * 4, 8), scratch);
                }

                if (b < _bands.Length)
                {
                    RunStereo(_bands[b], _state.AsSpan(b * 4, 4), scratch);
                }
            }
            else
            {
                for (var b = 0; b < _bands.Length; b++)
                {
                    var state = _state.AsSpan(b * _channels * 2, _channels * 2);
                    for (var c = 0; c < _channels; c++)
                    {
                        RunStrided(_bands[b], state.Slice(c * 2, 2), scratch, c, _channels);
                    }
                }
            }

            for (var i = 0; i < n; i++)
            {
                block[i] = (float)scratch[i];
            }

            interleaved = interleaved[n..];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunStrided(in BiquadCoefficients k, Span<double> state, Span<double> samples, int offset, int stride)
    {
        double s1 = state[0], s2 = state[1];
        for (var i = offset; i < samples.Length; i += stride)
        {
            var x = samples[i];
            var y = (k.B0 * x) + s1;
            s1 = (k.B1 * x) - (k.A1 * y) + s2;
            s2 = (k.B2 * x) - (k.A2 * y);
            samples[i] = y;
        }

        state[0] = s1;
        state[1] = s2;
    }

    /// <summary>Two sections in series over a stereo block, both channels in one vector each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunStereoPair(in BiquadCoefficients k, in BiquadCoefficients m, Span<double> state, Span<double> samples)
    {
        var s1 = Vector128.Create(state[0], state[2]);
        var s2 = Vector128.Create(state[1], state[3]);
        var t1 = Vector128.Create(state[4], state[6]);
        var t2 = Vector128.Create(state[5], state[7]);
        var b0 = Vector128.Create(k.B0);
        var b1 = Vector128.Create(k.B1);
        var b2 = Vector128.Create(k.B2);
        var a1 = Vector128.Create(k.A1);
        var a2 = Vector128.Create(k.A2);
        var c0 = Vector128.Create(m.B0);
        var c1 = Vector128.Create(m.B1);
        var c2 = Vector128.Create(m.B2);
        var d1 = Vector128.Create(m.A1);
        var d2 = Vector128.Create(m.A2);
        var frames = samples.Length / 2;
        ref var s = ref MemoryMarshal.GetReference(samples);
        for (var f = 0; f < frames; f++)
        {
            ref var frame = ref Unsafe.Add(ref s, 2 * f);
            var x = Vector128.LoadUnsafe(ref frame);
            var y = (b0 * x) + s1;
            s1 = (b1 * x) - (a1 * y) + s2;
            s2 = (b2 * x) - (a2 * y);
            var z = (c0 * y) + t1;
            t1 = (c1 * y) - (d1 * z) + t2;
            t2 = (c2 * y) - (d2 * z);
            z.StoreUnsafe(ref frame);
        }

        state[0] = s1.GetElement(0);
        state[2] = s1.GetElement(1);
        state[1] = s2.GetElement(0);
        state[3] = s2.GetElement(1);
        state[4] = t1.GetElement(0);
        state[6] = t1.GetElement(1);
        state[5] = t2.GetElement(0);
        state[7] = t2.GetElement(1);
    }

    /// <summary>Both channels of a stereo pair in one vector: the recurrence is latency-bound, so they share it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunStereo(in BiquadCoefficients k, Span<double> state, Span<double> samples)
    {
        var s1 = Vector128.Create(state[0], state[2]);
        var s2 = Vector128.Create(state[1], state[3]);
        var b0 = Vector128.Create(k.B0);
        var b1 = Vector128.Create(k.B1);
        var b2 = Vector128.Create(k.B2);
        var a1 = Vector128.Create(k.A1);
        var a2 = Vector128.Create(k.A2);
        var frames = samples.Length / 2;
        ref var s = ref MemoryMarshal.GetReference(samples);
        for (var f = 0; f < frames; f++)
        {
            ref var frame = ref Unsafe.Add(ref s, 2 * f);
            var x = Vector128.LoadUnsafe(ref frame);
            var y = (b0 * x) + s1;
            s1 = (b1 * x) - (a1 * y) + s2;
            s2 = (b2 * x) - (a2 * y);
            y.StoreUnsafe(ref frame);
        }

        state[0] = s1.GetElement(0);
        state[2] = s1.GetElement(1);
        state[1] = s2.GetElement(0);
        state[3] = s2.GetElement(1);
    }
}
