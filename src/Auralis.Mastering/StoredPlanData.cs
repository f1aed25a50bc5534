using Auralis.Fingerprinting;
using Auralis.Mastering.Measurement;

namespace Auralis.Mastering;

/// <summary>What the measuring passes saw for one preset: enough to make its plan without decoding.</summary>
public sealed record PresetPlanData(string Preset, PlanMeasurement Measured);

/// <summary>
/// The planner's measurements of one track for every preset, made once (by the scan) and stored
/// with the fingerprint (database and sidecar, docs/mastering.md "Stored plan data") so a cold
/// play plans without a measuring pass. Valid only for the data version it was measured with and
/// for the fingerprint it was measured against (the adaptive preset and the LWRP zone follow
/// from the fingerprint, and with them the chain that was measured).
/// </summary>
/// <param name="DataVersion"><see cref="CurrentVersion"/> when measured; any other value is stale.</param>
/// <param name="FingerprintHash"><see cref="HashOf"/> the fingerprint the chains were set up from.</param>
/// <param name="Presets">One entry per preset, in <see cref="MasteringPresets.All"/> order.</param>
public sealed record StoredPlanData(int DataVersion, uint FingerprintHash, int SampleRate, int Channels, IReadOnlyList<PresetPlanData> Presets)
{
    /// <summary>
    /// The algorithm version times 100 plus the version of the measurement itself (windows,
    /// pre-roll, options): a change to either makes every stored measurement stale.
    /// </summary>
    public const int CurrentVersion = (MasteringAlgorithm.Version * 100) + MeasurementVersion;

    /// <summary>Bump when the scan's measurement (its <see cref="MasteringPlanner.ScanMeasurement"/>) changes.</summary>
    public const int MeasurementVersion = 2;

    /// <summary>
    /// The unprocessed track's loudness statistics (version 2 on), measured during the scan's
    /// decode: what loudness tags need, and what the planner estimates the chain's loudness from.
    /// </summary>
    public TrackLoudness? Loudness { get; init; }

    public bool IsCurrent => DataVersion == CurrentVersion;

    public PresetPlanData? For(string preset) => Presets.FirstOrDefault(p => p.Preset == preset);

    /// <summary>
    /// True when this data can plan every preset for <paramref name="fingerprint"/>: current
    /// version, measured against this very fingerprint, every preset present. Otherwise the
    /// scan measures again.
    /// </summary>
    public bool Serves(Fingerprint fingerprint) =>
        IsCurrent && Loudness is not null && FingerprintHash == HashOf(fingerprint) && MasteringPresets.Names.All(name => For(name) is not null);

    /// <summary>FNV-1a over the bits of the fingerprint's 25 float32 values, in storage order.</summary>
    public static uint HashOf(Fingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);
        var hash = 2166136261u;
        foreach (var value in fingerprint.Values)
        {
            var bits = BitConverter.SingleToUInt32Bits(value);
            for (var b = 0; b < 4; b++)
            {
                hash = (hash ^ ((bits >> (8 * b)) & 0xFF)) * 16777619u;
            }
        }

        return hash;
    }
}
