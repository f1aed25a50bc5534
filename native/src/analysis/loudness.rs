//! Loudness per ITU-R BS.1770-4 (integrated, gated) and EBU Tech 3342 (loudness range), plus the
//! short-term loudness spread. Everything is derived from 100 ms segments of K-weighted channel
//! energy, so the streaming state is one f64 per segment (10 per second of audio).

/// Second-order IIR section, transposed direct form II, in f64: the K-weighting shelf has a gain
/// near 4 dB and a 38 Hz high-pass, where f32 state would drift on long files.
#[derive(Clone, Copy, Debug)]
pub struct Biquad {
    b0: f64,
    b1: f64,
    b2: f64,
    a1: f64,
    a2: f64,
}

impl Biquad {
    /// Stage 1 of the K-weighting (the "head" high shelf), designed for `sample_rate`.
    /// The analog prototype's parameters are those that reproduce the BS.1770 48 kHz coefficients
    /// (as derived for libebur128), mapped with the bilinear transform so any rate works.
    pub fn k_shelf(sample_rate: f64) -> Biquad {
        let f0 = 1681.974450955533;
        let gain_db = 3.999843853973347;
        let q = 0.7071752369554196;
        let k = (std::f64::consts::PI * f0 / sample_rate).tan();
        let vh = 10f64.powf(gain_db / 20.0);
        let vb = vh.powf(0.4996667741545416);
        let a0 = 1.0 + k / q + k * k;
        Biquad {
            b0: (vh + vb * k / q + k * k) / a0,
            b1: 2.0 * (k * k - vh) / a0,
            b2: (vh - vb * k / q + k * k) / a0,
            a1: 2.0 * (k * k - 1.0) / a0,
            a2: (1.0 - k / q + k * k) / a0,
        }
    }

    /// Stage 2 of the K-weighting (the RLB high-pass).
    pub fn k_highpass(sample_rate: f64) -> Biquad {
        let f0 = 38.13547087602444;
        let q = 0.5003270373238773;
        let k = (std::f64::consts::PI * f0 / sample_rate).tan();
        let a0 = 1.0 + k / q + k * k;
        Biquad {
            b0: 1.0,
            b1: -2.0,
            b2: 1.0,
            a1: 2.0 * (k * k - 1.0) / a0,
            a2: (1.0 - k / q + k * k) / a0,
        }
    }
}

/// The K-weighting filter state of one channel (both stages).
#[derive(Clone, Copy, Debug, Default)]
pub struct KState {
    s1: [f64; 2],
    s2: [f64; 2],
}

/// One step of a biquad in transposed direct form II.
#[inline(always)]
fn step(f: &Biquad, s1: &mut f64, s2: &mut f64, x: f64) -> f64 {
    let y = f.b0 * x + *s1;
    *s1 = f.b1 * x - f.a1 * y + *s2;
    *s2 = f.b2 * x - f.a2 * y;
    y
}

/// Runs `frames` frames of channel `offset` (interleaved with `stride`) through the K-weighting
/// and returns the sum of squares of the output.
pub fn k_weighted_energy(
    shelf: &Biquad,
    hp: &Biquad,
    state: &mut KState,
    samples: &[f32],
    offset: usize,
    stride: usize,
) -> f64 {
    let mut s = *state;
    let mut sum = 0.0f64;
    for frame in samples.chunks_exact(stride) {
        let y1 = step(shelf, &mut s.s1[0], &mut s.s2[0], frame[offset] as f64);
        let y2 = step(hp, &mut s.s1[1], &mut s.s2[1], y1);
        sum += y2 * y2;
    }
    *state = s;
    sum
}

/// The same for two channels at once: the filter recurrences are latency-bound, so running
/// four independent ones (two stages of two channels) in one loop makes them overlap.
pub fn k_weighted_energy_pair(
    shelf: &Biquad,
    hp: &Biquad,
    states: [&mut KState; 2],
    samples: &[f32],
    offsets: [usize; 2],
    stride: usize,
) -> [f64; 2] {
    let [sa, sb] = states;
    let (mut a, mut b) = (*sa, *sb);
    let (mut sum_a, mut sum_b) = (0.0f64, 0.0f64);
    for frame in samples.chunks_exact(stride) {
        let ya = step(shelf, &mut a.s1[0], &mut a.s2[0], frame[offsets[0]] as f64);
        let yb = step(shelf, &mut b.s1[0], &mut b.s2[0], frame[offsets[1]] as f64);
        let za = step(hp, &mut a.s1[1], &mut a.s2[1], ya);
        let zb = step(hp, &mut b.s1[1], &mut b.s2[1], yb);
        sum_a += za * za;
        sum_b += zb * zb;
    }
    *sa = a;
    *sb = b;
    [sum_a, sum_b]
}

/// BS.1770 channel weight: 1.0, except in 5.1 and wider layouts (L R C LFE Ls Rs ...) where the
/// LFE (index 3) is excluded and the surround channels (index 4 and up) weigh 1.41.
pub fn channel_weight(channel: usize, channels: usize) -> f64 {
    if channels >= 6 {
        match channel {
            3 => 0.0,
            c if c >= 4 => 1.41,
            _ => 1.0,
        }
    } else {
        1.0
    }
}

const ABSOLUTE_GATE_LUFS: f64 = -70.0;

fn to_lufs(mean_square: f64) -> f64 {
    if mean_square > 0.0 {
        -0.691 + 10.0 * mean_square.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Mean-square K-weighted energies of windows of `len` segments, starting every `step` segments.
/// `segments` holds the channel-weighted sum of squares of each 100 ms segment.
fn windows(segments: &[f64], segment_len: usize, len: usize, step: usize) -> Vec<f64> {
    if segments.len() < len {
        return Vec::new();
    }
    let norm = 1.0 / (len * segment_len) as f64;
    // Running sum: O(n) whatever the window length.
    let mut out = Vec::with_capacity((segments.len() - len) / step + 1);
    let mut acc: f64 = segments[..len].iter().sum();
    let mut start = 0;
    loop {
        out.push(acc * norm);
        let next = start + step;
        if next + len > segments.len() {
            break;
        }
        // Recompute instead of sliding when the step is large, to avoid cancellation drift.
        acc = segments[next..next + len].iter().sum();
        start = next;
    }
    out
}

/// BS.1770-4 integrated loudness: 400 ms blocks with 75 % overlap, absolute gate -70 LUFS,
/// relative gate -10 LU. Returns -70.0 when no block passes the gates.
pub fn integrated_loudness(segments: &[f64], segment_len: usize) -> f64 {
    let blocks = windows(segments, segment_len, 4, 1);
    let gated: Vec<f64> = blocks.into_iter().filter(|&z| to_lufs(z) > ABSOLUTE_GATE_LUFS).collect();
    if gated.is_empty() {
        return ABSOLUTE_GATE_LUFS;
    }
    let relative_gate = to_lufs(gated.iter().sum::<f64>() / gated.len() as f64) - 10.0;
    let (sum, count) = gated
        .iter()
        .filter(|&&z| to_lufs(z) > relative_gate)
        .fold((0.0, 0usize), |(s, n), &z| (s + z, n + 1));
    if count == 0 {
        return ABSOLUTE_GATE_LUFS;
    }
    to_lufs(sum / count as f64).max(ABSOLUTE_GATE_LUFS)
}

/// EBU Tech 3342 loudness range: short-term loudness (3 s windows every 100 ms), absolute gate
/// -70 LUFS, relative gate -20 LU below the power mean, 95th minus 10th percentile.
pub fn loudness_range(segments: &[f64], segment_len: usize) -> f64 {
    let short_term = windows(segments, segment_len, 30, 1);
    let gated: Vec<f64> = short_term.into_iter().filter(|&z| to_lufs(z) > ABSOLUTE_GATE_LUFS).collect();
    if gated.is_empty() {
        return 0.0;
    }
    let relative_gate = to_lufs(gated.iter().sum::<f64>() / gated.len() as f64) - 20.0;
    let mut levels: Vec<f64> = gated.iter().map(|&z| to_lufs(z)).filter(|&l| l > relative_gate).collect();
    if levels.len() < 2 {
        return 0.0;
    }
    levels.sort_by(f64::total_cmp);
    let percentile = |p: f64| levels[((levels.len() - 1) as f64 * p).round() as usize];
    (percentile(0.95) - percentile(0.10)).max(0.0)
}

/// Population standard deviation of the short-term loudness (3 s windows every 1 s) over the
/// windows above the absolute gate; 0 with fewer than two such windows.
pub fn short_term_std(segments: &[f64], segment_len: usize) -> f64 {
    let levels: Vec<f64> = windows(segments, segment_len, 30, 10)
        .into_iter()
        .map(to_lufs)
        .filter(|&l| l > ABSOLUTE_GATE_LUFS)
        .collect();
    if levels.len() < 2 {
        return 0.0;
    }
    let mean = levels.iter().sum::<f64>() / levels.len() as f64;
    let var = levels.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / levels.len() as f64;
    var.sqrt()
}
