namespace Auralis.Mastering.Tests.Support;

/// <summary>
/// An independent true-peak reference for the tests: 32x oversampling with a long (+-64 taps)
/// Kaiser-windowed sinc in f64 - far finer than the product's 4x, 12-tap detector. To stay fast
/// it interpolates only the intervals next to samples within 6 dB of the current maximum
/// (an intersample peak more than 6 dB above both neighbours needs a pathological signal).
/// </summary>
internal static class ReferenceTruePeak
{
    private const int HalfTaps = 64;
    private const int Oversampling = 32;
    private const double Beta = 12.0;

    private static readonly double[][] Phases = Design();

    /// <summary>True peak (linear) over all channels.</summary>
    public static double Linear(ReadOnlySpan<float> interleaved, int channels)
    {
        var frames = interleaved.Length / channels;
        var samplePeak = 0.0;
        foreach (var v in interleaved)
        {
            samplePeak = Math.Max(samplePeak, Math.Abs(v));
        }

        var peak = samplePeak;
        var threshold = samplePeak / 2.0;
        for (var c = 0; c < channels; c++)
        {
            for (var n = 0; n < frames; n++)
            {
                if (Math.Abs(interleaved[(n * channels) + c]) < threshold)
                {
                    continue;
                }

                // The intervals (n-1, n) and (n, n+1).
                for (var start = n - 1; start <= n; start++)
                {
                    for (var p = 1; p < Oversampling; p++)
                    {
                        var acc = 0.0;
                        var taps = Phases[p];
                        for (var k = 0; k < taps.Length; k++)
                        {
                            var idx = start - HalfTaps + 1 + k;
                            if (idx >= 0 && idx < frames)
                            {
                                acc += taps[k] * interleaved[(idx * channels) + c];
                            }
                        }

                        peak = Math.Max(peak, Math.Abs(acc));
                    }
                }
            }
        }

        return peak;
    }

    public static double Dbtp(ReadOnlySpan<float> interleaved, int channels)
    {
        var linear = Linear(interleaved, channels);
        return linear > 0 ? 20 * Math.Log10(linear) : -200;
    }

    /// <summary>Phase p estimates x(start + p/32) from x[start - 63 .. start + 64].</summary>
    private static double[][] Design()
    {
        var phases = new double[Oversampling][];
        for (var p = 1; p < Oversampling; p++)
        {
            var f = (double)p / Oversampling;
            var taps = new double[2 * HalfTaps];
            for (var k = 0; k < taps.Length; k++)
            {
                var d = (k - HalfTaps + 1) - f;
                var r = d / (HalfTaps + 0.5);
                var w = BesselI0(Beta * Math.Sqrt(Math.Max(0, 1 - (r * r)))) / BesselI0(Beta);
                taps[k] = Math.Sin(Math.PI * d) / (Math.PI * d) * w;
            }

            phases[p] = taps;
        }

        return phases;
    }

    private static double BesselI0(double x)
    {
        double sum = 1, term = 1;
        for (var k = 1; k < 80; k++)
        {
            term *= x / (2.0 * k) * (x / (2.0 * k));
            sum += term;
        }

        return sum;
    }
}
