//! Forward real FFT for power-of-two lengths.
//!
//! A real signal x of length n is packed into m = n/2 complex points z[j] = x[2j] + i·x[2j+1],
//! transformed by an m-point complex FFT Z, and split into the n/2 + 1 bins of the real
//! spectrum (`split_bin`). That halves the work compared with a complex FFT of length n.
//!
//! The complex FFT is iterative radix-2 decimation-in-time, done in whole-vector passes over
//! structure-of-arrays scratch (separate re and im halves, so a vector holds 8 consecutive points):
//! 1. `load_base`: the bit-reversed load fused with the first 3 or 4 radix-2 stages, computing 8
//!    blocks of 8 or 16 points at once, one block per lane (`small_base` below n = 256, where
//!    there are fewer than 8 blocks);
//! 2. radix-4 passes (each = two radix-2 stages), quarter size h = 8 or 16 first, ×4 per pass;
//! 3. `split`: the real-spectrum post-processing, bins k and m-k together.
//!
//! The base size is chosen so that the remaining stage count is even (no lone radix-2 pass) and
//! every radix-4 pass has h >= 8, i.e. works on whole 8-lane vectors.
//!
//! The passes exist twice: `scalar` (portable, always compiled, the only path off x86_64) and
//! `x86` (AVX2+FMA, the same code with intrinsics). `RealFft::new` picks one, once, from runtime
//! CPU detection.

mod scalar;
#[cfg(test)]
mod tests;
#[cfg(target_arch = "x86_64")]
mod x86;

use std::f64::consts::PI;
use std::fmt;

const MIN_LEN: usize = 16;
const MAX_LEN: usize = 1 << 20;

/// Gap between the re and im halves of scratch. Without it they are a power of two apart and
/// the same point's re and im share an L1 cache set, which thrashes in the strided passes.
const IM_PAD: usize = 16;

/// 3-bit reversal: REV3[j] = j with its 3 bits reversed.
const REV3: [usize; 8] = [0, 4, 2, 6, 1, 5, 3, 7];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Isa {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

/// Plan for a forward real FFT of a power-of-two length n (n >= 16, n <= 1<<20).
///
/// Immutable after `new`, so one plan can be shared by threads; each call brings its own scratch.
#[derive(Clone)]
pub struct RealFft {
    n: usize,
    isa: Isa,
    /// log2 of the base-pass block: 3 or 4.
    base_log2: u32,
    /// rev[i] = i with its log2(n/2) bits reversed.
    rev: Vec<u32>,
    /// w16^t for t in 0..8 (w_L = e^{-2πi/L}): every twiddle of the first 3 or 4 stages.
    base_re: [f32; 8],
    base_im: [f32; 8],
    /// Radix-4 twiddles, pass after pass. A pass of quarter size h owns 6h values: for each 8
    /// consecutive j, [re w^j, im w^j, re w^2j, im w^2j, re w^3j, im w^3j] (8 each), w = w_{4h}.
    /// One contiguous stream per pass rather than six arrays h apart, which for large h would all
    /// fall in the same L1 cache set.
    pass_tw: Vec<f32>,
    /// -i·e^{-2πik/n}/2 for k = 0..=n/2, the split step's twiddles.
    split_re: Vec<f32>,
    split_im: Vec<f32>,
}

impl fmt::Debug for RealFft {
    // The tables are large and derived from n; n and the chosen path are what matter.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RealFft")
            .field("n", &self.n)
            .field("isa", &self.isa)
            .finish()
    }
}

impl RealFft {
    /// None if n is not a power of two in [16, 1<<20].
    pub fn new(n: usize) -> Option<RealFft> {
        Self::build(n, true)
    }

    /// A plan that always takes the scalar path, so tests cover it on SIMD machines too.
    #[cfg(test)]
    pub(crate) fn new_scalar(n: usize) -> Option<RealFft> {
        Self::build(n, false)
    }

    #[cfg(test)]
    pub(crate) fn uses_simd(&self) -> bool {
        self.isa != Isa::Scalar
    }

    fn build(n: usize, allow_simd: bool) -> Option<RealFft> {
        if !n.is_power_of_two() || !(MIN_LEN..=MAX_LEN).contains(&n) {
            return None;
        }
        let m = n / 2;
        let log_m = m.trailing_zeros();
        let base_log2 = if (log_m - 3).is_multiple_of(2) { 3 } else { 4 };
        // e^{-2πi·num/den}, computed in f64 so table error is only the final rounding.
        let w = |num: usize, den: usize| {
            let a = -2.0 * PI * num as f64 / den as f64;
            (a.cos() as f32, a.sin() as f32)
        };

        let rev = (0..m as u32)
            .map(|i| i.reverse_bits() >> (32 - log_m))
            .collect();
        let (mut base_re, mut base_im) = ([0.0; 8], [0.0; 8]);
        for t in 0..8 {
            (base_re[t], base_im[t]) = w(t, 16);
        }
        let mut pass_tw = Vec::with_capacity(2 * m);
        let mut h = 1 << base_log2;
        while 4 * h <= m {
            for j0 in (0..h).step_by(8) {
                for q in 1..=3 {
                    pass_tw.extend((j0..j0 + 8).map(|j| w(q * j, 4 * h).0));
                    pass_tw.extend((j0..j0 + 8).map(|j| w(q * j, 4 * h).1));
                }
            }
            h *= 4;
        }
        // -i·(c + i·s)/2 = (s/2, -c/2).
        let (split_re, split_im) = (0..=m)
            .map(|k| {
                let (c, s) = w(k, n);
                (s / 2.0, -c / 2.0)
            })
            .unzip();

        Some(RealFft {
            n,
            isa: detect_isa(allow_simd),
            base_log2,
            rev,
            base_re,
            base_im,
            pass_tw,
            split_re,
            split_im,
        })
    }

    #[allow(clippy::len_without_is_empty)] // a plan is never empty
    pub fn len(&self) -> usize {
        self.n
    }

    /// Number of f32 scratch values the caller must provide to the process calls.
    pub fn scratch_len(&self) -> usize {
        self.n + IM_PAD
    }

    /// Unnormalized forward DFT of the real input (len n): X[k] = sum_j x[j] e^{-2 pi i k j / n},
    /// for k = 0..=n/2. Writes re and im (each len >= n/2+1). Panics (assert!) on wrong lengths.
    pub fn forward(&self, input: &[f32], re: &mut [f32], im: &mut [f32], scratch: &mut [f32]) {
        let bins = self.n / 2 + 1;
        assert!(re.len() >= bins, "re has {} values, needs {bins}", re.len());
        assert!(im.len() >= bins, "im has {} values, needs {bins}", im.len());
        self.run::<false>(input, &mut re[..bins], &mut im[..bins], scratch);
    }

    /// Same transform, writes power[k] = re^2 + im^2 for k = 0..=n/2 (power len >= n/2+1).
    pub fn power_spectrum(&self, input: &[f32], power: &mut [f32], scratch: &mut [f32]) {
        let bins = self.n / 2 + 1;
        assert!(
            power.len() >= bins,
            "power has {} values, needs {bins}",
            power.len()
        );
        self.run::<true>(input, &mut power[..bins], &mut [], scratch);
    }

    /// Shared body. `POWER`: write |X|² into `a` (b unused); else re into `a`, im into `b`.
    /// `a` (and `b` unless POWER) are exactly n/2 + 1 long.
    fn run<const POWER: bool>(
        &self,
        input: &[f32],
        a: &mut [f32],
        b: &mut [f32],
        scratch: &mut [f32],
    ) {
        assert!(
            input.len() == self.n,
            "input has {} values, plan is for {}",
            input.len(),
            self.n
        );
        assert!(
            scratch.len() >= self.scratch_len(),
            "scratch has {} values, needs {}",
            scratch.len(),
            self.scratch_len()
        );
        // The first pass writes every scratch value before anything reads it, so garbage on
        // entry cannot leak into results.
        let m = self.n / 2;
        let (zr, zi) = scratch.split_at_mut(m + IM_PAD);
        let (zr, zi) = (&mut zr[..m], &mut zi[..m]);
        match self.isa {
            Isa::Scalar => scalar::transform::<POWER>(self, input, zr, zi, a, b),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: isa is Avx2Fma only if detect_isa saw avx2 and fma on this CPU.
            Isa::Avx2Fma => unsafe { x86::transform::<POWER>(self, input, zr, zi, a, b) },
        }
    }

    /// The radix-4 passes in order: (quarter size h, that pass's 6h twiddles).
    fn passes(&self) -> impl Iterator<Item = (usize, &[f32])> + '_ {
        let m = self.n / 2;
        let (mut h, mut off) = (1usize << self.base_log2, 0);
        std::iter::from_fn(move || {
            if 4 * h > m {
                return None;
            }
            let pass = (h, &self.pass_tw[off..off + 6 * h]);
            off += 6 * h;
            h *= 4;
            Some(pass)
        })
    }

    /// The bins a vectorized split loop leaves: 0, `done..=m-done` (around m/2) and m, when the
    /// loop has produced bins 1..done and m-done+1..m-1. Shared by the scalar and SIMD paths.
    #[inline]
    fn split_remaining<const POWER: bool>(&self, zr: &[f32], zi: &[f32], a: &mut [f32], b: &mut [f32], done: usize) {
        let m = zr.len();
        for k in std::iter::once(0).chain(done..=m - done).chain(std::iter::once(m)) {
            let (xr, xi) = self.split_bin(zr, zi, k);
            if POWER {
                a[k] = xr * xr + xi * xi;
            } else {
                a[k] = xr;
                b[k] = xi;
            }
        }
    }

    /// Real-spectrum bin k (0..=m) from the complex FFT Z of the packed signal (m = zr.len()).
    ///
    /// With A = Z[k], B = conj(Z[m-k]) (indices mod m), the even and odd samples' spectra are
    /// E = (A+B)/2 and O = (A-B)/(2i), and X[k] = E + e^{-2πik/n}·O = E + split_tw[k]·(A-B).
    #[inline]
    fn split_bin(&self, zr: &[f32], zi: &[f32], k: usize) -> (f32, f32) {
        let m = zr.len();
        let a = if k == m { 0 } else { k };
        let b = if k == 0 { 0 } else { m - k };
        let (ar, ai, br, bi) = (zr[a], zi[a], zr[b], zi[b]);
        // bi is Im Z[m-k]; B's imaginary part is -bi.
        let (er, ei) = (0.5 * (ar + br), 0.5 * (ai - bi));
        let (dr, di) = (ar - br, ai + bi);
        let (tr, ti) = (self.split_re[k], self.split_im[k]);
        (er + tr * dr - ti * di, ei + tr * di + ti * dr)
    }
}

fn detect_isa(allow_simd: bool) -> Isa {
    #[cfg(target_arch = "x86_64")]
    {
        if allow_simd && is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            return Isa::Avx2Fma;
        }
    }
    let _ = allow_simd; // no SIMD path on other architectures yet
    Isa::Scalar
}
