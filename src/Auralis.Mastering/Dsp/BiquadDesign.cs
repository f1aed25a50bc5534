namespace Auralis.Mastering.Dsp;

/// <summary>Normalized biquad coefficients (a0 = 1): y = b0 x + b1 x1 + b2 x2 - a1 y1 - a2 y2.</summary>
internal readonly record struct BiquadCoefficients(double B0, double B1, double B2, double A1, double A2)
{
    public static BiquadCoefficients Identity => new(1, 0, 0, 0, 0);

    /// <summary>|H(e^jw)| in dB at <paramref name="frequency"/> Hz, evaluated from the coefficients.</summary>
    public double MagnitudeDb(double frequency, double sampleRate)
    {
        var w = 2.0 * Math.PI * frequency / sampleRate;
        var z1 = new System.Numerics.Complex(Math.Cos(-w), Math.Sin(-w));
        var z2 = z1 * z1;
        var h = (B0 + (B1 * z1) + (B2 * z2)) / (1.0 + (A1 * z1) + (A2 * z2));
        return 20.0 * Math.Log10(h.Magnitude);
    }

    /// <summary>Phase of H(e^jw) in radians at <paramref name="frequency"/> Hz.</summary>
    public double Phase(double frequency, double sampleRate)
    {
        var w = 2.0 * Math.PI * frequency / sampleRate;
        var z1 = new System.Numerics.Complex(Math.Cos(-w), Math.Sin(-w));
        var z2 = z1 * z1;
        return ((B0 + (B1 * z1) + (B2 * z2)) / (1.0 + (A1 * z1) + (A2 * z2))).Phase;
    }

    /// <summary>Group delay -d(phase)/dw in samples at <paramref name="frequency"/> Hz (numerical derivative).</summary>
    public double GroupDelay(double frequency, double sampleRate)
    {
        const double Step = 0.01; // Hz
        var dPhase = Phase(frequency + Step, sampleRate) - Phase(frequency - Step, sampleRate);
        var dOmega = 2.0 * Math.PI * 2.0 * Step / sampleRate;
        return -dPhase / dOmega;
    }
}

/// <summary>
/// Robert Bristow-Johnson's "Audio EQ Cookbook" filters: peaking EQ and shelves with shelf slope S.
/// </summary>
internal static class BiquadDesign
{
    public static BiquadCoefficients Peaking(double sampleRate, double frequency, double q, double gainDb)
    {
        var a = Math.Pow(10.0, gainDb / 40.0);
        var w0 = 2.0 * Math.PI * frequency / sampleRate;
        var cos = Math.Cos(w0);
        var alpha = Math.Sin(w0) / (2.0 * q);
        var a0 = 1.0 + (alpha / a);
        return new BiquadCoefficients(
            (1.0 + (alpha * a)) / a0,
            -2.0 * cos / a0,
            (1.0 - (alpha * a)) / a0,
            -2.0 * cos / a0,
            (1.0 - (alpha / a)) / a0);
    }

    public static BiquadCoefficients LowPass(double sampleRate, double frequency, double q)
    {
        var w0 = 2.0 * Math.PI * frequency / sampleRate;
        var cos = Math.Cos(w0);
        var alpha = Math.Sin(w0) / (2.0 * q);
        var a0 = 1.0 + alpha;
        return new BiquadCoefficients(
            (1.0 - cos) / 2.0 / a0,
            (1.0 - cos) / a0,
            (1.0 - cos) / 2.0 / a0,
            -2.0 * cos / a0,
            (1.0 - alpha) / a0);
    }

    public static BiquadCoefficients LowShelf(double sampleRate, double frequency, double slope, double gainDb)
    {
        var a = Math.Pow(10.0, gainDb / 40.0);
        var w0 = 2.0 * Math.PI * frequency / sampleRate;
        var cos = Math.Cos(w0);
        var alpha = Math.Sin(w0) / 2.0 * Math.Sqrt(((a + (1.0 / a)) * ((1.0 / slope) - 1.0)) + 2.0);
        var twoSqrtAAlpha = 2.0 * Math.Sqrt(a) * alpha;
        var a0 = (a + 1.0) + ((a - 1.0) * cos) + twoSqrtAAlpha;
        return new BiquadCoefficients(
            a * ((a + 1.0) - ((a - 1.0) * cos) + twoSqrtAAlpha) / a0,
            2.0 * a * ((a - 1.0) - ((a + 1.0) * cos)) / a0,
            a * ((a + 1.0) - ((a - 1.0) * cos) - twoSqrtAAlpha) / a0,
            -2.0 * ((a - 1.0) + ((a + 1.0) * cos)) / a0,
            ((a + 1.0) + ((a - 1.0) * cos) - twoSqrtAAlpha) / a0);
    }

    public static BiquadCoefficients HighShelf(double sampleRate, double frequency, double slope, double gainDb)
    {
        var a = Math.Pow(10.0, gainDb / 40.0);
        var w0 = 2.0 * Math.PI * frequency / sampleRate;
        var cos = Math.Cos(w0);
        var alpha = Math.Sin(w0) / 2.0 * Math.Sqrt(((a + (1.0 / a)) * ((1.0 / slope) - 1.0)) + 2.0);
        var twoSqrtAAlpha = 2.0 * Math.Sqrt(a) * alpha;
        var a0 = (a + 1.0) - ((a - 1.0) * cos) + twoSqrtAAlpha;
        return new BiquadCoefficients(
            a * ((a + 1.0) + ((a - 1.0) * cos) + twoSqrtAAlpha) / a0,
            -2.0 * a * ((a - 1.0) + ((a + 1.0) * cos)) / a0,
            a * ((a + 1.0) + ((a - 1.0) * cos) - twoSqrtAAlpha) / a0,
            2.0 * ((a - 1.0) - ((a + 1.0) * cos)) / a0,
            ((a + 1.0) - ((a - 1.0) * cos) - twoSqrtAAlpha) / a0);
    }
}
