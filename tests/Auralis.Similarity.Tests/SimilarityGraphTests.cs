using Auralis.Fingerprinting;
using Auralis.Library.Database;

namespace Auralis.Similarity.Tests;

public sealed class SimilarityGraphTests
{
    private static Fingerprint Random(Random rng) =>
        new(Enumerable.Range(0, Fingerprint.Dimensions).Select(_ => (float)rng.NextDouble()).ToArray());

    private static void AssertSameGraph(IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> want, IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> got)
    {
        Assert.Equal(want.Keys.Order(), got.Keys.Order());
        foreach (var (id, list) in want)
        {
            Assert.Equal(list, got[id]);
        }
    }

    [Fact]
    public void The_full_build_lists_each_tracks_exact_top_k()
    {
        var rng = new Random(1);
        var tracks = Enumerable.Range(0, 120).Select(i => ((long)i, Random(rng))).ToList();
        var index = new SimilarityIndex(tracks, Normalizer.Fit(tracks.Select(t => t.Item2).ToList()), DimensionWeights.Default);
        var graph = SimilarityGraph.Build(index, k: 10, parallelism: 2);
        Assert.Equal(120, graph.Count);
        foreach (var (id, _) in tracks)
        {
            Assert.Equal(index.Nearest(id, 10), graph[id]);
        }
    }

    [Fact]
    public void Incremental_updates_after_additions_changes_and_removals_equal_a_full_rebuild()
    {
        var rng = new Random(2);
        var library = Enumerable.Range(0, 150).ToDictionary(i => (long)i, _ => Random(rng));
        // One normalizer for the whole test: a refit changes every distance and needs a rebuild.
        var normalizer = Normalizer.Fit(library.Values.ToList());
        SimilarityIndex IndexOf() => new(library.Select(p => (p.Key, p.Value)).ToList(), normalizer, DimensionWeights.Default);
        var graph = SimilarityGraph.Build(IndexOf());
        var nextId = 1000L;
        for (var round = 0; round < 12; round++)
        {
            var changed = new List<long>();
            var removed = new List<long>();
            for (var i = 0; i < 1 + rng.Next(5); i++)
            {
                changed.Add(nextId);
                library[nextId++] = Random(rng); // added
            }

            var existing = library.Keys.Where(id => !changed.Contains(id)).ToList();
            var edited = existing[rng.Next(existing.Count)];
            library[edited] = Random(rng); // changed
            changed.Add(edited);
            foreach (var gone in existing.Where(id => id != edited).OrderBy(_ => rng.Next()).Take(rng.Next(4)))
            {
                library.Remove(gone); // removed
                removed.Add(gone);
            }

            // Make ties likely too: an exact copy of an existing track.
            var twin = library.Keys.First();
            library[nextId] = library[twin];
            changed.Add(nextId++);

            var index = IndexOf();
            graph = SimilarityGraph.Update(graph, index, changed, removed);
            AssertSameGraph(SimilarityGraph.Build(index), graph);
        }
    }

    [Fact]
    public void A_list_that_lost_an_edge_without_being_told_is_recomputed()
    {
        // The database's cascade deletes edges to a removed track before the update sees them.
        var rng = new Random(4);
        var library = Enumerable.Range(0, 40).ToDictionary(i => (long)i, _ => Random(rng));
        var normalizer = Normalizer.Fit(library.Values.ToList());
        SimilarityIndex IndexOf() => new(library.Select(p => (p.Key, p.Value)).ToList(), normalizer, DimensionWeights.Default);
        var graph = SimilarityGraph.Build(IndexOf());
        var victim = graph[0][^1].TrackId;
        library.Remove(victim);
        var afterCascade = graph.Where(p => p.Key != victim)
            .ToDictionary(p => p.Key, p => (IReadOnlyList<Neighbor>)p.Value.Where(n => n.TrackId != victim).ToList());
        var index = IndexOf();
        AssertSameGraph(SimilarityGraph.Build(index), SimilarityGraph.Update(afterCascade, index, [], []));
    }

    [Fact]
    public void The_graph_is_stored_and_read_back_unchanged()
    {
        using var dir = new TempDirectory();
        using var db = LibraryDatabase.Open(dir.File("library.db"));
        var tracks = new TrackRepository(db);
        var rng = new Random(3);
        var library = Enumerable.Range(0, 30).Select(i => (tracks.Add($"/music/{i}.flac", 1, 1), Random(rng))).ToList();
        var index = new SimilarityIndex(library, Normalizer.Fit(library.Select(t => t.Item2).ToList()), DimensionWeights.Default);
        var graph = SimilarityGraph.Build(index, k: 5);
        SimilarityGraph.Save(db, graph);
        AssertSameGraph(graph, SimilarityGraph.Load(db));
        Assert.Equal(30L * 5, db.Scalar("SELECT COUNT(*) FROM similarity_graph"));
        // Removing a track removes its edges both ways (foreign keys cascade).
        tracks.Delete(library[0].Item1);
        Assert.Equal(0L, db.Scalar($"SELECT COUNT(*) FROM similarity_graph WHERE track_id = {library[0].Item1} OR neighbor_id = {library[0].Item1}"));
    }
}
