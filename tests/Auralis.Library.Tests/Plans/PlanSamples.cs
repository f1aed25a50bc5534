using Auralis.Fingerprinting;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;

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
                : new PlanMeasurement(-70.0, -200.0 + i, -14.000000000001, 0, long.MaxValue, 1, 2)))])
    {
        Loudness = Loudness,
    };

    /// <summary>Track loudness with three histogram bins (the first, one in the middle, the last).</summary>
    public static TrackLoudness Loudness { get; } = new(
        7_938_000, -14.123456789, -0.987654321, -1.5,
        new LoudnessHistogram([new LoudnessBin(0, 3, 3.0e-8), new LoudnessBin(555, 1_000_000, 1234.5678), new LoudnessBin(999, 1, 1e3)]));

    /// <summary>Field-by-field equality (the record's list compares by reference).</summary>
    public static void AssertSame(StoredPlanData expected, StoredPlanData? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal((expected.DataVersion, expected.FingerprintHash, expected.SampleRate, expected.Channels), (actual.DataVersion, actual.FingerprintHash, actual.SampleRate, actual.Channels));
        Assert.Equal(expected.Presets, actual.Presets);
        Assert.Equal(expected.Loudness is null, actual.Loudness is null);
        if (expected.Loudness is { } loudness)
        {
            Assert.Equal((loudness.Frames, loudness.IntegratedLufs, loudness.TruePeakDbtp, loudness.SamplePeakDbfs), (actual.Loudness!.Frames, actual.Loudness.IntegratedLufs, actual.Loudness.TruePeakDbtp, actual.Loudness.SamplePeakDbfs));
            Assert.Equal(loudness.Histogram.Bins, actual.Loudness.Histogram.Bins);
        }
    }
}
