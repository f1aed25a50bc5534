using Auralis.Fingerprinting;

namespace Auralis.Mastering.Tests;

/// <summary>The preset table of docs/mastering.md, and how "adaptive" follows the fingerprint.</summary>
public sealed class PresetTests
{
    public static TheoryData<string, double[]> Table() => new()
    {
        // low, low-mid, mid, high-mid, high, ratio, threshold, attack, release, target, ceiling
        { "adaptive", [2.5, 0.5, 0.0, 0.5, 0.8, 1.5, -26, 25, 250, -14, -0.5] },
        { "gentle", [0.3, 0.0, 0.0, 0.2, 0.5, 1.8, -20, 15, 150, -16, -0.3] },
        { "warm", [1.5, 1.2, 0.3, -0.3, 0.8, 2.2, -19, 20, 200, -13, -0.35] },
        { "bright", [0.0, -0.5, 0.5, 2.0, 2.5, 2.8, -17, 5, 80, -12, -0.3] },
        { "punchy", [1.8, 0.5, 0.0, 1.5, 0.8, 2.5, -18, 5, 100, -14, -0.2] },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Presets_match_the_spec_table_exactly(string name, double[] v)
    {
        var p = MasteringPresets.Get(name);
        Assert.Equal(name, p.Name);
        Assert.Equal(new EqGains(v[0], v[1], v[2], v[3], v[4]), p.Eq);
        Assert.Equal(new CompressorSettings(v[5], v[6], v[7], v[8]), p.Compressor);
        Assert.Equal(v[9], p.TargetLufs);
        Assert.Equal(v[10], p.CeilingDbtp);
    }

    [Fact]
    public void Preset_names_are_the_five_of_the_spec_in_order()
    {
        Assert.Equal(["adaptive", "gentle", "warm", "bright", "punchy"], MasteringPresets.Names);
        Assert.Throws<ArgumentException>(() => MasteringPresets.Get("loud"));
        Assert.True(MasteringPresets.TryGet("WARM", out var warm) && warm.Name == "warm");
    }

    private static Fingerprint With(params (string Name, float Value)[] values)
    {
        var v = new float[Fingerprint.Dimensions];
        // A plausible mix: shares summing to 100, -18 LUFS, 14 dB crest.
        foreach (var (name, value) in new[] { ("sub_bass_pct", 10f), ("bass_pct", 25f), ("low_mid_pct", 15f), ("mid_pct", 30f), ("upper_mid_pct", 10f), ("presence_pct", 5f), ("air_pct", 5f), ("lufs", -18f), ("crest_db", 14f) })
        {
            v[FingerprintDimensions.IndexOf(name)] = value;
        }

        foreach (var (name, value) in values)
        {
            v[FingerprintDimensions.IndexOf(name)] = value;
        }

        return new Fingerprint(v);
    }

    [Fact]
    public void Adaptive_boosts_bass_less_when_the_track_already_has_much_bass()
    {
        var thin = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("sub_bass_pct", 5), ("bass_pct", 15)));
        var heavy = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("sub_bass_pct", 25), ("bass_pct", 40)));
        Assert.Equal(2.5, thin.Eq.LowShelfDb, 12); // 20 % below 250 Hz: the full table boost
        Assert.Equal(0.0, heavy.Eq.LowShelfDb, 12); // 65 %: none
        var middle = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("sub_bass_pct", 10), ("bass_pct", 32.5f)));
        Assert.Equal(2.5 * (60 - 42.5) / 35, middle.Eq.LowShelfDb, 5);
    }

    [Fact]
    public void Adaptive_adds_less_air_when_the_top_is_already_bright()
    {
        var dull = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("air_pct", 2)));
        var bright = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("air_pct", 25)));
        Assert.Equal(0.8, dull.Eq.HighShelfDb, 12);
        Assert.Equal(0.0, bright.Eq.HighShelfDb, 12);
        var harsh = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("upper_mid_pct", 20), ("presence_pct", 10)));
        Assert.Equal(0.0, harsh.Eq.HighMidDb, 12);
    }

    [Fact]
    public void Adaptive_compresses_more_the_higher_the_crest_and_sets_its_threshold_from_loudness()
    {
        Assert.Equal(1.0, PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("crest_db", 10))).Compressor.Ratio, 12);
        Assert.Equal(1.5, PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("crest_db", 18))).Compressor.Ratio, 12);
        Assert.Equal(1.75, PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("crest_db", 30))).Compressor.Ratio, 12);
        Assert.Equal(-26.0, PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("lufs", -22))).Compressor.ThresholdDb, 12);
        Assert.Equal(-40.0, PresetAdaptation.Adapt(MasteringPresets.Adaptive, With(("lufs", -50))).Compressor.ThresholdDb, 12);
        var adapted = PresetAdaptation.Adapt(MasteringPresets.Adaptive, With());
        Assert.Equal(MasteringPresets.Adaptive.Compressor.AttackMs, adapted.Compressor.AttackMs);
        Assert.Equal(MasteringPresets.Adaptive.TargetLufs, adapted.TargetLufs);
        Assert.Equal(MasteringPresets.Adaptive.CeilingDbtp, adapted.CeilingDbtp);
    }

    [Fact]
    public void Fixed_presets_are_not_adapted()
    {
        var fingerprint = With(("bass_pct", 60), ("air_pct", 40), ("crest_db", 30));
        foreach (var preset in MasteringPresets.All.Skip(1))
        {
            Assert.Same(preset, PresetAdaptation.Adapt(preset, fingerprint));
        }
    }
}
