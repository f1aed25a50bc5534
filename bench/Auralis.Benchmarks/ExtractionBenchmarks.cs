using Auralis.Fingerprinting;
using Auralis.Native;
using BenchmarkDotNet.Attributes;

namespace Auralis.Benchmarks;

/// <summary>
/// Extraction of a 3-minute 44.1 kHz stereo signal already in memory, one core (docs/targets.md:
/// native &lt;= 50 ms median, managed &lt;= 4x native). Pushed in 64 Ki-frame blocks like a decoder.
/// Both versions of the definitions side by side: 1 (stored) and 2 (in development, as long as
/// <see cref="Fingerprint.DraftVersion"/> is 2).
/// </summary>
[MemoryDiagnoser]
public class ExtractionBenchmarks
{
    private float[] _samples = [];
    private IFingerprintEngine _native = null!;

    [Params(1, 2)]
    public int Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _samples = Signals.ThreeMinutesStereo();
        if (!NativeFingerprintEngine.TryLoad(out var native, out var error))
        {
            throw new InvalidOperationException(error);
        }

        _native = native!;
    }

    [Benchmark(Baseline = true)]
    public Fingerprint Managed() => Run(FingerprintEngines.Managed);

    [Benchmark]
    public Fingerprint Native() => Run(_native);

    private Fingerprint Run(IFingerprintEngine engine)
    {
        using var analyzer = engine.CreateAnalyzer(44_100, 2, Version);
        const int block = 65_536 * 2;
        for (var i = 0; i < _samples.Length; i += block)
        {
            analyzer.Push(_samples.AsSpan(i, Math.Min(block, _samples.Length - i)));
        }

        return analyzer.Finish();
    }
}
