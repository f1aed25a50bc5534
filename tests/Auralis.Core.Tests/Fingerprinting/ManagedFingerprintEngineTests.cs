using Auralis.Fingerprinting;
using Auralis.Fingerprinting.Managed;
using S = Auralis.Tests.Fingerprinting.TestSignals;

namespace Auralis.Tests.Fingerprinting;

/// <summary>Details of the managed engine that the contract does not see: framing rules, kernels, messages.</summary>
public sealed class ManagedFingerprintEngineTests
{
    [Fact]
    public void Engine_is_named_managed()
    {
        Assert.Equal("managed", ManagedFingerprintEngine.Instance.Name);
        Assert.Same(ManagedFingerprintEngine.Instance, FingerprintEngines.Managed);
    }

    [Fact]
    public void Stft_size_is_2048_at_44_1_and_48_kHz_and_scales_with_the_rate()
    {
        Assert.Equal(2048, ManagedFingerprintAnalyzer.FftLengthFor(44_100));
        Assert.Equal(2048, ManagedFingerprintAnalyzer.FftLengthFor(48_000));
        Assert.Equal(1024, ManagedFingerprintAnalyzer.FftLengthFor(22_050));
        Assert.Equal(4096, ManagedFingerprintAnalyzer.FftLengthFor(96_000));
        Assert.Equal(512, ManagedFingerprintAnalyzer.FftLengthFor(8_000));
        Assert.Equal(16384, ManagedFingerprintAnalyzer.FftLengthFor(384_000));
    }

    [Theory]
    [InlineData(8_000)]
    [InlineData(11_025)]
    [InlineData(16_000)]
    [InlineData(22_050)]
    [InlineData(32_000)]
    [InlineData(44_100)]
    [InlineData(48_000)]
    [InlineData(88_200)]
    [InlineData(96_000)]
    [InlineData(192_000)]
    [InlineData(384_000)]
    public void Onset_hop_is_at_most_12_ms_and_divides_the_main_hop(int sampleRate)
    {
        var n = ManagedFingerprintAnalyzer.FftLengthFor(sampleRate);
        var hop = ManagedFingerprintAnalyzer.OnsetHopFor(n, sampleRate);
        Assert.True((double)hop / sampleRate <= 0.012, $"onset hop {hop} at {sampleRate} Hz");
        Assert.Equal(0, n / 2 % hop);
    }

    [Fact]
    public void Error_messages_are_those_of_the_native_core()
    {
        // The texts of AnalysisError's Display in native/src/analysis/mod.rs, so a user sees the
        // same message whichever engine ran.
        Assert.Equal(
            "invalid argument: sample rate 7999 Hz is outside 8000-384000 Hz",
            Assert.Throws<FingerprintException>(() => ManagedFingerprintEngine.Instance.CreateAnalyzer(7_999, 2)).Message);
        Assert.Equal(
            "invalid argument: 9 channels is outside 1-8",
            Assert.Throws<FingerprintException>(() => ManagedFingerprintEngine.Instance.CreateAnalyzer(44_100, 9)).Message);
        using var analyzer = ManagedFingerprintEngine.Instance.CreateAnalyzer(44_100, 2);
        Assert.Equal(
            "invalid argument: 3 samples is not a whole number of 2-channel frames",
            Assert.Throws<FingerprintException>(() => analyzer.Push(new float[3])).Message);
        Assert.Equal(
            "audio too short: 1 frames (0.000 s) at 44100 Hz; at least 22050 frames (0.5 s) are needed",
            Assert.Throws<FingerprintException>(() => ManagedFingerprintEngine.Instance.Analyze(new float[2], 44_100, 2)).Message);
        Assert.Equal(
            "sample at frame 2, channel 0 is -inf: audio must be finite PCM",
            Assert.Throws<FingerprintException>(() => analyzer.Push([0, 0, 0, 0, float.NegativeInfinity, 0])).Message);
        Assert.Equal("the analyzer has already finished", Assert.Throws<FingerprintException>(() => analyzer.Finish()).Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(255)]
    [InlineData(500)]
    [InlineData(4410)]
    public void Block_size_independence_holds_in_f64_before_the_final_rounding(int blockFrames)
    {
        // The contract test compares f32 fingerprints, whose rounding hides the ~1e-7 relative
        // differences that summing over other runs would make; the staged reduction runs must
        // give identical f64 sums too.
        var signal = S.Clicks(130.0, 6.0);
        var noise = S.WhiteNoise(6.0, 0.05, 4);
        for (var i = 0; i < signal.Length; i++)
        {
            signal[i] += noise[i];
        }

        var whole = new ManagedFingerprintAnalyzer(S.SampleRate, 2);
        whole.Push(signal);
        var pushed = new ManagedFingerprintAnalyzer(S.SampleRate, 2);
        for (var at = 0; at < signal.Length; at += 2 * blockFrames)
        {
            pushed.Push(signal.AsSpan(at, Math.Min(2 * blockFrames, signal.Length - at)));
        }

        Assert.Equal(whole.FinishUnrounded(), pushed.FinishUnrounded());
    }

    [Fact]
    public void Disposed_analyzer_refuses_work()
    {
        var analyzer = ManagedFingerprintEngine.Instance.CreateAnalyzer(44_100, 2);
        analyzer.Dispose();
        analyzer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => analyzer.Push(new float[2]));
        Assert.Throws<ObjectDisposedException>(() => analyzer.Finish());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(255)]
    [InlineData(256)]
    [InlineData(257)]
    [InlineData(1000)]
    [InlineData(4097)]
    public void Lane_reductions_equal_plain_f64_sums(int n)
    {
        var v = Enumerable.Range(0, n).Select(i => ((i * 37 % 101) - 50.0f) / 50.0f).ToArray();
        var plain = v.Sum(x => (double)x);
        var squares = v.Sum(x => (double)x * x);
        Assert.True(Math.Abs(Kernels.Sum(v) - plain) <= 1e-4 * (1.0 + Math.Abs(plain)), $"sum n={n}");
        Assert.True(Math.Abs(Kernels.SumSquares(v) - squares) <= 1e-5 * (1.0 + squares), $"squares n={n}");
        Assert.Equal(v.Length == 0 ? 0.0f : v.Max(Math.Abs), Kernels.PeakAbs(v));
    }

    [Theory]
    [InlineData(1, 0, 0, 255)]
    [InlineData(2, 0, 1, 256)]
    [InlineData(2, 0, 1, 3)]
    [InlineData(3, 0, 2, 253)]
    [InlineData(6, 0, 1, 201)]
    public void Stereo_moments_match_direct_sums(int channels, int left, int right, int frames)
    {
        var v = Enumerable.Range(0, frames * channels).Select(i => ((i * 53 % 97) - 48.0f) / 48.0f).ToArray();
        var moments = new double[5];
        Kernels.StereoMoments(v, channels, left, right, moments);
        var want = new double[5];
        for (var f = 0; f < frames; f++)
        {
            double x = v[(f * channels) + left], y = v[(f * channels) + right];
            want[0] += x;
            want[1] += y;
            want[2] += x * x;
            want[3] += y * y;
            want[4] += x * y;
        }

        for (var i = 0; i < 5; i++)
        {
            Assert.True(Math.Abs(moments[i] - want[i]) < 1e-3, $"moment {i}: {moments[i]} vs {want[i]}");
        }
    }

    [Fact]
    public void K_weighting_of_two_channels_at_once_equals_one_at_a_time()
    {
        var shelf = Biquad.KShelf(44_100);
        var hp = Biquad.KHighPass(44_100);
        var pcm = S.WhiteNoise(0.5, 0.5, 8);
        var (pairState0, pairState1, state0, state1) = (new double[4], new double[4], new double[4], new double[4]);
        for (var at = 0; at < pcm.Length; at += 512)
        {
            var block = pcm.AsSpan(at, Math.Min(512, pcm.Length - at));
            var (a, b) = KWeighting.EnergyPair(shelf, hp, pairState0, pairState1, block, 0, 1, 2);
            Assert.Equal(KWeighting.Energy(shelf, hp, state0, block, 0, 2), a);
            Assert.Equal(KWeighting.Energy(shelf, hp, state1, block, 1, 2), b);
        }
    }

    [Fact]
    public void K_weighting_at_48_kHz_has_the_bs_1770_coefficients()
    {
        // ITU-R BS.1770-4 table 1 and 2 (48 kHz).
        var shelf = Biquad.KShelf(48_000);
        var hp = Biquad.KHighPass(48_000);
        Assert.Equal(1.53512485958697, shelf.B0, 1e-9);
        Assert.Equal(-2.69169618940638, shelf.B1, 1e-9);
        Assert.Equal(1.19839281085285, shelf.B2, 1e-9);
        Assert.Equal(-1.69065929318241, shelf.A1, 1e-9);
        Assert.Equal(0.73248077421585, shelf.A2, 1e-9);
        Assert.Equal(-1.99004745483398, hp.A1, 1e-9);
        Assert.Equal(0.99007225036621, hp.A2, 1e-9);
    }

    [Fact]
    public void Summaries_grow_past_their_presized_capacity()
    {
        var list = new SummaryList<int>(2);
        for (var i = 0; i < 1000; i++)
        {
            list.Add(i);
        }

        Assert.Equal(1000, list.Count);
        Assert.Equal(Enumerable.Range(0, 1000), list.Items.ToArray());
    }
}
