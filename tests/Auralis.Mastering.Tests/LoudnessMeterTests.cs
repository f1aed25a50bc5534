using Auralis.Mastering.Measurement;
using Auralis.Mastering.Tests.Support;

namespace Auralis.Mastering.Tests;

/// <summary>The streaming BS.1770 meter against EBU Tech 3341 and libebur128, and the crest factor.</summary>
public sealed class LoudnessMeterTests
{
    private const int Rate = 48_000;

    /// <summary>1 kHz stereo sine segments (dBFS, seconds), as in EBU Tech 3341.</summary>
    private static float[] Segments(params (double Dbfs, double Seconds)[] parts)
    {
        var samples = new List<float>();
        var n = 0;
        foreach (var (dbfs, seconds) in parts)
        {
            var a = Math.Pow(10, dbfs / 20);
            for (var i = 0; i < (int)(seconds * Rate); i++, n++)
            {
                var v = (float)(a * Math.Sin(2 * Math.PI * 1000 * n / Rate));
                samples.Add(v);
                samples.Add(v);
            }
        }

        return [.. samples];
    }

    public static TheoryData<int, double> Ebu3341() => new()
    {
        { 1, -23.0 },
        { 2, -33.0 },
        { 3, -23.0 },
        { 4, -23.0 },
        { 5, -23.0 },
    };

    [Theory]
    [MemberData(nameof(Ebu3341))]
    public void Integrated_loudness_meets_ebu_tech_3341_cases(int testCase, double expected)
    {
        var signal = testCase switch
        {
            1 => Segments((-23, 20)),
            2 => Segments((-33, 20)),
            3 => Segments((-36, 10), (-23, 60), (-36, 10)),
            4 => Segments((-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)),
            _ => Segments((-26, 20), (-20, 20.1), (-26, 20)),
        };
        var meter = new LoudnessMeter(Rate, 2);
        // Odd block sizes: segments must not depend on how the audio arrives.
        for (var i = 0; i < signal.Length; i += 2 * 3001)
        {
            meter.Push(signal.AsSpan(i, Math.Min(2 * 3001, signal.Length - i)));
        }

        Assert.Equal(expected, meter.IntegratedLufs(), 1);
    }

    [Fact]
    public void Integrated_loudness_matches_libebur128_on_programme_material()
    {
        foreach (var x in new[] { ZoneSignals.QuietDynamic(10), ZoneSignals.CompressedLoud(10), ZoneSignals.DynamicLoud(10) })
        {
            var ours = ZoneSignals.Measure(x).IntegratedLufs;
            var (reference, _) = LibEbur128.LoudnessAndTruePeak(x, ZoneSignals.Rate, 2);
            Assert.True(Math.Abs(ours - reference) <= 0.05, $"ours {ours:F3} vs libebur128 {reference:F3}");
        }
    }

    [Fact]
    public void Silence_reads_minus_70_and_a_break_keeps_blocks_from_spanning_the_gap()
    {
        var meter = new LoudnessMeter(Rate, 2);
        meter.Push(new float[2 * Rate]);
        Assert.Equal(-70.0, meter.IntegratedLufs());

        // Two separate 1 s windows of the same tone read like one continuous tone.
        var tone = Segments((-20, 1));
        var split = new LoudnessMeter(Rate, 2);
        split.Push(tone);
        split.Break();
        split.Push(tone);
        Assert.Equal(2 * 7, split.Blocks); // 10 segments per second give 7 blocks each, none across the break
        Assert.Equal(-20.0, split.IntegratedLufs(), 1);
    }

    [Fact]
    public void Crest_factor_is_3_01_db_for_a_sine_and_0_for_a_square_wave()
    {
        var sine = Segments((-6, 2));
        Assert.Equal(3.01, ZoneSignals.Measure(sine, 2, Rate).CrestDb, 2);
        var square = new float[2 * Rate];
        for (var i = 0; i < square.Length; i++)
        {
            square[i] = i / 96 % 2 == 0 ? 0.5f : -0.5f;
        }

        Assert.Equal(0.0, ZoneSignals.Measure(square, 2, Rate).CrestDb, 6);
        Assert.Equal(0.0, ZoneSignals.Measure(new float[2 * Rate], 2, Rate).CrestDb);
    }
}
