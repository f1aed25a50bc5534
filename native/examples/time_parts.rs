use auralis::fft::RealFft;
use std::time::Instant;
fn main() {
    let fft = RealFft::new(2048).unwrap();
    let input: Vec<f32> = (0..2048).map(|i| ((i * 7919) % 1000) as f32 / 1000.0).collect();
    let mut power = vec![0.0; 1025];
    let mut scratch = vec![0.0; fft.scratch_len()];
    let start = Instant::now();
    for _ in 0..15_500 {
        fft.power_spectrum(&input, &mut power, &mut scratch);
    }
    println!("15500 x fft2048: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
}
