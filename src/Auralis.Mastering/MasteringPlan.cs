namespace Auralis.Mastering;

/// <summary>The dynamics processor a plan uses between the EQ and loudness normalization.</summary>
public enum DynamicsMode
{
    /// <summary>None: dynamics left alone (dynamic loud material, or an adaptive ratio of 1).</summary>
    None,

    /// <summary>The feed-forward compressor (quiet material).</summary>
    Compressor,

    /// <summary>The LWRP expander and its trim (compressed loud material).</summary>
    Expander,
}

/// <summary>What the measuring passes saw.</summary>
/// <param name="Lufs">BS.1770 integrated loudness after EQ, dynamics and the limiter's band limit, before normalization (-70.0 when nothing passed the gates).</param>
/// <param name="TruePeakDbtp">True peak (<see cref="Dsp.TruePeakDetector"/>) at the same point.</param>
/// <param name="LimitedLufs">Loudness of the whole chain at the first-pass gain, when a second pass measured it (NaN otherwise).</param>
/// <param name="FramesMeasured">Frames that went into the numbers.</param>
/// <param name="FramesRead">Frames of the source read (the whole source).</param>
/// <param name="WindowEvery">1 for a full pass; N when every Nth 3 s window was measured.</param>
/// <param name="Passes">1, or 2 when the limiter's loudness loss was measured and compensated.</param>
public sealed record PlanMeasurement(double Lufs, double TruePeakDbtp, double LimitedLufs, long FramesMeasured, long FramesRead, int WindowEvery, int Passes);

/// <summary>
/// Everything a render needs, fixed before the first sample is rendered so that chunked, seeking
/// and one-pass renders all use the same gains: the preset after adaptation, the LWRP decision,
/// the dynamics mode, and the loudness normalization gain from the measuring pass.
/// Intensity is not part of the plan: one plan serves every intensity.
/// </summary>
/// <param name="AlgorithmVersion">
/// <see cref="MasteringAlgorithm.Version"/> when the plan was made; part of cache keys, so a change
/// to any processor (bump the version) never serves stale chunks.
/// </param>
/// <param name="Settings">The preset's values after adaptation (the "adaptive" preset) - what the chain uses.</param>
/// <param name="NormalizationGainDb">Gain applied after dynamics, before the limiter.</param>
/// <param name="TargetReachable">False when the gain was capped below target - Settings.TargetLufs.</param>
public sealed record MasteringPlan(
    int AlgorithmVersion,
    MasteringPreset Settings,
    LwrpDecision Lwrp,
    DynamicsMode Dynamics,
    int SampleRate,
    int Channels,
    PlanMeasurement Measured,
    double NormalizationGainDb,
    bool TargetReachable)
{
    public string PresetName => Settings.Name;

    /// <summary>
    /// The integrated loudness the render is planned to have at intensity 1: the preset's target,
    /// or, when the gain was capped, the measured loudness plus the gain (the limiter may take a
    /// little more off). What a player needs to compare the master with the original at matched
    /// loudness.
    /// </summary>
    public double ExpectedLufs => TargetReachable ? Settings.TargetLufs : Measured.Lufs + NormalizationGainDb;
}

/// <summary>The version of the mastering algorithm (processors, their constants, the planner).</summary>
public static class MasteringAlgorithm
{
    /// <summary>Bump on any change that alters rendered samples.</summary>
    public const int Version = 1;
}
