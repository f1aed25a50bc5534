//! Reductions used on every sample or bin. A plain `sum += x` is one dependency chain of f64
//! adds (4 cycles each), which made these the slowest part of the analyzer. Here each runs with
//! 8 independent f32 lanes over runs of at most 256 values, folded into f64 per run: the f32
//! error over 32 terms per lane is ~1e-6 relative, and the total keeps f64 precision.

const LANES: usize = 8;
const RUN: usize = 256;

#[inline]
fn fold<F: Fn(f32) -> f32>(values: &[f32], map: F) -> f64 {
    let mut total = 0.0f64;
    for run in values.chunks(RUN) {
        let mut lanes = [0.0f32; LANES];
        let mut chunks = run.chunks_exact(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                lanes[l] += map(c[l]);
            }
        }
        let mut sum: f32 = chunks.remainder().iter().map(|&x| map(x)).sum();
        for l in lanes {
            sum += l;
        }
        total += sum as f64;
    }
    total
}

/// Sum of the values.
pub fn sum(values: &[f32]) -> f64 {
    fold(values, |x| x)
}

/// Sum of squares.
pub fn sum_squares(values: &[f32]) -> f64 {
    fold(values, |x| x * x)
}

/// Index of the first NaN or infinite value, if any. The common all-finite case is decided by a
/// vectorizable sum of x * 0 (NaN exactly when some x is NaN or infinite), per run of 256.
pub fn first_non_finite(values: &[f32]) -> Option<usize> {
    for (run_index, run) in values.chunks(RUN).enumerate() {
        let mut lanes = [0.0f32; LANES];
        let mut chunks = run.chunks_exact(LANES);
        for c in &mut chunks {
            for l in 0..LANES {
                lanes[l] += c[l] * 0.0;
            }
        }
        let tail: f32 = chunks.remainder().iter().map(|&x| x * 0.0).sum();
        if !(lanes.iter().sum::<f32>() + tail).is_finite() {
            return run.iter().position(|x| !x.is_finite()).map(|i| run_index * RUN + i);
        }
    }
    None
}

/// Largest absolute value (0 for an empty slice).
pub fn peak_abs(values: &[f32]) -> f32 {
    let mut lanes = [0.0f32; LANES];
    let mut chunks = values.chunks_exact(LANES);
    for c in &mut chunks {
        for l in 0..LANES {
            let a = c[l].abs();
            lanes[l] = if a > lanes[l] { a } else { lanes[l] };
        }
    }
    let mut peak = chunks.remainder().iter().fold(0.0f32, |m, x| m.max(x.abs()));
    for l in lanes {
        peak = peak.max(l);
    }
    peak
}

/// Replaces `mid` with the mean of the channels of each interleaved frame. The sum runs in channel
/// order and is then scaled by 1/channels, exactly like a per-frame `iter().sum() * inv`, but as
/// loops the compiler vectorizes.
pub fn mix_to_mid(interleaved: &[f32], channels: usize, mid: &mut Vec<f32>) {
    mid.clear();
    match channels {
        1 => mid.extend_from_slice(interleaved),
        2 => mid.extend(interleaved.chunks_exact(2).map(|f| (f[0] + f[1]) * 0.5)),
        _ => {
            let inv = 1.0 / channels as f32;
            mid.extend(interleaved.iter().step_by(channels).copied());
            for c in 1..channels {
                for (m, f) in mid.iter_mut().zip(interleaved.chunks_exact(channels)) {
                    *m += f[c];
                }
            }
            for m in mid.iter_mut() {
                *m *= inv;
            }
        }
    }
}

/// Sums of L, R, L^2, R^2 and L*R over interleaved frames, for channels `left` and `right`.
pub fn stereo_moments(interleaved: &[f32], channels: usize, left: usize, right: usize) -> [f64; 5] {
    let mut total = [0.0f64; 5];
    for run in interleaved.chunks(RUN * channels) {
        let mut acc = [[0.0f32; 4]; 5];
        let mut frames = run.chunks_exact(channels * 4);
        for f in &mut frames {
            for l in 0..4 {
                let (x, y) = (f[l * channels + left], f[l * channels + right]);
                acc[0][l] += x;
                acc[1][l] += y;
                acc[2][l] += x * x;
                acc[3][l] += y * y;
                acc[4][l] += x * y;
            }
        }
        for f in frames.remainder().chunks_exact(channels) {
            let (x, y) = (f[left], f[right]);
            acc[0][0] += x;
            acc[1][0] += y;
            acc[2][0] += x * x;
            acc[3][0] += y * y;
            acc[4][0] += x * y;
        }
        for (t, a) in total.iter_mut().zip(acc) {
            *t += a.iter().map(|&v| v as f64).sum::<f64>();
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lane_reductions_equal_plain_f64_sums_for_every_length_around_the_lane_width() {
        for n in [0usize, 1, 2, 7, 8, 9, 15, 16, 17, 255, 256, 257, 1000, 4097] {
            let v: Vec<f32> = (0..n).map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0).collect();
            let plain: f64 = v.iter().map(|&x| x as f64).sum();
            let squares: f64 = v.iter().map(|&x| (x as f64) * (x as f64)).sum();
            assert!((sum(&v) - plain).abs() <= 1e-4 * (1.0 + plain.abs()), "sum n={n}");
            assert!((sum_squares(&v) - squares).abs() <= 1e-5 * (1.0 + squares), "squares n={n}");
            let peak = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert_eq!(peak_abs(&v), peak, "peak n={n}");
        }
    }

    #[test]
    fn first_non_finite_finds_nan_and_infinity_anywhere() {
        assert_eq!(first_non_finite(&[]), None);
        for n in [1usize, 7, 8, 255, 256, 257, 1000] {
            let v = vec![0.5f32; n];
            assert_eq!(first_non_finite(&v), None);
            for bad in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
                for at in [0, n / 2, n - 1] {
                    let mut w = v.clone();
                    w[at] = bad;
                    assert_eq!(first_non_finite(&w), Some(at), "n={n} at={at} {bad}");
                }
            }
        }
        // Huge finite values must not overflow into a false alarm.
        assert_eq!(first_non_finite(&[f32::MAX, -f32::MAX, f32::MAX]), None);
    }

    #[test]
    fn mid_mix_equals_the_per_frame_mean_bit_for_bit() {
        for channels in 1..=8usize {
            let v: Vec<f32> = (0..channels * 301).map(|i| ((i * 7919 % 211) as f32 - 105.0) / 97.0).collect();
            let mut mid = Vec::new();
            mix_to_mid(&v, channels, &mut mid);
            let inv = 1.0 / channels as f32;
            let want: Vec<f32> = v.chunks_exact(channels).map(|f| f.iter().fold(0.0f32, |a, &x| a + x) * inv).collect();
            assert_eq!(mid, want, "{channels} channels");
        }
    }

    #[test]
    fn stereo_moments_match_direct_sums() {
        let frames = 1003;
        let v: Vec<f32> = (0..frames * 3).map(|i| ((i * 53 % 97) as f32 - 48.0) / 48.0).collect();
        let m = stereo_moments(&v, 3, 0, 2);
        let mut want = [0.0f64; 5];
        for f in v.chunks(3) {
            let (x, y) = (f[0] as f64, f[2] as f64);
            want[0] += x;
            want[1] += y;
            want[2] += x * x;
            want[3] += y * y;
            want[4] += x * y;
        }
        for i in 0..5 {
            assert!((m[i] - want[i]).abs() < 1e-3, "moment {i}: {} vs {}", m[i], want[i]);
        }
    }
}
