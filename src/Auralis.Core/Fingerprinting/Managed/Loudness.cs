using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// Second-order IIR section, transposed direct form II, in f64: the K-weighting shelf has a gain
/// near 4 dB and a 38 Hz high-pass, where f32 state would drift on long files.
/// </summary>
internal readonly record struct Biquad(double B0, double B1, double B2, double A1, double A2)
{
    /// <summary>
    /// Stage 1 of the K-weighting (the "head" high shelf), designed for the sample rate. The analog
    /// prototype's parameters are those that reproduce the BS.1770 48 kHz coefficients (as derived
    /// for libebur128), mapped with the bilinear transform so any rate works.
    /// </summary>
    public static Biquad KShelf(double sampleRate)
    {
        const double F0 = 1681.974450955533;
        const double GainDb = 3.999843853973347;
        const double Q = 0.7071752369554196;
        var k = Math.Tan(Math.PI * F0 / sampleRate);
        var vh = Math.Pow(10.0, GainDb / 20.0);
        var vb = Math.Pow(vh, 0.4996667741545416);
        var a0 = 1.0 + (k / Q) + (k * k);
        return new Biquad(
            (vh + (vb * k / Q) + (k * k)) / a0,
            2.0 * ((k * k) - vh) / a0,
            (vh - (vb * k / Q) + (k * k)) / a0,
            2.0 * ((k * k) - 1.0) / a0,
            (1.0 - (k / Q) + (k * k)) / a0);
    }

    /// <summary>Stage 2 of the K-weighting (the RLB high-pass).</summary>
    /// <summary>A 2nd-order Butterworth high-pass at <paramref name="f0"/> (Q 1/sqrt(2), taken as Math.Sqrt(0.5): the double Rust's FRAC_1_SQRT_2 is), bilinear transform with prewarping.</summary>
    public static Biquad ButterworthHighPass(double sampleRate, double f0)
    {
        var k = Math.Tan(Math.PI * f0 / sampleRate);
        var q = Math.Sqrt(0.5);
        var a0 = 1.0 + (k / q) + (k * k);
        return new Biquad(1.0 / a0, -2.0 / a0, 1.0 / a0, 2.0 * ((k * k) - 1.0) / a0, (1.0 - (k / q) + (k * k)) / a0);
    }

    public static Biquad KHighPass(double sampleRate)
    {
        const double F0 = 38.13547087602444;
        const double Q = 0.5003270373238773;
        var k = Math.Tan(Math.PI * F0 / sampleRate);
        var a0 = 1.0 + (k / Q) + (k * k);
        return new Biquad(1.0, -2.0, 1.0, 2.0 * ((k * k) - 1.0) / a0, (1.0 - (k / Q) + (k * k)) / a0);
    }
}

/// <summary>
/// The K-weighting of BS.1770 run over interleaved PCM, returning the sum of squares of the
/// filtered signal per channel; filter state carries over between calls.
/// </summary>
internal static class KWeighting
{
    /// <summary>
    /// Channel <paramref name="offset"/> of <paramref name="samples"/> (interleaved with
    /// <paramref name="stride"/>) through both stages; <paramref name="state"/> holds
    /// [s1, s2] of the shelf then [s1, s2] of the high-pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Energy(in Biquad shelf, in Biquad hp, Span<double> state, ReadOnlySpan<float> samples, int offset, int stride)
    {
        double s1a = state[0], s2a = state[1], s1b = state[2], s2b = state[3];
        var sum = 0.0;
        var frames = samples.Length / stride;
        ref var s = ref MemoryMarshal.GetReference(samples);
        for (var f = 0; f < frames; f++)
        {
            double x = Unsafe.Add(ref s, (f * stride) + offset);
            var y = (shelf.B0 * x) + s1a;
            s1a = (shelf.B1 * x) - (shelf.A1 * y) + s2a;
            s2a = (shelf.B2 * x) - (shelf.A2 * y);
            var z = (hp.B0 * y) + s1b;
            s1b = (hp.B1 * y) - (hp.A1 * z) + s2b;
            s2b = (hp.B2 * y) - (hp.A2 * z);
            sum += z * z;
        }

        state[0] = s1a;
        state[1] = s2a;
        state[2] = s1b;
        state[3] = s2b;
        return sum;
    }

    /// <summary>
    /// The same for two channels at once, one per lane of a <see cref="Vector128{T}"/>: the filter
    /// recurrences are latency-bound, so the two channels share the chain's latency. Per lane
    /// the arithmetic is exactly that of <see cref="Energy"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double A, double B) EnergyPair(in Biquad shelf, in Biquad hp, Span<double> stateA, Span<double> stateB, ReadOnlySpan<float> samples, int offsetA, int offsetB, int stride)
    {
        var s1a = Vector128.Create(stateA[0], stateB[0]);
        var s2a = Vector128.Create(stateA[1], stateB[1]);
        var s1b = Vector128.Create(stateA[2], stateB[2]);
        var s2b = Vector128.Create(stateA[3], stateB[3]);
        var b0 = Vector128.Create(shelf.B0);
        var b1 = Vector128.Create(shelf.B1);
        var b2 = Vector128.Create(shelf.B2);
        var a1 = Vector128.Create(shelf.A1);
        var a2 = Vector128.Create(shelf.A2);
        var hb0 = Vector128.Create(hp.B0);
        var hb1 = Vector128.Create(hp.B1);
        var hb2 = Vector128.Create(hp.B2);
        var ha1 = Vector128.Create(hp.A1);
        var ha2 = Vector128.Create(hp.A2);
        var sum = Vector128<double>.Zero;
        var frames = samples.Length / stride;
        ref var s = ref MemoryMarshal.GetReference(samples);
        for (var f = 0; f < frames; f++)
        {
            ref var frame = ref Unsafe.Add(ref s, f * stride);
            var x = Vector128.Create((double)Unsafe.Add(ref frame, offsetA), Unsafe.Add(ref frame, offsetB));
            var y = (b0 * x) + s1a;
            s1a = (b1 * x) - (a1 * y) + s2a;
            s2a = (b2 * x) - (a2 * y);
            var z = (hb0 * y) + s1b;
            s1b = (hb1 * y) - (ha1 * z) + s2b;
            s2b = (hb2 * y) - (ha2 * z);
            sum += z * z;
        }

        (stateA[0], stateB[0]) = (s1a.GetElement(0), s1a.GetElement(1));
        (stateA[1], stateB[1]) = (s2a.GetElement(0), s2a.GetElement(1));
        (stateA[2], stateB[2]) = (s1b.GetElement(0), s1b.GetElement(1));
        (stateA[3], stateB[3]) = (s2b.GetElement(0), s2b.GetElement(1));
        return (sum.GetElement(0), sum.GetElement(1));
    }

    /// <summary>
    /// BS.1770 channel weight: 1.0, except in 5.1 and wider layouts (L R C LFE Ls Rs ...) where
    /// the LFE (index 3) is excluded and the surround channels (index 4 and up) weigh 1.41.
    /// </summary>
    public static double ChannelWeight(int channel, int channels) =>
        channels >= 6
            ? channel switch
            {
                3 => 0.0,
                >= 4 => 1.41,
                _ => 1.0,
            }
            : 1.0;
}

/// <summary>
/// Loudness per ITU-R BS.1770-4 (integrated, gated) and EBU Tech 3342 (loudness range), plus the
/// short-term loudness spread, all from 100 ms segments of channel-weighted K-weighted energy.
/// </summary>
internal static class Loudness
{
    public const double AbsoluteGateLufs = -70.0;

    private static double ToLufs(double meanSquare) =>
        meanSquare > 0.0 ? -0.691 + (10.0 * Math.Log10(meanSquare)) : double.NegativeInfinity;

    /// <summary>
    /// Mean-square K-weighted energies of windows of <paramref name="len"/> segments, starting every
    /// <paramref name="step"/> segments; each window summed afresh (no sliding-sum drift).
    /// </summary>
    private static List<double> Windows(ReadOnlySpan<double> segments, int segmentLen, int len, int step)
    {
        var output = new List<double>();
        if (segments.Length < len)
        {
            return output;
        }

        var norm = 1.0 / ((double)len * segmentLen);
        for (var start = 0; start + len <= segments.Length; start += step)
        {
            var acc = 0.0;
            foreach (var e in segments.Slice(start, len))
            {
                acc += e;
            }

            output.Add(acc * norm);
        }

        return output;
    }

    /// <summary>
    /// BS.1770-4 integrated loudness: 400 ms blocks with 75 % overlap, absolute gate -70 LUFS,
    /// relative gate -10 LU. -70.0 when no block passes the gates.
    /// </summary>
    public static double Integrated(ReadOnlySpan<double> segments, int segmentLen)
    {
        var gated = Windows(segments, segmentLen, 4, 1).Where(z => ToLufs(z) > AbsoluteGateLufs).ToList();
        if (gated.Count == 0)
        {
            return AbsoluteGateLufs;
        }

        var relativeGate = ToLufs(SequentialSum(gated) / gated.Count) - 10.0;
        var (sum, count) = (0.0, 0);
        foreach (var z in gated)
        {
            if (ToLufs(z) > relativeGate)
            {
                sum += z;
                count++;
            }
        }

        return count == 0 ? AbsoluteGateLufs : Math.Max(ToLufs(sum / count), AbsoluteGateLufs);
    }

    /// <summary>
    /// EBU Tech 3342 loudness range: short-term loudness (3 s windows every 100 ms), absolute gate
    /// -70 LUFS, relative gate -20 LU below the power mean, 95th minus 10th percentile.
    /// </summary>
    public static double Range(ReadOnlySpan<double> segments, int segmentLen)
    {
        var gated = Windows(segments, segmentLen, 30, 1).Where(z => ToLufs(z) > AbsoluteGateLufs).ToList();
        if (gated.Count == 0)
        {
            return 0.0;
        }

        var relativeGate = ToLufs(SequentialSum(gated) / gated.Count) - 20.0;
        var levels = gated.Select(ToLufs).Where(l => l > relativeGate).ToArray();
        if (levels.Length < 2)
        {
            return 0.0;
        }

        Array.Sort(levels);
        double Percentile(double p) => levels[(int)Rounding.HalfAwayFromZero((levels.Length - 1) * p)];
        return Math.Max(Percentile(0.95) - Percentile(0.10), 0.0);
    }

    /// <summary>
    /// Population standard deviation of the short-term loudness (3 s windows every 1 s) over the
    /// windows above the absolute gate; 0 with fewer than two such windows.
    /// </summary>
    public static double ShortTermStd(ReadOnlySpan<double> segments, int segmentLen)
    {
        var levels = Windows(segments, segmentLen, 30, 10).Select(ToLufs).Where(l => l > AbsoluteGateLufs).ToList();
        return PopulationStd(levels);
    }

    /// <summary>
    /// Version 2 of loudness_variation_std: as <see cref="ShortTermStd"/>, over the windows that
    /// also pass a relative gate 20 LU below the track's integrated loudness
    /// (<paramref name="integratedLufs"/>, BS.1770 gated). A gain moves every window and the gate
    /// together, so the value is the same whatever the level (version 1 let a fade's tail in or
    /// out as the level changed). The reference is the gated integrated loudness rather than the
    /// mean of the windows above -70 LUFS, because that mean depends on how many quiet windows
    /// pass the absolute gate: a fade would move it by most of a dB between levels and flip
    /// windows near the gate.
    /// </summary>
    public static double ShortTermStdGated(ReadOnlySpan<double> segments, int segmentLen, double integratedLufs)
    {
        var relativeGate = integratedLufs - 20.0;
        var levels = Windows(segments, segmentLen, 30, 10).Select(ToLufs).Where(l => l > AbsoluteGateLufs && l > relativeGate).ToList();
        return PopulationStd(levels);
    }

    /// <summary>Population standard deviation; 0 with fewer than two values.</summary>
    private static double PopulationStd(List<double> levels)
    {
        if (levels.Count < 2)
        {
            return 0.0;
        }

        var mean = SequentialSum(levels) / levels.Count;
        var variance = 0.0;
        foreach (var l in levels)
        {
            variance += (l - mean) * (l - mean);
        }

        return Math.Sqrt(variance / levels.Count);
    }

    /// <summary>Left-to-right f64 sum (LINQ's Sum may vectorize and reorder).</summary>
    private static double SequentialSum(List<double> values)
    {
        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum;
    }
}

/// <summary>Rounding as Rust's <c>f64::round</c>: halves away from zero (Math.Round's default is to even).</summary>
internal static class Rounding
{
    public static double HalfAwayFromZero(double x) => Math.Round(x, MidpointRounding.AwayFromZero);
}
