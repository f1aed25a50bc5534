using Auralis.Fingerprinting;
using Auralis.Similarity;
using BenchmarkDotNet.Attributes;

namespace Auralis.Benchmarks;

/// <summary>Exact top-10 over a large library held in memory (docs/targets.md: 1,000,000 tracks, <= 50 ms).</summary>
[MemoryDiagnoser]
public class SimilarityBenchmarks
{
    private SimilarityIndex _index = null!;
    private Fingerprint _query = null!;

    [Params(100_000, 1_000_000)]
    public int Tracks { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        Fingerprint Next() => new(Enumerable.Range(0, Fingerprint.Dimensions).Select(_ => (float)rng.NextDouble()).ToArray());
        var library = Enumerable.Range(0, Tracks).Select(i => ((long)i, Next())).ToList();
        _index = new SimilarityIndex(library, Normalizer.Fit(library.Take(10_000).Select(t => t.Item2).ToList()), DimensionWeights.Default);
        _query = Next();
    }

    [Benchmark]
    public IReadOnlyList<Neighbor> Top10() => _index.Nearest(_query, 10);
}
