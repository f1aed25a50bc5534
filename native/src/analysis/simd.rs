//! Runtime detection of the instruction sets the lane code is also compiled for.

/// True when the CPU has AVX, so `#[target_feature(enable = "avx")]` builds of the lane code
/// may run. Always false off x86_64, where only the portable build exists.
pub fn avx_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}
