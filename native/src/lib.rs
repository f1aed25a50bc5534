//! Auralis DSP core: a real FFT and the streaming 25-dimension fingerprint analyzer
//! (docs/fingerprint.md, algorithm version 1). The math modules know nothing of C; the whole
//! `extern "C"` surface lives in `ffi.rs`.
#![deny(unsafe_op_in_unsafe_fn)]

pub mod fft;
pub mod analysis;
pub mod ffi;
