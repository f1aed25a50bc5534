//! Features of the power spectrum: band shares, bass/mid ratio, centroid and rolloff from the
//! long-term average spectrum (LTAS), and per-frame spectral flatness.

/// The seven band edges in Hz (docs/fingerprint.md dimensions 1-7); the last is capped at Nyquist.
pub const BAND_EDGES_HZ: [f64; 8] = [20.0, 60.0, 250.0, 500.0, 2000.0, 4000.0, 6000.0, 20000.0];

/// Fixed frequency reference for centroid and rolloff (not Nyquist, so 48 kHz and 44.1 kHz files
/// are comparable).
pub const REFERENCE_HZ: f64 = 22050.0;

/// Power in [lo, hi) Hz of a one-sided spectrum with bin spacing `bin_hz`. Bin k stands for the
/// interval [(k - 1/2) * bin_hz, (k + 1/2) * bin_hz] and contributes the share of it that lies in
/// the band. Without this, a 40 Hz wide band at 21.5 Hz resolution would be over- or under-counted
/// by a whole bin (pink noise would miss the ln-band-width truth by 4 points).
pub fn band_power(ltas: &[f64], bin_hz: f64, lo: f64, hi: f64) -> f64 {
    let nyquist = (ltas.len() - 1) as f64 * bin_hz;
    let hi = hi.min(nyquist);
    if hi <= lo {
        return 0.0;
    }
    let first = ((lo / bin_hz) - 0.5).floor().max(0.0) as usize;
    let last = (((hi / bin_hz) + 0.5).ceil() as usize).min(ltas.len() - 1);
    let mut sum = 0.0;
    for (k, &p) in ltas.iter().enumerate().take(last + 1).skip(first) {
        let centre = k as f64 * bin_hz;
        let a = (centre - 0.5 * bin_hz).max(lo);
        let b = (centre + 0.5 * bin_hz).min(hi);
        if b > a {
            sum += p * (b - a) / bin_hz;
        }
    }
    sum
}

/// Percent shares of the seven bands; all zero when there is no power in 20 Hz-20 kHz.
pub fn band_shares(ltas: &[f64], bin_hz: f64) -> [f64; 7] {
    let mut powers = [0.0; 7];
    for (i, p) in powers.iter_mut().enumerate() {
        *p = band_power(ltas, bin_hz, BAND_EDGES_HZ[i], BAND_EDGES_HZ[i + 1]);
    }
    let total: f64 = powers.iter().sum();
    let mut shares = [0.0; 7];
    if total > 0.0 && total.is_finite() {
        for (s, p) in shares.iter_mut().zip(powers) {
            *s = 100.0 * p / total;
        }
    }
    shares
}

/// 10*log10(power 20-250 Hz / power 250-2000 Hz), clamped to +-60 dB; 0 when both are zero.
pub fn bass_mid_ratio_db(ltas: &[f64], bin_hz: f64) -> f64 {
    let bass = band_power(ltas, bin_hz, 20.0, 250.0);
    let mid = band_power(ltas, bin_hz, 250.0, 2000.0);
    match (bass > 0.0, mid > 0.0) {
        (false, false) => 0.0,
        (true, false) => 60.0,
        (false, true) => -60.0,
        (true, true) => (10.0 * (bass / mid).log10()).clamp(-60.0, 60.0),
    }
}

/// Power-weighted mean frequency of the whole spectrum divided by 22050 Hz, clamped to [0, 1].
pub fn centroid(ltas: &[f64], bin_hz: f64) -> f64 {
    let (mut weighted, mut total) = (0.0, 0.0);
    for (k, &p) in ltas.iter().enumerate() {
        weighted += k as f64 * bin_hz * p;
        total += p;
    }
    if total > 0.0 {
        (weighted / total / REFERENCE_HZ).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Frequency below which 85 % of the power lies, divided by 22050 Hz. Interpolated linearly
/// inside the crossing bin, so the value is continuous in the input (a one-bin jump would be
/// as large as the parity tolerance).
pub fn rolloff(ltas: &[f64], bin_hz: f64) -> f64 {
    let total: f64 = ltas.iter().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let target = 0.85 * total;
    let mut cum = 0.0;
    for (k, &p) in ltas.iter().enumerate() {
        if cum + p >= target {
            let frac = if p > 0.0 { (target - cum) / p } else { 0.0 };
            let hz = (k as f64 - 1.0 + frac).max(0.0) * bin_hz;
            return (hz / REFERENCE_HZ).clamp(0.0, 1.0);
        }
        cum += p;
    }
    ((ltas.len() - 1) as f64 * bin_hz / REFERENCE_HZ).clamp(0.0, 1.0)
}

/// Relative floor for the geometric mean: bins more than 100 dB below the frame's mean power
/// count as -100 dB. It keeps rounding noise in empty bins (band-limited MP3s, digital
/// silence above a low-pass) from deciding the result, and makes it reproducible.
const FLATNESS_FLOOR: f64 = 1e-10;

/// Spectral flatness of one frame over `power` (already restricted to 20 Hz-20 kHz).
/// The logarithm is taken once per 16 bins of a product of mean-normalized values (each in
/// [1e-10, n], so a product of 16 stays far inside f64 range) instead of once per bin.
pub fn flatness(power: &[f32]) -> f64 {
    flatness_with_floor(power, FLATNESS_FLOOR)
}

/// Version 2's flatness band starts here; it ends at 5 kHz, the top of the separation's grid.
/// Above 5 kHz lie the codec low-pass, the dither floor and, at 32 kHz, Nyquist: what version 1
/// mostly measured (16-bit storage moved it 2.4x, resampling to 32 kHz 22x). Below 150 Hz a few
/// cells hold the bass notes and the kick, whose swings set the frame's mean; without them the
/// spread across real music (10th to 90th percentile) grew from 9.4x to 11.8x.
pub(crate) const FLATNESS_V2_LO_HZ: f64 = 150.0;
/// Version 2's floor, relative to the frame's mean cell power (-60 dB).
pub(crate) const FLATNESS_V2_FLOOR: f64 = 1e-6;

/// Spectral flatness with each value floored at `floor` times the mean.
pub fn flatness_with_floor(power: &[f32], floor: f64) -> f64 {
    if power.is_empty() {
        return 0.0;
    }
    let mean = super::kernels::sum(power) / power.len() as f64;
    if mean <= 0.0 || !mean.is_finite() {
        return 0.0;
    }
    let inv = 1.0 / mean;
    let mut log_sum = 0.0;
    for chunk in power.chunks(16) {
        // Four interleaved products, so the multiplications do not form one long chain.
        let mut products = [1.0f64; 4];
        for (i, &p) in chunk.iter().enumerate() {
            products[i % 4] *= (p as f64 * inv).max(floor);
        }
        log_sum += (products[0] * products[1] * products[2] * products[3]).ln();
    }
    (log_sum / power.len() as f64).exp().min(1.0)
}

/// Per-frame chroma (12 pitch classes from 65 Hz to 5 kHz) with its strongest class and its
/// energy sum(c_i^2) for the chroma normalized to sum 1.
pub struct ChromaMap {
    /// (bin, pitch class) for every bin in 65 Hz..=5 kHz.
    bins: Vec<(usize, usize)>,
}

pub struct ChromaFrame {
    pub strongest: Option<usize>,
    pub energy: f64,
}

impl ChromaFrame {
    /// Strongest class (the first of equals) and energy of a 12-class chroma; no energy in the
    /// pitched range gives a flat chroma with no strongest class.
    fn of(chroma: &[f64; 12]) -> ChromaFrame {
        let total: f64 = chroma.iter().sum();
        if total <= 0.0 || !total.is_finite() {
            return ChromaFrame { strongest: None, energy: 1.0 / 12.0 };
        }
        let mut strongest = 0;
        let mut energy = 0.0;
        for (i, &c) in chroma.iter().enumerate() {
            let share = c / total;
            energy += share * share;
            if c > chroma[strongest] {
                strongest = i;
            }
        }
        ChromaFrame { strongest: Some(strongest), energy }
    }
}

impl ChromaMap {
    pub fn new(fft_len: usize, sample_rate: f64) -> ChromaMap {
        let bin_hz = sample_rate / fft_len as f64;
        let mut bins = Vec::new();
        for k in 1..=fft_len / 2 {
            let f = k as f64 * bin_hz;
            if (65.0..=5000.0).contains(&f) {
                // Pitch class relative to A (A4 = 440 Hz); the labelling does not matter, only
                // that each bin maps to the nearest equal-tempered semitone.
                let semitone = (12.0 * (f / 440.0).log2()).round() as i64;
                bins.push((k, semitone.rem_euclid(12) as usize));
            }
        }
        ChromaMap { bins }
    }

    pub fn frame(&self, power: &[f32]) -> ChromaFrame {
        let mut chroma = [0.0f64; 12];
        for &(k, class) in &self.bins {
            chroma[class] += power[k] as f64;
        }
        ChromaFrame::of(&chroma)
    }
}

/// Version 2 chroma: the spectrum split into peaks (from one local minimum to the next), each
/// peak's bins given to the semitone of the peak's interpolated frequency, every bin's power
/// divided by its frequency; over six whole octaves (C2 - 1/2 semitone = 63.54 Hz up to
/// C8 - 1/2 semitone = 4066.8 Hz).
///
/// Version 1 gave every bin in 65 Hz-5 kHz to the semitone of its centre: at 21.5 Hz per bin a
/// note below about 600 Hz spreads over the neighbouring semitones (a 65 Hz sine shares bins with
/// 62 and 69 Hz), and white noise favours the semitones with the most bins (the top ones of the
/// partial last octave), so one class won noise frames again and again. Here a sine's lobe is one
/// peak, located to a fraction of a bin by a parabola through the log power of its three top
/// bins, so its energy lands in its own class at any pitch; the 1/f weight gives noise equal
/// energy per semitone, and the whole octaves give every class the same range. Whole lobes rather
/// than peak bins alone keep all of a noise frame's energy, which keeps its chroma flat.
///
/// It reads the spectrum on the separation's 21.53 Hz grid (`CellGrid`), not on the FFT bins: at
/// 44.1 kHz the FFT is not zero-padded and its bins are the grid, while at 32, 48 and 96 kHz the
/// padded spectrum's finer bins split close partials at dips that 44.1 kHz does not see, so real
/// music read pitch_stability 0.02-0.05 higher at every other rate. On the grid every rate sees
/// the spectrum at the same frequencies.
pub struct PeakChroma {
    bin_hz: f64,
    /// First and last bins searched for peaks (a peak needs both neighbours).
    first: usize,
    last: usize,
}

/// Lowest and highest frequency of the version-2 chroma range: six octaves from C2 - 1/2 semitone.
pub(crate) const PEAK_CHROMA_LO_HZ: f64 = 63.544398327975024; // 440 * 2^(-33.5 / 12)
pub(crate) const PEAK_CHROMA_HI_HZ: f64 = PEAK_CHROMA_LO_HZ * 64.0;

/// Bins are weighted by 1 / max(f, this): above it every semitone of white noise gets the same
/// energy; below it the weight stops growing, because the lowest octaves hold only a few bins
/// each, and with full 1/f weight their one or two peaks per frame would decide a noise frame's
/// chroma (white noise then reads chroma_energy 0.16, not a flat 1/12).
pub(crate) const CHROMA_WEIGHT_KNEE_HZ: f64 = 500.0;

/// A strongest class is kept from the previous frame while its chroma is within this fraction
/// of the frame's largest: three equal notes would otherwise hand "strongest" back and forth on
/// rounding differences, which is not a change of pitch.
pub(crate) const CHROMA_HYSTERESIS: f64 = 0.98;

impl PeakChroma {
    /// Over a spectrum of `bins` values `bin_hz` apart (version 2 passes the 21.53 Hz grid).
    pub fn new(bin_hz: f64, bins: usize) -> PeakChroma {
        let first = ((PEAK_CHROMA_LO_HZ / bin_hz).floor() as usize).max(2);
        let last = ((PEAK_CHROMA_HI_HZ / bin_hz).ceil() as usize).min(bins - 2);
        PeakChroma { bin_hz, first, last }
    }

    /// The frame's chroma; `previous` is the strongest class of the previous non-silent frame.
    pub fn frame(&self, power: &[f32], previous: Option<usize>) -> ChromaFrame {
        let mut chroma = [0.0f64; 12];
        let last = self.last.min(power.len() - 2);
        // The open segment: its weighted power and its highest bin.
        let mut sum = 0.0f64;
        let mut top = self.first;
        for k in self.first..=last.max(self.first) {
            let p = power[k] as f64;
            sum += p / (k as f64 * self.bin_hz).max(CHROMA_WEIGHT_KNEE_HZ);
            if p > power[top] as f64 {
                top = k;
            }
            // A local minimum (or the range's end) closes the segment.
            let minimum = p < power[k - 1] as f64 && p <= power[k + 1] as f64;
            if minimum || k == last {
                if let Some(class) = self.class_of_peak(power, top) {
                    chroma[class] += sum;
                }
                sum = 0.0;
                top = k + 1;
            }
        }
        let mut frame = ChromaFrame::of(&chroma);
        if let (Some(p), Some(strongest)) = (previous, frame.strongest) {
            if chroma[p] >= CHROMA_HYSTERESIS * chroma[strongest] {
                frame.strongest = Some(p);
            }
        }
        frame
    }

    /// The pitch class of the peak at bin `k` (a local maximum with both neighbours above zero),
    /// at its interpolated frequency; None when it is no peak or lies outside the range.
    fn class_of_peak(&self, power: &[f32], k: usize) -> Option<usize> {
        let (a, b, c) = (power[k - 1] as f64, power[k] as f64, power[k + 1] as f64);
        if !(b > a && b >= c) || a <= 0.0 || c <= 0.0 {
            return None;
        }
        let (la, lb, lc) = (a.ln(), b.ln(), c.ln());
        let denom = la - 2.0 * lb + lc;
        let offset = if denom < 0.0 { (0.5 * (la - lc) / denom).clamp(-0.5, 0.5) } else { 0.0 };
        let f = (k as f64 + offset) * self.bin_hz;
        if !(PEAK_CHROMA_LO_HZ..PEAK_CHROMA_HI_HZ).contains(&f) {
            return None;
        }
        let semitone = (12.0 * (f / 440.0).log2()).round() as i64;
        Some(semitone.rem_euclid(12) as usize)
    }
}

/// Version 2's fixed frequency grid for the harmonic/percussive separation: cells every
/// 44100/2048 Hz (21.53 Hz, version 1's bins at 44.1 kHz), cell j holding the power spectrum at
/// j x 21.53 Hz, interpolated linearly between the two nearest bins. The separation's 17-cell
/// frequency median then spans the same 366 Hz at every rate (on bins it spanned 199 Hz of a
/// zero-padded 48 kHz spectrum), and every rate samples the spectrum at the same frequencies
/// (summing the bins over each cell instead smoothed the zero-padded spectra and moved
/// harmonic_ratio by 0.03). At 44.1 kHz every cell is, to rounding, one bin.
pub(crate) const HPSS_CELL_HZ: f64 = 44100.0 / 2048.0;

pub struct CellGrid {
    /// Per cell, the range of `weights` holding its (bin, weight) pairs.
    spans: Vec<(usize, usize)>,
    weights: Vec<(usize, f64)>,
}

impl CellGrid {
    /// Cells 0..`cells` over a spectrum of `bins` bins spaced `bin_hz`; cells beyond the last
    /// bin are left out, so there may be fewer.
    pub fn new(cells: usize, bins: usize, bin_hz: f64) -> CellGrid {
        let mut spans = Vec::with_capacity(cells);
        let mut weights = Vec::new();
        for j in 0..cells {
            let x = j as f64 * HPSS_CELL_HZ / bin_hz;
            let k = x.floor() as usize;
            if k + 1 >= bins {
                break;
            }
            let t = x - k as f64;
            let start = weights.len();
            weights.push((k, 1.0 - t));
            weights.push((k + 1, t));
            spans.push((start, weights.len()));
        }
        CellGrid { spans, weights }
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Fills `cells` (at least `len()` long) from a power spectrum.
    pub fn map(&self, power: &[f32], cells: &mut [f32]) {
        for (cell, j) in cells.iter_mut().zip(0..self.spans.len()) {
            *cell = self.cell(j, |k| power[k] as f64) as f32;
        }
    }

    /// The cells of a spectrum kept in f64 (the long-term spectrum).
    pub fn interpolate(&self, spectrum: &[f64]) -> Vec<f64> {
        (0..self.spans.len()).map(|j| self.cell(j, |k| spectrum[k])).collect()
    }

    fn cell(&self, j: usize, bin: impl Fn(usize) -> f64) -> f64 {
        let (start, end) = self.spans[j];
        let mut sum = 0.0f64;
        for &(k, w) in &self.weights[start..end] {
            sum += bin(k) * w;
        }
        sum
    }
}

/// Version 2: the long-term spectrum on the fixed 21.53 Hz grid (`CellGrid`'s sampling, over the
/// whole spectrum), for the band shares and bass_mid_ratio. The 20-60 Hz band is two bins wide at
/// 44.1 kHz; a zero-padded 48 kHz spectrum samples the same window response four times as
/// densely there, and its fractional-bin band sums differed by 1.6 points of sub-bass on real
/// music. Sampled at the same frequencies, every rate sums the same curve.
pub fn ltas_on_grid(ltas: &[f64], bin_hz: f64) -> Vec<f64> {
    // Enough cells for the whole spectrum; the grid stops at the last bin.
    let cells = ((ltas.len() as f64 * bin_hz / HPSS_CELL_HZ).ceil() as usize) + 1;
    CellGrid::new(cells, ltas.len(), bin_hz).interpolate(ltas)
}

/// Version 2: a 2nd-order Butterworth high-pass at 10 Hz (one biquad, transposed direct form II
/// in f64) on the mid signal before the spectral frames. A 46 ms Hann window's main lobe is 43 Hz
/// wide on each side, so energy below 20 Hz (the rumble of a recording, the rising infrasonic end
/// of pink noise) leaked into the 20-60 Hz band: unfiltered pink noise read 20.2 % sub-bass
/// against its 15.9 % log-frequency share (with the filter 15.8, every band within 0.15 points).
/// At 20 Hz it takes 0.26 dB. A 4th-order filter at 12 Hz took more of 20-25 Hz (sub-bass 0.7
/// points low) and cost twice the time: the recurrence is sequential, one sample after another,
/// and this one section is a tenth of the extraction. Levels, loudness and silence use the
/// unfiltered signal.
pub struct Subsonic {
    filter: super::loudness::Biquad,
    s1: f64,
    s2: f64,
}

/// Cutoff of the subsonic filter (Q 1/sqrt(2): Butterworth).
pub(crate) const SUBSONIC_HZ: f64 = 10.0;

impl Subsonic {
    pub fn new(sample_rate: f64) -> Subsonic {
        Subsonic { filter: super::loudness::Biquad::butterworth_highpass(sample_rate, SUBSONIC_HZ), s1: 0.0, s2: 0.0 }
    }

    /// Filters `samples` in place, continuing from the previous call. The sums are ordered so
    /// that the output feeds back through one multiply and one subtraction only.
    pub fn process(&mut self, samples: &mut [f32]) {
        let f = &self.filter;
        let (b0, b1, b2, a1, a2) = (f.b0, f.b1, f.b2, f.a1, f.a2);
        let (mut s1, mut s2) = (self.s1, self.s2);
        for x in samples.iter_mut() {
            let v = *x as f64;
            let y = b0 * v + s1;
            s1 = (b1 * v + s2) - a1 * y;
            s2 = b2 * v - a2 * y;
            *x = y as f32;
        }
        (self.s1, self.s2) = (s1, s2);
    }
}
