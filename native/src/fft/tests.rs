//! Oracle tests against a naive f64 DFT, run on the scalar path and (where the CPU has it) the
//! SIMD path.
//!
//! Error bound: f32 FFT round-off grows like eps·log2(n)·‖x‖₂ (each of the log2(n) stages adds
//! relative error ~eps to a vector of norm √n·‖x‖₂, spread over n bins). We allow
//! max_k |X_k - oracle_k| <= 2·eps·log2(n)·‖x‖₂ + 1e-30, observed errors are several times
//! smaller. Power is compared through its derivative: |δ(|X|²)| <= 2|X|·δ + δ².

use super::RealFft;

const SIZES: std::ops::RangeInclusive<u32> = 4..=13; // 16 ..= 8192

/// splitmix64: fixed-seed, dependency-free test input.
struct Rng(u64);
impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [-1, 1).
    fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

fn random_signal(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng(seed);
    (0..n).map(|_| rng.next_f32()).collect()
}

/// Scratch pre-filled with NaN, infinities and huge values, to show results ignore its contents.
fn garbage_scratch(len: usize) -> Vec<f32> {
    let junk = [
        f32::NAN,
        f32::MAX,
        -f32::INFINITY,
        -3.0e38,
        f32::INFINITY,
        1.0e-45,
    ];
    (0..len).map(|i| junk[i % junk.len()]).collect()
}

/// Every plan flavour this machine can run: scalar always, plus the default if it is SIMD.
fn plans(n: usize) -> Vec<(&'static str, RealFft)> {
    let mut v = vec![("scalar", RealFft::new_scalar(n).unwrap())];
    let default = RealFft::new(n).unwrap();
    if default.uses_simd() {
        v.push(("simd", default));
    }
    v
}

/// Naive f64 DFT bin k of a real signal: sum_j x[j] e^{-2πikj/n}.
fn dft_bin(x: &[f32], k: usize) -> (f64, f64) {
    let n = x.len();
    let step = -2.0 * std::f64::consts::PI / n as f64;
    x.iter().enumerate().fold((0.0, 0.0), |(re, im), (j, &v)| {
        // Reduce k·j mod n first so the angle stays exact for large n.
        let a = step * ((k * j) % n) as f64;
        (re + v as f64 * a.cos(), im + v as f64 * a.sin())
    })
}

/// Naive f64 DFT of bins 0..=n/2 using a cos/sin table (O(n²), fine up to 8192).
fn naive_dft(x: &[f32]) -> Vec<(f64, f64)> {
    let n = x.len();
    let table: Vec<(f64, f64)> = (0..n)
        .map(|t| {
            let a = -2.0 * std::f64::consts::PI * t as f64 / n as f64;
            (a.cos(), a.sin())
        })
        .collect();
    (0..=n / 2)
        .map(|k| {
            x.iter().enumerate().fold((0.0, 0.0), |(re, im), (j, &v)| {
                let (c, s) = table[(k * j) % n];
                (re + v as f64 * c, im + v as f64 * s)
            })
        })
        .collect()
}

fn tolerance(x: &[f32]) -> f64 {
    let norm = x.iter().map(|&v| v as f64 * v as f64).sum::<f64>().sqrt();
    2.0 * f32::EPSILON as f64 * (x.len() as f64).log2() * norm + 1e-30
}

fn power_tolerance(oracle_mag: f64, tol: f64) -> f64 {
    2.0 * oracle_mag * tol + tol * tol
}

fn run_forward(plan: &RealFft, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let bins = x.len() / 2 + 1;
    let (mut re, mut im) = (vec![f32::NAN; bins], vec![f32::NAN; bins]);
    let mut scratch = garbage_scratch(plan.scratch_len());
    plan.forward(x, &mut re, &mut im, &mut scratch);
    (re, im)
}

fn run_power(plan: &RealFft, x: &[f32]) -> Vec<f32> {
    let mut power = vec![f32::NAN; x.len() / 2 + 1];
    let mut scratch = garbage_scratch(plan.scratch_len());
    plan.power_spectrum(x, &mut power, &mut scratch);
    power
}

#[test]
fn new_accepts_exactly_powers_of_two_from_16_to_2_pow_20() {
    for n in [
        0,
        1,
        2,
        4,
        8,
        15,
        17,
        24,
        1000,
        1023,
        1025,
        3 << 10,
        (1 << 20) + 1,
        1 << 21,
        1 << 30,
    ] {
        assert!(RealFft::new(n).is_none(), "n = {n} must be rejected");
    }
    for log in 4..=20 {
        let plan = RealFft::new(1 << log).expect("power of two in range must be accepted");
        assert_eq!(plan.len(), 1 << log);
        assert!(plan.scratch_len() >= 1 << log);
    }
}

#[test]
fn forward_matches_naive_f64_dft_at_every_size_16_to_8192_on_every_path() {
    for log in SIZES {
        let n = 1 << log;
        let x = random_signal(n, 0x5EED + log as u64);
        let oracle = naive_dft(&x);
        let tol = tolerance(&x);
        for (path, plan) in plans(n) {
            let (re, im) = run_forward(&plan, &x);
            let err = oracle
                .iter()
                .zip(re.iter().zip(&im))
                .map(|(&(or, oi), (&r, &i))| (r as f64 - or).abs().max((i as f64 - oi).abs()))
                .fold(0.0, f64::max);
            assert!(err <= tol, "{path} n={n}: max error {err:e} > {tol:e}");
        }
    }
}

#[test]
fn power_spectrum_matches_naive_f64_dft_at_every_size_16_to_8192_on_every_path() {
    for log in SIZES {
        let n = 1 << log;
        let x = random_signal(n, 0xF00D + log as u64);
        let oracle = naive_dft(&x);
        let tol = tolerance(&x);
        for (path, plan) in plans(n) {
            let power = run_power(&plan, &x);
            for (k, (&(or, oi), &p)) in oracle.iter().zip(&power).enumerate() {
                let mag2 = or * or + oi * oi;
                let ptol = power_tolerance(mag2.sqrt(), tol);
                let err = (p as f64 - mag2).abs();
                assert!(
                    err <= ptol,
                    "{path} n={n} bin {k}: power error {err:e} > {ptol:e}"
                );
            }
        }
    }
}

/// 65536 and 2^20 are too big for a full naive DFT: check a spread of bins against it, and
/// every bin at once through Parseval (|X0|² + |X_{n/2}|² + 2·Σ|X_k|² = n·Σx²).
#[test]
fn large_sizes_match_naive_dft_on_sampled_bins_and_conserve_energy() {
    for log in [16, 20] {
        let n = 1usize << log;
        let x = random_signal(n, 0xB16 + log as u64);
        let tol = tolerance(&x);
        let bins: Vec<usize> = (0..=8)
            .chain([n / 6, n / 4 + 3, n / 3, n / 2 - 1, n / 2])
            .collect();
        let oracle: Vec<(f64, f64)> = bins.iter().map(|&k| dft_bin(&x, k)).collect();
        let energy = n as f64 * x.iter().map(|&v| v as f64 * v as f64).sum::<f64>();
        for (path, plan) in plans(n) {
            let (re, im) = run_forward(&plan, &x);
            for (&k, &(or, oi)) in bins.iter().zip(&oracle) {
                let err = (re[k] as f64 - or).abs().max((im[k] as f64 - oi).abs());
                assert!(err <= tol, "{path} n={n} bin {k}: error {err:e} > {tol:e}");
            }
            let power = run_power(&plan, &x);
            let p = |k: usize| power[k] as f64;
            let total = p(0) + p(n / 2) + 2.0 * (1..n / 2).map(p).sum::<f64>();
            let rel = (total - energy).abs() / energy;
            assert!(rel < 1e-5, "{path} n={n}: Parseval off by {rel:e}");
        }
    }
}

#[test]
fn impulse_gives_flat_unit_spectrum() {
    for log in 4..=12 {
        let n = 1 << log;
        for delay in [0, 1, n / 2 - 1, n - 1] {
            let mut x = vec![0.0f32; n];
            x[delay] = 1.0;
            for (path, plan) in plans(n) {
                let power = run_power(&plan, &x);
                let (re, im) = run_forward(&plan, &x);
                for k in 0..=n / 2 {
                    assert!(
                        (power[k] - 1.0).abs() < 1e-5,
                        "{path} n={n} d={delay} k={k}: {}",
                        power[k]
                    );
                    // X_k = e^{-2πikd/n}
                    let (er, ei) = dft_bin(&x, k);
                    assert!((re[k] as f64 - er).abs() < 1e-5 && (im[k] as f64 - ei).abs() < 1e-5);
                }
            }
        }
    }
}

#[test]
fn bin_centred_cosine_puts_all_energy_in_its_bin() {
    let n = 2048;
    for bin in [1, 7, 100, 511, 1023] {
        let x: Vec<f32> = (0..n)
            .map(|j| (2.0 * std::f64::consts::PI * (bin * j % n) as f64 / n as f64).cos() as f32)
            .collect();
        for (path, plan) in plans(n) {
            let power = run_power(&plan, &x);
            let peak = (n / 2) as f32; // |X_bin| = n/2 for a unit cosine
            assert!(
                (power[bin].sqrt() - peak).abs() < 1e-3 * peak,
                "{path} bin {bin}: {}",
                power[bin]
            );
            let leak = power
                .iter()
                .enumerate()
                .filter(|&(k, _)| k != bin)
                .map(|(_, &p)| p)
                .fold(0.0, f32::max);
            assert!(
                leak < 1e-6 * power[bin],
                "{path} bin {bin}: leakage {leak:e}"
            );
        }
    }
}

/// Same input twice through the same buffers, once with zeroed and once with garbage scratch,
/// and again after another transform dirtied it: results must be bit-identical.
#[test]
fn results_do_not_depend_on_scratch_contents() {
    for n in [16, 32, 1024, 2048] {
        let x = random_signal(n, 77);
        let other = random_signal(n, 78);
        for (path, plan) in plans(n) {
            let bins = n / 2 + 1;
            let mut clean = vec![0.0; plan.scratch_len()];
            let (mut re0, mut im0, mut p0) = (vec![0.0; bins], vec![0.0; bins], vec![0.0; bins]);
            plan.forward(&x, &mut re0, &mut im0, &mut clean);
            plan.power_spectrum(&x, &mut p0, &mut clean);

            let mut dirty = garbage_scratch(plan.scratch_len() + 5);
            let (mut re1, mut im1, mut p1) = (vec![0.0; bins], vec![0.0; bins], vec![0.0; bins]);
            for _ in 0..2 {
                plan.forward(&x, &mut re1, &mut im1, &mut dirty);
                plan.power_spectrum(&x, &mut p1, &mut dirty);
                assert_eq!((&re0, &im0, &p0), (&re1, &im1, &p1), "{path} n={n}");
                plan.forward(&other, &mut re1, &mut im1, &mut dirty);
            }
        }
    }
}

#[test]
fn outputs_longer_than_n_over_2_plus_1_are_untouched_past_it() {
    let n = 64;
    let x = random_signal(n, 9);
    for (path, plan) in plans(n) {
        let mut scratch = vec![0.0; plan.scratch_len()];
        let (mut re, mut im, mut p) = (vec![-7.0; 40], vec![-7.0; 40], vec![-7.0; 40]);
        plan.forward(&x, &mut re, &mut im, &mut scratch);
        plan.power_spectrum(&x, &mut p, &mut scratch);
        for v in [&re, &im, &p] {
            assert!(v[33..].iter().all(|&e| e == -7.0), "{path}");
        }
    }
}

#[test]
fn simd_and_scalar_paths_agree_closely() {
    for log in 4..=14 {
        let n = 1 << log;
        let x = random_signal(n, 4242 + log as u64);
        let all = plans(n);
        let (r0, i0) = run_forward(&all[0].1, &x);
        for (path, plan) in &all[1..] {
            let (r, i) = run_forward(plan, &x);
            let diff = r0
                .iter()
                .zip(&r)
                .chain(i0.iter().zip(&i))
                .map(|(a, b)| (a - b).abs() as f64);
            let max = diff.fold(0.0, f64::max);
            assert!(
                max <= tolerance(&x),
                "{path} n={n}: differs from scalar by {max:e}"
            );
        }
    }
}

#[test]
#[should_panic(expected = "input has")]
fn forward_panics_on_wrong_input_length() {
    let plan = RealFft::new(32).unwrap();
    let mut s = vec![0.0; plan.scratch_len()];
    plan.forward(&[0.0; 31], &mut [0.0; 17], &mut [0.0; 17], &mut s);
}

#[test]
#[should_panic(expected = "im has")]
fn forward_panics_on_short_output() {
    let plan = RealFft::new(32).unwrap();
    let mut s = vec![0.0; plan.scratch_len()];
    plan.forward(&[0.0; 32], &mut [0.0; 17], &mut [0.0; 16], &mut s);
}

#[test]
#[should_panic(expected = "power has")]
fn power_spectrum_panics_on_short_output() {
    let plan = RealFft::new(32).unwrap();
    let mut s = vec![0.0; plan.scratch_len()];
    plan.power_spectrum(&[0.0; 32], &mut [0.0; 16], &mut s);
}

#[test]
#[should_panic(expected = "scratch has")]
fn power_spectrum_panics_on_short_scratch() {
    let plan = RealFft::new(32).unwrap();
    let mut s = vec![0.0; plan.scratch_len() - 1];
    plan.power_spectrum(&[0.0; 32], &mut [0.0; 17], &mut s);
}

/// Not a check: prints ns per power_spectrum, the best of many short bursts so that other load
/// on the machine inflates it as little as possible.
/// `cargo test --release fft_timing -- --ignored --nocapture`
#[test]
#[ignore]
fn fft_timing_report() {
    for log in 10..=13 {
        let n = 1 << log;
        let x = random_signal(n, 1);
        for (path, plan) in plans(n) {
            let mut power = vec![0.0; n / 2 + 1];
            let mut scratch = vec![0.0; plan.scratch_len()];
            let iters = (1 << 18) / n;
            let mut best = f64::MAX;
            for _ in 0..400 {
                let t = std::time::Instant::now();
                for _ in 0..iters {
                    plan.power_spectrum(std::hint::black_box(&x), &mut power, &mut scratch);
                    std::hint::black_box(&mut power);
                }
                best = best.min(t.elapsed().as_nanos() as f64 / iters as f64);
            }
            println!("n={n:5} {path:6} power_spectrum {best:6.0} ns");
        }
    }
}
