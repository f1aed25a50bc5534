//! The streaming 25-dimension fingerprint analyzer (docs/fingerprint.md, algorithm version 1).
//!
//! One pass over pushed blocks of interleaved float PCM. State kept per block of audio:
//! - per 100 ms segment: K-weighted channel energy, `mid` energy and sample peak (10 per second);
//! - per onset hop (<= 12 ms): one onset-strength value;
//! - running sums (long-term spectrum, levels, stereo moments) and a 17-frame HPSS ring.
//! Nothing else grows with the track length.

mod hpss;
mod kernels;
mod loudness;
mod rhythm;
mod simd;
mod spectrum;

use crate::fft::RealFft;
use std::fmt;

/// Algorithm version of docs/fingerprint.md implemented here; stored with every fingerprint.
pub const FINGERPRINT_VERSION: u32 = 1;

/// The next version of the definitions, in development (docs/fingerprint.md, "Version 2"):
/// computed on request by tests and benchmarks, never stored. It becomes FINGERPRINT_VERSION
/// when every change it needs is in; until then its numbers may still change.
pub const DRAFT_VERSION: u32 = 2;
pub const DIMENSIONS: usize = 25;

/// Dimension names in storage order.
pub const DIMENSION_NAMES: [&str; DIMENSIONS] = [
    "sub_bass_pct",
    "bass_pct",
    "low_mid_pct",
    "mid_pct",
    "upper_mid_pct",
    "presence_pct",
    "air_pct",
    "lufs",
    "crest_db",
    "bass_mid_ratio",
    "tempo_bpm",
    "rhythm_stability",
    "transient_density",
    "silence_ratio",
    "spectral_centroid",
    "spectral_rolloff",
    "spectral_flatness",
    "harmonic_ratio",
    "pitch_stability",
    "chroma_energy",
    "dynamic_range_variation",
    "loudness_variation_std",
    "peak_consistency",
    "stereo_width",
    "phase_correlation",
];

pub const MIN_SAMPLE_RATE: u32 = 8_000;
pub const MAX_SAMPLE_RATE: u32 = 384_000;
pub const MAX_CHANNELS: u32 = 8;
/// Shortest accepted input.
pub const MIN_DURATION_S: f64 = 0.5;

/// Frames per reduction run (see `push`).
const REDUCTION_RUN: usize = 256;

/// -60 dBFS as an amplitude: the silence threshold for frames and blocks.
const SILENCE_RMS: f64 = 1e-3;

/// Version 2: a 100 ms block is silent when its RMS is this many dB below the track's integrated
/// loudness (read as dBFS; -60 dBFS for a track at -15 LUFS, about the median of real music),
/// and every block below -100 dBFS is. Version 1's fixed -60 dBFS made silence_ratio and
/// peak_consistency depend on the level: 12 dB quieter, fade tails and quiet passages crossed
/// it (silence_ratio +0.081 on one of 70 real tracks, peak_consistency +0.055).
const BLOCK_SILENCE_BELOW_LOUDNESS_DB: f64 = 45.0;
const BLOCK_SILENCE_FLOOR_DBFS: f64 = -100.0;

/// The RMS below which a 100 ms block is silent, for a version and the track's loudness. A
/// track with no block above BS.1770's absolute gate (-70 LUFS: its loudness reads as the gate)
/// is silent throughout; a relative threshold would otherwise follow its hiss down (a track of
/// decoded "silence" read silence_ratio 0, and 1 when 12 dB quieter).
fn block_silence_rms(version: u32, lufs: f64) -> f64 {
    if version < 2 {
        return SILENCE_RMS;
    }
    if lufs <= loudness::ABSOLUTE_GATE_LUFS {
        return f64::INFINITY;
    }
    10f64.powf((lufs - BLOCK_SILENCE_BELOW_LOUDNESS_DB).max(BLOCK_SILENCE_FLOOR_DBFS) / 20.0)
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fingerprint {
    pub values: [f32; DIMENSIONS],
}

#[derive(Clone, Debug, PartialEq)]
pub enum AnalysisError {
    InvalidArgument(String),
    /// A NaN or infinite sample (frame index from the start of the stream, channel).
    InvalidSample { frame: u64, channel: u32, value: f32 },
    TooShort { frames: u64, min_frames: u64, sample_rate: u32 },
    AlreadyFinished,
}

impl fmt::Display for AnalysisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnalysisError::InvalidArgument(m) => write!(f, "invalid argument: {m}"),
            AnalysisError::InvalidSample { frame, channel, value } => write!(
                f,
                "sample at frame {frame}, channel {channel} is {value}: audio must be finite PCM"
            ),
            AnalysisError::TooShort { frames, min_frames, sample_rate } => write!(
                f,
                "audio too short: {frames} frames ({:.3} s) at {sample_rate} Hz; at least {min_frames} frames ({MIN_DURATION_S} s) are needed",
                *frames as f64 / *sample_rate as f64
            ),
            AnalysisError::AlreadyFinished => write!(f, "the analyzer has already finished"),
        }
    }
}

impl std::error::Error for AnalysisError {}

/// STFT size for a sample rate: 2^round(log2(0.0464 * sr)) (2048 at 44.1 and 48 kHz).
pub fn fft_len_for(sample_rate: u32) -> usize {
    1usize << (0.0464 * sample_rate as f64).log2().round() as u32
}

/// Onset hop: N/4 when that is at most 12 ms, else N/8.
pub fn onset_hop_for(fft_len: usize, sample_rate: u32) -> usize {
    if (fft_len / 4) as f64 <= 0.012 * sample_rate as f64 {
        fft_len / 4
    } else {
        fft_len / 8
    }
}

/// Version 2 framing, in seconds rather than powers of two: the onset hop is 512/44100 s
/// (11.6 ms: 512 frames at 44.1 kHz, 557 at 48 kHz, 372 at 32 kHz), main frames come every two
/// onset hops and the window spans four (46.4 ms), zero-padded to the next power of two for the
/// FFT. At 44.1 kHz this is version 1's framing exactly; elsewhere version 1's window was the
/// power of two nearest 46.4 ms, so its duration jumped with the rate (64 ms at 32 kHz, 42.7 ms
/// at 48 kHz) and so did every time constant and the frequency resolution.
pub fn onset_hop_v2(sample_rate: u32) -> usize {
    (sample_rate as f64 * 512.0 / 44100.0).round() as usize
}

/// Version 2's FFT size for a window: the window itself when it is a power of two (the 44.1 kHz
/// family: bins then fall on the harmonic separation's 21.53 Hz grid), else the next power of
/// two, doubled when that pads by less than half the window (the 32 kHz family: 1488 samples in
/// 2048 gave 15.6 Hz bins, too coarse to interpolate the grid from, and harmonic_ratio moved by
/// 0.03; at 48 and 96 kHz the padding is 84 %).
pub fn fft_len_v2(window: usize) -> usize {
    let n = window.next_power_of_two();
    if n == window || 2 * n >= 3 * window {
        n
    } else {
        2 * n
    }
}

/// (window length, FFT size, onset hop) for a version at a rate.
pub fn framing(version: u32, sample_rate: u32) -> (usize, usize, usize) {
    if version < 2 {
        let n = fft_len_for(sample_rate);
        (n, n, onset_hop_for(n, sample_rate))
    } else {
        let hop = onset_hop_v2(sample_rate);
        let window = 4 * hop;
        (window, fft_len_v2(window), hop)
    }
}

/// Per 100 ms segment.
#[derive(Clone, Copy, Debug, Default)]
struct Segment {
    /// Sum of squares of `mid`.
    mid_energy: f64,
    /// Largest |sample| over all channels.
    peak: f32,
}

/// Moments of channels 0 and 1 for width and correlation.
#[derive(Clone, Copy, Debug, Default)]
struct StereoMoments {
    l: f64,
    r: f64,
    ll: f64,
    rr: f64,
    lr: f64,
}

/// The chroma a version computes: version 1 by bin centre, version 2 by spectral peak.
enum Chroma {
    Bins(spectrum::ChromaMap),
    Peaks(spectrum::PeakChroma),
}

pub struct Analyzer {
    /// The definitions computed: FINGERPRINT_VERSION or DRAFT_VERSION.
    version: u32,
    sample_rate: u32,
    channels: usize,
    /// Frames processed (excluding `staged`).
    frames: u64,
    finished: bool,
    /// Samples of an incomplete reduction run, waiting for the next push.
    staged: Vec<f32>,

    // Levels.
    peak: f32,
    sum_squares: f64,
    stereo: StereoMoments,

    // Segments (loudness, silence, peak consistency).
    segment_len: usize,
    segment: Segment,
    segment_fill: usize,
    segments: Vec<Segment>,
    k_weighting: loudness::KWeighting,

    // Spectral frames of `mid`.
    fft: RealFft,
    fft_len: usize,
    /// Samples under the window (the FFT size in version 1; four onset hops in version 2, the
    /// rest of the FFT input zero).
    window_len: usize,
    onset_hop: usize,
    /// Every `main_every`-th onset frame is a main STFT frame (hop N/2).
    main_every: usize,
    frame_index: usize,
    pending: Vec<f32>,
    window: Vec<f32>,
    windowed: Vec<f32>,
    power: Vec<f32>,
    scratch: Vec<f32>,
    mid: Vec<f32>,

    ltas: Vec<f64>,
    flat_lo: usize,
    flat_hi: usize,
    flat_floor: f64,
    flatness_sum: f64,
    chroma: Chroma,
    chroma_energy_sum: f64,
    non_silent_frames: u64,
    previous_class: Option<Option<usize>>,
    stable_pairs: u64,
    pairs: u64,
    hpss: hpss::Hpss,
    /// Version 2: the separation works on a fixed frequency grid (`spectrum::CellGrid`).
    hpss_grid: Option<(spectrum::CellGrid, Vec<f32>)>,
    /// Version 2: the high-pass before the spectral frames (None in version 1).
    subsonic: Option<spectrum::Subsonic>,
    onsets: rhythm::OnsetDetector,
}

impl Analyzer {
    pub fn new(sample_rate: u32, channels: u32) -> Result<Analyzer, AnalysisError> {
        Analyzer::with_version(sample_rate, channels, FINGERPRINT_VERSION)
    }

    /// An analyzer computing the definitions of `version`: FINGERPRINT_VERSION (what is stored)
    /// or DRAFT_VERSION (in development).
    pub fn with_version(sample_rate: u32, channels: u32, version: u32) -> Result<Analyzer, AnalysisError> {
        if version != FINGERPRINT_VERSION && version != DRAFT_VERSION {
            return Err(AnalysisError::InvalidArgument(format!(
                "fingerprint version {version} is not implemented ({FINGERPRINT_VERSION} is stored, {DRAFT_VERSION} is in development)"
            )));
        }
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(AnalysisError::InvalidArgument(format!(
                "sample rate {sample_rate} Hz is outside {MIN_SAMPLE_RATE}-{MAX_SAMPLE_RATE} Hz"
            )));
        }
        if !(1..=MAX_CHANNELS).contains(&channels) {
            return Err(AnalysisError::InvalidArgument(format!(
                "{channels} channels is outside 1-{MAX_CHANNELS}"
            )));
        }
        let sr = sample_rate as f64;
        let ch = channels as usize;
        let (window_len, fft_len, onset_hop) = framing(version, sample_rate);
        let fft = RealFft::new(fft_len)
            .ok_or_else(|| AnalysisError::InvalidArgument(format!("unsupported FFT size {fft_len}")))?;
        let bins = fft_len / 2 + 1;
        let bin_hz = sr / fft_len as f64;
        // Periodic Hann window over window_len samples.
        let window = (0..window_len)
            .map(|i| {
                let s = (std::f64::consts::PI * i as f64 / window_len as f64).sin();
                (s * s) as f32
            })
            .collect();
        let flat_lo = (20.0 / bin_hz).ceil() as usize;
        let flat_hi = ((20000.0f64.min(sr / 2.0) / bin_hz).floor() as usize).min(bins - 1);
        let hpss_bins = ((5000.0 / bin_hz).floor() as usize + 1).min(bins);
        // Version 2: cells of 21.53 Hz up to 5 kHz, plus the 8 beyond that the frequency median
        // at the top reads, as far as Nyquist allows.
        let hpss_cells = (5000.0 / spectrum::HPSS_CELL_HZ).floor() as usize + 1;
        let hpss_grid = (version >= 2).then(|| {
            let grid = spectrum::CellGrid::new(hpss_cells + hpss::KERNEL / 2, bins, bin_hz);
            let cells = vec![0.0f32; grid.len()];
            (grid, cells)
        });
        let (flat_lo, flat_hi, flat_floor) = match &hpss_grid {
            Some((grid, _)) => {
                // Version 2 measures flatness where music has content, on the separation's grid:
                // the cells from 150 Hz to 5 kHz, floored 60 dB below the frame's mean (docs).
                let lo = (spectrum::FLATNESS_V2_LO_HZ / spectrum::HPSS_CELL_HZ).ceil() as usize;
                (lo, hpss_cells.min(grid.len()) - 1, spectrum::FLATNESS_V2_FLOOR)
            }
            None => (flat_lo, flat_hi, 0.0),
        };
        let hpss = match &hpss_grid {
            Some((grid, _)) => hpss::Hpss::new(hpss_cells.min(grid.len()), grid.len()),
            None => hpss::Hpss::new(hpss_bins, bins),
        };
        Ok(Analyzer {
            version,
            sample_rate,
            channels: ch,
            frames: 0,
            finished: false,
            staged: Vec::with_capacity(REDUCTION_RUN * ch),
            peak: 0.0,
            sum_squares: 0.0,
            stereo: StereoMoments::default(),
            segment_len: (sample_rate / 10) as usize,
            segment: Segment::default(),
            segment_fill: 0,
            segments: Vec::new(),
            k_weighting: loudness::KWeighting::new(sample_rate, ch, (sample_rate / 10) as usize),
            scratch: vec![0.0; fft.scratch_len()],
            fft,
            fft_len,
            window_len,
            onset_hop,
            main_every: (window_len / 2) / onset_hop,
            frame_index: 0,
            pending: Vec::with_capacity(fft_len * 2),
            window,
            windowed: vec![0.0; fft_len],
            power: vec![0.0; bins],
            mid: Vec::new(),
            ltas: vec![0.0; bins],
            flat_lo,
            flat_hi,
            flat_floor,
            flatness_sum: 0.0,
            chroma: if version < 2 {
                Chroma::Bins(spectrum::ChromaMap::new(fft_len, sr))
            } else {
                Chroma::Peaks(spectrum::PeakChroma::new(spectrum::HPSS_CELL_HZ, hpss_grid.as_ref().map_or(0, |(grid, _)| grid.len())))
            },
            chroma_energy_sum: 0.0,
            non_silent_frames: 0,
            previous_class: None,
            stable_pairs: 0,
            pairs: 0,
            hpss,
            hpss_grid,
            subsonic: (version >= 2).then(|| spectrum::Subsonic::new(sr)),
            onsets: rhythm::OnsetDetector::new(fft_len, window_len, sr, version),
        })
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    pub fn channels(&self) -> u32 {
        self.channels as u32
    }

    /// Frames pushed so far.
    pub fn frames(&self) -> u64 {
        self.frames + (self.staged.len() / self.channels) as u64
    }

    /// Pushes a block of interleaved samples (any length that is a whole number of frames).
    /// A NaN or infinite sample is rejected and leaves the analyzer unusable for this stream.
    pub fn push(&mut self, interleaved: &[f32]) -> Result<(), AnalysisError> {
        if self.finished {
            return Err(AnalysisError::AlreadyFinished);
        }
        if interleaved.len() % self.channels != 0 {
            return Err(AnalysisError::InvalidArgument(format!(
                "{} samples is not a whole number of {}-channel frames",
                interleaved.len(),
                self.channels
            )));
        }
        if let Some(i) = kernels::first_non_finite(interleaved) {
            self.finished = true;
            return Err(AnalysisError::InvalidSample {
                frame: self.frames() + (i / self.channels) as u64,
                channel: (i % self.channels) as u32,
                value: interleaved[i],
            });
        }
        let ch = self.channels;
        let mut rest = interleaved;
        // Reductions run over fixed runs: they end at a segment boundary (so per-segment state
        // closes cleanly) and every REDUCTION_RUN frames from the segment start. A run that the
        // caller's block leaves incomplete is staged (< 256 frames) until the next push, so
        // every sum is taken over the same runs whatever the block sizes: a file's fingerprint
        // is bit-identical however it is pushed. Whole runs are read straight from the caller.
        if !self.staged.is_empty() {
            let need = self.next_run_len() * ch - self.staged.len();
            let take = need.min(rest.len());
            self.staged.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if take < need {
                return Ok(());
            }
            let staged = std::mem::take(&mut self.staged);
            self.process_run(&staged);
            self.staged = staged;
            self.staged.clear();
        }
        loop {
            let run = self.next_run_len() * ch;
            if rest.len() < run {
                break;
            }
            let (block, tail) = rest.split_at(run);
            self.process_run(block);
            rest = tail;
        }
        self.staged.extend_from_slice(rest);
        Ok(())
    }

    fn next_run_len(&self) -> usize {
        (self.segment_len - self.segment_fill).min(REDUCTION_RUN - self.segment_fill % REDUCTION_RUN)
    }

    fn process_run(&mut self, block: &[f32]) {
        let frames = block.len() / self.channels;
        // `mid` first: it adds to the open segment, which push_levels may close.
        self.push_mid(block, frames);
        self.push_levels(block, frames);
    }

    fn push_levels(&mut self, block: &[f32], frames: usize) {
        let ch = self.channels;
        let peak = kernels::peak_abs(block);
        self.segment.peak = self.segment.peak.max(peak);
        self.peak = self.peak.max(peak);
        self.sum_squares += kernels::sum_squares(block);

        let right = if ch > 1 { 1 } else { 0 };
        let [l, r, ll, rr, lr] = kernels::stereo_moments(block, ch, 0, right);
        let m = &mut self.stereo;
        m.l += l;
        m.r += r;
        m.ll += ll;
        m.rr += rr;
        m.lr += lr;

        self.k_weighting.push(block);

        self.frames += frames as u64;
        self.segment_fill += frames;
        if self.segment_fill == self.segment_len {
            self.segments.push(self.segment);
            self.segment = Segment::default();
            self.segment_fill = 0;
        }
    }

    fn push_mid(&mut self, block: &[f32], frames: usize) {
        kernels::mix_to_mid(block, self.channels, &mut self.mid);
        self.segment.mid_energy += kernels::sum_squares(&self.mid);
        debug_assert_eq!(self.mid.len(), frames);
        if let Some(subsonic) = &mut self.subsonic {
            subsonic.process(&mut self.mid);
        }

        self.pending.extend_from_slice(&self.mid);
        let mut start = 0;
        while start + self.window_len <= self.pending.len() {
            self.spectral_frame(start);
            start += self.onset_hop;
        }
        self.pending.drain(..start);
    }

    fn spectral_frame(&mut self, start: usize) {
        let frame = &self.pending[start..start + self.window_len];
        for ((w, &x), &h) in self.windowed.iter_mut().zip(frame).zip(&self.window) {
            *w = x * h;
        }
        // windowed[window_len..] stays zero: the FFT's input is zero-padded.
        let is_main = self.frame_index % self.main_every == 0;
        let energy: f64 = if is_main { kernels::sum_squares(frame) } else { 0.0 };
        self.fft.power_spectrum(&self.windowed, &mut self.power, &mut self.scratch);
        self.onsets.push(&self.power);
        self.frame_index += 1;
        if !is_main {
            return;
        }
        let silent = (energy / self.window_len as f64).sqrt() < SILENCE_RMS;
        // Version 2 leaves silent frames out of every spectral dimension (version 1 only out of
        // flatness and chroma): a near-silent track has no spectrum rather than its noise's.
        if !silent || self.version < 2 {
            for (acc, &p) in self.ltas.iter_mut().zip(&self.power) {
                *acc += p as f64;
            }
            match &mut self.hpss_grid {
                Some((grid, cells)) => {
                    grid.map(&self.power, cells);
                    self.hpss.push(cells);
                }
                None => self.hpss.push(&self.power),
            }
        }
        if silent {
            self.previous_class = None;
            return;
        }
        self.non_silent_frames += 1;
        self.flatness_sum += match &self.hpss_grid {
            Some((_, cells)) => spectrum::flatness_with_floor(&cells[self.flat_lo..=self.flat_hi], self.flat_floor),
            None => spectrum::flatness(&self.power[self.flat_lo..=self.flat_hi]),
        };
        let chroma = match &self.chroma {
            Chroma::Bins(map) => map.frame(&self.power),
            Chroma::Peaks(peaks) => {
                let cells = &self.hpss_grid.as_ref().expect("version 2 has the grid").1;
                peaks.frame(cells, self.previous_class.flatten())
            }
        };
        self.chroma_energy_sum += chroma.energy;
        if let Some(previous) = self.previous_class {
            self.pairs += 1;
            if previous.is_some() && previous == chroma.strongest {
                self.stable_pairs += 1;
            }
        }
        self.previous_class = Some(chroma.strongest);
    }

    /// Completes the analysis. The analyzer cannot be pushed to afterwards.
    pub fn finish(&mut self) -> Result<Fingerprint, AnalysisError> {
        let v = self.finish_values()?;
        let mut values = [0.0f32; DIMENSIONS];
        for (out, x) in values.iter_mut().zip(v) {
            // Every path is guarded; this is the last line of defence of the promise that no
            // dimension is ever NaN or infinite.
            *out = if x.is_finite() { x as f32 } else { 0.0 };
        }
        Ok(Fingerprint { values })
    }

    /// The dimensions before rounding to f32 (tests compare these: rounding hides small drifts).
    fn finish_values(&mut self) -> Result<[f64; DIMENSIONS], AnalysisError> {
        if self.finished {
            return Err(AnalysisError::AlreadyFinished);
        }
        self.finished = true;
        if !self.staged.is_empty() {
            let staged = std::mem::take(&mut self.staged);
            self.process_run(&staged);
        }
        let sr = self.sample_rate as f64;
        let min_frames = (MIN_DURATION_S * sr).ceil() as u64;
        if self.frames < min_frames {
            return Err(AnalysisError::TooShort {
                frames: self.frames,
                min_frames,
                sample_rate: self.sample_rate,
            });
        }
        let duration_s = self.frames as f64 / sr;
        let bin_hz = sr / self.fft_len as f64;
        let mut v = [0.0f64; DIMENSIONS];

        // Version 2 takes the band shares and bass_mid_ratio from the long-term spectrum sampled
        // on the fixed grid, so that every rate sums the same curve.
        let (band_ltas, band_hz) = if self.version < 2 {
            (std::borrow::Cow::Borrowed(&self.ltas[..]), bin_hz)
        } else {
            (std::borrow::Cow::Owned(spectrum::ltas_on_grid(&self.ltas, bin_hz)), spectrum::HPSS_CELL_HZ)
        };
        let shares = spectrum::band_shares(&band_ltas, band_hz);
        v[..7].copy_from_slice(&shares);

        self.k_weighting.finish();
        let k_energies = std::mem::take(&mut self.k_weighting.segments);
        debug_assert_eq!(k_energies.len(), self.segments.len());
        v[7] = loudness::integrated_loudness(&k_energies, self.segment_len);

        let samples = self.frames as f64 * self.channels as f64;
        let rms = (self.sum_squares / samples).sqrt();
        v[8] = if rms > 0.0 && self.peak > 0.0 { 20.0 * (self.peak as f64 / rms).log10() } else { 0.0 };
        v[9] = spectrum::bass_mid_ratio_db(&band_ltas, band_hz);

        let onset_rate = sr / self.onset_hop as f64;
        let rhythm = rhythm::analyze(&self.onsets.envelope, &self.onsets.accent, onset_rate, duration_s);
        v[10] = rhythm.tempo_bpm;
        v[11] = rhythm.stability;
        v[12] = rhythm.transient_density;

        let block_silence = block_silence_rms(self.version, v[7]);
        v[13] = self.silence_ratio(block_silence);
        v[14] = spectrum::centroid(&self.ltas, bin_hz);
        v[15] = spectrum::rolloff(&self.ltas, bin_hz);
        let voiced = self.non_silent_frames as f64;
        v[16] = if voiced > 0.0 { self.flatness_sum / voiced } else { 0.0 };
        v[17] = self.hpss.finish();
        v[18] = if self.pairs > 0 { self.stable_pairs as f64 / self.pairs as f64 } else { 0.0 };
        v[19] = if voiced > 0.0 { self.chroma_energy_sum / voiced } else { 0.0 };
        v[20] = loudness::loudness_range(&k_energies, self.segment_len);
        v[21] = if self.version < 2 {
            loudness::short_term_std(&k_energies, self.segment_len)
        } else {
            loudness::short_term_std_gated(&k_energies, self.segment_len, v[7])
        };
        v[22] = self.peak_consistency(block_silence);
        let (width, correlation) = self.stereo_image();
        v[23] = width;
        v[24] = correlation;

        Ok(v)
    }

    /// Share of 100 ms segments whose `mid` RMS is below `silence_rms`.
    fn silence_ratio(&self, silence_rms: f64) -> f64 {
        if self.segments.is_empty() {
            return 0.0;
        }
        let n = self.segment_len as f64;
        let silent = self.segments.iter().filter(|s| (s.mid_energy / n).sqrt() < silence_rms).count();
        silent as f64 / self.segments.len() as f64
    }

    /// 1 / (1 + CV) of the peaks of non-silent 1 s blocks (10 segments); a track shorter than
    /// 1 s is one block. 0 when every block is silent.
    fn peak_consistency(&self, silence_rms: f64) -> f64 {
        let per_block = 10;
        let mut blocks: Vec<&[Segment]> = self.segments.chunks_exact(per_block).collect();
        if blocks.is_empty() && !self.segments.is_empty() {
            blocks.push(&self.segments);
        }
        let peaks: Vec<f64> = blocks
            .iter()
            .filter(|b| {
                let energy: f64 = b.iter().map(|s| s.mid_energy).sum();
                (energy / (b.len() * self.segment_len) as f64).sqrt() >= silence_rms
            })
            .map(|b| b.iter().map(|s| s.peak).fold(0.0f32, f32::max) as f64)
            .collect();
        if peaks.is_empty() {
            return 0.0;
        }
        let mean = peaks.iter().sum::<f64>() / peaks.len() as f64;
        if mean <= 0.0 {
            return 0.0;
        }
        let var = peaks.iter().map(|p| (p - mean) * (p - mean)).sum::<f64>() / peaks.len() as f64;
        1.0 / (1.0 + var.sqrt() / mean)
    }

    /// (stereo_width, phase_correlation) of channels 0 and 1 (a mono file has L = R).
    fn stereo_image(&self) -> (f64, f64) {
        let m = &self.stereo;
        let n = self.frames as f64;
        // M = (L+R)/2 and S = (L-R)/2, from the moments.
        let mm = (m.ll + 2.0 * m.lr + m.rr) / 4.0;
        let ss = ((m.ll - 2.0 * m.lr + m.rr) / 4.0).max(0.0);
        let (rms_m, rms_s) = ((mm.max(0.0) / n).sqrt(), (ss / n).sqrt());
        let width = if rms_m + rms_s > 0.0 { rms_s / (rms_m + rms_s) } else { 0.0 };
        let var_l = (m.ll / n - (m.l / n).powi(2)).max(0.0);
        let var_r = (m.rr / n - (m.r / n).powi(2)).max(0.0);
        let cov = m.lr / n - (m.l / n) * (m.r / n);
        // Variances this small are rounding noise, not signal: silence and DC count as mono.
        let tiny = 1e-20;
        let correlation = match (var_l > tiny, var_r > tiny) {
            (true, true) => (cov / (var_l * var_r).sqrt()).clamp(-1.0, 1.0),
            (false, false) => 1.0,
            _ => 0.0,
        };
        (width, correlation)
    }
}

/// One-shot helper: analyzes a whole in-memory buffer.
pub fn analyze(interleaved: &[f32], sample_rate: u32, channels: u32) -> Result<Fingerprint, AnalysisError> {
    analyze_version(interleaved, sample_rate, channels, FINGERPRINT_VERSION)
}

/// One-shot helper under the definitions of `version`.
pub fn analyze_version(interleaved: &[f32], sample_rate: u32, channels: u32, version: u32) -> Result<Fingerprint, AnalysisError> {
    let mut analyzer = Analyzer::with_version(sample_rate, channels, version)?;
    analyzer.push(interleaved)?;
    analyzer.finish()
}

#[cfg(test)]
mod tests;

