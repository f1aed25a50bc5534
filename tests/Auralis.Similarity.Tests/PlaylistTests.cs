using Auralis.Fingerprinting;

namespace Auralis.Similarity.Tests;

/// <summary>The playlist walk over synthetic libraries whose answers are known by construction.</summary>
public sealed class PlaylistTests
{
    private static (SimilarityIndex Index, Dictionary<long, IReadOnlyList<Neighbor>> Graph) Library(IReadOnlyList<(long Id, Fingerprint Fingerprint)> tracks)
    {
        var index = new SimilarityIndex(tracks, Normalizer.Fit([.. tracks.Select(t => t.Fingerprint)]), DimensionWeights.Default);
        return (index, SimilarityGraph.Build(index, k: 10, parallelism: 1));
    }

    private static List<(long, Fingerprint)> RandomTracks(int count, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(1, count).Select(i => ((long)i, new Fingerprint(Enumerable.Range(0, Fingerprint.Dimensions).Select(_ => (float)rng.NextDouble()).ToArray())))];
    }

    private static double MeanStep(SimilarityIndex index, IReadOnlyList<long> order) =>
        order.Zip(order.Skip(1), (a, b) => Math.Sqrt(index.Explain(a, b).Sum(c => c.Contribution))).Average();

    [Fact]
    public void Each_step_is_smaller_on_average_than_walking_the_seeds_own_top_list_and_no_track_comes_twice()
    {
        var (index, graph) = Library(RandomTracks(400, 7));
        var walk = Playlist.Walk(index, graph, [1], 30, _ => null, _ => null);

        Assert.Equal(30, walk.Count);
        Assert.Equal(1, walk[0].TrackId);
        Assert.Equal(30, walk.Select(e => e.TrackId).Distinct().Count());
        var topList = new List<long> { 1 };
        topList.AddRange(index.Nearest(1, 29).Select(n => n.TrackId));
        Assert.True(
            MeanStep(index, [.. walk.Select(e => e.TrackId)]) < MeanStep(index, topList),
            $"walk {MeanStep(index, [.. walk.Select(e => e.TrackId)]):F4} vs top list {MeanStep(index, topList):F4}");
        // The reported step is the distance from the track before.
        for (var i = 1; i < walk.Count; i++)
        {
            Assert.Equal(Math.Sqrt(index.Explain(walk[i - 1].TrackId, walk[i].TrackId).Sum(c => c.Contribution)), walk[i].StepDistance, 6); // the graph computes in float32
        }
    }

    [Fact]
    public void A_duplicate_of_a_track_already_played_is_never_chosen()
    {
        var tracks = RandomTracks(200, 3);
        // Tracks 201-203 are copies of track 2, the seed's likely neighbourhood; one group with 2.
        tracks.AddRange(Enumerable.Range(201, 3).Select(i => ((long)i, tracks[1].Item2)));
        var (index, graph) = Library(tracks);
        int? Group(long id) => id is 2 or >= 201 ? 1 : null;

        var walk = Playlist.Walk(index, graph, [2], 40, _ => null, Group).Select(e => e.TrackId).ToList();

        Assert.Single(walk, id => Group(id) == 1);
    }

    [Fact]
    public void The_next_track_avoids_the_albums_of_the_last_two_when_another_is_nearly_as_near()
    {
        var (index, graph) = Library(RandomTracks(300, 11));
        string Album(long id) => $"album {id % 30}";

        var walk = Playlist.Walk(index, graph, [5], 50, Album, _ => null).Select(e => Album(e.TrackId)).ToList();

        for (var i = 1; i < walk.Count; i++)
        {
            Assert.NotEqual(walk[i - 1], walk[i]);
            if (i >= 2)
            {
                Assert.NotEqual(walk[i - 2], walk[i]);
            }
        }
    }

    [Fact]
    public void Several_seeds_open_the_playlist_in_order_and_it_stops_when_the_library_is_used_up()
    {
        var (index, graph) = Library(RandomTracks(12, 5));
        var walk = Playlist.Walk(index, graph, [4, 9, 4], 100, _ => null, _ => null).Select(e => e.TrackId).ToList();

        Assert.Equal([4L, 9L], walk.Take(2));
        Assert.Equal(12, walk.Count); // every track once, then no more
    }
}
