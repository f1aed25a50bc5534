//! Loudness per ITU-R BS.1770-4 (integrated, gated) and EBU Tech 3342 (loudness range), plus the
//! short-term loudness spread. Everything is derived from 100 ms segments of K-weighted channel
//! energy, so the streaming state is one f64 per segment (10 per second of audio).

/// Second-order IIR section, transposed direct form II, in f64: the K-weighting shelf has a gain
/// near 4 dB and a 38 Hz high-pass, where f32 state would drift on long files.
#[derive(Clone, Copy, Debug)]
pub struct Biquad {
    pub(crate) b0: f64,
    pub(crate) b1: f64,
    pub(crate) b2: f64,
    pub(crate) a1: f64,
    pub(crate) a2: f64,
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

    /// A 2nd-order Butterworth high-pass at `f0` (Q 1/sqrt(2)), bilinear transform with prewarping.
    pub fn butterworth_highpass(sample_rate: f64, f0: f64) -> Biquad {
        let k = (std::f64::consts::PI * f0 / sample_rate).tan();
        let q = std::f64::consts::FRAC_1_SQRT_2;
        let a0 = 1.0 + k / q + k * k;
        Biquad {
            b0: 1.0 / a0,
            b1: -2.0 / a0,
            b2: 1.0 / a0,
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

/// Filter state of one K-weighting lane (both stages), transposed direct form II.
#[derive(Clone, Copy)]
struct Lanes<const L: usize> {
    s1a: [f64; L],
    s2a: [f64; L],
    s1b: [f64; L],
    s2b: [f64; L],
}

impl<const L: usize> Lanes<L> {
    const ZERO: Lanes<L> = Lanes { s1a: [0.0; L], s2a: [0.0; L], s1b: [0.0; L], s2b: [0.0; L] };
}

/// K-weighted energy per 100 ms segment, computed by time-split lanes.
///
/// The K filters are IIR recurrences: run sample by sample they are bound by the latency of each
/// step (~10 cycles), which made them a quarter of the whole analysis. Here each block of
/// `BLOCK_SEGMENTS` segments of a channel is filtered from zero state starting `warmup` samples
/// before the block, and `LANES` blocks run side by side in SIMD lanes. The slowest mode of the
/// filters (the 38 Hz high-pass, a double pole) decays below 1e-13 within 0.2 s at any sample
/// rate, so every block starts in the state the sequential filter would have, to f64 rounding.
/// Blocks near the start see only zeros before t = 0, which is the filter's true initial state.
/// Results depend only on absolute positions, never on how the audio was pushed.
pub struct KWeighting {
    shelf: Biquad,
    hp: Biquad,
    channels: usize,
    weights: Vec<f64>,
    segment_len: usize,
    block_len: usize,
    warmup: usize,
    /// Per channel: the last `warmup` samples before the first unprocessed block, then the
    /// samples not processed yet.
    history: Vec<Vec<f32>>,
    /// Channel-weighted K energy of every complete segment processed so far.
    pub segments: Vec<f64>,
    avx: bool,
}

const LANES: usize = 4;
const BLOCK_SEGMENTS: usize = 10;
/// Warm-up in seconds (see the type's comment).
const WARMUP_S: f64 = 0.2;

impl KWeighting {
    pub fn new(sample_rate: u32, channels: usize, segment_len: usize) -> KWeighting {
        let sr = sample_rate as f64;
        let warmup = (WARMUP_S * sr).ceil() as usize;
        KWeighting {
            shelf: Biquad::k_shelf(sr),
            hp: Biquad::k_highpass(sr),
            channels,
            weights: (0..channels).map(|c| channel_weight(c, channels)).collect(),
            segment_len,
            block_len: BLOCK_SEGMENTS * segment_len,
            warmup,
            history: (0..channels).map(|_| vec![0.0; warmup]).collect(),
            segments: Vec::new(),
            avx: super::simd::avx_available(),
        }
    }

    /// Appends interleaved frames; processes every group of LANES whole blocks now available.
    pub fn push(&mut self, interleaved: &[f32]) {
        for (c, history) in self.history.iter_mut().enumerate() {
            if self.weights[c] != 0.0 {
                // chunks_exact has an exact length, so this extends without per-element checks.
                history.extend(interleaved.chunks_exact(self.channels).map(|f| f[c]));
            }
        }
        while self.pending() >= LANES * self.block_len {
            self.process_blocks(LANES);
        }
    }

    /// Processes what is left: whole segments only (a partial segment has no loudness).
    pub fn finish(&mut self) {
        while self.pending() >= self.block_len {
            self.process_blocks(1);
        }
        let whole = self.pending() / self.segment_len;
        if whole > 0 {
            let mut energies = vec![0.0; whole];
            for c in 0..self.channels {
                if self.weights[c] == 0.0 {
                    continue;
                }
                let h = &self.history[c];
                let e = block_energies(&self.shelf, &self.hp, &h[..self.warmup + whole * self.segment_len], self.warmup, self.segment_len);
                for (acc, x) in energies.iter_mut().zip(e) {
                    *acc += self.weights[c] * x;
                }
            }
            self.segments.extend(energies);
        }
    }

    fn pending(&self) -> usize {
        self.history
            .iter()
            .zip(&self.weights)
            .find(|(_, &w)| w != 0.0)
            .map_or(0, |(h, _)| h.len() - self.warmup)
    }

    /// Filters `count` (1 or LANES) blocks of every channel and appends their segment energies.
    fn process_blocks(&mut self, count: usize) {
        let segments = count * BLOCK_SEGMENTS;
        let mut energies = vec![0.0f64; segments];
        let active: Vec<usize> = (0..self.channels).filter(|&c| self.weights[c] != 0.0).collect();
        if count == LANES {
            // Channels in pairs: 2 x LANES independent recurrences keep the FPU busy while each
            // waits for its previous step.
            for pair in active.chunks(2) {
                let b = pair.get(1).copied();
                let (ea, eb) = self.lanes(&self.history[pair[0]], b.map(|b| self.history[b].as_slice()));
                for (acc, x) in energies.iter_mut().zip(ea) {
                    *acc += self.weights[pair[0]] * x;
                }
                if let (Some(b), Some(eb)) = (b, eb) {
                    for (acc, x) in energies.iter_mut().zip(eb) {
                        *acc += self.weights[b] * x;
                    }
                }
            }
        } else {
            for &c in &active {
                let h = &self.history[c];
                let e = block_energies(&self.shelf, &self.hp, &h[..self.warmup + self.block_len], self.warmup, self.segment_len);
                for (acc, x) in energies.iter_mut().zip(e) {
                    *acc += self.weights[c] * x;
                }
            }
        }
        self.segments.extend(energies);
        let consumed = count * self.block_len;
        for &c in &active {
            self.history[c].drain(..consumed);
        }
    }

    fn lanes(&self, a: &[f32], b: Option<&[f32]>) -> (Vec<f64>, Option<Vec<f64>>) {
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            // SAFETY: `avx` is only true when is_x86_feature_detected!("avx") said so.
            return unsafe { self.lanes_avx(a, b) };
        }
        self.lanes_portable(a, b)
    }

    /// The lane code compiled with AVX: four f64 lanes per instruction.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn lanes_avx(&self, a: &[f32], b: Option<&[f32]>) -> (Vec<f64>, Option<Vec<f64>>) {
        self.lanes_portable(a, b)
    }

    #[inline(always)]
    fn lanes_portable(&self, a: &[f32], b: Option<&[f32]>) -> (Vec<f64>, Option<Vec<f64>>) {
        let (w, blk, seg) = (self.warmup, self.block_len, self.segment_len);
        match b {
            Some(b) => {
                let both = lane_energies::<{ 2 * LANES }>(&self.shelf, &self.hp, [a, b], w, blk, seg);
                let (ea, eb) = both.split_at(LANES * BLOCK_SEGMENTS);
                (ea.to_vec(), Some(eb.to_vec()))
            }
            None => (lane_energies::<LANES>(&self.shelf, &self.hp, [a, a], w, blk, seg), None),
        }
    }

    #[cfg(test)]
    fn set_avx(&mut self, avx: bool) {
        self.avx = avx && super::simd::avx_available();
    }
}


/// One step of both stages for every lane.
#[inline(always)]
fn step<const L: usize>(shelf: &Biquad, hp: &Biquad, s: &mut Lanes<L>, x: [f64; L]) -> [f64; L] {
    let mut out = [0.0; L];
    for l in 0..L {
        let y1 = shelf.b0 * x[l] + s.s1a[l];
        s.s1a[l] = shelf.b1 * x[l] - shelf.a1 * y1 + s.s2a[l];
        s.s2a[l] = shelf.b2 * x[l] - shelf.a2 * y1;
        let y2 = hp.b0 * y1 + s.s1b[l];
        s.s1b[l] = hp.b1 * y1 - hp.a1 * y2 + s.s2b[l];
        s.s2b[l] = hp.b2 * y1 - hp.a2 * y2;
        out[l] = y2;
    }
    out
}

/// Segment energies of LANES consecutive blocks of one or two channels: lane l filters block
/// l % LANES of channel l / LANES from zero state and counts energy after its `warmup` samples.
/// Output: channel-major, then block, then segment.
#[inline(always)]
fn lane_energies<const L: usize>(shelf: &Biquad, hp: &Biquad, channels: [&[f32]; 2], warmup: usize, block: usize, segment: usize) -> Vec<f64> {
    let mut s = Lanes::<L>::ZERO;
    let at = |i: usize| -> [f64; L] { std::array::from_fn(|l| channels[l / LANES][(l % LANES) * block + i] as f64) };
    for i in 0..warmup {
        step(shelf, hp, &mut s, at(i));
    }
    let mut energies = vec![0.0f64; L * BLOCK_SEGMENTS];
    for seg in 0..BLOCK_SEGMENTS {
        let mut acc = [0.0f64; L];
        let base = warmup + seg * segment;
        for i in base..base + segment {
            let y = step(shelf, hp, &mut s, at(i));
            for l in 0..L {
                acc[l] += y[l] * y[l];
            }
        }
        for l in 0..L {
            energies[l * BLOCK_SEGMENTS + seg] = acc[l];
        }
    }
    energies
}

/// The same for one block of any whole number of segments (the tail, and the reference in tests).
fn block_energies(shelf: &Biquad, hp: &Biquad, samples: &[f32], warmup: usize, segment: usize) -> Vec<f64> {
    let mut s = Lanes::<1>::ZERO;
    for &x in &samples[..warmup] {
        step(shelf, hp, &mut s, [x as f64]);
    }
    samples[warmup..]
        .chunks_exact(segment)
        .map(|seg| {
            let mut acc = 0.0f64;
            for &x in seg {
                let [y] = step(shelf, hp, &mut s, [x as f64]);
                acc += y * y;
            }
            acc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain sequential K filter from t = 0, the definition the lanes must reproduce.
    fn sequential(sample_rate: u32, samples: &[f32], segment: usize) -> Vec<f64> {
        let sr = sample_rate as f64;
        let (shelf, hp) = (Biquad::k_shelf(sr), Biquad::k_highpass(sr));
        block_energies(&shelf, &hp, samples, 0, segment)
    }

    fn music_like(n: usize, sr: f64) -> Vec<f32> {
        let mut state = 99u64;
        (0..n)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = ((state >> 40) as f64 / (1u64 << 24) as f64 - 0.5) * 0.2;
                let t = i as f64 / sr;
                // Strong low-frequency content exercises the slow high-pass mode.
                (0.5 * (2.0 * std::f64::consts::PI * 31.0 * t).sin() + noise + 0.3 * ((t * 2.0) as i64 % 2) as f64) as f32
            })
            .collect()
    }

    #[test]
    fn time_split_lanes_equal_the_sequential_filter_at_every_rate() {
        for sr in [8_000u32, 44_100, 96_000, 384_000] {
            let segment = (sr / 10) as usize;
            let samples = music_like(segment * 97 + 123, sr as f64);
            let want = sequential(sr, &samples, segment);
            for avx in [false, true] {
                let mut k = KWeighting::new(sr, 1, segment);
                k.set_avx(avx);
                for chunk in samples.chunks(4_321) {
                    k.push(chunk);
                }
                k.finish();
                assert_eq!(k.segments.len(), want.len());
                for (i, (a, b)) in k.segments.iter().zip(&want).enumerate() {
                    // f64 rounding in the sequential reference itself is ~1e-11 at 384 kHz (poles near 1).
                    assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-30), "{sr} Hz segment {i}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn channel_weights_apply_and_lfe_is_skipped() {
        let sr = 48_000u32;
        let segment = 4_800;
        let mono = music_like(segment * 45, sr as f64);
        let want = sequential(sr, &mono, segment);
        let six: Vec<f32> = mono.iter().flat_map(|&x| [x, 0.0, 0.0, 1.0, x, 0.0]).collect();
        let mut k = KWeighting::new(sr, 6, segment);
        k.push(&six);
        k.finish();
        for (a, b) in k.segments.iter().zip(&want) {
            // L (1.0) + Ls (1.41); the LFE's full-scale DC is excluded.
            assert!((a - 2.41 * b).abs() <= 1e-9 * b.abs().max(1e-30));
        }
    }
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

pub(crate) const ABSOLUTE_GATE_LUFS: f64 = -70.0;

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
/// windows above the absolute gate; 0 with fewer than two such windows. (Version 1.)
pub fn short_term_std(segments: &[f64], segment_len: usize) -> f64 {
    let levels: Vec<f64> = windows(segments, segment_len, 30, 10)
        .into_iter()
        .map(to_lufs)
        .filter(|&l| l > ABSOLUTE_GATE_LUFS)
        .collect();
    population_std(&levels)
}

/// Version 2 of loudness_variation_std: as `short_term_std`, over the windows that also pass a
/// relative gate 20 LU below the track's integrated loudness (`integrated_lufs`, BS.1770 gated).
/// A gain moves every window and the gate together, so the value is the same whatever the level
/// (version 1 let a fade's tail in or out as the level changed). The reference is the gated
/// integrated loudness rather than the mean of the windows above -70 LUFS, because that mean
/// depends on how many quiet windows pass the absolute gate: a fade would move it by most of a
/// dB between levels and flip windows near the gate.
pub fn short_term_std_gated(segments: &[f64], segment_len: usize, integrated_lufs: f64) -> f64 {
    let relative_gate = integrated_lufs - 20.0;
    let levels: Vec<f64> = windows(segments, segment_len, 30, 10)
        .into_iter()
        .map(to_lufs)
        .filter(|&l| l > ABSOLUTE_GATE_LUFS && l > relative_gate)
        .collect();
    population_std(&levels)
}

/// Population standard deviation; 0 with fewer than two values.
fn population_std(levels: &[f64]) -> f64 {
    if levels.len() < 2 {
        return 0.0;
    }
    let mean = levels.iter().sum::<f64>() / levels.len() as f64;
    let var = levels.iter().map(|l| (l - mean) * (l - mean)).sum::<f64>() / levels.len() as f64;
    var.sqrt()
}
