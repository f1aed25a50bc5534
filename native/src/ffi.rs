//! The whole C ABI of the Auralis core. Rules (docs/native-abi.md):
//! - every export is `au_<object>_<verb>`, returns an `int32_t` status (`AU_OK` = 0) and writes
//!   results through out-parameters into caller-owned memory;
//! - every body runs inside `guard`, which checks for panics with `catch_unwind`, so a panic
//!   becomes `AU_ERR_PANIC` and never unwinds into the host;
//! - every pointer and length is checked before use, and no pointer to caller memory is kept
//!   after a call returns;
//! - the message of the last error on the calling thread is kept for `au_last_error_message`.

use crate::analysis::{self, AnalysisError, Analyzer, Fingerprint};
use crate::fft::RealFft;
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Version of this ABI. Bumped on any change to a signature, struct layout or status meaning;
/// the C# side refuses to load a library with another version.
pub const AU_ABI_VERSION: u32 = 2;

/// Number of dimensions in `AuFingerprint`.
pub const AU_FINGERPRINT_DIMENSIONS: u32 = 25;

pub const AU_OK: i32 = 0;
/// A required pointer was null.
pub const AU_ERR_NULL_POINTER: i32 = 1;
/// An argument is out of range (sample rate, channels, lengths, alignment).
pub const AU_ERR_INVALID_ARGUMENT: i32 = 2;
/// The audio holds a NaN or infinite sample.
pub const AU_ERR_INVALID_SAMPLES: i32 = 3;
/// The audio is shorter than the 0.5 s minimum.
pub const AU_ERR_TOO_SHORT: i32 = 4;
/// A caller buffer is too small; the required size is reported.
pub const AU_ERR_BUFFER_TOO_SMALL: i32 = 5;
/// The object is not in a state that allows the call (finished, or broken by an earlier panic).
pub const AU_ERR_STATE: i32 = 6;
/// An internal panic was caught; the message says where.
pub const AU_ERR_PANIC: i32 = 7;

/// The 25 dimensions of docs/fingerprint.md in storage order.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct AuFingerprint {
    pub sub_bass_pct: f32,
    pub bass_pct: f32,
    pub low_mid_pct: f32,
    pub mid_pct: f32,
    pub upper_mid_pct: f32,
    pub presence_pct: f32,
    pub air_pct: f32,
    pub lufs: f32,
    pub crest_db: f32,
    pub bass_mid_ratio: f32,
    pub tempo_bpm: f32,
    pub rhythm_stability: f32,
    pub transient_density: f32,
    pub silence_ratio: f32,
    pub spectral_centroid: f32,
    pub spectral_rolloff: f32,
    pub spectral_flatness: f32,
    pub harmonic_ratio: f32,
    pub pitch_stability: f32,
    pub chroma_energy: f32,
    pub dynamic_range_variation: f32,
    pub loudness_variation_std: f32,
    pub peak_consistency: f32,
    pub stereo_width: f32,
    pub phase_correlation: f32,
}

impl From<Fingerprint> for AuFingerprint {
    fn from(f: Fingerprint) -> AuFingerprint {
        let v = f.values;
        AuFingerprint {
            sub_bass_pct: v[0],
            bass_pct: v[1],
            low_mid_pct: v[2],
            mid_pct: v[3],
            upper_mid_pct: v[4],
            presence_pct: v[5],
            air_pct: v[6],
            lufs: v[7],
            crest_db: v[8],
            bass_mid_ratio: v[9],
            tempo_bpm: v[10],
            rhythm_stability: v[11],
            transient_density: v[12],
            silence_ratio: v[13],
            spectral_centroid: v[14],
            spectral_rolloff: v[15],
            spectral_flatness: v[16],
            harmonic_ratio: v[17],
            pitch_stability: v[18],
            chroma_energy: v[19],
            dynamic_range_variation: v[20],
            loudness_variation_std: v[21],
            peak_consistency: v[22],
            stereo_width: v[23],
            phase_correlation: v[24],
        }
    }
}

/// Streaming analyzer handle (opaque). Create with `au_analyzer_new`, free with
/// `au_analyzer_free`.
pub struct AuAnalyzer {
    inner: Analyzer,
    /// Set while a call runs; still set after a caught panic, which makes the handle unusable.
    broken: bool,
}

/// FFT plan handle (opaque), for benchmarks and spectrum tools.
pub struct AuFftPlan {
    fft: RealFft,
    scratch: Vec<f32>,
    broken: bool,
}

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
}

struct FfiError {
    status: i32,
    message: String,
}

impl FfiError {
    fn new(status: i32, message: impl Into<String>) -> FfiError {
        FfiError { status, message: message.into() }
    }
}

impl From<AnalysisError> for FfiError {
    fn from(e: AnalysisError) -> FfiError {
        let status = match e {
            AnalysisError::InvalidArgument(_) => AU_ERR_INVALID_ARGUMENT,
            AnalysisError::InvalidSample { .. } => AU_ERR_INVALID_SAMPLES,
            AnalysisError::TooShort { .. } => AU_ERR_TOO_SHORT,
            AnalysisError::AlreadyFinished => AU_ERR_STATE,
        };
        FfiError::new(status, e.to_string())
    }
}

/// Runs an export body: catches panics, records the error message, returns the status.
fn guard(body: impl FnOnce() -> Result<(), FfiError>) -> i32 {
    let result = catch_unwind(AssertUnwindSafe(body));
    let (status, message) = match result {
        Ok(Ok(())) => return AU_OK,
        Ok(Err(e)) => (e.status, e.message),
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            (AU_ERR_PANIC, format!("internal error in the Auralis core (panic): {what}"))
        }
    };
    LAST_ERROR.with(|e| *e.borrow_mut() = message);
    status
}

fn non_null<T>(p: *const T, what: &str) -> Result<(), FfiError> {
    if p.is_null() {
        Err(FfiError::new(AU_ERR_NULL_POINTER, format!("{what} is null")))
    } else {
        Ok(())
    }
}

/// Borrows `len` floats at `ptr` for the duration of one call, after checking null, alignment
/// and that the byte size fits in `isize`.
///
/// # Safety
/// The caller of the export promises `ptr` points to `len` readable floats.
unsafe fn float_slice<'a>(ptr: *const f32, len: usize, what: &str) -> Result<&'a [f32], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    non_null(ptr, what)?;
    check_layout(ptr as usize, len, what)?;
    // SAFETY: non-null, aligned, size fits isize (checked above); validity of the memory is the
    // caller's contract, documented in the header.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// # Safety
/// The caller of the export promises `ptr` points to `len` writable floats.
unsafe fn float_slice_mut<'a>(ptr: *mut f32, len: usize, what: &str) -> Result<&'a mut [f32], FfiError> {
    non_null(ptr, what)?;
    check_layout(ptr as usize, len, what)?;
    // SAFETY: as in float_slice, for writable memory.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

fn check_layout(address: usize, len: usize, what: &str) -> Result<(), FfiError> {
    if address % std::mem::align_of::<f32>() != 0 {
        return Err(FfiError::new(AU_ERR_INVALID_ARGUMENT, format!("{what} is not 4-byte aligned")));
    }
    match len.checked_mul(std::mem::size_of::<f32>()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(()),
        _ => Err(FfiError::new(AU_ERR_INVALID_ARGUMENT, format!("{what}: length {len} overflows"))),
    }
}

/// Version of this ABI (`AU_ABI_VERSION`); checked by the host at load.
#[no_mangle]
pub extern "C" fn au_abi_version() -> u32 {
    AU_ABI_VERSION
}

/// Algorithm version of the fingerprint (docs/fingerprint.md), stored with every fingerprint.
#[no_mangle]
pub extern "C" fn au_fingerprint_version() -> u32 {
    analysis::FINGERPRINT_VERSION
}

/// The version of the definitions in development (docs/fingerprint.md, "Version 2"): computed on
/// request through `au_analyzer_new_version`, never stored.
#[no_mangle]
pub extern "C" fn au_fingerprint_draft_version() -> u32 {
    analysis::DRAFT_VERSION
}

/// Copies the calling thread's last error message, NUL-terminated, into `buffer`.
/// `required` (optional) receives the size needed including the NUL. Returns
/// `AU_ERR_BUFFER_TOO_SMALL` (and copies nothing) when `capacity` is smaller than that.
///
/// # Safety
/// `buffer` must point to `capacity` writable bytes (or be null when `capacity` is 0);
/// `required` must be null or point to a writable `size_t`.
#[no_mangle]
pub unsafe extern "C" fn au_last_error_message(buffer: *mut c_char, capacity: usize, required: *mut usize) -> i32 {
    let message = LAST_ERROR.with(|e| e.borrow().clone());
    guard(|| {
        let needed = message.len() + 1;
        if !required.is_null() {
            // SAFETY: non-null; the caller promises it is a writable size_t.
            unsafe { *required = needed };
        }
        if capacity < needed {
            return Err(FfiError::new(AU_ERR_BUFFER_TOO_SMALL, message.clone()));
        }
        non_null(buffer, "buffer")?;
        // SAFETY: buffer holds `capacity` >= needed bytes (caller contract), source and
        // destination cannot overlap (ours is a fresh String).
        unsafe {
            std::ptr::copy_nonoverlapping(message.as_ptr(), buffer as *mut u8, message.len());
            *buffer.add(message.len()) = 0;
        }
        Ok(())
    })
}

/// Creates a streaming analyzer for interleaved float PCM at `sample_rate` (8-384 kHz) with
/// `channels` (1-8). On success `*out` receives the handle.
///
/// # Safety
/// `out` must point to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn au_analyzer_new(sample_rate: u32, channels: u32, out: *mut *mut AuAnalyzer) -> i32 {
    guard(|| {
        non_null(out, "out")?;
        let inner = Analyzer::new(sample_rate, channels)?;
        let handle = Box::into_raw(Box::new(AuAnalyzer { inner, broken: false }));
        // SAFETY: out is non-null and writable (caller contract).
        unsafe { *out = handle };
        Ok(())
    })
}

/// As `au_analyzer_new`, computing the definitions of fingerprint `version`: the stored one
/// (`au_fingerprint_version`) or the one in development (`au_fingerprint_draft_version`); any
/// other is `AU_ERR_INVALID_ARGUMENT`.
///
/// # Safety
/// `out` must point to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn au_analyzer_new_version(sample_rate: u32, channels: u32, version: u32, out: *mut *mut AuAnalyzer) -> i32 {
    guard(|| {
        non_null(out, "out")?;
        let inner = Analyzer::with_version(sample_rate, channels, version)?;
        let handle = Box::into_raw(Box::new(AuAnalyzer { inner, broken: false }));
        // SAFETY: out is non-null and writable (caller contract).
        unsafe { *out = handle };
        Ok(())
    })
}

/// # Safety
/// `analyzer` must be null or a live handle from `au_analyzer_new`, not used concurrently.
unsafe fn analyzer_mut<'a>(analyzer: *mut AuAnalyzer) -> Result<&'a mut AuAnalyzer, FfiError> {
    non_null(analyzer, "analyzer")?;
    // SAFETY: non-null live handle (caller contract).
    let a = unsafe { &mut *analyzer };
    if a.broken {
        return Err(FfiError::new(AU_ERR_STATE, "analyzer is unusable after an internal error"));
    }
    Ok(a)
}

/// Pushes `sample_count` interleaved samples (a whole number of frames). The samples are read
/// during the call only.
///
/// # Safety
/// `analyzer` must be a live handle; `samples` must point to `sample_count` readable floats.
#[no_mangle]
pub unsafe extern "C" fn au_analyzer_push(analyzer: *mut AuAnalyzer, samples: *const f32, sample_count: usize) -> i32 {
    guard(|| {
        // SAFETY: forwarded caller contracts.
        let a = unsafe { analyzer_mut(analyzer)? };
        let samples = unsafe { float_slice(samples, sample_count, "samples")? };
        // Only a panic (which skips the reset) leaves the handle broken; an ordinary error
        // such as a ragged block does not.
        a.broken = true;
        let result = a.inner.push(samples);
        a.broken = false;
        Ok(result?)
    })
}

/// Completes the analysis into `*out`. The analyzer accepts no more samples afterwards.
///
/// # Safety
/// `analyzer` must be a live handle; `out` must point to a writable `AuFingerprint`.
#[no_mangle]
pub unsafe extern "C" fn au_analyzer_finish(analyzer: *mut AuAnalyzer, out: *mut AuFingerprint) -> i32 {
    guard(|| {
        // SAFETY: forwarded caller contracts.
        let a = unsafe { analyzer_mut(analyzer)? };
        non_null(out, "out")?;
        a.broken = true;
        let fingerprint = a.inner.finish();
        a.broken = false;
        // SAFETY: out is non-null and writable (caller contract).
        unsafe { *out = fingerprint?.into() };
        Ok(())
    })
}

/// Frees an analyzer. Null is accepted and ignored.
///
/// # Safety
/// `analyzer` must be null or a live handle, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn au_analyzer_free(analyzer: *mut AuAnalyzer) {
    if !analyzer.is_null() {
        // Dropping cannot panic in practice; guard anyway so nothing unwinds into the host.
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: a live handle from Box::into_raw, freed once (caller contract).
            drop(unsafe { Box::from_raw(analyzer) });
        }));
    }
}

/// One-shot analysis of a whole buffer of interleaved samples.
///
/// # Safety
/// `samples` must point to `sample_count` readable floats; `out` to a writable `AuFingerprint`.
#[no_mangle]
pub unsafe extern "C" fn au_fingerprint_compute(
    samples: *const f32,
    sample_count: usize,
    sample_rate: u32,
    channels: u32,
    out: *mut AuFingerprint,
) -> i32 {
    guard(|| {
        // SAFETY: forwarded caller contract.
        let samples = unsafe { float_slice(samples, sample_count, "samples")? };
        non_null(out, "out")?;
        let fingerprint = analysis::analyze(samples, sample_rate, channels)?;
        // SAFETY: out is non-null and writable (caller contract).
        unsafe { *out = fingerprint.into() };
        Ok(())
    })
}

/// Creates a real-FFT plan of power-of-two length `n` (16 to 1048576).
///
/// # Safety
/// `out` must point to a writable pointer.
#[no_mangle]
pub unsafe extern "C" fn au_fft_plan_new(n: u32, out: *mut *mut AuFftPlan) -> i32 {
    guard(|| {
        non_null(out, "out")?;
        let fft = RealFft::new(n as usize).ok_or_else(|| {
            FfiError::new(AU_ERR_INVALID_ARGUMENT, format!("FFT length {n} is not a power of two in 16..=1048576"))
        })?;
        let scratch = vec![0.0; fft.scratch_len()];
        let handle = Box::into_raw(Box::new(AuFftPlan { fft, scratch, broken: false }));
        // SAFETY: out is non-null and writable (caller contract).
        unsafe { *out = handle };
        Ok(())
    })
}

/// Power spectrum |X[k]|^2, k = 0..=n/2, of `input` (exactly n floats) into `power`
/// (at least n/2+1 floats).
///
/// # Safety
/// `plan` must be a live handle; `input` must point to `input_len` readable floats and `power`
/// to `power_len` writable floats, not overlapping.
#[no_mangle]
pub unsafe extern "C" fn au_fft_plan_power(
    plan: *mut AuFftPlan,
    input: *const f32,
    input_len: usize,
    power: *mut f32,
    power_len: usize,
) -> i32 {
    guard(|| {
        non_null(plan, "plan")?;
        // SAFETY: live handle (caller contract).
        let p = unsafe { &mut *plan };
        if p.broken {
            return Err(FfiError::new(AU_ERR_STATE, "FFT plan is unusable after an internal error"));
        }
        let n = p.fft.len();
        if input_len != n {
            return Err(FfiError::new(AU_ERR_INVALID_ARGUMENT, format!("input has {input_len} floats, the plan needs {n}")));
        }
        if power_len < n / 2 + 1 {
            return Err(FfiError::new(AU_ERR_BUFFER_TOO_SMALL, format!("power has {power_len} floats, {} needed", n / 2 + 1)));
        }
        // SAFETY: forwarded caller contracts.
        let input = unsafe { float_slice(input, input_len, "input")? };
        let power = unsafe { float_slice_mut(power, power_len, "power")? };
        p.broken = true;
        p.fft.power_spectrum(input, &mut power[..n / 2 + 1], &mut p.scratch);
        p.broken = false;
        Ok(())
    })
}

/// Frees an FFT plan. Null is accepted and ignored.
///
/// # Safety
/// `plan` must be null or a live handle, not used again afterwards.
#[no_mangle]
pub unsafe extern "C" fn au_fft_plan_free(plan: *mut AuFftPlan) {
    if !plan.is_null() {
        let _ = catch_unwind(AssertUnwindSafe(|| {
            // SAFETY: a live handle from Box::into_raw, freed once (caller contract).
            drop(unsafe { Box::from_raw(plan) });
        }));
    }
}

/// Panics inside the guard on purpose and returns its status (`AU_ERR_PANIC`). Exists so the
/// host's tests can prove that a panic in the core becomes an error status, not a crash.
#[no_mangle]
pub extern "C" fn au_selftest_panic() -> i32 {
    guard(|| panic!("au_selftest_panic: deliberate panic for the host's tests"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn last_error() -> String {
        let mut buf = vec![0 as c_char; 512];
        let mut needed = 0usize;
        // SAFETY: buffer of 512 writable bytes, needed is a valid usize.
        let status = unsafe { au_last_error_message(buf.as_mut_ptr(), buf.len(), &mut needed) };
        assert_eq!(status, AU_OK);
        let bytes: Vec<u8> = buf[..needed - 1].iter().map(|&c| c as u8).collect();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn panic_inside_an_export_becomes_an_error_status_with_a_message() {
        assert_eq!(au_selftest_panic(), AU_ERR_PANIC);
        assert!(last_error().contains("deliberate panic"));
    }

    #[test]
    fn null_pointers_are_reported_not_dereferenced() {
        // SAFETY: null pointers are exactly what is being tested; the exports check them.
        unsafe {
            assert_eq!(au_analyzer_new(44_100, 2, std::ptr::null_mut()), AU_ERR_NULL_POINTER);
            assert_eq!(au_analyzer_push(std::ptr::null_mut(), std::ptr::null(), 0), AU_ERR_NULL_POINTER);
            assert_eq!(au_analyzer_finish(std::ptr::null_mut(), std::ptr::null_mut()), AU_ERR_NULL_POINTER);
            assert_eq!(au_fingerprint_compute(std::ptr::null(), 10, 44_100, 2, std::ptr::null_mut()), AU_ERR_NULL_POINTER);
            au_analyzer_free(std::ptr::null_mut());
            au_fft_plan_free(std::ptr::null_mut());
        }
        assert!(last_error().contains("null"));
    }

    #[test]
    fn streaming_through_the_abi_matches_the_one_shot_call() {
        let samples: Vec<f32> = (0..44_100 * 2).map(|i| (i as f32 * 0.01).sin() * 0.3).collect();
        let mut a: *mut AuAnalyzer = std::ptr::null_mut();
        let mut streamed = AuFingerprint::default();
        let mut whole = AuFingerprint::default();
        // SAFETY: valid pointers to live locals; the handle is freed once.
        unsafe {
            assert_eq!(au_analyzer_new(44_100, 2, &mut a), AU_OK);
            for chunk in samples.chunks(1000) {
                assert_eq!(au_analyzer_push(a, chunk.as_ptr(), chunk.len()), AU_OK);
            }
            assert_eq!(au_analyzer_finish(a, &mut streamed), AU_OK);
            assert_eq!(au_analyzer_finish(a, &mut streamed), AU_ERR_STATE);
            au_analyzer_free(a);
            assert_eq!(au_fingerprint_compute(samples.as_ptr(), samples.len(), 44_100, 2, &mut whole), AU_OK);
        }
        assert_eq!(format!("{streamed:?}"), format!("{whole:?}"));
    }

    #[test]
    fn error_statuses_map_analysis_errors_and_small_buffers() {
        let short = vec![0.1f32; 100];
        let mut out = AuFingerprint::default();
        let mut tiny = [0 as c_char; 4];
        let mut needed = 0;
        // SAFETY: valid pointers to live locals.
        unsafe {
            assert_eq!(au_fingerprint_compute(short.as_ptr(), short.len(), 44_100, 2, &mut out), AU_ERR_TOO_SHORT);
            assert_eq!(au_fingerprint_compute(short.as_ptr(), short.len(), 1, 2, &mut out), AU_ERR_INVALID_ARGUMENT);
            assert_eq!(au_last_error_message(tiny.as_mut_ptr(), tiny.len(), &mut needed), AU_ERR_BUFFER_TOO_SMALL);
        }
        assert!(needed > 4);
    }

    #[test]
    fn an_ordinary_error_leaves_the_analyzer_usable() {
        let mut a: *mut AuAnalyzer = std::ptr::null_mut();
        let ragged = [0.1f32; 3];
        let good: Vec<f32> = (0..44_100 * 2).map(|i| (i as f32 * 0.01).sin() * 0.3).collect();
        let mut out = AuFingerprint::default();
        // SAFETY: valid pointers to live locals; the handle is freed once.
        unsafe {
            assert_eq!(au_analyzer_new(44_100, 2, &mut a), AU_OK);
            assert_eq!(au_analyzer_push(a, ragged.as_ptr(), ragged.len()), AU_ERR_INVALID_ARGUMENT);
            assert_eq!(au_analyzer_push(a, good.as_ptr(), good.len()), AU_OK);
            assert_eq!(au_analyzer_finish(a, &mut out), AU_OK);
            au_analyzer_free(a);
        }
    }

    #[test]
    fn fft_plan_checks_lengths_and_computes_power() {
        let mut plan: *mut AuFftPlan = std::ptr::null_mut();
        let mut input = vec![0.0f32; 64];
        input[0] = 1.0;
        let mut power = vec![0.0f32; 33];
        // SAFETY: valid pointers to live locals; the plan is freed once.
        unsafe {
            assert_eq!(au_fft_plan_new(63, &mut plan), AU_ERR_INVALID_ARGUMENT);
            assert_eq!(au_fft_plan_new(64, &mut plan), AU_OK);
            assert_eq!(au_fft_plan_power(plan, input.as_ptr(), 63, power.as_mut_ptr(), 33), AU_ERR_INVALID_ARGUMENT);
            assert_eq!(au_fft_plan_power(plan, input.as_ptr(), 64, power.as_mut_ptr(), 32), AU_ERR_BUFFER_TOO_SMALL);
            assert_eq!(au_fft_plan_power(plan, input.as_ptr(), 64, power.as_mut_ptr(), 33), AU_OK);
            au_fft_plan_free(plan);
        }
        // An impulse has a flat spectrum.
        assert!(power.iter().all(|&p| (p - 1.0).abs() < 1e-6));
    }
}
