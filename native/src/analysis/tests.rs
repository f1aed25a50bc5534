//! The truths of docs/fingerprint.md and the EBU Tech 3341 / 3342 cases, on signals synthesized here
//! whose answers are known analytically. 44.1 kHz stereo unless a test says otherwise.

use super::*;

const SR: u32 = 44_100;

fn db(level_dbfs: f64) -> f64 {
    10f64.powf(level_dbfs / 20.0)
}

/// Small deterministic RNG (xorshift64*), so tests need no crates and never flake.
struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in [-1, 1).
    fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
    fn gaussian(&mut self) -> f64 {
        // Sum of 12 uniforms: close enough to normal for level and spectrum tests.
        (0..12).map(|_| 0.5 * (self.uniform() + 1.0)).sum::<f64>() - 6.0
    }
}

/// Interleaves per-channel signals produced by `f(channel, t_seconds)`.
fn synth(seconds: f64, channels: usize, mut f: impl FnMut(usize, usize) -> f64) -> Vec<f32> {
    let frames = (seconds * SR as f64).round() as usize;
    let mut out = Vec::with_capacity(frames * channels);
    for i in 0..frames {
        for c in 0..channels {
            out.push(f(c, i) as f32);
        }
    }
    out
}

fn sine(freq: f64, amp: f64, seconds: f64) -> Vec<f32> {
    synth(seconds, 2, |_, i| amp * (2.0 * std::f64::consts::PI * freq * i as f64 / SR as f64).sin())
}

/// Piecewise sine at 1 kHz: (seconds, dBFS) pieces, stereo. Phase continuous.
fn sine_pieces(pieces: &[(f64, f64)]) -> Vec<f32> {
    let mut out = Vec::new();
    let mut i = 0usize;
    for &(seconds, level) in pieces {
        let frames = (seconds * SR as f64).round() as usize;
        let amp = db(level);
        for _ in 0..frames {
            let x = amp * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / SR as f64).sin();
            out.push(x as f32);
            out.push(x as f32);
            i += 1;
        }
    }
    out
}

fn white_noise(seconds: f64, amp: f64, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    synth(seconds, 2, |_, _| amp * rng.uniform())
}

/// RBJ high-pass biquad (f64), for band-limiting test signals.
struct HighPass { b: [f64; 3], a: [f64; 2], x: [f64; 2], y: [f64; 2] }
impl HighPass {
    fn new(freq: f64, q: f64) -> HighPass {
        let w = 2.0 * std::f64::consts::PI * freq / SR as f64;
        let alpha = w.sin() / (2.0 * q);
        let a0 = 1.0 + alpha;
        let c = w.cos();
        HighPass {
            b: [(1.0 + c) / 2.0 / a0, -(1.0 + c) / a0, (1.0 + c) / 2.0 / a0],
            a: [-2.0 * c / a0, (1.0 - alpha) / a0],
            x: [0.0; 2],
            y: [0.0; 2],
        }
    }
    fn run(&mut self, x: f64) -> f64 {
        let y = self.b[0] * x + self.b[1] * self.x[0] + self.b[2] * self.x[1] - self.a[0] * self.y[0] - self.a[1] * self.y[1];
        self.x = [x, self.x[0]];
        self.y = [y, self.y[0]];
        y
    }
}

/// Pink noise band-limited to 20 Hz-20 kHz, like a standard pink-noise test signal: Paul
/// Kellet's refined filter (within 0.05 dB of 1/f from 9 Hz up at 44.1 kHz) followed by a
/// 4th-order Butterworth high-pass at 12 Hz. Without the high-pass, the generator's strong
/// infrasonic content leaks through the analysis window into the 21.5 Hz bin.
fn pink_noise(seconds: f64) -> Vec<f32> {
    let mut rng = Rng(7);
    let mut hp = [HighPass::new(12.0, 0.5412), HighPass::new(12.0, 1.3066)];
    let mut b = [0.0f64; 7];
    synth(seconds, 2, |c, _| {
        if c == 1 {
            return 0.0; // filled below from channel 0
        }
        let w = rng.gaussian();
        b[0] = 0.99886 * b[0] + w * 0.0555179;
        b[1] = 0.99332 * b[1] + w * 0.0750759;
        b[2] = 0.96900 * b[2] + w * 0.1538520;
        b[3] = 0.86650 * b[3] + w * 0.3104856;
        b[4] = 0.55000 * b[4] + w * 0.5329522;
        b[5] = -0.7616 * b[5] - w * 0.0168980;
        let out = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
        b[6] = w * 0.115926;
        let first = hp[0].run(out * 0.02);
        hp[1].run(first)
    })
    .chunks(2)
    .flat_map(|f| [f[0], f[0]])
    .collect()
}

/// Short decaying clicks (5 ms, 1 kHz burst) at `bpm`.
fn clicks(bpm: f64, seconds: f64) -> Vec<f32> {
    let period = 60.0 / bpm;
    synth(seconds, 2, |_, i| {
        let t = i as f64 / SR as f64;
        let since = t - (t / period).floor() * period;
        if since < 0.02 {
            0.8 * (-since / 0.005).exp() * (2.0 * std::f64::consts::PI * 1000.0 * since).sin()
        } else {
            0.0
        }
    })
}

fn fp(samples: &[f32]) -> [f32; DIMENSIONS] {
    analyze(samples, SR, 2).expect("analysis succeeds").values
}

fn dim(name: &str) -> usize {
    DIMENSION_NAMES.iter().position(|&n| n == name).expect("known dimension")
}

fn assert_near(what: &str, got: f32, want: f64, tol: f64) {
    assert!(
        (got as f64 - want).abs() <= tol,
        "{what}: got {got}, want {want} +- {tol}"
    );
}

#[test]
fn stft_size_is_2048_at_44k_and_48k_and_scales_with_rate() {
    assert_eq!(fft_len_for(44_100), 2048);
    assert_eq!(fft_len_for(48_000), 2048);
    assert_eq!(fft_len_for(22_050), 1024);
    assert_eq!(fft_len_for(96_000), 4096);
    for sr in [8_000, 11_025, 16_000, 22_050, 32_000, 44_100, 48_000, 88_200, 96_000, 192_000, 384_000] {
        let hop = onset_hop_for(fft_len_for(sr), sr) as f64 / sr as f64;
        assert!(hop <= 0.012, "onset hop {hop} s at {sr} Hz exceeds 12 ms");
    }
}

#[test]
fn sine_in_band_interior_puts_at_least_99_percent_in_that_band() {
    // Sub-bass (20-60 Hz) is narrower than the Hann main lobe at N = 2048 (86 Hz), so no
    // sine can put 99 % there; see docs/fingerprint.md. It gets its own, weaker test below.
    for (band, freq) in [(1, 130.0), (2, 350.0), (3, 1000.0), (4, 2900.0), (5, 5000.0), (6, 11000.0)] {
        let f = fp(&sine(freq, 0.5, 10.0));
        assert!(f[band] >= 99.0, "{freq} Hz: band {} = {}", DIMENSION_NAMES[band], f[band]);
    }
}

#[test]
fn sub_bass_sine_is_mostly_sub_bass_within_the_window_resolution() {
    let f = fp(&sine(40.0, 0.5, 10.0));
    assert!(f[0] >= 85.0, "40 Hz sine: sub_bass_pct = {}", f[0]);
}

#[test]
fn pink_noise_band_shares_follow_log_band_widths() {
    let f = fp(&pink_noise(30.0));
    for band in 0..7 {
        let (lo, hi) = (spectrum::BAND_EDGES_HZ[band], spectrum::BAND_EDGES_HZ[band + 1]);
        let want = 100.0 * (hi / lo).ln() / 1000f64.ln();
        assert_near(DIMENSION_NAMES[band], f[band], want, 2.0);
    }
}

#[test]
fn band_shares_sum_to_100_or_are_all_zero() {
    for signal in [sine(440.0, 0.3, 2.0), white_noise(2.0, 0.3, 3), clicks(100.0, 3.0)] {
        let f = fp(&signal);
        let sum: f32 = f[..7].iter().sum();
        assert!((sum - 100.0).abs() <= 0.01, "sum {sum}");
    }
    let f = fp(&vec![0.0; SR as usize * 2 * 2]);
    assert!(f[..7].iter().all(|&x| x == 0.0));
}

#[test]
fn ebu_tech_3341_cases_1_to_5_within_0_1_lu() {
    let cases: [(&str, Vec<(f64, f64)>); 5] = [
        ("case 1", vec![(20.0, -23.0)]),
        ("case 2", vec![(20.0, -33.0)]),
        ("case 3", vec![(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)]),
        ("case 4", vec![(10.0, -72.0), (10.0, -36.0), (60.0, -23.0), (10.0, -36.0), (10.0, -72.0)]),
        ("case 5", vec![(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)]),
    ];
    let want = [-23.0, -33.0, -23.0, -23.0, -23.0];
    for ((name, pieces), want) in cases.iter().zip(want) {
        let f = fp(&sine_pieces(pieces));
        assert_near(name, f[dim("lufs")], want, 0.1);
    }
}

#[test]
fn ebu_tech_3342_cases_1_to_4_within_1_lu() {
    let cases: [(Vec<(f64, f64)>, f64); 4] = [
        (vec![(20.0, -20.0), (20.0, -30.0)], 10.0),
        (vec![(20.0, -20.0), (20.0, -15.0)], 5.0),
        (vec![(20.0, -40.0), (20.0, -20.0)], 20.0),
        (vec![(20.0, -50.0), (20.0, -35.0), (20.0, -20.0), (20.0, -35.0), (20.0, -50.0)], 15.0),
    ];
    for (i, (pieces, want)) in cases.iter().enumerate() {
        let f = fp(&sine_pieces(pieces));
        assert_near(&format!("3342 case {}", i + 1), f[dim("dynamic_range_variation")], *want, 1.0);
    }
}

#[test]
fn steady_tone_has_no_loudness_range_or_variation() {
    let f = fp(&sine(1000.0, 0.25, 30.0));
    assert_near("LRA", f[dim("dynamic_range_variation")], 0.0, 0.5);
    assert_near("std", f[dim("loudness_variation_std")], 0.0, 0.1);
}

#[test]
fn two_level_steps_10_db_apart_give_short_term_std_of_5() {
    let f = fp(&sine_pieces(&[(20.0, -20.0), (20.0, -30.0)]));
    assert_near("loudness_variation_std", f[dim("loudness_variation_std")], 5.0, 0.5);
}

#[test]
fn crest_of_sine_is_3_01_db_and_of_square_wave_0() {
    let f = fp(&sine(997.0, 0.5, 5.0));
    assert_near("sine crest", f[dim("crest_db")], 3.0103, 0.05);
    let square = synth(5.0, 2, |_, i| if (i / 50) % 2 == 0 { 1.0 } else { -1.0 });
    assert_near("square crest", fp(&square)[dim("crest_db")], 0.0, 0.05);
}

#[test]
fn equal_level_sines_at_100_hz_and_1_khz_have_bass_mid_ratio_0() {
    let two = synth(10.0, 2, |_, i| {
        let t = i as f64 / SR as f64;
        0.3 * (2.0 * std::f64::consts::PI * 100.0 * t).sin() + 0.3 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()
    });
    assert_near("bass_mid_ratio", fp(&two)[dim("bass_mid_ratio")], 0.0, 0.5);
}

#[test]
fn click_tracks_give_their_tempo_within_1_bpm_without_octave_errors() {
    for bpm in [60.0, 63.0, 72.0, 87.5, 95.0, 100.0, 120.0, 128.0, 140.0, 155.0, 174.0, 190.0, 199.0] {
        let f = fp(&clicks(bpm, 30.0));
        assert_near(&format!("tempo of {bpm} BPM clicks"), f[dim("tempo_bpm")], bpm, 1.0);
        assert!(f[dim("rhythm_stability")] >= 0.9, "{bpm} BPM stability {}", f[dim("rhythm_stability")]);
    }
}

#[test]
fn silence_and_steady_tone_have_no_tempo() {
    for signal in [vec![0.0f32; SR as usize * 2 * 10], sine(440.0, 0.5, 10.0), sine(50.0, 0.5, 10.0)] {
        let f = fp(&signal);
        assert_eq!(f[dim("tempo_bpm")], 0.0);
        assert_eq!(f[dim("rhythm_stability")], 0.0);
    }
}

#[test]
fn white_noise_has_low_rhythm_stability() {
    let f = fp(&white_noise(30.0, 0.3, 11));
    assert!(f[dim("rhythm_stability")] <= 0.3, "{}", f[dim("rhythm_stability")]);
}

#[test]
fn clicks_at_120_bpm_have_transient_density_0_2() {
    assert_near("transient_density", fp(&clicks(120.0, 30.0))[dim("transient_density")], 0.2, 0.02);
}

#[test]
fn tone_silence_tone_has_silence_ratio_one_third() {
    let mut s = sine(440.0, 0.5, 10.0);
    s.extend(vec![0.0f32; SR as usize * 2 * 10]);
    s.extend(sine(440.0, 0.5, 10.0));
    assert_near("silence_ratio", fp(&s)[dim("silence_ratio")], 0.333, 0.01);
}

#[test]
fn centroid_and_rolloff_of_1_khz_sine_are_1000_over_22050() {
    let f = fp(&sine(1000.0, 0.5, 10.0));
    assert_near("centroid", f[dim("spectral_centroid")], 0.0454, 0.002);
    assert_near("rolloff", f[dim("spectral_rolloff")], 0.0454, 0.002);
}

#[test]
fn white_noise_rolloff_is_0_85_and_flatness_high() {
    let f = fp(&white_noise(10.0, 0.3, 5));
    assert_near("rolloff", f[dim("spectral_rolloff")], 0.85, 0.02);
    assert!(f[dim("spectral_flatness")] >= 0.5, "{}", f[dim("spectral_flatness")]);
}

#[test]
fn sine_has_flatness_near_zero() {
    assert!(fp(&sine(1000.0, 0.5, 5.0))[dim("spectral_flatness")] <= 0.01);
}

#[test]
fn sine_chord_is_harmonic_and_click_track_is_percussive() {
    let chord = synth(10.0, 2, |_, i| {
        let t = i as f64 / SR as f64;
        [261.63, 329.63, 392.0].iter().map(|f| 0.2 * (2.0 * std::f64::consts::PI * f * t).sin()).sum()
    });
    let f = fp(&chord);
    assert!(f[dim("harmonic_ratio")] >= 0.9, "chord {}", f[dim("harmonic_ratio")]);
    let f = fp(&clicks(120.0, 10.0));
    assert!(f[dim("harmonic_ratio")] <= 0.2, "clicks {}", f[dim("harmonic_ratio")]);
}

#[test]
fn steady_sine_has_stable_concentrated_chroma_and_noise_flat_chroma() {
    let f = fp(&sine(440.0, 0.5, 10.0));
    assert!(f[dim("pitch_stability")] >= 0.95, "{}", f[dim("pitch_stability")]);
    assert!(f[dim("chroma_energy")] >= 0.9, "{}", f[dim("chroma_energy")]);
    let f = fp(&white_noise(10.0, 0.3, 9));
    assert!(f[dim("chroma_energy")] <= 0.15, "{}", f[dim("chroma_energy")]);
}

#[test]
fn stereo_width_and_correlation_for_identical_opposite_and_independent_channels() {
    let mut rng = Rng(99);
    let same = synth(10.0, 2, |c, _| if c == 0 { rng.uniform() * 0.3 } else { 0.0 });
    let same: Vec<f32> = same.chunks(2).flat_map(|f| [f[0], f[0]]).collect();
    let f = fp(&same);
    assert_near("L=R width", f[dim("stereo_width")], 0.0, 1e-6);
    assert_near("L=R corr", f[dim("phase_correlation")], 1.0, 1e-6);
    let opposite: Vec<f32> = same.chunks(2).flat_map(|f| [f[0], -f[0]]).collect();
    let f = fp(&opposite);
    assert_near("L=-R width", f[dim("stereo_width")], 1.0, 1e-6);
    assert_near("L=-R corr", f[dim("phase_correlation")], -1.0, 1e-6);
    let f = fp(&white_noise(10.0, 0.3, 21));
    assert_near("independent width", f[dim("stereo_width")], 0.5, 0.02);
    assert_near("independent corr", f[dim("phase_correlation")], 0.0, 0.05);
}

#[test]
fn no_dimension_is_ever_nan_or_infinite() {
    let signals: Vec<(&str, Vec<f32>)> = vec![
        ("silence", vec![0.0; SR as usize * 2]),
        ("dc", vec![0.5; SR as usize * 2]),
        ("full-scale noise", white_noise(2.0, 1.0, 1)),
        ("full-scale square", synth(2.0, 2, |_, i| if i % 2 == 0 { 1.0 } else { -1.0 })),
        ("tiny", synth(2.0, 2, |_, i| 1e-30 * (i % 3) as f64)),
        ("half second", sine(440.0, 0.5, 0.5)),
    ];
    for (name, s) in signals {
        let f = fp(&s);
        assert!(f.iter().all(|x| x.is_finite()), "{name}: {f:?}");
    }
}

#[test]
fn nan_and_infinite_samples_are_rejected_with_their_position() {
    let mut s = sine(440.0, 0.5, 1.0);
    s[1001] = f32::NAN;
    match analyze(&s, SR, 2) {
        Err(AnalysisError::InvalidSample { frame: 500, channel: 1, .. }) => {}
        other => panic!("expected InvalidSample at frame 500 channel 1, got {other:?}"),
    }
    s[1001] = f32::INFINITY;
    assert!(matches!(analyze(&s, SR, 2), Err(AnalysisError::InvalidSample { .. })));
}

#[test]
fn inputs_shorter_than_half_a_second_are_rejected() {
    let s = sine(440.0, 0.5, 0.4);
    assert!(matches!(analyze(&s, SR, 2), Err(AnalysisError::TooShort { .. })));
    assert!(matches!(analyze(&[0.1, 0.1], SR, 2), Err(AnalysisError::TooShort { .. })));
}

#[test]
fn invalid_rates_channels_and_ragged_blocks_are_rejected() {
    assert!(Analyzer::new(7_999, 2).is_err());
    assert!(Analyzer::new(384_001, 2).is_err());
    assert!(Analyzer::new(44_100, 0).is_err());
    assert!(Analyzer::new(44_100, 9).is_err());
    let mut a = Analyzer::new(44_100, 2).unwrap();
    assert!(matches!(a.push(&[0.0; 3]), Err(AnalysisError::InvalidArgument(_))));
}

#[test]
fn pushing_in_blocks_of_any_size_gives_the_same_fingerprint_as_one_push() {
    let mut s = clicks(130.0, 6.0);
    for (i, x) in white_noise(6.0, 0.05, 4).into_iter().enumerate() {
        s[i] += x;
    }
    // Compared before rounding to f32: rounding would hide the last-bit drift of sums taken
    // over different runs (found by the managed port's equivalent test).
    let mut one = Analyzer::new(SR, 2).unwrap();
    one.push(&s).unwrap();
    let whole = one.finish_values().unwrap();
    for block_frames in [1usize, 7, 500, 512, 4410, 100_000] {
        let mut a = Analyzer::new(SR, 2).unwrap();
        for chunk in s.chunks(block_frames * 2) {
            a.push(chunk).unwrap();
        }
        let got = a.finish_values().unwrap();
        for i in 0..DIMENSIONS {
            assert_eq!(got[i].to_bits(), whole[i].to_bits(), "block size {block_frames}: {}", DIMENSION_NAMES[i]);
        }
    }
}

#[test]
fn finish_twice_and_push_after_finish_are_errors() {
    let mut a = Analyzer::new(SR, 2).unwrap();
    a.push(&sine(440.0, 0.5, 1.0)).unwrap();
    a.finish().unwrap();
    assert_eq!(a.finish(), Err(AnalysisError::AlreadyFinished));
    assert_eq!(a.push(&[0.0, 0.0]), Err(AnalysisError::AlreadyFinished));
}

#[test]
fn other_rates_and_channel_counts_give_consistent_results() {
    // A 1 kHz sine keeps its band, centroid and loudness at every rate and layout.
    for sr in [8_000u32, 22_050, 48_000, 96_000] {
        for channels in [1usize, 2, 6] {
            let frames = sr as usize * 3;
            let amp = db(-23.0);
            let mut s = Vec::with_capacity(frames * channels);
            for i in 0..frames {
                let x = amp * (2.0 * std::f64::consts::PI * 1000.0 * i as f64 / sr as f64).sin();
                for c in 0..channels {
                    // 5.1: only L and R carry the tone, so loudness matches stereo.
                    let on = channels != 6 || c < 2;
                    s.push(if on { x as f32 } else { 0.0 });
                }
            }
            let f = analyze(&s, sr, channels as u32).unwrap().values;
            let what = format!("{sr} Hz x{channels}");
            assert!(f[dim("mid_pct")] >= 99.0, "{what}: mid_pct {}", f[dim("mid_pct")]);
            assert_near(&format!("{what} centroid"), f[dim("spectral_centroid")], 1000.0 / 22050.0, 0.002);
            let want_lufs = if channels == 1 { -26.01 } else { -23.0 };
            assert_near(&format!("{what} lufs"), f[dim("lufs")], want_lufs, 0.1);
        }
    }
}


// ---- The draft (version 2 in development) ----

fn fp_draft(samples: &[f32]) -> [f32; DIMENSIONS] {
    analyze_version(samples, SR, 2, DRAFT_VERSION).expect("draft analysis").values
}

#[test]
fn versions_other_than_the_stored_and_the_draft_are_refused() {
    assert!(Analyzer::with_version(SR, 2, FINGERPRINT_VERSION).is_ok());
    assert!(Analyzer::with_version(SR, 2, DRAFT_VERSION).is_ok());
    match Analyzer::with_version(SR, 2, DRAFT_VERSION + 1) {
        Err(AnalysisError::InvalidArgument(m)) => assert!(m.contains("fingerprint version 3"), "{m}"),
        other => panic!("expected InvalidArgument, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn draft_loudness_variation_std_does_not_depend_on_the_level() {
    // Two levels and a fade falling 90 dB over 20 s: version 1's absolute gate lets more or
    // less of the fade in as the level changes; the draft's relative gate moves with it.
    let pieces: Vec<(f64, f64)> = [(10.0, -18.0), (10.0, -26.0)]
        .into_iter()
        .chain((0..200).map(|k| (0.1, -14.0 - 0.45 * k as f64)))
        .collect();
    let loud = sine_pieces(&pieces);
    let quiet: Vec<f32> = loud.iter().map(|&x| x * db(-20.0) as f32).collect();
    let std = dim("loudness_variation_std");
    let (a, b) = (fp_draft(&loud)[std], fp_draft(&quiet)[std]);
    assert!((a - b).abs() <= 0.2, "draft: {a} at 0 dB, {b} at -20 dB");
    let (c, d) = (fp(&loud)[std], fp(&quiet)[std]);
    assert!((c - d).abs() > 0.2, "version 1 no longer shows the defect: {c} vs {d}");
}

#[test]
fn draft_near_silent_track_has_no_spectrum() {
    let quiet = white_noise(10.0, db(-75.0) * 3f64.sqrt(), 4);
    let f = fp_draft(&quiet);
    for name in ["sub_bass_pct", "air_pct", "spectral_centroid", "spectral_rolloff", "spectral_flatness", "harmonic_ratio"] {
        assert_eq!(f[dim(name)], 0.0, "{name}");
    }
    assert!(fp(&quiet)[dim("air_pct")] > 50.0, "version 1 no longer reads the floor as bright");
}

#[test]
fn draft_framing_lasts_the_same_at_every_rate_and_is_version_1_at_44k() {
    assert_eq!(framing(DRAFT_VERSION, 44_100), framing(FINGERPRINT_VERSION, 44_100));
    assert_eq!(framing(DRAFT_VERSION, 44_100), (2048, 2048, 512));
    assert_eq!(framing(DRAFT_VERSION, 48_000), (2228, 4096, 557));
    assert_eq!(framing(DRAFT_VERSION, 32_000), (1488, 4096, 372));
    assert_eq!(framing(DRAFT_VERSION, 96_000), (4460, 8192, 1115));
    for sr in [8_000u32, 22_050, 32_000, 48_000, 88_200, 96_000, 192_000, 384_000] {
        let (window, fft, hop) = framing(DRAFT_VERSION, sr);
        let ms = 1000.0 * window as f64 / sr as f64;
        assert!((ms - 46.44).abs() < 0.2, "{sr} Hz: window {ms} ms");
        assert!(fft == window || (fft.is_power_of_two() && 2 * fft >= 3 * window && fft < 3 * window), "{sr} Hz: fft {fft} for window {window}");
        assert_eq!(window, 4 * hop);
    }
}

fn sine_at(freq: f64, amp: f64, seconds: f64, sr: u32) -> Vec<f32> {
    let frames = (seconds * sr as f64).round() as usize;
    (0..frames)
        .flat_map(|i| {
            let x = (amp * (2.0 * std::f64::consts::PI * freq * i as f64 / sr as f64).sin()) as f32;
            [x, x]
        })
        .collect()
}

#[test]
fn draft_chroma_resolves_every_semitone_from_c2_to_c7() {
    let mut failures = Vec::new();
    for sr in [44_100u32, 48_000] {
        for semitone in -33..=27 {
            if (semitone + 33) % 3 != 0 {
                continue; // every third semitone here; the C# suite covers all of them
            }
            let freq = 440.0 * 2f64.powf(semitone as f64 / 12.0);
            let f = analyze_version(&sine_at(freq, 0.5, 3.0, sr), sr, 2, DRAFT_VERSION).unwrap().values;
            let (energy, stability) = (f[dim("chroma_energy")], f[dim("pitch_stability")]);
            if energy < 0.9 || stability < 0.95 {
                failures.push(format!("{freq:.1} Hz at {sr}: chroma_energy {energy}, pitch_stability {stability}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn draft_triad_is_stable_and_noise_is_not() {
    let triad: Vec<f32> = synth(10.0, 2, |_, i| {
        let t = i as f64 / SR as f64;
        [261.63, 329.63, 392.0].iter().map(|&f| 0.2 * (2.0 * std::f64::consts::PI * f * t).sin()).sum()
    });
    let f = fp_draft(&triad);
    assert!(f[dim("pitch_stability")] >= 0.95, "triad pitch_stability {}", f[dim("pitch_stability")]);
    let noise = fp_draft(&white_noise(10.0, 0.3, 9));
    assert!(noise[dim("pitch_stability")] <= 0.15, "white noise pitch_stability {}", noise[dim("pitch_stability")]);
    assert!(noise[dim("chroma_energy")] <= 0.15, "white noise chroma_energy {}", noise[dim("chroma_energy")]);
}

/// Gain of 5 s fades in and out, linear in dB from -60 dB.
fn fades(t: f64, seconds: f64) -> f64 {
    let level = if t < 5.0 {
        -60.0 * (1.0 - t / 5.0)
    } else if t > seconds - 5.0 {
        -60.0 * (t - (seconds - 5.0)) / 5.0
    } else {
        0.0
    };
    db(level)
}

#[test]
fn draft_level_trends_are_not_a_tempo() {
    // Version 1 read the fades' rise as a pulse: noise 129-147 BPM, a steady triad 121 BPM.
    let seconds = 30.0;
    let noise = white_noise(seconds, 0.3, 11);
    let faded_noise: Vec<f32> = noise
        .iter()
        .enumerate()
        .map(|(i, &x)| x * fades((i / 2) as f64 / SR as f64, seconds) as f32)
        .collect();
    let triad = [261.63, 329.63, 392.0];
    let faded_chord = synth(seconds, 2, |_, i| {
        let t = i as f64 / SR as f64;
        triad.iter().map(|f| 0.2 * (2.0 * std::f64::consts::PI * f * t).sin()).sum::<f64>() * fades(t, seconds)
    });
    for (name, signal) in [("noise", &faded_noise), ("chord", &faded_chord)] {
        let f = fp_draft(signal);
        assert_eq!(f[dim("tempo_bpm")], 0.0, "{name} with fades: {} BPM", f[dim("tempo_bpm")]);
        assert!(f[dim("rhythm_stability")] <= 0.2, "{name}");
    }
    assert!(fp(&faded_chord)[dim("tempo_bpm")] > 0.0, "version 1 no longer reads the chord's fades as a tempo");
}

#[test]
fn draft_click_tracks_keep_their_tempo() {
    for bpm in [60.5, 97.0, 143.0, 199.0] {
        let f = fp_draft(&clicks(bpm, 20.0));
        assert!((f[dim("tempo_bpm")] as f64 - bpm).abs() <= 1.0, "{bpm}: {}", f[dim("tempo_bpm")]);
        assert!(f[dim("rhythm_stability")] >= 0.9, "{bpm}: stability {}", f[dim("rhythm_stability")]);
    }
}
