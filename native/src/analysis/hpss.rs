//! Harmonic ratio (docs/fingerprint.md dimension 18): harmonic/percussive separation of the 0-5 kHz
//! magnitude spectrogram by median filtering (17 frames in time, 17 bins in frequency), soft
//! masks with power 2, and the harmonic share of the separated energy.
//!
//! Streaming: the time median of frame t needs frames t-8..t+8, so a ring of the last 17 frames
//! is kept and frame t is separated when frame t+8 arrives (edges replicate the first or last
//! frame). Memory is 17 short spectra, whatever the track length.
//!
//! Speed: a 3-minute track has ~1.8 million cells, each needing two medians of 17. Rows are
//! stored with 8 replicated edge bins on both sides, so both medians read contiguous runs of 8
//! bins, and a fixed selection network computes 8 medians at once with SIMD min/max.

pub const KERNEL: usize = 17;
const HALF: usize = KERNEL / 2;
/// Bins processed together.
const LANES: usize = 8;

type Lane = [f32; LANES];

#[inline(always)]
fn load(row: &[f32], at: usize) -> Lane {
    row[at..at + LANES].try_into().expect("slice of LANES floats")
}

/// Compare-exchange of two lanes, by value so the compiler emits vector min/max. The comparison
/// form (not f32::min) maps to minps/maxps directly; magnitudes are never NaN.
#[inline(always)]
fn cx(v: &mut [Lane; KERNEL], a: usize, b: usize) {
    let (x, y) = (v[a], v[b]);
    let mut lo = [0.0; LANES];
    let mut hi = [0.0; LANES];
    for l in 0..LANES {
        lo[l] = if x[l] < y[l] { x[l] } else { y[l] };
        hi[l] = if x[l] < y[l] { y[l] } else { x[l] };
    }
    v[a] = lo;
    v[b] = hi;
}

/// Lane-wise median of 17: a fixed 70-comparator selection network generated and verified by
/// tools/gen_median_network.py (Batcher's merge sort pruned to the middle output).
#[inline(always)]
fn median17(v: &mut [Lane; KERNEL]) -> Lane {
    macro_rules! cx {
        ($a:expr, $b:expr) => {
            cx(v, $a, $b)
        };
    }
    cx!(0,1); cx!(2,3); cx!(4,5); cx!(6,7); cx!(8,9); cx!(10,11); cx!(12,13); cx!(14,15); cx!(0,2); cx!(1,3); cx!(4,6); cx!(5,7); cx!(8,10); cx!(9,11); cx!(12,14); cx!(13,15); cx!(1,2); cx!(5,6); cx!(9,10); cx!(13,14); cx!(0,4); cx!(1,5); cx!(2,6); cx!(3,7); cx!(8,12); cx!(9,13); cx!(10,14); cx!(11,15); cx!(2,4); cx!(3,5); cx!(10,12); cx!(11,13); cx!(1,2); cx!(3,4); cx!(5,6); cx!(9,10); cx!(11,12); cx!(13,14); cx!(0,8); cx!(1,9); cx!(2,10); cx!(3,11); cx!(4,12); cx!(5,13); cx!(6,14); cx!(7,15); cx!(4,8); cx!(5,9); cx!(6,10); cx!(7,11); cx!(2,4); cx!(3,5); cx!(6,8); cx!(7,9); cx!(10,12); cx!(11,13); cx!(3,4); cx!(5,6); cx!(7,8); cx!(9,10); cx!(11,12); cx!(0,16); cx!(8,16); cx!(4,8); cx!(5,9); cx!(6,10); cx!(7,11); cx!(6,8); cx!(7,9); cx!(7,8);
    v[HALF]
}


pub struct Hpss {
    /// Bins separated: 0..bins (0-5 kHz).
    bins: usize,
    /// Real bins kept per frame: a few past 5 kHz so the frequency median near 5 kHz sees data.
    width: usize,
    /// Stored row length: HALF replicated bins, `width` bins, then replicated last bins up to
    /// whole lanes plus HALF.
    stride: usize,
    ring: Vec<f32>,
    frames_seen: usize,
    next_to_separate: usize,
    harmonic_energy: f64,
    percussive_energy: f64,
    /// Run the lane code compiled for AVX (8 floats per instruction instead of 4).
    avx: bool,
}

impl Hpss {
    /// `bins`: number of bins from 0 up to 5 kHz; `available`: bins in a frame (n/2 + 1).
    pub fn new(bins: usize, available: usize) -> Hpss {
        Hpss::with_simd(bins, available, true)
    }

    /// `allow_avx: false` forces the baseline (SSE2) path; tests compare the two.
    pub fn with_simd(bins: usize, available: usize, allow_avx: bool) -> Hpss {
        let width = (bins + HALF).min(available);
        let lanes = bins.div_ceil(LANES) * LANES;
        let stride = HALF + lanes.max(width) + HALF + LANES;
        Hpss {
            bins,
            width,
            stride,
            ring: vec![0.0; KERNEL * stride],
            frames_seen: 0,
            next_to_separate: 0,
            harmonic_energy: 0.0,
            percussive_energy: 0.0,
            avx: allow_avx && super::simd::avx_available(),
        }
    }

    /// Adds one frame's power spectrum (at least `width` bins).
    pub fn push(&mut self, power: &[f32]) {
        let slot = self.frames_seen % KERNEL;
        let row = &mut self.ring[slot * self.stride..(slot + 1) * self.stride];
        let (left, rest) = row.split_at_mut(HALF);
        let (body, right) = rest.split_at_mut(self.width);
        for (m, &p) in body.iter_mut().zip(&power[..self.width]) {
            *m = p.sqrt();
        }
        left.fill(body[0]);
        right.fill(body[self.width - 1]);
        self.frames_seen += 1;
        // Frame t can be separated once t + 8 has arrived.
        while self.next_to_separate + HALF < self.frames_seen {
            self.separate(self.next_to_separate, self.frames_seen - 1);
            self.next_to_separate += 1;
        }
    }

    /// Separates frame t with the time window clamped to [0, last].
    fn separate(&mut self, t: usize, last: usize) {
        #[cfg(target_arch = "x86_64")]
        if self.avx {
            // SAFETY: `avx` is only true when is_x86_feature_detected!("avx") said so.
            unsafe { self.separate_avx(t, last) };
            return;
        }
        self.separate_lanes(t, last);
    }

    /// The lane code compiled with AVX enabled: the same operations, twice as wide.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    fn separate_avx(&mut self, t: usize, last: usize) {
        self.separate_lanes(t, last);
    }

    #[inline(always)]
    fn separate_lanes(&mut self, t: usize, last: usize) {
        let stride = self.stride;
        let rows: [&[f32]; KERNEL] = std::array::from_fn(|j| {
            let frame = (t + j).saturating_sub(HALF).min(last);
            let slot = frame % KERNEL;
            &self.ring[slot * stride..(slot + 1) * stride]
        });
        let centre = rows[HALF];
        let (mut harmonic_energy, mut percussive_energy) = (0.0f64, 0.0f64);
        let mut k0 = 0;
        while k0 < self.bins {
            // Time median: bins k0..k0+8 of frames t-8..t+8.
            let mut window: [Lane; KERNEL] = std::array::from_fn(|j| load(rows[j], HALF + k0));
            let harmonic = median17(&mut window);
            // Frequency median: bins k-8..k+8 of frame t, for k = k0..k0+8.
            let mut window: [Lane; KERNEL] = std::array::from_fn(|j| load(centre, k0 + j));
            let percussive = median17(&mut window);
            let x = load(centre, HALF + k0);
            for l in 0..LANES.min(self.bins - k0) {
                let h2 = (harmonic[l] as f64) * (harmonic[l] as f64);
                let p2 = (percussive[l] as f64) * (percussive[l] as f64);
                let denom = h2 + p2;
                if denom > 0.0 {
                    // Soft (Wiener-like) masks with power 2 applied to the magnitude.
                    let hs = x[l] as f64 * h2 / denom;
                    let ps = x[l] as f64 * p2 / denom;
                    harmonic_energy += hs * hs;
                    percussive_energy += ps * ps;
                }
            }
            k0 += LANES;
        }
        self.harmonic_energy += harmonic_energy;
        self.percussive_energy += percussive_energy;
    }

    /// Separates the last frames (their future is the last frame, replicated) and returns
    /// sum(H^2) / (sum(H^2) + sum(P^2)), or 0 when there is no energy.
    pub fn finish(&mut self) -> f64 {
        if self.frames_seen > 0 {
            let last = self.frames_seen - 1;
            while self.next_to_separate < self.frames_seen {
                self.separate(self.next_to_separate, last);
                self.next_to_separate += 1;
            }
        }
        let total = self.harmonic_energy + self.percussive_energy;
        if total > 0.0 {
            self.harmonic_energy / total
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic pseudo-random power spectra.
    fn frames(count: usize, bins: usize) -> Vec<Vec<f32>> {
        let mut state = 12345u64;
        (0..count)
            .map(|_| {
                (0..bins)
                    .map(|_| {
                        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        ((state >> 40) as f32 / (1u64 << 24) as f32).powi(3)
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn median_network_selects_the_median_in_every_lane() {
        let mut state = 7u64;
        for _ in 0..2000 {
            let mut v = [[0.0f32; LANES]; KERNEL];
            for lane in v.iter_mut() {
                for x in lane.iter_mut() {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    *x = (state % 64) as f32; // many ties on purpose
                }
            }
            let mut sorted_columns = [[0.0f32; KERNEL]; LANES];
            for (j, lane) in v.iter().enumerate() {
                for l in 0..LANES {
                    sorted_columns[l][j] = lane[l];
                }
            }
            let median = median17(&mut v);
            for (l, column) in sorted_columns.iter_mut().enumerate() {
                column.sort_by(f32::total_cmp);
                assert_eq!(median[l], column[HALF]);
            }
        }
    }

    #[test]
    fn avx_and_baseline_paths_give_identical_results() {
        let input = frames(60, 300);
        let mut results = Vec::new();
        for allow_avx in [false, true] {
            let mut h = Hpss::with_simd(233, 300, allow_avx);
            for f in &input {
                h.push(f);
            }
            results.push(h.finish());
        }
        assert_eq!(results[0].to_bits(), results[1].to_bits());
    }

    #[test]
    fn steady_spectrum_is_harmonic_and_isolated_frames_are_percussive() {
        let mut steady = Hpss::new(100, 120);
        for _ in 0..40 {
            steady.push(&vec![1.0; 120]);
        }
        // Identical frames: time median = frequency median, so the masks split evenly.
        assert!((steady.finish() - 0.5).abs() < 1e-9);
        let mut tone = Hpss::new(100, 120);
        let mut line = vec![0.0; 120];
        line[50] = 1.0;
        for _ in 0..40 {
            tone.push(&line);
        }
        assert!(tone.finish() > 0.99);
        let mut clicks = Hpss::new(100, 120);
        for i in 0..40 {
            // Away from the edges, where replication would stretch a click across the window.
            clicks.push(&vec![if i % 20 == 10 { 1.0 } else { 0.0 }; 120]);
        }
        assert!(clicks.finish() < 0.01);
    }
}
