using Auralis.Fingerprinting;

namespace Auralis.Similarity.Tests;

public sealed class SimilarityTests
{
    private static Fingerprint Random(Random rng) =>
        new(Enumerable.Range(0, Fingerprint.Dimensions).Select(_ => (float)(rng.NextDouble() * 100 - 50)).ToArray());

    private static List<(long, Fingerprint)> Library(int count, int seed, int duplicates = 0)
    {
        var rng = new Random(seed);
        var tracks = Enumerable.Range(0, count).Select(i => ((long)(i * 3 + 7), Random(rng))).ToList();
        // Exact copies under other ids create distance ties the order must break by id.
        for (var i = 0; i < duplicates; i++)
        {
            tracks.Add((100_000 + i, tracks[i].Item2));
        }

        return tracks;
    }

    private static SimilarityIndex Index(List<(long, Fingerprint)> tracks) =>
        new(tracks, Normalizer.Fit(tracks.Select(t => t.Item2).ToList()), DimensionWeights.Default);

    [Fact]
    public void Default_weights_follow_the_groups_of_docs_similarity_md()
    {
        var w = DimensionWeights.Default;
        // The default group weights sum to 1.03; only their ratios matter for ranking.
        Assert.Equal(1.03, w.Values.ToArray().Sum(), 9);
        Assert.Equal(0.33 / 7, w[FingerprintDimensions.IndexOf("bass_pct")], 12);
        Assert.Equal(0.03 / 2, w[FingerprintDimensions.IndexOf("phase_correlation")], 12);
        Assert.Throws<ArgumentException>(() => new DimensionWeights(new Dictionary<string, double> { ["rhythm"] = 1 }));
        Assert.Throws<ArgumentException>(() => new DimensionWeights(new Dictionary<string, double> { ["stereo"] = -1 }));
    }

    [Fact]
    public void The_normalizer_maps_the_5th_and_95th_percentiles_to_0_and_1_and_clips()
    {
        // Dimension 0 takes the values 0..100; dimension 1 is constant.
        var prints = Enumerable.Range(0, 101).Select(i =>
        {
            var v = new float[Fingerprint.Dimensions];
            v[0] = i;
            v[1] = 7;
            return new Fingerprint(v);
        }).ToList();
        var n = Normalizer.Fit(prints);
        Assert.Equal((5f, 95f), (n.Low[0], n.High[0]));
        var output = new float[Fingerprint.Dimensions];
        n.Normalize(prints[50], output);
        Assert.Equal(0.5f, output[0], 6);
        Assert.Equal(0f, output[1]); // no spread: no contribution
        n.Normalize(prints[100], output);
        Assert.Equal(1f, output[0]);
        n.Normalize(prints[0], output);
        Assert.Equal(0f, output[0]);
    }

    [Fact]
    public void Distance_is_zero_for_identical_symmetric_and_obeys_the_triangle_inequality()
    {
        var tracks = Library(200, 1);
        var index = Index(tracks);
        var rng = new Random(2);
        for (var trial = 0; trial < 500; trial++)
        {
            var (a, b, c) = (Random(rng), Random(rng), Random(rng));
            Assert.Equal(0, index.Distance(a, a));
            Assert.Equal(index.Distance(a, b), index.Distance(b, a), 12);
            Assert.True(index.Distance(a, c) <= index.Distance(a, b) + index.Distance(b, c) + 1e-9);
        }
    }

    [Fact]
    public void The_explanation_sums_to_the_squared_distance_largest_contribution_first()
    {
        var tracks = Library(50, 3);
        var index = Index(tracks);
        var parts = index.Explain(tracks[0].Item2, tracks[1].Item2);
        Assert.Equal(Fingerprint.Dimensions, parts.Count);
        Assert.Equal(Math.Pow(index.Distance(tracks[0].Item2, tracks[1].Item2), 2), parts.Sum(p => p.Contribution), 9);
        Assert.True(parts.Zip(parts.Skip(1)).All(p => p.First.Contribution >= p.Second.Contribution));
        // The indexed-track form agrees with the search's own distance.
        var byId = index.Explain(tracks[0].Item1, tracks[1].Item1);
        Assert.Equal(index.SquaredDistanceBetween(tracks[0].Item1, tracks[1].Item1), byId.Sum(p => p.Contribution), 4);
    }

    [Fact]
    public void The_simd_squared_distance_equals_a_scalar_double_computation()
    {
        var rng = new Random(4);
        for (var trial = 0; trial < 1000; trial++)
        {
            var a = new float[SimilarityIndex.Stride];
            var b = new float[SimilarityIndex.Stride];
            for (var d = 0; d < Fingerprint.Dimensions; d++)
            {
                a[d] = (float)rng.NextDouble();
                b[d] = (float)rng.NextDouble();
            }

            double want = 0;
            for (var d = 0; d < Fingerprint.Dimensions; d++)
            {
                want += ((double)a[d] - b[d]) * ((double)a[d] - b[d]);
            }

            var got = SimilarityIndex.SquaredDistance(a, b);
            Assert.True(Math.Abs(got - want) <= 1e-5 * Math.Max(1, want), $"{got} vs {want}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(37)]
    public void Top_k_equals_a_naive_full_sort_with_ties_broken_by_id_and_self_excluded(int k)
    {
        var tracks = Library(400, 5, duplicates: 30);
        var index = Index(tracks);
        foreach (var (queryId, _) in tracks.Where((_, i) => i % 37 == 0))
        {
            // The naive reference ranks every other track by the same squared distance, then id.
            var naive = tracks
                .Where(t => t.Item1 != queryId)
                .Select(t => (Id: t.Item1, D: index.SquaredDistanceBetween(queryId, t.Item1)))
                .OrderBy(t => t.D).ThenBy(t => t.Id)
                .Take(k)
                .ToList();
            var fast = index.Nearest(queryId, k);
            Assert.Equal(naive.Select(n => n.Id), fast.Select(n => n.TrackId));
            Assert.All(naive.Zip(fast), p => Assert.Equal(Math.Sqrt(p.First.D), p.Second.Distance, 9));
        }
    }

    [Fact]
    public void An_exact_copy_under_another_id_is_the_nearest_neighbour_at_distance_0()
    {
        var tracks = Library(300, 6, duplicates: 1); // track 100000 copies tracks[0]
        var nearest = Index(tracks).Nearest(tracks[0].Item1, 3);
        Assert.Equal((100_000L, 0.0), (nearest[0].TrackId, nearest[0].Distance));
    }

    [Fact]
    public void Asking_for_more_neighbours_than_tracks_returns_all_others_and_unknown_tracks_are_errors()
    {
        var tracks = Library(5, 7);
        var index = Index(tracks);
        Assert.Equal(4, index.Nearest(tracks[0].Item1, 50).Count);
        Assert.Throws<KeyNotFoundException>(() => index.Nearest(424242, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Nearest(tracks[0].Item1, 0));
    }

    [Fact]
    public void The_distance_matrix_is_symmetric_with_a_zero_diagonal_and_matches_pairwise_distances()
    {
        var tracks = Library(20, 8);
        var index = Index(tracks);
        var ids = tracks.Take(6).Select(t => t.Item1).ToList();
        var m = index.DistanceMatrix(ids);
        for (var i = 0; i < ids.Count; i++)
        {
            Assert.Equal(0, m[i, i]);
            for (var j = 0; j < ids.Count; j++)
            {
                Assert.Equal(m[i, j], m[j, i]);
                Assert.Equal(index.Distance(tracks[i].Item2, tracks[j].Item2), m[i, j], 4);
            }
        }
    }
}
