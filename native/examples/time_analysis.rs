//! Quick per-stage timing of the analyzer on a 3-minute 44.1 kHz stereo signal (music-like:
//! clicks over a noise bed). `cargo run --release --example time_analysis [VERSION]` (1, the stored
//! definitions, by default; 2 for the draft). The authoritative
//! figures come from bench/ (BenchmarkDotNet); this is for working on the Rust side alone.
use auralis::analysis::analyze_version;
use std::time::Instant;

fn main() {
    let sr = 44_100usize;
    let frames = sr * 180;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut samples = Vec::with_capacity(frames * 2);
    for i in 0..frames {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let noise = ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.1;
        let t = (i % (sr / 2)) as f32 / sr as f32;
        let click = (-t / 0.01).exp() * (t * 6283.0).sin() * 0.5;
        samples.push(noise + click);
        samples.push(noise * 0.8 + click);
    }
    let mut times = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let version: u32 = std::env::args().nth(1).and_then(|v| v.parse().ok()).unwrap_or(1);
        let f = analyze_version(&samples, sr as u32, 2, version).expect("analysis");
        times.push(start.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(f);
    }
    times.sort_by(f64::total_cmp);
    println!("3-minute 44.1 kHz stereo: median {:.1} ms (min {:.1}, max {:.1})", times[3], times[0], times[6]);
}
