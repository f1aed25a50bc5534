//! Rhythm features (docs/fingerprint.md dimensions 11-13) from an onset-strength envelope.
//!
//! The envelope is the half-wave-rectified flux of log-compressed band energies, one value per
//! onset hop (at most 12 ms). A steady tone keeps its STFT magnitudes constant, so it gives no
//! flux at any frequency; a click gives a sharp rise in every band.
//!
//! Version 2 finds the tempo in a second envelope, the accent envelope (see `OnsetDetector::push`),
//! with the trend of fades and swells removed; the onset envelope still decides whether there is
//! a pulse at all and counts the onsets.

/// Onset band edges in Hz (bands above Nyquist are left out).
const ONSET_BANDS_HZ: [f64; 9] = [30.0, 150.0, 300.0, 600.0, 1200.0, 2400.0, 4800.0, 9600.0, 16000.0];
/// Log compression floor, relative to the power of a full-scale sine in one bin (-80 dB): rises
/// out of digital silence count, but not by an unbounded amount.
const LOG_FLOOR: f64 = 1e-8;
/// A second floor relative to the frame's mean band energy (-20 dB): bands that hold only window
/// leakage of a tone elsewhere flicker by large ratios from frame to frame, and without this
/// floor that flicker reads as onsets. Onsets are thus measured over a 20 dB range below the
/// average band, which keeps every band that carries music.
const RELATIVE_FLOOR: f64 = 1e-2;

pub struct OnsetDetector {
    /// (first bin, end bin) per onset band.
    bands: Vec<(usize, usize)>,
    /// window length / FFT size: a zero-padded FFT has more bins per Hz, and a band's sum of
    /// bins grows with them; this keeps band energies (and the floor) per window, not per bin.
    scale: f64,
    floor: f64,
    previous: Vec<f64>,
    pub envelope: Vec<f32>,
    /// Version 2: per band, the square root of the previous frame's energy; None in version 1.
    previous_root: Option<Vec<f64>>,
    /// Version 2: per band, the bins the band covers only in part, as (bin, fraction) below and
    /// above the whole bins of `bands`; empty in version 1, whose bands are whole bins only.
    partial: Vec<[(usize, f64); 2]>,
    /// Version 2: the accent envelope (empty in version 1).
    pub accent: Vec<f32>,
}

impl OnsetDetector {
    /// `window_len`: samples under the window (at most `fft_len`; the rest is zero padding).
    pub fn new(fft_len: usize, window_len: usize, sample_rate: f64, version: u32) -> OnsetDetector {
        let bin_hz = sample_rate / fft_len as f64;
        let nyquist_bin = fft_len / 2;
        let mut bands = Vec::new();
        let mut partial = Vec::new();
        for edge in ONSET_BANDS_HZ.windows(2) {
            if version < 2 {
                let first = (edge[0] / bin_hz).ceil() as usize;
                let end = (((edge[1] / bin_hz).ceil()) as usize).min(nyquist_bin + 1);
                if first < end {
                    bands.push((first, end));
                }
                continue;
            }
            // Version 2: bin k covers (k - 1/2, k + 1/2) x bin_hz; the band takes the bins wholly
            // inside it and the share of the two at its edges that lies inside, so it covers
            // the same frequencies at every rate. Version 1's whole bins from ceil(lo / bin_hz)
            // covered 43-129 Hz of the 30-150 Hz band at 44.1 kHz and 35-152 Hz at 48 kHz.
            let (lo, hi) = (edge[0] / bin_hz, (edge[1] / bin_hz).min(nyquist_bin as f64 + 0.5));
            if lo >= hi {
                continue;
            }
            let first = (lo + 0.5).ceil() as usize;
            let end = ((hi - 0.5).floor() + 1.0).max(first as f64) as usize;
            let below = (first - 1, (first as f64 - 0.5 - lo).min(hi - lo));
            let above = if end <= nyquist_bin { (end, (hi - (end as f64 - 0.5)).max(0.0)) } else { (nyquist_bin, 0.0) };
            bands.push((first, end.min(nyquist_bin + 1)));
            partial.push([below, above]);
        }
        let full_scale_bin = (window_len as f64 / 4.0).powi(2);
        let floor = LOG_FLOOR * full_scale_bin;
        let previous = vec![floor.ln(); bands.len()];
        let scale = window_len as f64 / fft_len as f64;
        let previous_root = (version >= 2).then(|| vec![0.0; bands.len()]);
        OnsetDetector { bands, scale, floor, previous, envelope: Vec::new(), previous_root, partial, accent: Vec::new() }
    }

    /// Adds one frame's power spectrum and appends its onset strength.
    pub fn push(&mut self, power: &[f32]) {
        let mut energies = [0.0f64; ONSET_BANDS_HZ.len() - 1];
        for (e, &(first, end)) in energies.iter_mut().zip(&self.bands) {
            *e = super::kernels::sum(&power[first..end]) * self.scale;
        }
        for (e, edges) in energies.iter_mut().zip(&self.partial) {
            *e += (edges[0].1 * power[edges[0].0] as f64 + edges[1].1 * power[edges[1].0] as f64) * self.scale;
        }
        let energies = &energies[..self.bands.len()];
        let floor = self.floor + RELATIVE_FLOOR * energies.iter().sum::<f64>() / energies.len() as f64;
        let mut flux = 0.0f64;
        for (previous, &energy) in self.previous.iter_mut().zip(energies) {
            let level = (energy + floor).ln();
            flux += (level - *previous).max(0.0);
            *previous = level;
        }
        self.envelope.push(flux as f32);
        // Version 2's accent: rises of the square root of each band's energy (an amplitude).
        // The logarithm above makes every onset count about the same, so a hi-hat on every
        // eighth is as strong as the kick and snare on the beats and slow rock read double
        // time; linear energy goes the other way (the kick outweighs the snare, and fast rock
        // read half time). The square root keeps the beat's accents above the subdivisions:
        // on the tempo suite, in this envelope alone, eighths reach at most 0.49 of the beat's periodicity and
        // the beat at least 0.55 of the half-bar's.
        if let Some(previous_root) = &mut self.previous_root {
            let mut rise = 0.0f64;
            for (previous, &energy) in previous_root.iter_mut().zip(energies) {
                let root = energy.sqrt();
                rise += (root - *previous).max(0.0);
                *previous = root;
            }
            self.accent.push(rise as f32);
        }
    }
}

pub struct Rhythm {
    pub tempo_bpm: f64,
    pub stability: f64,
    pub transient_density: f64,
}

/// Envelopes whose mean flux is below this (nepers per frame) have no onsets worth the name:
/// float rounding on a steady tone stays orders of magnitude below it.
const MIN_MEAN_FLUX: f64 = 0.02;
/// Below this normalized autocorrelation the envelope is called aperiodic (tempo 0). White noise
/// reaches ~0.10 at its best lag by chance alone.
const MIN_PERIODICITY: f64 = 0.15;
/// Onset threshold: an onset must rise this much (nepers summed over the bands, about the rise
/// a struck note or drum makes) and stand 1.5 standard deviations above the local mean: a
/// threshold relative to the mean alone let noise-like passages (rain, pads) count 9 onsets a
/// second.
const MIN_ONSET_FLUX: f64 = 2.5;
const ONSET_STD_FACTOR: f64 = 1.5;
/// A faster candidate (period / 2, 3 or 4) replaces the chosen one when its peak is at least
/// this strong relative to it: on a plain pulse the sub-multiples of the true period are exactly
/// as periodic, so the fastest strong one is the beat.
const OCTAVE_RATIO: f64 = 0.8;
/// Version 2: the same rule on the blended autocorrelation (below).
const OCTAVE_RATIO_V2: f64 = 0.7;
/// Version 2's periodicity is a blend of the normalized autocorrelations of the trend-free onset
/// envelope (this share) and of the accent envelope (the rest). Either alone failed: onsets
/// alone read slow rock, funk and waltz at twice their tempo (the hi-hats' eighths are as
/// periodic as the beat) and 6/8 at three times; accents alone read the tempo suite right but
/// flipped between 160 and 106.7 BPM (or 60 and 120) on three real electronic tracks when only
/// the sample rate changed, their two readings within 1 % of each other. The blend reads all 40
/// patterns of the suite and keeps all but one of those tracks (docs/fingerprint.md).
const ONSET_WEIGHT: f64 = 0.3;

/// Version 2: flux below this (nepers summed over the bands, a fraction of a dB) is flicker, not
/// a rise: partials of a steady chord that share a band beat against each other, and the frame
/// rate aliases those beats into a regular pattern.
const FLICKER: f32 = 0.1;
/// Version 2: the trend-free onset envelope must vary by more than this (a variance in nepers
/// squared: a standard deviation of 0.05) to carry a pulse. A steady chord's residual flicker
/// has 0.017 (version 1 read 121 BPM, stability 0.92, from it); noise has about 0.45, a pulse of
/// onsets rising 2.5 nepers twice a second about 0.5.
const MIN_PULSE_VARIANCE: f64 = 0.05 * 0.05;
/// Version 2: half-width of the moving average removed before the tempo search.
const TREND_HALF_WIDTH_S: f64 = 1.0;

/// `accent`: version 2's accent envelope (empty in version 1, whose tempo comes from `envelope`).
pub fn analyze(envelope: &[f32], accent: &[f32], frame_rate: f64, duration_s: f64) -> Rhythm {
    let transient_density = (count_onsets(envelope, frame_rate) as f64 / duration_s / 10.0).clamp(0.0, 1.0);
    let (tempo_bpm, stability) = if accent.is_empty() {
        tempo(envelope, None, frame_rate)
    } else {
        tempo(envelope, Some(accent), frame_rate)
    };
    Rhythm { tempo_bpm, stability, transient_density }
}

/// Onsets: local maxima of the envelope above an adaptive threshold (the mean plus 1.5 standard
/// deviations over +-0.5 s, and at least MIN_ONSET_FLUX), at least 50 ms apart (the stronger one
/// wins).
fn count_onsets(envelope: &[f32], frame_rate: f64) -> usize {
    let n = envelope.len();
    if n < 3 {
        return 0;
    }
    let mut prefix = Vec::with_capacity(n + 1);
    let mut prefix_sq = Vec::with_capacity(n + 1);
    prefix.push(0.0f64);
    prefix_sq.push(0.0f64);
    for &o in envelope {
        let o = o as f64;
        prefix.push(prefix.last().unwrap() + o);
        prefix_sq.push(prefix_sq.last().unwrap() + o * o);
    }
    let half = (0.5 * frame_rate).round() as usize;
    let min_gap = (0.05 * frame_rate).ceil() as usize;
    let mut count = 0;
    let mut last: Option<(usize, f32)> = None;
    for t in 0..n {
        let o = envelope[t];
        let before = if t > 0 { envelope[t - 1] } else { 0.0 };
        let after = if t + 1 < n { envelope[t + 1] } else { 0.0 };
        if !(o > before && o >= after) {
            continue;
        }
        let (lo, hi) = (t.saturating_sub(half), (t + half + 1).min(n));
        let width = (hi - lo) as f64;
        let local_mean = (prefix[hi] - prefix[lo]) / width;
        let local_var = ((prefix_sq[hi] - prefix_sq[lo]) / width - local_mean * local_mean).max(0.0);
        if (o as f64) <= (local_mean + ONSET_STD_FACTOR * local_var.sqrt()).max(MIN_ONSET_FLUX) {
            continue;
        }
        match last {
            Some((lt, lo_val)) if t - lt < min_gap => {
                if o > lo_val {
                    last = Some((t, o));
                }
            }
            _ => {
                count += 1;
                last = Some((t, o));
            }
        }
    }
    count
}

/// Version 2: the envelope less its moving average over +-1 s (truncated at the ends). A fade or
/// a swell raises or lowers the flux for seconds at a time; that trend has autocorrelation at
/// every lag of the tempo search, and version 1 read it as a pulse (white noise with 5 s fades:
/// 129 BPM). A beat of at most 1 s repeats within the window, so the pulse survives.
fn without_trend(envelope: &[f32], frame_rate: f64) -> Vec<f32> {
    let mut prefix = Vec::with_capacity(envelope.len() + 1);
    prefix.push(0.0f64);
    for &o in envelope {
        prefix.push(prefix.last().unwrap() + o as f64);
    }
    let half = (TREND_HALF_WIDTH_S * frame_rate).round() as usize;
    (0..envelope.len())
        .map(|t| {
            let (lo, hi) = (t.saturating_sub(half), (t + half + 1).min(envelope.len()));
            (envelope[t] as f64 - (prefix[hi] - prefix[lo]) / (hi - lo) as f64) as f32
        })
        .collect()
}

/// Version 2: whether the onset envelope (without frame 0) varies beyond flicker once its trend
/// is removed.
fn has_pulse(body: &[f32], frame_rate: f64) -> bool {
    let gated: Vec<f32> = body.iter().map(|&o| (o - FLICKER).max(0.0)).collect();
    let detrended = without_trend(&gated, frame_rate);
    let n = detrended.len().max(1) as f64;
    let mean = detrended.iter().map(|&o| o as f64).sum::<f64>() / n;
    let variance = detrended.iter().map(|&o| (o as f64 - mean).powi(2)).sum::<f64>() / n;
    variance >= MIN_PULSE_VARIANCE
}

/// Unbiased autocorrelation of the mean-removed envelope for lags 0..=max_lag.
fn autocorrelation(envelope: &[f32], max_lag: usize) -> Vec<f64> {
    let n = envelope.len();
    let mean = envelope.iter().map(|&o| o as f64).sum::<f64>() / n as f64;
    let centred: Vec<f32> = envelope.iter().map(|&o| (o as f64 - mean) as f32).collect();
    (0..=max_lag.min(n - 1))
        .map(|lag| {
            let a = &centred[..n - lag];
            let b = &centred[lag..];
            // f32 products summed in 8 lanes (vectorizes), folded into f64.
            let mut lanes = [0.0f32; 8];
            let chunks = a.len() / 8;
            for c in 0..chunks {
                for l in 0..8 {
                    lanes[l] += a[c * 8 + l] * b[c * 8 + l];
                }
            }
            let mut sum: f64 = lanes.iter().map(|&v| v as f64).sum();
            for i in chunks * 8..a.len() {
                sum += (a[i] * b[i]) as f64;
            }
            sum / (n - lag) as f64
        })
        .collect()
}

/// Vertex of the parabola through (lag-1, lag, lag+1): sub-frame position of a peak.
fn interpolate_peak(r: &[f64], lag: usize) -> f64 {
    if lag == 0 || lag + 1 >= r.len() {
        return lag as f64;
    }
    let (a, b, c) = (r[lag - 1], r[lag], r[lag + 1]);
    let denom = a - 2.0 * b + c;
    if denom < 0.0 {
        lag as f64 + (0.5 * (a - c) / denom).clamp(-0.5, 0.5)
    } else {
        lag as f64
    }
}

/// Largest autocorrelation value within +-radius of `centre`, as (lag, value).
fn peak_near(r: &[f64], centre: f64, radius: usize) -> Option<(usize, f64)> {
    let c = centre.round() as isize;
    let lo = (c - radius as isize).max(1) as usize;
    let hi = ((c + radius as isize) as usize).min(r.len().saturating_sub(2));
    (lo..=hi).map(|l| (l, r[l])).max_by(|a, b| a.1.total_cmp(&b.1))
}

/// Normalized periodicity at `lag`: the autocorrelation mass of lags lag-1..lag+1 over that of
/// lags -1..1. Summing three lags makes a period that falls between two frames count fully.
fn periodicity(r: &[f64], lag: usize) -> f64 {
    let at_zero = r[0] + 2.0 * r.get(1).copied().unwrap_or(0.0);
    if at_zero <= 0.0 || lag + 1 >= r.len() {
        return 0.0;
    }
    ((r[lag - 1] + r[lag] + r[lag + 1]) / at_zero).clamp(0.0, 1.0)
}

/// `accent`: version 2 takes the periodicity from the accent envelope, without its trend, and asks
/// the onset envelope only whether there is a pulse.
fn tempo(envelope: &[f32], accent: Option<&[f32]>, frame_rate: f64) -> (f64, f64) {
    let n = envelope.len();
    // The first frame always rises out of the silence before the track: it is the start of the
    // sound, not evidence of a pulse.
    let mean = envelope.iter().skip(1).map(|&o| o as f64).sum::<f64>() / n.saturating_sub(1).max(1) as f64;
    // Lags of 200 BPM (exclusive) to 60 BPM; the refinement looks at multiples up to 4 s.
    let min_lag = (frame_rate * 0.3).floor() as usize + 1;
    let max_lag = (frame_rate * 1.0).floor() as usize;
    if mean < MIN_MEAN_FLUX || n < 2 * max_lag + 2 {
        return (0.0, 0.0);
    }
    let refine_lag = ((frame_rate * 4.0) as usize).min(n / 2).max(max_lag + 1);
    // Frame 0 is left out here too: its rise out of silence can be a hundred times any beat and
    // would dominate r(0), hiding the pulse of a whole track (a loud, compressed 128 BPM kick
    // read as aperiodic).
    let (r, octave_ratio) = match accent {
        None => (autocorrelation(&envelope[1..], refine_lag + 2), OCTAVE_RATIO),
        Some(accent) => {
            if !has_pulse(&envelope[1..], frame_rate) {
                return (0.0, 0.0);
            }
            let onsets = autocorrelation(&without_trend(&envelope[1..], frame_rate), refine_lag + 2);
            let accents = autocorrelation(&without_trend(&accent[1..], frame_rate), refine_lag + 2);
            if onsets[0] <= 0.0 || accents[0] <= 0.0 {
                return (0.0, 0.0);
            }
            let blend: Vec<f64> = onsets
                .iter()
                .zip(&accents)
                .map(|(&o, &a)| ONSET_WEIGHT * (o / onsets[0]) + (1.0 - ONSET_WEIGHT) * (a / accents[0]))
                .collect();
            (blend, OCTAVE_RATIO_V2)
        }
    };
    if r[0] <= 0.0 {
        return (0.0, 0.0);
    }
    // Candidates: local maxima in the tempo range, weighted by a broad prior around 120 BPM
    // (one octave standard deviation) that only breaks near-ties between octaves.
    let bpm_of = |lag: f64| 60.0 * frame_rate / lag;
    let mut best: Option<(usize, f64)> = None;
    for lag in min_lag.max(1)..=max_lag.min(r.len() - 2) {
        if r[lag] > 0.0 && r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] {
            let octaves = (bpm_of(lag as f64) / 120.0).log2();
            let score = r[lag] * (-0.5 * octaves * octaves).exp();
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((lag, score));
            }
        }
    }
    let Some((mut lag, _)) = best else { return (0.0, 0.0) };
    // Octave correction: prefer the fastest sub-multiple that is (nearly) as periodic.
    for divisor in [4usize, 3, 2] {
        let candidate = lag as f64 / divisor as f64;
        if candidate < min_lag as f64 - 0.5 {
            continue;
        }
        if let Some((l, v)) = peak_near(&r, candidate, 1) {
            if l >= min_lag && v >= octave_ratio * r[lag] {
                lag = l;
                break;
            }
        }
    }
    let stability = periodicity(&r, lag);
    if stability < MIN_PERIODICITY {
        return (0.0, 0.0);
    }
    // Refinement: the k-th multiple of the period is located with the same +-1 frame error, so
    // period = lag_k / k is k times more precise. Doubling k keeps each search window small.
    let mut period = interpolate_peak(&r, lag);
    let mut k = 2usize;
    while (period * k as f64) + 2.0 < refine_lag as f64 {
        match peak_near(&r, period * k as f64, 2) {
            Some((l, v)) if v > 0.5 * r[lag] => {
                period = interpolate_peak(&r, l) / k as f64;
                k *= 2;
            }
            _ => break,
        }
    }
    let mut bpm = bpm_of(period);
    while bpm >= 200.0 {
        bpm /= 2.0;
    }
    while bpm < 60.0 {
        bpm *= 2.0;
    }
    (bpm, stability)
}
