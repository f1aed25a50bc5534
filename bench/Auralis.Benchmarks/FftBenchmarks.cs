using Auralis.Dsp;
using Auralis.Native;
using BenchmarkDotNet.Attributes;

namespace Auralis.Benchmarks;

/// <summary>Power spectrum of one frame, native (Rust, AVX2/FMA when present) vs managed.</summary>
[MemoryDiagnoser]
public class FftBenchmarks
{
    private float[] _input = [];
    private float[] _power = [];
    private float[] _scratch = [];
    private RealFft _managed = null!;
    private NativeFft _native = null!;

    [Params(1024, 2048, 4096, 8192)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        _input = Enumerable.Range(0, Size).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
        _power = new float[(Size / 2) + 1];
        _managed = new RealFft(Size);
        _scratch = new float[_managed.ScratchLength];
        _native = new NativeFft(Size);
    }

    [GlobalCleanup]
    public void Cleanup() => _native.Dispose();

    [Benchmark(Baseline = true)]
    public float Managed()
    {
        _managed.PowerSpectrum(_input, _power, _scratch);
        return _power[1];
    }

    [Benchmark]
    public float Native()
    {
        _native.PowerSpectrum(_input, _power);
        return _power[1];
    }
}
