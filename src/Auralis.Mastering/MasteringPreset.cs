using System.Collections.ObjectModel;
using Auralis.Fingerprinting;

namespace Auralis.Mastering;

/// <summary>
/// Gains in dB of the five EQ bands (docs/mastering.md gives their filters): low shelf (below
/// 200 Hz), low-mid (200-800 Hz), mid (800 Hz-3 kHz), high-mid (3-8 kHz), high shelf (above 8 kHz).
/// </summary>
public sealed record EqGains(double LowShelfDb, double LowMidDb, double MidDb, double HighMidDb, double HighShelfDb)
{
    public double this[int band] => band switch
    {
        0 => LowShelfDb,
        1 => LowMidDb,
        2 => MidDb,
        3 => HighMidDb,
        4 => HighShelfDb,
        _ => throw new ArgumentOutOfRangeException(nameof(band), band, "bands are 0-4"),
    };
}

/// <summary>Feed-forward compressor settings; a ratio of 1 means no compression.</summary>
public sealed record CompressorSettings(double Ratio, double ThresholdDb, double AttackMs, double ReleaseMs);

/// <summary>One mastering preset: EQ, compressor, loudness target and true-peak ceiling.</summary>
public sealed record MasteringPreset(string Name, EqGains Eq, CompressorSettings Compressor, double TargetLufs, double CeilingDbtp);

/// <summary>The presets of docs/mastering.md, exactly as tabled.</summary>
public static class MasteringPresets
{
    public static readonly MasteringPreset Adaptive = new("adaptive", new EqGains(2.5, 0.5, 0.0, 0.5, 0.8), new CompressorSettings(1.5, -26, 25, 250), -14, -0.5);
    public static readonly MasteringPreset Gentle = new("gentle", new EqGains(0.3, 0.0, 0.0, 0.2, 0.5), new CompressorSettings(1.8, -20, 15, 150), -16, -0.3);
    public static readonly MasteringPreset Warm = new("warm", new EqGains(1.5, 1.2, 0.3, -0.3, 0.8), new CompressorSettings(2.2, -19, 20, 200), -13, -0.35);
    public static readonly MasteringPreset Bright = new("bright", new EqGains(0.0, -0.5, 0.5, 2.0, 2.5), new CompressorSettings(2.8, -17, 5, 80), -12, -0.3);
    public static readonly MasteringPreset Punchy = new("punchy", new EqGains(1.8, 0.5, 0.0, 1.5, 0.8), new CompressorSettings(2.5, -18, 5, 100), -14, -0.2);

    /// <summary>All presets in the order of docs/mastering.md, section 2.</summary>
    public static readonly ReadOnlyCollection<MasteringPreset> All = new([Adaptive, Gentle, Warm, Bright, Punchy]);

    /// <summary>The preset names, as accepted by <c>--preset</c>.</summary>
    public static readonly ReadOnlyCollection<string> Names = new([.. All.Select(p => p.Name)]);

    public static bool TryGet(string name, out MasteringPreset preset)
    {
        preset = All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))!;
        return preset is not null;
    }

    /// <exception cref="ArgumentException">No preset has that name.</exception>
    public static MasteringPreset Get(string name) =>
        TryGet(name, out var preset)
            ? preset
            : throw new ArgumentException($"Unknown preset '{name}': use one of {string.Join(", ", Names)}.", nameof(name));
}

/// <summary>
/// How the "adaptive" preset scales its table values from the fingerprint (docs/mastering.md).
/// Each EQ boost is the table gain times a factor in [0, 1] that falls as the band it feeds is
/// already strong; the compressor's ratio grows with the crest factor and its threshold follows
/// the input loudness.
/// </summary>
public static class PresetAdaptation
{
    /// <summary>The "adaptive" preset fitted to a fingerprint; other presets are returned unchanged.</summary>
    public static MasteringPreset Adapt(MasteringPreset preset, Fingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(fingerprint);
        if (!string.Equals(preset.Name, MasteringPresets.Adaptive.Name, StringComparison.Ordinal))
        {
            return preset;
        }

        double low = fingerprint["sub_bass_pct"] + fingerprint["bass_pct"];
        double lowMid = fingerprint["low_mid_pct"];
        double highMid = fingerprint["upper_mid_pct"] + fingerprint["presence_pct"];
        double air = fingerprint["air_pct"];
        var eq = preset.Eq;
        var adapted = new EqGains(
            eq.LowShelfDb * LowShelfFactor(low),
            eq.LowMidDb * LowMidFactor(lowMid),
            eq.MidDb,
            eq.HighMidDb * HighMidFactor(highMid),
            eq.HighShelfDb * AirFactor(air));
        var compressor = preset.Compressor with
        {
            Ratio = Ratio(fingerprint["crest_db"]),
            ThresholdDb = Threshold(fingerprint["lufs"]),
        };
        return preset with { Eq = adapted, Compressor = compressor };
    }

    /// <summary>20-250 Hz share (sub_bass_pct + bass_pct): full boost up to 25 %, none from 60 %.</summary>
    public static double LowShelfFactor(double lowPct) => Math.Clamp((60.0 - lowPct) / 35.0, 0.0, 1.0);

    /// <summary>250-500 Hz share (low_mid_pct): full boost up to 10 %, none from 25 % (mud).</summary>
    public static double LowMidFactor(double lowMidPct) => Math.Clamp((25.0 - lowMidPct) / 15.0, 0.0, 1.0);

    /// <summary>2-6 kHz share (upper_mid_pct + presence_pct): full boost up to 10 %, none from 25 %.</summary>
    public static double HighMidFactor(double highMidPct) => Math.Clamp((25.0 - highMidPct) / 15.0, 0.0, 1.0);

    /// <summary>6-20 kHz share (air_pct): full boost up to 5 %, none from 20 %.</summary>
    public static double AirFactor(double airPct) => Math.Clamp((20.0 - airPct) / 15.0, 0.0, 1.0);

    /// <summary>
    /// 1 + 0.5 * clamp((crest - 12) / 6, 0, 1.5): no compression at a crest of 12 dB or less, the
    /// table's 1.5 at 18 dB, at most 1.75 from 21 dB.
    /// </summary>
    public static double Ratio(double crestDb) => 1.0 + (0.5 * Math.Clamp((crestDb - 12.0) / 6.0, 0.0, 1.5));

    /// <summary>
    /// clamp(lufs - 4, -40, -16) dBFS: the table's -26 dB for a -22 LUFS input, following the
    /// input's level so quieter and louder material see the same relative compression.
    /// </summary>
    public static double Threshold(double lufs) => Math.Clamp(lufs - 4.0, -40.0, -16.0);
}
