using Auralis.Fingerprinting;
using Auralis.Library.Database;
using BenchmarkDotNet.Attributes;

namespace Auralis.Benchmarks;

/// <summary>
/// Storing fingerprints in batches (docs/targets.md: >= 10,000 fingerprints/s). Each invocation stores
/// 10,000 fingerprints (and marks their tracks complete) into a fresh database file on disk.
/// </summary>
[MemoryDiagnoser]
public class DatabaseBenchmarks
{
    private const int Tracks = 10_000;
    private string _folder = "";
    private LibraryDatabase _database = null!;
    private List<(long, Fingerprint)> _results = [];

    [Params(100, 1000)]
    public int BatchSize { get; set; }

    [IterationSetup]
    public void Setup()
    {
        _folder = Path.Combine(Path.GetTempPath(), "auralis-bench-" + Guid.NewGuid().ToString("N"));
        _database = LibraryDatabase.Open(Path.Combine(_folder, "library.db"));
        var tracks = new TrackRepository(_database);
        var values = new float[Fingerprint.Dimensions];
        _results = [];
        for (var i = 0; i < Tracks; i++)
        {
            values[0] = i % 101; // sub_bass_pct: a share, 0-100
            _results.Add((tracks.Add($"/music/{i:D5}.flac", i, i), new Fingerprint(values)));
        }
    }

    [IterationCleanup]
    public void Cleanup()
    {
        _database.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Benchmark(OperationsPerInvoke = Tracks)]
    public void StoreInBatches()
    {
        var repository = new FingerprintRepository(_database);
        for (var i = 0; i < _results.Count; i += BatchSize)
        {
            repository.StoreCompleted(_results.GetRange(i, Math.Min(BatchSize, _results.Count - i)));
        }
    }
}
