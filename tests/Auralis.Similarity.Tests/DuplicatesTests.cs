using Auralis.Fingerprinting;

namespace Auralis.Similarity.Tests;

/// <summary>Duplicate grouping over hand-made graphs whose right answer is known by construction.</summary>
public sealed class DuplicatesTests
{
    private static Fingerprint Values(float seed) =>
        new(Enumerable.Range(0, Fingerprint.Dimensions).Select(i => seed + i).ToArray());

    private static Dictionary<long, IReadOnlyList<Neighbor>> Graph(params (long From, long To, double Distance)[] links) =>
        links.Concat(links.Select(l => (From: l.To, To: l.From, l.Distance)))
            .GroupBy(l => l.From)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<Neighbor>)[.. g.Select(l => new Neighbor(l.To, l.Distance)).OrderBy(n => n.Distance)]);

    [Fact]
    public void Equal_fingerprints_of_equal_length_are_identical_audio_and_other_lengths_are_not()
    {
        DuplicateCandidate[] tracks =
        [
            new(1, Values(1), 200.0), new(2, Values(1), 200.004), // the same audio
            new(3, Values(1), 31.0), // equal numbers, another length: not the same audio
            new(4, Values(2), 200.0),
        ];
        var group = Assert.Single(Duplicates.Find(tracks, Graph(), threshold: 0));
        Assert.Equal(DuplicateKind.IdenticalAudio, group.Kind);
        Assert.Equal([1L, 2L], group.TrackIds);
    }

    [Fact]
    public void Links_under_the_threshold_join_transitively_and_links_over_it_do_not()
    {
        DuplicateCandidate[] tracks = [.. Enumerable.Range(1, 6).Select(i => new DuplicateCandidate(i, Values(i), 100 + i))];
        var graph = Graph((1, 2, 0.02), (2, 3, 0.05), (3, 4, 0.5), (5, 6, 0.07));
        var groups = Duplicates.Find(tracks, graph, threshold: 0.06);
        var near = Assert.Single(groups);
        Assert.Equal(DuplicateKind.NearIdentical, near.Kind);
        Assert.Equal([1L, 2L, 3L], near.TrackIds); // 1~2~3 although 1 and 3 are not linked
        Assert.Equal(0.05, near.MaxDistance);

        Assert.Equal(2, Duplicates.Find(tracks, graph, threshold: 0.07).Count); // 5~6 joins at 0.07
    }

    [Fact]
    public void A_near_group_that_is_only_an_identical_group_is_reported_once_and_a_larger_one_is_reported_too()
    {
        DuplicateCandidate[] tracks = [new(1, Values(1), 60), new(2, Values(1), 60), new(3, Values(3), 60)];
        var once = Duplicates.Find(tracks, Graph((1, 2, 0)), threshold: 0.1);
        Assert.Equal(DuplicateKind.IdenticalAudio, Assert.Single(once).Kind);

        var both = Duplicates.Find(tracks, Graph((1, 2, 0), (2, 3, 0.04)), threshold: 0.1);
        Assert.Equal([DuplicateKind.IdenticalAudio, DuplicateKind.NearIdentical], both.Select(g => g.Kind));
        Assert.Equal([1L, 2L, 3L], both[1].TrackIds);
    }

    [Fact]
    public void Tracks_the_graph_mentions_but_the_library_no_longer_has_are_left_out()
    {
        DuplicateCandidate[] tracks = [new(1, Values(1), 60), new(2, Values(2), 60)];
        Assert.Empty(Duplicates.Find(tracks, Graph((1, 99, 0.01), (99, 2, 0.01)), threshold: 0.1));
    }

    [Fact]
    public void Tracks_of_the_same_length_join_at_up_to_three_times_the_threshold_and_others_do_not()
    {
        DuplicateCandidate[] tracks =
        [
            new(1, Values(1), 318.021), new(2, Values(2), 318.023), // another encoding: the same length
            new(3, Values(3), 200.000), new(4, Values(4), 200.050), // 50 ms apart: other pieces
        ];
        var graph = Graph((1, 2, 0.2), (3, 4, 0.2));

        var group = Assert.Single(Duplicates.Find(tracks, graph, threshold: 0.08));
        Assert.Equal([1L, 2L], group.TrackIds);
        Assert.Empty(Duplicates.Find(tracks, graph, threshold: 0.05)); // 0.2 > 3 x 0.05
        Assert.Empty(Duplicates.Find(tracks, graph, threshold: 0)); // identical audio only

        // Two tagged tracks of different titles are other pieces, whatever their lengths.
        DuplicateCandidate[] titled = [new(1, Values(1), 318.021, "intro"), new(2, Values(2), 318.023, "outro")];
        Assert.Empty(Duplicates.Find(titled, graph, threshold: 0.08));
        DuplicateCandidate[] sameTitle = [new(1, Values(1), 318.021, "intro"), new(2, Values(2), 318.023, "intro")];
        Assert.Single(Duplicates.Find(sameTitle, graph, threshold: 0.08));
    }
}
