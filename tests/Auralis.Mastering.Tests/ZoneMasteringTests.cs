using Auralis.Mastering.Dsp;
using Auralis.Mastering.Tests.Support;
using M = Auralis.Mastering.Tests.Support.Mastering;

namespace Auralis.Mastering.Tests;

/// <summary>
/// The whole chain on programme material of each LWRP zone, every preset: loudness on target,
/// true peak under the ceiling, the zone's dynamics treatment, judged by independent meters
/// (libebur128 for loudness and true peak, the 32x reference for true peak).
/// </summary>
public sealed class ZoneMasteringTests
{
    private const int Rate = ZoneSignals.Rate;

    private static readonly Lazy<float[]> Quiet = new(() => ZoneSignals.QuietDynamic(12));
    private static readonly Lazy<float[]> Compressed = new(() => ZoneSignals.CompressedLoud(12));
    private static readonly Lazy<float[]> Dynamic = new(() => ZoneSignals.DynamicLoud(12));

    private static float[] Material(LwrpZone zone) => zone switch
    {
        LwrpZone.QuietDynamic => Quiet.Value,
        LwrpZone.CompressedLoud => Compressed.Value,
        _ => Dynamic.Value,
    };

    public static TheoryData<LwrpZone, string> ZonesAndPresets()
    {
        var data = new TheoryData<LwrpZone, string>();
        foreach (var zone in Enum.GetValues<LwrpZone>())
        {
            foreach (var preset in MasteringPresets.Names)
            {
                data.Add(zone, preset);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ZonesAndPresets))]
    public void Output_hits_the_target_loudness_under_the_ceiling_with_the_zones_dynamics(LwrpZone zone, string preset)
    {
        var input = Material(zone);
        var plan = M.Plan(input, preset);
        Assert.Equal(zone, plan.Lwrp.Zone);
        var output = M.RenderOnePass(plan, input, 1.0);

        Assert.Equal(input.Length, output.Length);
        var ceiling = plan.Settings.CeilingDbtp;
        var ceilingLinear = (float)Math.Pow(10, ceiling / 20);
        Assert.All(output, v => Assert.True(float.IsFinite(v) && Math.Abs(v) <= ceilingLinear));
        var (lufs, truePeak) = LibEbur128.LoudnessAndTruePeak(output, Rate, 2);
        Assert.True(truePeak <= ceiling + 0.1, $"libebur128 true peak {truePeak:F2} dBTP, ceiling {ceiling}");
        var reference = ReferenceTruePeak.Dbtp(output, 2);
        Assert.True(reference <= ceiling + 0.1, $"32x true peak {reference:F2} dBTP, ceiling {ceiling}");

        // The material is built so every target is reachable (3 dB of limiting or less).
        Assert.True(plan.TargetReachable, $"{preset} on {zone}: gain capped at {plan.NormalizationGainDb:F2} dB");
        Assert.True(Math.Abs(lufs - plan.Settings.TargetLufs) <= 0.5, $"libebur128 {lufs:F2} LUFS, target {plan.Settings.TargetLufs}");

        var inCrest = ZoneSignals.Measure(input).CrestDb;
        var outCrest = ZoneSignals.Measure(output).CrestDb;
        switch (zone)
        {
            case LwrpZone.CompressedLoud:
                Assert.Equal(DynamicsMode.Expander, plan.Dynamics);
                Assert.True(outCrest > inCrest + 2.0, $"crest {inCrest:F2} -> {outCrest:F2} dB: the expander should restore it");
                break;
            case LwrpZone.DynamicLoud:
                Assert.Equal(DynamicsMode.None, plan.Dynamics);
                Assert.True(Math.Abs(outCrest - inCrest) < 1.0, $"crest {inCrest:F2} -> {outCrest:F2} dB: dynamics should be left alone");
                Assert.True(plan.NormalizationGainDb <= 0.0, "loud material is never made louder");
                break;
            default:
                Assert.Equal(DynamicsMode.Compressor, plan.Dynamics);
                break;
        }
    }

    [Fact]
    public void Our_output_measurements_agree_with_libebur128()
    {
        var plan = M.Plan(Quiet.Value, "bright");
        var output = M.RenderOnePass(plan, Quiet.Value, 1.0);
        var ours = ZoneSignals.Measure(output);
        var (lufs, truePeak) = LibEbur128.LoudnessAndTruePeak(output, Rate, 2);
        Assert.Equal(lufs, ours.IntegratedLufs, 0.05);
        Assert.Equal(truePeak, ours.TruePeakDbtp, 0.1);
    }

    /// <summary>
    /// Rare 0 dBFS spikes on quiet material: reaching -14 LUFS would need 9 dB of limiting, so
    /// the gain stops where the limiter takes 3 dB and the output stays below the target.
    /// </summary>
    [Fact]
    public void Unreachable_target_stops_at_the_limiter_allowance_and_never_overshoots()
    {
        var input = (float[])Quiet.Value.Clone();
        for (var i = Rate; i < input.Length / 2; i += 3 * Rate)
        {
            input[2 * i] = 0.99f;
            input[(2 * i) + 1] = -0.99f;
        }

        var plan = M.Plan(input, "adaptive");
        Assert.False(plan.TargetReachable);
        var cap = MasteringPlanner.NormalizationCap(plan.Settings, plan.Lwrp.Zone, plan.Measured.TruePeakDbtp);
        Assert.Equal(cap, plan.NormalizationGainDb, 9);
        var output = M.RenderOnePass(plan, input, 1.0);
        var (lufs, truePeak) = LibEbur128.LoudnessAndTruePeak(output, Rate, 2);
        Assert.True(lufs < plan.Settings.TargetLufs - 0.5, $"{lufs:F2} LUFS");
        Assert.True(truePeak <= plan.Settings.CeilingDbtp + 0.1, $"{truePeak:F2} dBTP");
    }

    [Theory]
    [InlineData(LwrpZone.QuietDynamic)]
    [InlineData(LwrpZone.CompressedLoud)]
    public void Intensity_zero_returns_the_input_bit_for_bit(LwrpZone zone)
    {
        var input = Material(zone);
        var plan = M.Plan(input, "punchy");
        Assert.Equal(input, M.RenderOnePass(plan, input, 0.0));
        Assert.Equal(input, M.RenderChunked(plan, input, 0.0));
    }

    /// <summary>
    /// With the limiter idle, half intensity is the mean of the (band-limited) dry input and the
    /// full render, sample by sample: the dry path is aligned with the wet one to the frame.
    /// </summary>
    [Fact]
    public void Half_intensity_is_the_sample_aligned_mean_of_dry_and_wet()
    {
        var input = Quiet.Value;
        var plan = M.Plan(input, "gentle");
        var wet = M.RenderOnePass(plan, input, 1.0);
        Assert.True(ZoneSignals.Measure(wet).TruePeakDbtp < plan.Settings.CeilingDbtp - 1, "the limiter must be idle for this test");
        var half = M.RenderOnePass(plan, input, 0.5);
        var dry = (float[])input.Clone();
        BandLimit.Create(Rate, 2).Process(dry);
        var error = 0.0;
        for (var i = 0; i < half.Length; i++)
        {
            error = Math.Max(error, Math.Abs(half[i] - ((0.5 * dry[i]) + (0.5 * wet[i]))));
        }

        Assert.True(error < 1e-5, $"max error {error:E2}");
    }

    [Fact]
    public void Output_starts_with_the_input_no_leading_silence_and_keeps_its_length()
    {
        var input = Quiet.Value.AsSpan(0, 2 * Rate).ToArray(); // the first beat starts at frame 0
        var plan = M.Plan(Quiet.Value, "gentle");
        var output = M.RenderOnePass(plan, input, 1.0);
        Assert.Equal(input.Length, output.Length);
        var gain = Math.Pow(10, plan.NormalizationGainDb / 20);
        // The first 5 ms carry the start of the beat at (about) the planned gain, not silence.
        var first = EqualizerTests.Rms(output.AsSpan(0, 2 * 220)) / EqualizerTests.Rms(input.AsSpan(0, 2 * 220));
        Assert.InRange(20 * Math.Log10(first / gain), -3, 3);
        // And the last 5 ms carry the end of the input.
        var last = EqualizerTests.Rms(output.AsSpan(output.Length - (2 * 220))) / EqualizerTests.Rms(input.AsSpan(input.Length - (2 * 220)));
        Assert.InRange(20 * Math.Log10(last / gain), -3, 3);
    }
}
