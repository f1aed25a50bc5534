namespace Auralis.Mastering;

/// <summary>The three zones of the 2D Loudness-War Restraint Principle (docs/mastering.md).</summary>
public enum LwrpZone
{
    /// <summary>LUFS &lt;= -12 (any crest): the full adaptive chain. JSON: <c>quiet_dynamic</c>.</summary>
    QuietDynamic,

    /// <summary>LUFS &gt; -12 and crest &lt; 13 dB: no compression, the expander restores crest. JSON: <c>compressed_loud</c>.</summary>
    CompressedLoud,

    /// <summary>LUFS &gt; -12 and crest &gt;= 13 dB: dynamics left alone, safety limiting only. JSON: <c>dynamic_loud</c>.</summary>
    DynamicLoud,
}

/// <summary>
/// What the LWRP decided for one track, from its integrated loudness and crest factor.
/// </summary>
/// <param name="Zone">The zone of the (LUFS, crest) plane the track falls in.</param>
/// <param name="Expansion">The expansion factor e (0 outside <see cref="LwrpZone.CompressedLoud"/>).</param>
/// <param name="TrimDb">Gain after the expander: -0.5 dB in <see cref="LwrpZone.CompressedLoud"/>, else 0.</param>
/// <param name="Lufs">The input loudness the decision was made from.</param>
/// <param name="CrestDb">The input crest factor the decision was made from.</param>
public sealed record LwrpDecision(LwrpZone Zone, double Expansion, double TrimDb, double Lufs, double CrestDb)
{
    /// <summary>The snake_case zone name used in JSON and on the command line.</summary>
    public string ZoneName => Lwrp.ZoneName(Zone);
}

/// <summary>The 2D LWRP decision rule: thresholds -12.0 LUFS and 13.0 dB crest.</summary>
public static class Lwrp
{
    public const double LoudnessThresholdLufs = -12.0;

    public const double CrestThresholdDb = 13.0;

    /// <summary>The smallest expansion factor applied to compressed loud material.</summary>
    public const double MinimumExpansion = 0.1;

    /// <summary>Gain after the expander in the compressed-loud zone.</summary>
    public const double CompressedLoudTrimDb = -0.5;

    /// <summary>
    /// LUFS &gt; -12 and crest &lt; 13: compressed loud, e = max(0.1, (13 - crest) / 10), then -0.5 dB.
    /// LUFS &gt; -12 and crest &gt;= 13: dynamic loud. LUFS &lt;= -12: quiet dynamic (full chain).
    /// </summary>
    /// <exception cref="ArgumentException">A value is NaN or infinite.</exception>
    public static LwrpDecision Decide(double lufs, double crestDb)
    {
        if (!double.IsFinite(lufs) || !double.IsFinite(crestDb))
        {
            throw new ArgumentException($"LWRP needs finite loudness and crest, got {lufs} LUFS and {crestDb} dB.");
        }

        if (lufs <= LoudnessThresholdLufs)
        {
            return new LwrpDecision(LwrpZone.QuietDynamic, 0.0, 0.0, lufs, crestDb);
        }

        if (crestDb < CrestThresholdDb)
        {
            var expansion = Math.Max(MinimumExpansion, (CrestThresholdDb - crestDb) / 10.0);
            return new LwrpDecision(LwrpZone.CompressedLoud, expansion, CompressedLoudTrimDb, lufs, crestDb);
        }

        return new LwrpDecision(LwrpZone.DynamicLoud, 0.0, 0.0, lufs, crestDb);
    }

    public static string ZoneName(LwrpZone zone) => zone switch
    {
        LwrpZone.QuietDynamic => "quiet_dynamic",
        LwrpZone.CompressedLoud => "compressed_loud",
        LwrpZone.DynamicLoud => "dynamic_loud",
        _ => throw new ArgumentOutOfRangeException(nameof(zone), zone, null),
    };
}
