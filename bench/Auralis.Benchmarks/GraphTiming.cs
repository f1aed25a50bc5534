using System.Diagnostics;
using Auralis.Fingerprinting;
using Auralis.Similarity;

namespace Auralis.Benchmarks;

internal static class GraphTiming
{
    public static int Run(int tracks)
    {
        var rng = new Random(42);
        var library = Enumerable.Range(0, tracks)
            .Select(i => ((long)i, new Fingerprint(Enumerable.Range(0, Fingerprint.Dimensions).Select(_ => (float)rng.NextDouble()).ToArray())))
            .ToList();
        var index = new SimilarityIndex(library, Normalizer.Fit(library.Take(10_000).Select(t => t.Item2).ToList()), DimensionWeights.Default);
        var watch = Stopwatch.StartNew();
        var graph = SimilarityGraph.Build(index);
        watch.Stop();
        Console.WriteLine($"k-NN graph (k = {SimilarityGraph.DefaultK}) of {tracks} tracks on {Environment.ProcessorCount} cores: {watch.Elapsed.TotalSeconds:0.0} s " +
            $"({graph.Count} lists; target <= 60 s for 100,000)");
        return 0;
    }

    public static int MakeLibrary(int tracks, string path)
    {
        using var database = Auralis.Library.Database.LibraryDatabase.Open(path);
        var repository = new Auralis.Library.Database.TrackRepository(database);
        var rng = new Random(7);
        var batch = new List<(long, Fingerprint)>();
        var store = new Auralis.Library.Database.FingerprintRepository(database);
        for (var i = 0; i < tracks; i++)
        {
            var id = repository.Add($"/music/generated/{i:D6}.flac", 1, 1);
            batch.Add((id, InRange(rng)));
            if (batch.Count == 1000)
            {
                store.StoreCompleted(batch);
                batch.Clear();
            }
        }

        store.StoreCompleted(batch);
        Console.WriteLine($"{path}: {tracks} tracks with fingerprints");
        return 0;
    }

    /// <summary>Random values inside every dimension's range: the database stores nothing else.</summary>
    private static Fingerprint InRange(Random rng) => new(Enumerable.Range(0, Fingerprint.Dimensions)
        .Select(i => (float)(FingerprintDimensions.Ranges[i].Min + (rng.NextDouble() * (FingerprintDimensions.Ranges[i].Max - FingerprintDimensions.Ranges[i].Min))))
        .ToArray());
}
