using Auralis.Fingerprinting;
using Auralis.Fingerprinting.Managed;
using S = Auralis.Tests.Fingerprinting.TestSignals;

namespace Auralis.Tests.Fingerprinting;

/// <summary>Every version-1 truth and contract, on the draft definitions (version 2 in development), managed engine.</summary>
public sealed class ManagedDraftFingerprintContractTests : FingerprintContractTests
{
    protected override IFingerprintEngine Engine => ManagedFingerprintEngine.Instance;

    protected override int Version => Fingerprint.DraftVersion;
}

/// <summary>Every version-1 truth and contract, on the draft definitions, native engine.</summary>
public sealed class NativeDraftFingerprintContractTests : FingerprintContractTests
{
    protected override IFingerprintEngine Engine => NativeEngine.Instance;

    protected override int Version => Fingerprint.DraftVersion;
}

public sealed class ManagedDraftTruthTests : DraftTruthTests
{
    protected override IFingerprintEngine Engine => ManagedFingerprintEngine.Instance;
}

public sealed class NativeDraftTruthTests : DraftTruthTests
{
    protected override IFingerprintEngine Engine => NativeEngine.Instance;
}

/// <summary>
/// The truths version 2 adds (docs/fingerprint.md, "Version 2 in development") that the draft
/// meets so far, per engine. Each states what version 1 got wrong, and the version-1 side of the
/// same signal is checked to still show it, so a test that could not fail would be noticed.
/// </summary>
public abstract class DraftTruthTests
{
    private const int Sr = S.SampleRate;

    protected abstract IFingerprintEngine Engine { get; }

    private Fingerprint Draft(float[] pcm) => Engine.Analyze(pcm, Sr, 2, Fingerprint.DraftVersion);

    private Fingerprint Stored(float[] pcm) => Engine.Analyze(pcm, Sr, 2, Fingerprint.FingerprintVersion);

    private static int Dim(string name) => FingerprintDimensions.IndexOf(name);

    private static float[] Scaled(float[] pcm, double db)
    {
        var gain = (float)S.Db(db);
        return [.. pcm.Select(x => x * gain)];
    }

    /// <summary>
    /// Music-like sections at different levels (a chord with noise and clicks), then a fade-out
    /// falling 90 dB over 20 s: the tail is where an absolute gate decides what counts.
    /// </summary>
    private static float[] SectionsWithFadeOut()
    {
        double[] chord = [220.0, 277.18, 329.63];
        var noise = S.WhiteNoise(50.0, 1.0, 21);
        return S.Synth(50.0, 2, (c, i) =>
        {
            var t = (double)i / Sr;
            var level = t < 10 ? -18.0 : t < 20 ? -26.0 : t < 30 ? -14.0 : -14.0 - (90.0 * (t - 30.0) / 20.0);
            var tone = chord.Sum(f => Math.Sin((2.0 * Math.PI * f * t) + c)) / 3.0;
            var x = (0.7 * tone) + (0.2 * noise[(2 * i) + c]) + (0.5 * S.Click(120.0, t));
            return S.Db(level) * x;
        });
    }

    /// <summary>
    /// A 1 kHz tone at -18 then -26 dBFS, then fading 0.45 dB per 100 ms: at 0 and -20 dB a
    /// different number of the fade's windows pass -70 LUFS, which moved a gate taken from their
    /// mean enough to flip a window (an earlier draft did).
    /// </summary>
    private static float[] ToneWithFadeOut() =>
        S.SinePieces([(10.0, -18.0), (10.0, -26.0), .. Enumerable.Range(0, 200).Select(k => (0.1, -14.0 - (0.45 * k)))]);

    [Theory]
    [InlineData("music-like", -12.0)]
    [InlineData("music-like", -20.0)]
    [InlineData("tone", -12.0)]
    [InlineData("tone", -20.0)]
    public void Loudness_variation_std_does_not_depend_on_the_level(string kind, double db)
    {
        var signal = kind == "tone" ? ToneWithFadeOut() : SectionsWithFadeOut();
        var loud = Draft(signal);
        var quiet = Draft(Scaled(signal, db));
        var std = Dim("loudness_variation_std");
        Assert.True(Math.Abs(quiet[std] - loud[std]) <= 0.2, $"loudness_variation_std at {db} dB: {quiet[std]}, at 0 dB: {loud[std]} (tolerance 0.2 LU)");
        Assert.True(Math.Abs(quiet[Dim("lufs")] - loud[Dim("lufs")] - db) <= 0.05, $"lufs moved by {quiet[Dim("lufs")] - loud[Dim("lufs")]}, want {db} +- 0.05");

        // Version 1's absolute gate lets more or less of the fade in as the level changes.
        var before = Math.Abs(Stored(Scaled(signal, db))[std] - Stored(signal)[std]);
        Assert.True(before > 0.2, $"version 1 moved loudness_variation_std by only {before} LU on this signal: the test no longer shows the defect");
    }

    [Theory]
    [InlineData(-12.0)]
    [InlineData(-20.0)]
    public void Silence_and_peak_consistency_do_not_depend_on_the_level(double db)
    {
        // Sections at three levels, then a fade falling 4.5 dB a second: version 1's fixed
        // -60 dBFS threshold meets the fade seconds earlier when the track is quieter.
        var signal = SectionsWithFadeOut();
        var (loud, quiet) = (Draft(signal), Draft(Scaled(signal, db)));
        foreach (var name in new[] { "silence_ratio", "peak_consistency" })
        {
            Assert.True(Math.Abs(quiet[Dim(name)] - loud[Dim(name)]) <= 0.02, $"{name} at {db} dB: {quiet[Dim(name)]}, at 0 dB: {loud[Dim(name)]}");
        }

        var before = Math.Abs(Stored(Scaled(signal, db))[Dim("silence_ratio")] - Stored(signal)[Dim("silence_ratio")]);
        Assert.True(before > 0.02, $"version 1 moved silence_ratio by only {before}: the test no longer shows the defect");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-12.0)]
    public void A_track_of_hiss_below_the_absolute_gate_is_silent_throughout(double db)
    {
        // Noise at -80 dBFS (a decoded "silence" track): no block reaches -70 LUFS, so there is no
        // loudness for the relative threshold to follow, and every block is silent at any level.
        var hiss = Scaled(S.WhiteNoise(10.0, S.Db(-80.0) * Math.Sqrt(3.0), 14), db);
        var f = Draft(hiss);
        Assert.True(f[Dim("silence_ratio")] == 1f, $"silence_ratio {f[Dim("silence_ratio")]} at {db} dB");
        Assert.True(f[Dim("peak_consistency")] == 0f, $"peak_consistency {f[Dim("peak_consistency")]} at {db} dB");
    }

    [Fact]
    public void Pink_noise_bands_hold_their_log_frequency_shares_without_band_limiting()
    {
        // The raw generator keeps its rising infrasonic content; a 46 ms window's main lobe
        // spreads it 43 Hz up, and version 1 read it as sub-bass.
        var pink = S.PinkNoise(30.0, bandLimited: false);
        double[] edges = [20.0, 60.0, 250.0, 500.0, 2000.0, 4000.0, 6000.0, 20000.0];
        var f = Draft(pink);
        var total = Math.Log(20000.0 / 20.0);
        for (var band = 0; band < 7; band++)
        {
            var share = 100.0 * Math.Log(edges[band + 1] / edges[band]) / total;
            Assert.True(Math.Abs(f[band] - share) <= 2.0, $"{FingerprintDimensions.Names[band]}: {f[band]} %, share {share:0.00} %");
        }

        var before = Stored(pink)[Dim("sub_bass_pct")] - (100.0 * Math.Log(3.0) / total);
        Assert.True(before > 2.0, $"version 1 read sub_bass only {before} points over its share: the test no longer shows the defect");
    }

    [Fact]
    public void A_near_silent_track_has_no_spectrum()
    {
        // Noise at -75 dBFS: every frame below the -60 dBFS silence threshold.
        var signal = S.WhiteNoise(10.0, S.Db(-75.0) * Math.Sqrt(3.0), 4);
        var f = Draft(signal);
        string[] spectral = ["sub_bass_pct", "bass_pct", "low_mid_pct", "mid_pct", "upper_mid_pct", "presence_pct", "air_pct", "spectral_centroid", "spectral_rolloff", "spectral_flatness", "harmonic_ratio", "bass_mid_ratio"];
        foreach (var name in spectral)
        {
            Assert.True(f[Dim(name)] == 0f, $"{name} of a near-silent track: {f[Dim(name)]}, want 0");
        }

        Assert.True(Stored(signal)[Dim("air_pct")] > 50f, "version 1 read noise below the silence threshold as bright: the test no longer shows the defect");
    }

    [Fact]
    public void Silent_frames_do_not_change_the_spectrum_of_the_music_around_them()
    {
        // 10 s of a floor of noise at -75 dBFS before a 10 s sine: the spectral dimensions are
        // the sine's alone.
        var floor = S.WhiteNoise(10.0, S.Db(-75.0) * Math.Sqrt(3.0), 6);
        var sine = S.Sine(440.0, 0.5, 10.0);
        var alone = Draft(sine);
        var after = Draft(S.Concat(floor, sine));
        for (var band = 0; band < 7; band++)
        {
            Assert.True(Math.Abs(after[band] - alone[band]) <= 0.05, $"{FingerprintDimensions.Names[band]}: {after[band]} after the floor, {alone[band]} alone");
        }

        Assert.True(Math.Abs(after[Dim("spectral_centroid")] - alone[Dim("spectral_centroid")]) <= 0.001, "spectral_centroid changed by the silent floor");
        Assert.True(Math.Abs(after[Dim("spectral_rolloff")] - alone[Dim("spectral_rolloff")]) <= 0.001, "spectral_rolloff changed by the silent floor");
        Assert.True(Math.Abs(after[Dim("harmonic_ratio")] - alone[Dim("harmonic_ratio")]) <= 0.01, "harmonic_ratio changed by the silent floor");
    }

    /// <summary>
    /// The same music at any rate: one continuous-time signal (a chord with a bass, a decaying
    /// 3 kHz knock on every beat at 112 BPM and a 7 kHz tick between beats, all below 16 kHz)
    /// sampled at <paramref name="sampleRate"/>, so the rates differ only in sampling.
    /// </summary>
    private static float[] Groove(int sampleRate, double seconds = 20.0)
    {
        const double Beat = 60.0 / 112.0;
        double[] chord = [220.0, 277.18, 329.63, 440.0];
        return S.Synth(seconds, 2, (c, i) =>
        {
            var t = (double)i / sampleRate;
            var tone = (0.12 * chord.Sum(f => Math.Sin(2.0 * Math.PI * f * t))) + (0.2 * Math.Sin(2.0 * Math.PI * 55.0 * t));
            var sinceBeat = t % Beat;
            var sinceTick = (t + (Beat / 2.0)) % Beat;
            var knock = 0.6 * Math.Exp(-sinceBeat / 0.015) * Math.Sin(2.0 * Math.PI * 3000.0 * sinceBeat);
            var tick = 0.25 * Math.Exp(-sinceTick / 0.006) * Math.Sin(2.0 * Math.PI * 7000.0 * sinceTick);
            return tone + knock + tick + (c == 0 ? 0.0 : 0.01 * Math.Sin(2.0 * Math.PI * 90.0 * t));
        }, sampleRate);
    }

    [Theory]
    [InlineData(32_000)]
    [InlineData(48_000)]
    [InlineData(96_000)]
    public void Rhythm_harmonics_and_bands_do_not_depend_on_the_sample_rate(int sampleRate)
    {
        // Version 1's frames were a power of two long, so at 32 kHz they lasted 64 ms instead of
        // 46 and transient_density fell to a fraction; version 2's frames last the same time at
        // every rate.
        var reference = Engine.Analyze(Groove(Sr), Sr, 2, Fingerprint.DraftVersion);
        var other = Engine.Analyze(Groove(sampleRate), sampleRate, 2, Fingerprint.DraftVersion);
        (string Name, double Tolerance)[] checks =
        [
            ("transient_density", 0.02), ("tempo_bpm", 0.5), ("rhythm_stability", 0.02), ("harmonic_ratio", 0.02),
            ("sub_bass_pct", 1.0), ("bass_pct", 1.0), ("low_mid_pct", 1.0), ("mid_pct", 1.0), ("upper_mid_pct", 1.0), ("bass_mid_ratio", 0.2),
            ("spectral_flatness", 0.02), ("pitch_stability", 0.02), ("chroma_energy", 0.02),
        ];
        foreach (var (name, tolerance) in checks)
        {
            Assert.True(
                Math.Abs(other[Dim(name)] - reference[Dim(name)]) <= tolerance,
                $"{name} at {sampleRate} Hz: {other[Dim(name)]}, at {Sr} Hz: {reference[Dim(name)]} (tolerance {tolerance})");
        }
    }

    [Fact]
    public void Version_1_rhythm_depends_on_the_sample_rate()
    {
        // The defect the draft removes, on the same signal, so the test above can fail.
        var reference = Engine.Analyze(Groove(Sr), Sr, 2, Fingerprint.FingerprintVersion);
        var other = Engine.Analyze(Groove(32_000), 32_000, 2, Fingerprint.FingerprintVersion);
        Assert.True(
            Math.Abs(other[Dim("transient_density")] - reference[Dim("transient_density")]) > 0.02 ||
            Math.Abs(other[Dim("rhythm_stability")] - reference[Dim("rhythm_stability")]) > 0.02,
            $"version 1 at 32 kHz: transient_density {other[Dim("transient_density")]} vs {reference[Dim("transient_density")]}, rhythm_stability {other[Dim("rhythm_stability")]} vs {reference[Dim("rhythm_stability")]}");
    }

    [Theory]
    [InlineData(44_100)]
    [InlineData(48_000)]
    public void Chroma_resolves_every_semitone_from_C2_to_C7(int sampleRate)
    {
        // Version 1's 21.5 Hz bins could not tell neighbouring semitones apart below about
        // 600 Hz: 9 of these 21 octave-spread sines failed, and a 440 Hz sine read 0.48 at 48 kHz.
        var failures = new List<string>();
        for (var semitone = -33; semitone <= 27; semitone++)
        {
            var freq = 440.0 * Math.Pow(2.0, semitone / 12.0);
            var f = Engine.Analyze(S.Sine(freq, 0.5, 3.0, sampleRate: sampleRate), sampleRate, 2, Fingerprint.DraftVersion);
            if (f[Dim("chroma_energy")] < 0.9 || f[Dim("pitch_stability")] < 0.95)
            {
                failures.Add($"{freq:0.0} Hz: chroma_energy {f[Dim("chroma_energy")]}, pitch_stability {f[Dim("pitch_stability")]}");
            }
        }

        Assert.True(failures.Count == 0, $"at {sampleRate} Hz:\n{string.Join('\n', failures)}");
        var before = Engine.Analyze(S.Sine(440.0, 0.5, 3.0, sampleRate: 48_000), 48_000, 2, Fingerprint.FingerprintVersion)[Dim("chroma_energy")];
        Assert.True(before < 0.9, $"version 1 read a 440 Hz sine at 48 kHz as chroma_energy {before}: the test no longer shows the defect");
    }

    [Fact]
    public void A_steady_triad_keeps_its_strongest_class_and_noise_does_not()
    {
        double[] triad = [261.63, 329.63, 392.0];
        var chord = S.Synth(10.0, 2, (_, i) => triad.Sum(f => 0.2 * Math.Sin(2.0 * Math.PI * f * i / Sr)));
        var f = Draft(chord);
        Assert.True(f[Dim("pitch_stability")] >= 0.95, $"triad pitch_stability {f[Dim("pitch_stability")]}");
        var noise = Draft(S.WhiteNoise(10.0, 0.3, 9));
        Assert.True(noise[Dim("pitch_stability")] <= 0.15, $"white noise pitch_stability {noise[Dim("pitch_stability")]}");
        Assert.True(noise[Dim("chroma_energy")] <= 0.15, $"white noise chroma_energy {noise[Dim("chroma_energy")]}");
    }

    /// <summary>Gain of a 5 s fade in and out that is linear in dB, from -60 dB to 0 and back.</summary>
    private static double Fades(double t, double seconds)
    {
        var db = t < 5.0 ? -60.0 * (1.0 - (t / 5.0)) : t > seconds - 5.0 ? -60.0 * (t - (seconds - 5.0)) / 5.0 : 0.0;
        return S.Db(db);
    }

    /// <summary>Signals with level trends and no pulse: noise and a chord with fades, and pads that swell.</summary>
    private static float[] Trend(string kind)
    {
        const double Seconds = 30.0;
        double[] triad = [261.63, 329.63, 392.0];
        switch (kind)
        {
            case "white noise with fades":
            case "white noise with fades (2)":
            {
                var noise = S.WhiteNoise(Seconds, 0.3, kind.EndsWith("(2)", StringComparison.Ordinal) ? 12UL : 11UL);
                return S.Synth(Seconds, 2, (c, i) => noise[(2 * i) + c] * Fades((double)i / Sr, Seconds));
            }

            case "pink noise with fades":
            {
                var noise = S.PinkNoise(Seconds);
                return S.Synth(Seconds, 2, (c, i) => noise[(2 * i) + c] * Fades((double)i / Sr, Seconds));
            }

            case "chord with fades":
                return S.Synth(Seconds, 2, (_, i) => triad.Sum(f => 0.2 * Math.Sin(2.0 * Math.PI * f * i / Sr)) * Fades((double)i / Sr, Seconds));
            case "swelling pad":
                // Each note with two detuned voices (a chorus, beating slowly) and an octave, the
                // whole swelling over 16 s.
                return S.Synth(40.0, 2, (_, i) =>
                {
                    var t = (double)i / Sr;
                    var pad = 0.0;
                    foreach (var f in triad)
                    {
                        foreach (var (detune, amp) in new[] { (-0.15, 0.5), (0.0, 1.0), (0.12, 0.7) })
                        {
                            pad += amp * ((0.05 * Math.Sin(2.0 * Math.PI * (f + detune) * t)) + (0.02 * Math.Sin(4.0 * Math.PI * (f + detune) * t)));
                        }
                    }

                    return pad * (0.55 - (0.45 * Math.Cos(2.0 * Math.PI * t / 16.0)));
                });
            case "beating pad":
                // Three equal voices 0.4 Hz apart: the sum cancels to silence every 2.5 s, the
                // deepest tremolo a pad can have (24 per minute, below the tempo range).
                return S.Synth(40.0, 2, (_, i) =>
                {
                    var t = (double)i / Sr;
                    var pad = triad.Sum(f => new[] { -0.4, 0.0, 0.4 }.Sum(d => (0.05 * Math.Sin(2.0 * Math.PI * (f + d) * t)) + (0.02 * Math.Sin(4.0 * Math.PI * (f + d) * t))));
                    return pad * (0.55 - (0.45 * Math.Cos(2.0 * Math.PI * t / 20.0)));
                });
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    [Theory]
    [InlineData("white noise with fades")]
    [InlineData("white noise with fades (2)")]
    [InlineData("pink noise with fades")]
    [InlineData("chord with fades")]
    [InlineData("swelling pad")]
    [InlineData("beating pad")]
    public void Level_trends_are_not_a_tempo(string kind)
    {
        // Version 1 read noise with fades as 129-147 BPM and a steady chord with fades as 121 BPM
        // (stability 0.92): the fade's rise has autocorrelation at every lag.
        var f = Draft(Trend(kind));
        Assert.True(f[Dim("tempo_bpm")] == 0f, $"{kind}: tempo {f[Dim("tempo_bpm")]} BPM (stability {f[Dim("rhythm_stability")]}), want 0");
        Assert.True(f[Dim("rhythm_stability")] <= 0.2, $"{kind}: rhythm_stability {f[Dim("rhythm_stability")]}");
    }

    [Fact]
    public void Version_1_reads_level_trends_as_a_tempo()
    {
        foreach (var kind in new[] { "chord with fades", "swelling pad" })
        {
            var before = Stored(Trend(kind));
            Assert.True(before[Dim("tempo_bpm")] > 0f, $"version 1 read no tempo from the {kind}: the test above no longer shows the defect");
        }
    }

    /// <summary>
    /// The same decoded audio stored as 16-bit PCM with triangular dither: version 2's flatness
    /// moves by at most 5 %. Version 1's measured the empty spectrum above the music (here above
    /// 10 kHz), which the dither fills.
    /// </summary>
    [Fact]
    public void Flatness_does_not_depend_on_16_bit_storage()
    {
        // A quiet passage (peaks near -45 dBFS): there the dither is within 100 dB of the music.
        const double Level = 0.005;
        var music = Groove(Sr);
        var rng = new S.Rng(33);
        var stored = music.Select(x => (float)(Math.Round((x * Level * 32767.0) + ((rng.Uniform() + rng.Uniform()) / 2.0)) / 32767.0)).ToArray();
        var quiet = Scaled(music, 20.0 * Math.Log10(Level));
        var flat = Dim("spectral_flatness");
        var (reference, sixteen) = (Draft(quiet)[flat], Draft(stored)[flat]);
        Assert.True(Math.Abs((sixteen / reference) - 1.0) <= 0.05, $"flatness {sixteen} as 16-bit, {reference} as float");
        var (reference1, sixteen1) = (Stored(quiet)[flat], Stored(stored)[flat]);
        Assert.True(Math.Abs((sixteen1 / reference1) - 1.0) > 0.05, $"version 1: flatness {sixteen1} as 16-bit, {reference1} as float: the test no longer shows the defect");
    }

    [Fact]
    public void Versions_other_than_the_stored_and_the_draft_are_refused_by_name()
    {
        var e = Assert.Throws<FingerprintException>(() => Engine.CreateAnalyzer(Sr, 2, Fingerprint.DraftVersion + 1).Dispose());
        Assert.Equal(FingerprintErrorKind.InvalidArgument, e.Kind);
        Assert.Contains($"fingerprint version {Fingerprint.DraftVersion + 1}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_analyzer_computes_the_stored_version()
    {
        var signal = SectionsWithFadeOut();
        using var analyzer = Engine.CreateAnalyzer(Sr, 2);
        analyzer.Push(signal);
        Assert.Equal(Stored(signal), analyzer.Finish());
    }
}
