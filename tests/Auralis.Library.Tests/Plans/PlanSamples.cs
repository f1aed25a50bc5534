using Auralis.Fingerprinting;
using Auralis.Mastering;

namespace Auralis.Library.Tests.Plans;

internal static class PlanSamples
{
    /// <summary>Stored data for every preset, one-pass and two-pass entries mixed, with awkward doubles.</summary>
    public static StoredPlanData For(Fingerprint fingerprint) => new(
        StoredPlanData.CurrentVersion,
        StoredPlanData.HashOf(fingerprint),
        44_100,
        2,
        [.. MasteringPresets.Names.Select((name, i) => new PresetPlanData(
            name,
            i % 2 == 0
                ? new PlanMeasurement(-23.456789 - i, -1.0 / 3 - i, double.NaN, 1_234_567 + i, 9_876_543, 4, 1)
                : new PlanMeasurement(-70.0, -200.0 + i, -14.000000000001, 0, long.MaxValue, 1, 2)))]);

    /// <summary>Field-by-field equality (the record's list compares by reference).</summary>
    public static void AssertSame(StoredPlanData expected, StoredPlanData? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((expected.DataVersion, expected.FingerprintHash, expected.SampleRate, expected.Channels), (actual.DataVersion, actual.FingerprintHash, actual.SampleRate, actual.Channels));
        Assert.Equal(expected.Presets, actual.Presets);
    }
}
