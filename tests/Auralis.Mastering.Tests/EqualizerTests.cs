using Auralis.Mastering.Dsp;

namespace Auralis.Mastering.Tests;

/// <summary>RBJ cookbook filters, the five-band EQ built from them, and the limiter's band limit.</summary>
public sealed class EqualizerTests
{
    private const int Rate = 44_100;

    [Theory]
    [InlineData(400, 0.67, 6.0)]
    [InlineData(1549, 0.7, -4.5)]
    [InlineData(4899, 0.98, 2.0)]
    public void Peaking_filter_has_its_gain_at_the_centre_and_unity_at_dc_and_nyquist(double f0, double q, double gain)
    {
        var k = BiquadDesign.Peaking(Rate, f0, q, gain);
        Assert.Equal(gain, k.MagnitudeDb(f0, Rate), 9);
        Assert.Equal(0.0, k.MagnitudeDb(0, Rate), 9);
        Assert.Equal(0.0, k.MagnitudeDb(Rate / 2.0, Rate), 9);
    }

    [Theory]
    [InlineData(2.5)]
    [InlineData(-3.0)]
    public void Shelves_reach_full_gain_on_their_side_and_half_of_it_at_the_corner(double gain)
    {
        var low = BiquadDesign.LowShelf(Rate, 200, 1.0, gain);
        Assert.Equal(gain, low.MagnitudeDb(0, Rate), 9);
        Assert.Equal(gain / 2, low.MagnitudeDb(200, Rate), 9);
        Assert.Equal(0.0, low.MagnitudeDb(Rate / 2.0, Rate), 9);
        var high = BiquadDesign.HighShelf(Rate, 8000, 1.0, gain);
        Assert.Equal(gain, high.MagnitudeDb(Rate / 2.0, Rate), 9);
        Assert.Equal(gain / 2, high.MagnitudeDb(8000, Rate), 9);
        Assert.Equal(0.0, high.MagnitudeDb(0, Rate), 9);
    }

    [Fact]
    public void Eq_bands_sit_on_the_documented_frequencies()
    {
        var bands = Equalizer.Design(Rate, new EqGains(1, 2, 3, 4, 5));
        Assert.Equal(0.5, bands[0].MagnitudeDb(Equalizer.LowShelfHz, Rate), 9);
        Assert.Equal(2.0, bands[1].MagnitudeDb(Math.Sqrt(200 * 800), Rate), 9);
        Assert.Equal(3.0, bands[2].MagnitudeDb(Math.Sqrt(800 * 3000), Rate), 9);
        Assert.Equal(4.0, bands[3].MagnitudeDb(Math.Sqrt(3000 * 8000), Rate), 9);
        Assert.Equal(2.5, bands[4].MagnitudeDb(Equalizer.HighShelfHz, Rate), 9);
    }

    /// <summary>A tone's steady-state gain through the streaming EQ equals the analytic response of its bands.</summary>
    [Theory]
    [InlineData(60.0)]
    [InlineData(440.0)]
    [InlineData(2000.0)]
    [InlineData(12000.0)]
    public void Streaming_eq_gain_on_a_tone_equals_the_analytic_response(double frequency)
    {
        var gains = MasteringPresets.Warm.Eq;
        var expected = Equalizer.Design(Rate, gains).Sum(k => k.MagnitudeDb(frequency, Rate));
        var x = Tone(frequency, Rate, 2);
        var y = (float[])x.Clone();
        var eq = Equalizer.Create(Rate, 2, gains, blockFrames: 1000);
        eq.Process(y);
        // Skip the first second (the filters' transient), compare RMS.
        var measured = 20 * Math.Log10(Rms(y.AsSpan(2 * Rate)) / Rms(x.AsSpan(2 * Rate)));
        Assert.Equal(expected, measured, 2);
    }

    [Fact]
    public void Zero_gain_eq_passes_audio_bit_exactly()
    {
        var eq = Equalizer.Create(Rate, 2, new EqGains(0, 0, 0, 0, 0));
        Assert.True(eq.IsIdentity);
        var x = Tone(1000, Rate, 2);
        var y = (float[])x.Clone();
        eq.Process(y);
        Assert.Equal(x, y);
    }

    /// <summary>The stereo path (two channels in one vector) computes what the per-channel path computes.</summary>
    [Fact]
    public void Stereo_vector_path_equals_the_per_channel_path()
    {
        var gains = MasteringPresets.Bright.Eq;
        var stereo = Tone(3000, Rate, 2);
        for (var i = 1; i < stereo.Length; i += 2)
        {
            stereo[i] *= -0.5f;
        }

        var left = new float[stereo.Length / 2];
        var right = new float[stereo.Length / 2];
        for (var i = 0; i < left.Length; i++)
        {
            (left[i], right[i]) = (stereo[2 * i], stereo[(2 * i) + 1]);
        }

        Equalizer.Create(Rate, 2, gains).Process(stereo);
        Equalizer.Create(Rate, 1, gains).Process(left);
        Equalizer.Create(Rate, 1, gains).Process(right);
        for (var i = 0; i < left.Length; i++)
        {
            Assert.Equal(left[i], stereo[2 * i]);
            Assert.Equal(right[i], stereo[(2 * i) + 1]);
        }
    }

    [Fact]
    public void Band_limit_is_flat_in_the_audible_band_and_cuts_near_nyquist()
    {
        var sections = BandLimit.Design(Rate);
        double Response(double f) => sections.Sum(k => k.MagnitudeDb(f, Rate));
        Assert.InRange(Response(10_000), -0.01, 0.0);
        Assert.InRange(Response(16_000), -0.25, 0.0);
        Assert.Equal(-3.01, Response(0.9 * Rate / 2), 1);
        Assert.True(Response(21_800) < -20);
    }

    /// <summary>So the limiter need not compensate it: its latency is whole frames of pure delay.</summary>
    [Theory]
    [InlineData(22_050)]
    [InlineData(44_100)]
    [InlineData(96_000)]
    public void Band_limit_delays_low_and_mid_frequencies_by_under_half_a_frame(int rate)
    {
        var delay = BandLimit.Design(rate).Sum(k => k.GroupDelay(1000.0 * rate / 44_100, rate));
        Assert.InRange(delay, 0.0, 0.5);
    }

    internal static float[] Tone(double frequency, int rate, double seconds, double amplitude = 0.5)
    {
        var frames = (int)(rate * seconds);
        var x = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            x[2 * i] = x[(2 * i) + 1] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / rate));
        }

        return x;
    }

    internal static double Rms(ReadOnlySpan<float> x)
    {
        var sum = 0.0;
        foreach (var v in x)
        {
            sum += (double)v * v;
        }

        return Math.Sqrt(sum / x.Length);
    }
}
