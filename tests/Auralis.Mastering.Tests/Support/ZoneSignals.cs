using Auralis.Mastering.Measurement;

namespace Auralis.Mastering.Tests.Support;

/// <summary>
/// Deterministic programme material for each LWRP zone (44.1 kHz stereo), scaled to a loudness
/// with the BS.1770 meter (itself checked against EBU Tech 3341 in LoudnessMeterTests).
/// </summary>
internal static class ZoneSignals
{
    public const int Rate = 44_100;

    /// <summary>Quiet and dynamic: decaying noise bursts (drum-like, 120 BPM) over a soft tone bed, about -22 LUFS, crest about 15 dB.</summary>
    public static float[] QuietDynamic(double seconds = 20, double lufs = -22.0, ulong seed = 1)
    {
        var rng = new Rng(seed);
        var frames = (int)(seconds * Rate);
        var x = new float[frames * 2];
        double n1 = 0, n2 = 0;
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var beat = t % 0.5;
            var hit = Math.Exp(-beat / 0.04) * (i / (Rate / 2) % 4 == 0 ? 1.0 : 0.5);
            var bed = (0.05 * Math.Sin(2 * Math.PI * 220 * t)) + (0.03 * Math.Sin(2 * Math.PI * 330 * t));
            // Noise tilted down above ~3.5 kHz, as music is.
            n1 += 0.5 * (rng.Gaussian() - n1);
            n2 += 0.5 * (rng.Gaussian() - n2);
            x[2 * i] = (float)((0.12 * hit * n1) + bed + (0.004 * n2));
            x[(2 * i) + 1] = (float)((0.12 * hit * ((0.7 * n1) + (0.3 * n2))) + bed + (0.004 * n1));
        }

        return ScaleTo(x, lufs);
    }

    /// <summary>Loud and squashed: beat-shaped noise driven hard into a tanh clipper, about -8 LUFS, crest about 8 dB.</summary>
    public static float[] CompressedLoud(double seconds = 20, double lufs = -8.0, ulong seed = 2)
    {
        var rng = new Rng(seed);
        var frames = (int)(seconds * Rate);
        var x = new float[frames * 2];
        double lp1 = 0, lp2 = 0;
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var beat = t % 0.5;
            var envelope = 0.35 + Math.Exp(-beat / 0.06);
            // Slightly low-passed noise: more like a mix than white noise.
            lp1 += 0.5 * (rng.Gaussian() - lp1);
            lp2 += 0.5 * (rng.Gaussian() - lp2);
            var bass = 0.8 * Math.Sin(2 * Math.PI * 55 * t) * envelope;
            x[2 * i] = (float)Math.Tanh(1.0 * ((envelope * lp1) + bass));
            x[(2 * i) + 1] = (float)Math.Tanh(1.0 * ((envelope * ((0.8 * lp1) + (0.2 * lp2))) + bass));
        }

        return ScaleTo(x, lufs);
    }

    /// <summary>
    /// Loud but dynamic: a bright noise bed with sparse 2 kHz transients, -10 LUFS, crest about
    /// 15 dB, sample peak about -1 dBFS (a white bed: K-weighting makes it loud for its RMS).
    /// </summary>
    public static float[] DynamicLoud(double seconds = 20, double lufs = -10.0, ulong seed = 3)
    {
        var rng = new Rng(seed);
        var frames = (int)(seconds * Rate);
        var x = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var sinceHit = t % 0.75;
            var hit = sinceHit < 0.002 ? 1.0 : Math.Exp(-(sinceHit - 0.002) / 0.004);
            var n1 = rng.Gaussian();
            var n2 = rng.Gaussian();
            x[2 * i] = (float)((0.12 * n1) + (hit * 0.2 * Math.Sin(2 * Math.PI * 2000 * sinceHit)));
            x[(2 * i) + 1] = (float)((0.12 * ((0.6 * n1) + (0.4 * n2))) + (hit * 0.2 * Math.Sin(2 * Math.PI * 2000 * sinceHit)));
        }

        return ScaleTo(x, lufs);
    }

    /// <summary>Music-like material whose loudness changes by section (for the sampled measurement).</summary>
    public static float[] Sections(double seconds, ulong seed = 4)
    {
        var rng = new Rng(seed);
        var frames = (int)(seconds * Rate);
        var x = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            var section = (int)(t / 7.3) % 4;
            var level = section switch { 0 => 0.05, 1 => 0.2, 2 => 0.1, _ => 0.3 };
            var beat = t % 0.5;
            var hit = Math.Exp(-beat / 0.05);
            var n = rng.Gaussian();
            x[2 * i] = (float)(level * ((0.5 * n * hit) + (0.5 * Math.Sin(2 * Math.PI * 110 * t))));
            x[(2 * i) + 1] = (float)(level * ((0.5 * n * hit) + (0.5 * Math.Sin(2 * Math.PI * 165 * t))));
        }

        return x;
    }

    public static ProgrammeMeasurement Measure(float[] interleaved, int channels = 2, int rate = Rate)
    {
        var meter = new ProgrammeMeter(rate, channels);
        meter.Push(interleaved);
        return meter.Finish();
    }

    public static float[] ScaleTo(float[] x, double lufs)
    {
        var measured = Measure(x).IntegratedLufs;
        var gain = (float)Math.Pow(10, (lufs - measured) / 20);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] *= gain;
        }

        return x;
    }

    /// <summary>xorshift64* with Box-Muller: the same numbers on every machine.</summary>
    internal sealed class Rng(ulong seed)
    {
        private ulong _state = seed * 0x9E3779B97F4A7C15UL | 1;

        public double Uniform()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return ((_state * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
        }

        public double Gaussian()
        {
            var u1 = Math.Max(Uniform(), 1e-300);
            var u2 = Uniform();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
    }
}
