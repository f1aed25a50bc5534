using Auralis.Mastering.Dsp;
using Auralis.Mastering.Tests.Support;

namespace Auralis.Mastering.Tests;

/// <summary>The compressor (quiet material) and the LWRP expander (compressed loud material).</summary>
public sealed class DynamicsTests
{
    private const int Rate = 44_100;

    /// <summary>A square wave: |x| is constant, so the peak detector sees a steady level.</summary>
    private static float[] Square(double amplitude, double seconds, int rate = Rate)
    {
        var frames = (int)(seconds * rate);
        var x = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            x[2 * i] = x[(2 * i) + 1] = (float)((i / 50 % 2 == 0 ? 1 : -1) * amplitude);
        }

        return x;
    }

    private static double Db(double linear) => 20 * Math.Log10(linear);

    [Fact]
    public void Compressor_static_curve_has_slope_one_over_ratio_above_the_knee_and_a_soft_knee()
    {
        var c = new Compressor(Rate, 2, new CompressorSettings(4, -20, 10, 100));
        Assert.Equal(0.0, c.StaticGainDb(-30));
        Assert.Equal(0.0, c.StaticGainDb(-23.0));
        Assert.Equal(-0.75 * 10, c.StaticGainDb(-10), 12); // 10 dB over: output rises 2.5 dB
        Assert.Equal(-0.75 * 6 / 8, c.StaticGainDb(-20), 12); // at the threshold: slope * W / 8
        // Continuous at the knee edges.
        Assert.Equal(c.StaticGainDb(-17.0 + 1e-9), c.StaticGainDb(-17.0 - 1e-9), 6);
    }

    [Fact]
    public void Compressor_settles_on_the_static_curve_for_a_steady_level()
    {
        var c = new Compressor(Rate, 2, new CompressorSettings(4, -20, 10, 100));
        var x = Square(0.5, 2);
        c.Process(x);
        var expected = 0.5 * Math.Pow(10, c.StaticGainDb(Db(0.5)) / 20);
        Assert.Equal(Db(expected), Db(Math.Abs(x[^1])), 3);
    }

    [Fact]
    public void Compressor_attack_and_release_follow_their_time_constants()
    {
        var settings = new CompressorSettings(4, -20, 20, 200);
        var c = new Compressor(Rate, 2, settings);
        var loud = Square(0.5, 0.02); // exactly the attack time
        c.Process(loud);
        var final = c.StaticGainDb(Db(0.5));
        Assert.Equal(1 - Math.Exp(-1), c.GainDb / final, 2);

        c.Process(Square(0.5, 2)); // settle
        c.Process(new float[2 * (int)(0.2 * Rate)]); // silence for the release time
        Assert.Equal(Math.Exp(-1), c.GainDb / final, 2);
    }

    [Fact]
    public void Compressor_detector_is_linked_so_both_channels_get_the_same_gain()
    {
        var c = new Compressor(Rate, 2, new CompressorSettings(3, -30, 5, 50));
        var x = Square(0.8, 1);
        for (var i = 1; i < x.Length; i += 2)
        {
            x[i] *= 0.01f; // a quiet right channel
        }

        var original = (float[])x.Clone();
        c.Process(x);
        for (var i = x.Length - 200; i < x.Length; i += 2)
        {
            Assert.Equal(x[i] / original[i], x[i + 1] / original[i + 1], 4);
        }

        Assert.True(x[^2] / original[^2] < 0.5, "the loud channel is compressed");
    }

    [Fact]
    public void Expander_with_factor_zero_only_applies_the_trim()
    {
        var e = new TransientExpander(Rate, 2, 0.0, -0.5);
        var x = ZoneSignals.CompressedLoud(2);
        var y = (float[])x.Clone();
        e.Process(y);
        var trim = Math.Pow(10, -0.5 / 20);
        for (var i = 0; i < x.Length; i++)
        {
            Assert.Equal(x[i] * trim, y[i], 1e-6 * Math.Abs(x[i]));
        }
    }

    [Fact]
    public void Expander_gain_stays_within_plus_minus_six_db_whatever_the_input()
    {
        var e = new TransientExpander(Rate, 2, 1.3, 0.0);
        // Silence, then full-scale bursts: the envelopes differ by far more than 6 dB / e.
        var x = new float[2 * Rate];
        for (var i = Rate / 2; i < x.Length / 2; i++)
        {
            x[2 * i] = x[(2 * i) + 1] = (i / 2000 % 2 == 0) ? 0.9f * MathF.Sin(i * 0.1f) : 0.001f * MathF.Sin(i * 0.1f);
        }

        var y = (float[])x.Clone();
        e.Process(y);
        var max = Math.Pow(10, TransientExpander.MaxGainDb / 20);
        for (var i = 0; i < x.Length; i++)
        {
            if (Math.Abs(x[i]) > 1e-4)
            {
                var g = y[i] / x[i];
                Assert.InRange(g, (1 / max) - 1e-5, max + 1e-5);
            }
        }
    }

    [Fact]
    public void Expander_raises_the_onset_of_a_note_and_lowers_its_decay()
    {
        var e = new TransientExpander(Rate, 1, 0.45, 0.0);
        var x = new float[Rate];
        for (var i = 0; i < x.Length; i++)
        {
            var t = (i - (Rate / 4)) / (double)Rate;
            x[i] = t < 0 ? 0.01f * MathF.Sin(i * 0.3f) : (float)(0.5 * Math.Exp(-t / 0.15) * Math.Sin(i * 0.3));
        }

        var y = (float[])x.Clone();
        e.Process(y);
        double Gain(int from, int to) => EqualizerTests.Rms(y.AsSpan(from, to - from)) / EqualizerTests.Rms(x.AsSpan(from, to - from));
        var onset = Rate / 4;
        Assert.True(Db(Gain(onset, onset + 441)) > 1.0, $"onset gain {Db(Gain(onset, onset + 441)):F2} dB");
        Assert.True(Db(Gain(onset + 13230, onset + 17640)) < -0.5, $"decay gain {Db(Gain(onset + 13230, onset + 17640)):F2} dB");
    }

    [Fact]
    public void Expander_raises_the_crest_factor_of_compressed_loud_material()
    {
        var x = ZoneSignals.CompressedLoud(10);
        var before = ZoneSignals.Measure(x).CrestDb;
        var decision = Lwrp.Decide(ZoneSignals.Measure(x).IntegratedLufs, before);
        Assert.Equal(LwrpZone.CompressedLoud, decision.Zone);
        var e = new TransientExpander(Rate, 2, decision.Expansion, decision.TrimDb);
        e.Process(x);
        var after = ZoneSignals.Measure(x).CrestDb;
        Assert.True(after > before + 1.0, $"crest {before:F2} dB -> {after:F2} dB");
    }
}
