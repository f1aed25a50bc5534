using Auralis.Fingerprinting;

namespace Auralis.Tests.Fingerprinting;

/// <summary>
/// Native and managed agree per dimension within docs/fingerprint.md's parity tolerance:
/// max(1e-3 |value|, tol), tol = 0.01 for %, dB, LU, LUFS, BPM and 1e-3 for 0-1 dimensions.
/// </summary>
public sealed class ParityTests
{
    public static TheoryData<string> SyntheticSignals() => new(Synthetic.Keys);

    private static readonly Dictionary<string, Func<(float[] Samples, int SampleRate, int Channels)>> Synthetic = new()
    {
        ["sine 440 Hz"] = () => (TestSignals.Sine(440, 0.5, 10), 44_100, 2),
        ["pink noise"] = () => (TestSignals.PinkNoise(20), 44_100, 2),
        ["white noise"] = () => (TestSignals.WhiteNoise(10, 0.3, 5), 44_100, 2),
        ["clicks 128 BPM"] = () => (TestSignals.Clicks(128, 20), 44_100, 2),
        ["EBU 3341 case 5"] = () => (TestSignals.SinePieces((20, -26), (20.1, -20), (20, -26)), 44_100, 2),
        ["EBU 3342 case 4"] = () => (TestSignals.SinePieces((20, -50), (20, -35), (20, -20), (20, -35), (20, -50)), 44_100, 2),
        ["silence"] = () => (new float[44_100 * 2 * 2], 44_100, 2),
        ["mono clicks 22.05 kHz"] = () => (TestSignals.Clicks(100, 10, channels: 1, sampleRate: 22_050), 22_050, 1),
        ["sine 48 kHz"] = () => (TestSignals.Sine(1000, 0.3, 8, sampleRate: 48_000), 48_000, 2),
        ["clicks 96 kHz"] = () => (TestSignals.Clicks(140, 8, sampleRate: 96_000), 96_000, 2),
        ["six channels"] = () => (TestSignals.Clicks(90, 8, channels: 6), 44_100, 6),
        ["tone, silence, tone"] = () => (TestSignals.Concat(TestSignals.Sine(440, 0.5, 5), new float[44_100 * 2 * 5], TestSignals.Sine(440, 0.5, 5)), 44_100, 2),
    };

    [Theory]
    [MemberData(nameof(SyntheticSignals))]
    public void Native_and_managed_agree_on_synthetic_signals(string signal)
    {
        var (samples, sampleRate, channels) = Synthetic[signal]();
        var native = NativeEngine.Instance.Analyze(samples, sampleRate, channels);
        var managed = FingerprintEngines.Managed.Analyze(samples, sampleRate, channels);
        AssertParity(signal, native, managed);
    }

    [Theory]
    [MemberData(nameof(SyntheticSignals))]
    public void Native_and_managed_agree_on_synthetic_signals_under_the_draft_definitions(string signal)
    {
        var (samples, sampleRate, channels) = Synthetic[signal]();
        var native = NativeEngine.Instance.Analyze(samples, sampleRate, channels, Fingerprint.DraftVersion);
        var managed = FingerprintEngines.Managed.Analyze(samples, sampleRate, channels, Fingerprint.DraftVersion);
        AssertParity($"{signal} (version {Fingerprint.DraftVersion})", native, managed);
    }

    [RealMusicTheory("asc-music and frozen-bubble-data", RealMusic.AscMusic)]
    [MemberData(nameof(RealFiles))]
    public void Native_and_managed_agree_on_real_recordings(string path)
    {
        var native = FileFingerprinter.Compute(path, NativeEngine.Instance);
        var managed = FileFingerprinter.Compute(path, FingerprintEngines.Managed);
        Assert.Equal(native.Frames, managed.Frames);
        AssertParity(path, native.Fingerprint, managed.Fingerprint);
    }

    [RealMusicTheory("asc-music and frozen-bubble-data", RealMusic.AscMusic)]
    [MemberData(nameof(RealFiles))]
    public void Native_and_managed_agree_on_real_recordings_under_the_draft_definitions(string path)
    {
        var native = FileFingerprinter.Compute(path, NativeEngine.Instance, Fingerprint.DraftVersion);
        var managed = FileFingerprinter.Compute(path, FingerprintEngines.Managed, Fingerprint.DraftVersion);
        Assert.Equal(native.Frames, managed.Frames);
        AssertParity($"{path} (version {Fingerprint.DraftVersion})", native.Fingerprint, managed.Fingerprint);
    }

    public static TheoryData<string> RealFiles() => new(RealMusic.Files);

    internal static void AssertParity(string what, Fingerprint native, Fingerprint managed)
    {
        var failures = new List<string>();
        for (var i = 0; i < Fingerprint.Dimensions; i++)
        {
            var tolerance = FingerprintDimensions.ParityTolerance(i, native[i]);
            if (Math.Abs(native[i] - managed[i]) > tolerance)
            {
                failures.Add($"{FingerprintDimensions.Names[i]}: native {native[i]}, managed {managed[i]} (tolerance {tolerance})");
            }
        }

        Assert.True(failures.Count == 0, $"{what}:\n{string.Join('\n', failures)}");
    }
}
