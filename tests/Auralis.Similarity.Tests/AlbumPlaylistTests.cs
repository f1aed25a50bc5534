using Auralis.Fingerprinting;

namespace Auralis.Similarity.Tests;

/// <summary>Whole-album playlists over synthetic albums whose places in fingerprint space are known by construction.</summary>
public sealed class AlbumPlaylistTests
{
    /// <summary>
    /// Albums of <paramref name="size"/> tracks, album i's tracks lying around position[i] on
    /// dimension 0 (a small spread on dimension 1 tells its tracks apart); every other dimension
    /// is shared, so album distances follow the positions. Track ids: album * 100 + 1...
    /// </summary>
    private static (SimilarityIndex Index, List<PlaylistAlbum> Albums) Library(double[] positions, int size)
    {
        var tracks = new List<(long, Fingerprint)>();
        var albums = new List<PlaylistAlbum>();
        for (var a = 0; a < positions.Length; a++)
        {
            var ids = new List<long>();
            for (var t = 0; t < size; t++)
            {
                var values = new float[Fingerprint.Dimensions];
                Array.Fill(values, 0.5f);
                values[0] = (float)positions[a];
                values[1] = 0.1f * t;
                long id = (a * 100) + t + 1;
                tracks.Add((id, new Fingerprint(values)));
                ids.Add(id);
            }

            // Playing order reversed from id order, so the test sees that the album's order is kept.
            ids.Reverse();
            albums.Add(new PlaylistAlbum($"album {a}", ids));
        }

        var index = new SimilarityIndex(tracks, Normalizer.Fit([.. tracks.Select(t => t.Item2)]), DimensionWeights.Default);
        return (index, albums);
    }

    [Fact]
    public void Albums_come_whole_in_their_order_and_each_next_album_is_the_nearest_to_the_last()
    {
        // Positions on one axis, the seed's album (0) in the middle: album 1 is nearest it; from
        // album 1, album 3 (0.2 away) is nearer than album 2 (0.22), although album 2 is the nearer
        // to the seed: the walk goes album to album, it does not rank by distance to the seed.
        var (index, albums) = Library([0.5, 0.6, 0.38, 0.8], size: 3);

        var walk = AlbumPlaylist.Walk(index, albums, [2], length: 100, _ => null).Select(e => e.TrackId).ToList();

        var expected = new[] { 0, 1, 3, 2 }.SelectMany(a => albums[a].TrackIds).ToList();
        Assert.Equal(expected, walk);
    }

    [Fact]
    public void Whole_albums_are_added_until_the_playlist_reaches_its_length_and_the_seeds_albums_open_it()
    {
        var (index, albums) = Library([0.0, 0.4, 0.9, 0.1], size: 4);

        // Seeds on albums 2 then 1 (then 2 again): both open it in that order; -n 5 is reached within them.
        var walk = AlbumPlaylist.Walk(index, albums, [203, 101, 202], length: 5, _ => null).Select(e => e.TrackId).ToList();

        Assert.Equal([.. albums[2].TrackIds, .. albums[1].TrackIds], walk);
    }

    [Fact]
    public void A_copy_of_a_played_album_is_left_out_whole_and_copies_of_single_tracks_are_skipped()
    {
        // Album 1 is a transcode of album 0 (same place, each track one duplicate group with its
        // original); album 2 holds one copy of album 0's first track among its own.
        var (index, albums) = Library([0.0, 0.0, 0.5], size: 3);
        int? Group(long id) => id switch
        {
            1 or 101 or 201 => 1,
            2 or 102 => 2,
            3 or 103 => 3,
            _ => null,
        };

        var walk = AlbumPlaylist.Walk(index, albums, [1], length: 100, Group).Select(e => e.TrackId).ToList();

        Assert.Equal([3, 2, 1, 203, 202], walk);
    }

    [Fact]
    public void The_step_reported_is_the_distance_from_the_track_before()
    {
        var (index, albums) = Library([0.0, 0.7], size: 2);

        var walk = AlbumPlaylist.Walk(index, albums, [1], length: 100, _ => null);

        Assert.Equal(0, walk[0].StepDistance);
        for (var i = 1; i < walk.Count; i++)
        {
            Assert.Equal(Math.Sqrt(index.Explain(walk[i - 1].TrackId, walk[i].TrackId).Sum(c => c.Contribution)), walk[i].StepDistance, 5);
        }
    }

    [Fact]
    public void A_seed_outside_every_album_is_refused()
    {
        var (index, albums) = Library([0.0, 0.7], size: 2);
        Assert.Throws<ArgumentException>(() => AlbumPlaylist.Walk(index, albums, [999], 10, _ => null));
    }
}
