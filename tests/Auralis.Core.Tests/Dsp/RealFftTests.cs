using Auralis.Dsp;
using MathNet.Numerics.IntegralTransforms;

namespace Auralis.Tests.Dsp;

/// <summary>
/// The managed real FFT against a naive f64 DFT oracle (the native fft/tests.rs cases) and
/// against MathNet.Numerics.
/// </summary>
/// <remarks>
/// Error bound: f32 FFT round-off grows like eps·log2(n)·‖x‖₂, so max_k |X_k - oracle_k| may be
/// 2·eps·log2(n)·‖x‖₂; observed errors are several times smaller. Power is compared through its
/// derivative: |δ(|X|²)| &lt;= 2|X|·δ + δ².
/// </remarks>
public sealed class RealFftTests
{
    /// <summary>f32 machine epsilon, 2^-23 (float.Epsilon is the smallest subnormal).</summary>
    private const double F32Epsilon = 1.0 / (1 << 23);

    public static TheoryData<int> Sizes => [.. Enumerable.Range(4, 10).Select(log => 1 << log)]; // 16 ..= 8192

    /// <summary>splitmix64, as in fft/tests.rs: fixed-seed test input.</summary>
    private static float[] RandomSignal(int n, ulong seed)
    {
        var state = seed;
        var x = new float[n];
        for (var i = 0; i < n; i++)
        {
            state = unchecked(state + 0x9E37_79B9_7F4A_7C15UL);
            var z = state;
            z = unchecked((z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL);
            z ^= z >> 31;
            x[i] = ((z >> 40) / (float)(1UL << 23)) - 1.0f;
        }

        return x;
    }

    /// <summary>Scratch pre-filled with NaN, infinities and huge values, to show results ignore its contents.</summary>
    private static float[] GarbageScratch(int length)
    {
        float[] junk = [float.NaN, float.MaxValue, float.NegativeInfinity, -3.0e38f, float.PositiveInfinity, 1.0e-45f];
        return Enumerable.Range(0, length).Select(i => junk[i % junk.Length]).ToArray();
    }

    /// <summary>Naive f64 DFT bin k of a real signal: Σ_j x[j] e^{-2πikj/n}.</summary>
    private static (double Re, double Im) DftBin(float[] x, int k)
    {
        var n = x.Length;
        double re = 0, im = 0;
        for (var j = 0; j < n; j++)
        {
            // Reduce k·j mod n first so the angle stays exact for large n.
            var a = -2.0 * Math.PI * ((long)k * j % n) / n;
            re += x[j] * Math.Cos(a);
            im += x[j] * Math.Sin(a);
        }

        return (re, im);
    }

    /// <summary>Naive f64 DFT of bins 0..=n/2 with a cos/sin table (O(n²), fine up to 8192).</summary>
    private static (double Re, double Im)[] NaiveDft(float[] x)
    {
        var n = x.Length;
        var cos = new double[n];
        var sin = new double[n];
        for (var t = 0; t < n; t++)
        {
            var a = -2.0 * Math.PI * t / n;
            (cos[t], sin[t]) = (Math.Cos(a), Math.Sin(a));
        }

        var output = new (double, double)[(n / 2) + 1];
        for (var k = 0; k <= n / 2; k++)
        {
            double re = 0, im = 0;
            for (var j = 0; j < n; j++)
            {
                var t = (int)((long)k * j % n);
                re += x[j] * cos[t];
                im += x[j] * sin[t];
            }

            output[k] = (re, im);
        }

        return output;
    }

    private static double Tolerance(float[] x)
    {
        var norm = Math.Sqrt(x.Sum(v => (double)v * v));
        return (2.0 * F32Epsilon * Math.Log2(x.Length) * norm) + 1e-30;
    }

    private static (float[] Re, float[] Im) RunForward(RealFft plan, float[] x)
    {
        var bins = (x.Length / 2) + 1;
        var re = Enumerable.Repeat(float.NaN, bins).ToArray();
        var im = Enumerable.Repeat(float.NaN, bins).ToArray();
        plan.Forward(x, re, im, GarbageScratch(plan.ScratchLength));
        return (re, im);
    }

    private static float[] RunPower(RealFft plan, float[] x)
    {
        var power = Enumerable.Repeat(float.NaN, (x.Length / 2) + 1).ToArray();
        plan.PowerSpectrum(x, power, GarbageScratch(plan.ScratchLength));
        return power;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(15)]
    [InlineData(17)]
    [InlineData(24)]
    [InlineData(1000)]
    [InlineData(1023)]
    [InlineData(1025)]
    [InlineData(3 << 10)]
    [InlineData((1 << 20) + 1)]
    [InlineData(1 << 21)]
    [InlineData(-16)]
    public void Lengths_other_than_powers_of_two_from_16_to_2_pow_20_are_rejected(int n)
    {
        Assert.False(RealFft.IsSupportedLength(n));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RealFft(n));
    }

    [Fact]
    public void Every_power_of_two_from_16_to_2_pow_20_is_accepted()
    {
        for (var log = 4; log <= 20; log++)
        {
            var plan = new RealFft(1 << log);
            Assert.Equal(1 << log, plan.Length);
            Assert.True(plan.ScratchLength >= 1 << log);
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Forward_matches_a_naive_f64_dft(int n)
    {
        var x = RandomSignal(n, 0x5EEDUL + (ulong)n);
        var oracle = NaiveDft(x);
        var tolerance = Tolerance(x);
        var (re, im) = RunForward(new RealFft(n), x);
        var error = 0.0;
        for (var k = 0; k <= n / 2; k++)
        {
            error = Math.Max(error, Math.Max(Math.Abs(re[k] - oracle[k].Re), Math.Abs(im[k] - oracle[k].Im)));
        }

        Assert.True(error <= tolerance, $"n={n}: max error {error:E3} > {tolerance:E3}");
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Power_spectrum_matches_a_naive_f64_dft(int n)
    {
        var x = RandomSignal(n, 0xF00DUL + (ulong)n);
        var oracle = NaiveDft(x);
        var tolerance = Tolerance(x);
        var power = RunPower(new RealFft(n), x);
        for (var k = 0; k <= n / 2; k++)
        {
            var mag2 = (oracle[k].Re * oracle[k].Re) + (oracle[k].Im * oracle[k].Im);
            var allowed = (2.0 * Math.Sqrt(mag2) * tolerance) + (tolerance * tolerance);
            Assert.True(Math.Abs(power[k] - mag2) <= allowed, $"n={n} bin {k}: power {power[k]} vs {mag2}");
        }
    }

    /// <summary>
    /// 65536 and 2^20 are too big for a full naive DFT: a spread of bins is checked against it, and
    /// every bin at once through Parseval (|X0|² + |X_{n/2}|² + 2·Σ|X_k|² = n·Σx²).
    /// </summary>
    [Theory]
    [InlineData(16)]
    [InlineData(20)]
    public void Large_sizes_match_the_dft_on_sampled_bins_and_conserve_energy(int log)
    {
        var n = 1 << log;
        var x = RandomSignal(n, 0xB16UL + (ulong)log);
        var tolerance = Tolerance(x);
        int[] bins = [0, 1, 2, 3, 4, 5, 6, 7, 8, n / 6, (n / 4) + 3, n / 3, (n / 2) - 1, n / 2];
        var plan = new RealFft(n);
        var (re, im) = RunForward(plan, x);
        foreach (var k in bins)
        {
            var (oracleRe, oracleIm) = DftBin(x, k);
            var error = Math.Max(Math.Abs(re[k] - oracleRe), Math.Abs(im[k] - oracleIm));
            Assert.True(error <= tolerance, $"n={n} bin {k}: error {error:E3} > {tolerance:E3}");
        }

        var power = RunPower(plan, x);
        var total = (double)power[0] + power[n / 2];
        for (var k = 1; k < n / 2; k++)
        {
            total += 2.0 * power[k];
        }

        var energy = n * x.Sum(v => (double)v * v);
        Assert.True(Math.Abs(total - energy) / energy < 1e-5, $"n={n}: Parseval off by {Math.Abs(total - energy) / energy:E3}");
    }

    [Fact]
    public void An_impulse_gives_a_flat_unit_spectrum_with_the_delay_as_phase()
    {
        for (var log = 4; log <= 12; log++)
        {
            var n = 1 << log;
            foreach (var delay in new[] { 0, 1, (n / 2) - 1, n - 1 })
            {
                var x = new float[n];
                x[delay] = 1.0f;
                var plan = new RealFft(n);
                var power = RunPower(plan, x);
                var (re, im) = RunForward(plan, x);
                for (var k = 0; k <= n / 2; k++)
                {
                    Assert.True(Math.Abs(power[k] - 1.0f) < 1e-5f, $"n={n} delay={delay} k={k}: {power[k]}");
                    var (oracleRe, oracleIm) = DftBin(x, k);
                    Assert.True(Math.Abs(re[k] - oracleRe) < 1e-5 && Math.Abs(im[k] - oracleIm) < 1e-5, $"n={n} delay={delay} k={k}");
                }
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(511)]
    [InlineData(1023)]
    public void A_bin_centred_cosine_puts_all_its_energy_in_its_bin(int bin)
    {
        const int N = 2048;
        var x = Enumerable.Range(0, N).Select(j => (float)Math.Cos(2.0 * Math.PI * ((long)bin * j % N) / N)).ToArray();
        var power = RunPower(new RealFft(N), x);
        const float Peak = N / 2; // |X_bin| = n/2 for a unit cosine
        Assert.True(Math.Abs(MathF.Sqrt(power[bin]) - Peak) < 1e-3f * Peak, $"bin {bin}: {power[bin]}");
        var leak = power.Where((_, k) => k != bin).Max();
        Assert.True(leak < 1e-6f * power[bin], $"bin {bin}: leakage {leak:E3}");
    }

    [Theory]
    [InlineData(16)]
    [InlineData(32)]
    [InlineData(1024)]
    [InlineData(2048)]
    public void Results_do_not_depend_on_scratch_contents(int n)
    {
        var x = RandomSignal(n, 77);
        var other = RandomSignal(n, 78);
        var plan = new RealFft(n);
        var bins = (n / 2) + 1;
        var clean = new float[plan.ScratchLength];
        float[] re0 = new float[bins], im0 = new float[bins], p0 = new float[bins];
        plan.Forward(x, re0, im0, clean);
        plan.PowerSpectrum(x, p0, clean);

        var dirty = GarbageScratch(plan.ScratchLength + 5);
        float[] re1 = new float[bins], im1 = new float[bins], p1 = new float[bins];
        for (var round = 0; round < 2; round++)
        {
            plan.Forward(x, re1, im1, dirty);
            plan.PowerSpectrum(x, p1, dirty);
            Assert.Equal(re0, re1);
            Assert.Equal(im0, im1);
            Assert.Equal(p0, p1);
            plan.Forward(other, re1, im1, dirty);
        }
    }

    [Fact]
    public void Outputs_longer_than_n_over_2_plus_1_are_untouched_past_it()
    {
        const int N = 64;
        var x = RandomSignal(N, 9);
        var plan = new RealFft(N);
        var scratch = new float[plan.ScratchLength];
        var re = Enumerable.Repeat(-7.0f, 40).ToArray();
        var im = Enumerable.Repeat(-7.0f, 40).ToArray();
        var power = Enumerable.Repeat(-7.0f, 40).ToArray();
        plan.Forward(x, re, im, scratch);
        plan.PowerSpectrum(x, power, scratch);
        foreach (var v in new[] { re, im, power })
        {
            Assert.All(v[33..], e => Assert.Equal(-7.0f, e));
        }
    }

    [Fact]
    public void Wrong_buffer_lengths_are_argument_errors()
    {
        var plan = new RealFft(32);
        var scratch = new float[plan.ScratchLength];
        Assert.Contains("input", Assert.Throws<ArgumentException>(() => plan.Forward(new float[31], new float[17], new float[17], scratch)).Message, StringComparison.Ordinal);
        Assert.Contains("im has", Assert.Throws<ArgumentException>(() => plan.Forward(new float[32], new float[17], new float[16], scratch)).Message, StringComparison.Ordinal);
        Assert.Contains("re has", Assert.Throws<ArgumentException>(() => plan.Forward(new float[32], new float[16], new float[17], scratch)).Message, StringComparison.Ordinal);
        Assert.Contains("power has", Assert.Throws<ArgumentException>(() => plan.PowerSpectrum(new float[32], new float[16], scratch)).Message, StringComparison.Ordinal);
        Assert.Contains("scratch has", Assert.Throws<ArgumentException>(() => plan.PowerSpectrum(new float[32], new float[17], new float[plan.ScratchLength - 1])).Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Forward_agrees_with_MathNet_numerics(int n)
    {
        var x = RandomSignal(n, 0xACE0UL + (ulong)n);
        var packed = new double[n + 2];
        for (var i = 0; i < n; i++)
        {
            packed[i] = x[i];
        }

        Fourier.ForwardReal(packed, n, FourierOptions.Matlab);
        var (re, im) = RunForward(new RealFft(n), x);
        var tolerance = Tolerance(x);
        for (var k = 0; k <= n / 2; k++)
        {
            var error = Math.Max(Math.Abs(re[k] - packed[2 * k]), Math.Abs(im[k] - packed[(2 * k) + 1]));
            Assert.True(error <= tolerance, $"n={n} bin {k}: ours ({re[k]}, {im[k]}) vs MathNet ({packed[2 * k]}, {packed[(2 * k) + 1]})");
        }
    }

    [Fact]
    public void Transforms_allocate_nothing()
    {
        var plan = new RealFft(2048);
        var x = RandomSignal(2048, 3);
        var power = new float[1025];
        var scratch = new float[plan.ScratchLength];
        plan.PowerSpectrum(x, power, scratch);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            plan.PowerSpectrum(x, power, scratch);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
