namespace Auralis.Similarity;

/// <summary>An album of the library: a key that names it and its tracks in playing order.</summary>
public sealed record PlaylistAlbum(string Key, IReadOnlyList<long> TrackIds);

/// <summary>
/// Playlists of whole albums (`auralis playlist --album`): the seeds' albums open it, then the
/// next album is always the one whose mean fingerprint lies nearest the current album's, so the
/// album-to-album steps are small the way <see cref="Playlist"/> makes song-to-song steps small.
/// Each album plays complete and in its order; a track that is a duplicate of one already in the
/// playlist is left out (an album whose every track is such a copy, e.g. a transcode of an album
/// already played, is left out whole).
/// </summary>
public static class AlbumPlaylist
{
    /// <param name="index">The library's similarity index; album tracks outside it are ignored.</param>
    /// <param name="albums">Every album of the library, tracks in playing order.</param>
    /// <param name="seeds">Tracks whose albums open the playlist, in order.</param>
    /// <param name="length">Whole albums are added until the playlist has at least this many tracks.</param>
    /// <param name="duplicateGroupOf">The duplicate group of a track, or null when it has none.</param>
    public static IReadOnlyList<PlaylistEntry> Walk(
        SimilarityIndex index, IReadOnlyList<PlaylistAlbum> albums, IReadOnlyList<long> seeds, int length, Func<long, int?> duplicateGroupOf)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(albums);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(duplicateGroupOf);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);

        var indexed = albums
            .Select(a => a with { TrackIds = [.. a.TrackIds.Where(index.Contains)] })
            .Where(a => a.TrackIds.Count > 0)
            .ToList();
        var albumOf = new Dictionary<long, int>();
        for (var i = 0; i < indexed.Count; i++)
        {
            foreach (var id in indexed[i].TrackIds)
            {
                albumOf.TryAdd(id, i);
            }
        }

        var opening = seeds.Where(albumOf.ContainsKey).Select(id => albumOf[id]).Distinct().ToList();
        if (opening.Count == 0)
        {
            throw new ArgumentException("no seed is a fingerprinted track of an album of the library", nameof(seeds));
        }

        var centroids = indexed.Select(a => Centroid(index, a.TrackIds)).ToList();
        var playlist = new List<PlaylistEntry>();
        var usedTracks = new HashSet<long>();
        var usedGroups = new HashSet<int>();
        var usedAlbums = new HashSet<int>();

        void Play(int album)
        {
            usedAlbums.Add(album);
            foreach (var id in indexed[album].TrackIds)
            {
                var group = duplicateGroupOf(id);
                if (usedTracks.Contains(id) || (group is { } g && usedGroups.Contains(g)))
                {
                    continue;
                }

                playlist.Add(new PlaylistEntry(id, playlist.Count == 0 ? 0 : Math.Sqrt(SimilarityIndex.SquaredDistance(index.Row(playlist[^1].TrackId), index.Row(id)))));
                usedTracks.Add(id);
                if (group is { } taken)
                {
                    usedGroups.Add(taken);
                }
            }
        }

        foreach (var album in opening)
        {
            if (playlist.Count < length)
            {
                Play(album);
            }
        }

        var current = opening[^1];
        while (playlist.Count < length && NearestUnused(centroids, current, usedAlbums) is { } next)
        {
            Play(next);
            current = next;
        }

        return playlist;
    }

    /// <summary>The distance between the mean fingerprints of two sets of indexed tracks (the album-to-album step).</summary>
    public static double Between(SimilarityIndex index, IReadOnlyList<long> a, IReadOnlyList<long> b)
    {
        ArgumentNullException.ThrowIfNull(index);
        return Math.Sqrt(SimilarityIndex.SquaredDistance(Centroid(index, a), Centroid(index, b)));
    }

    /// <summary>The mean of the tracks' projected rows: the album's place in the same weighted, normalized space.</summary>
    private static float[] Centroid(SimilarityIndex index, IReadOnlyList<long> trackIds)
    {
        var sum = new double[SimilarityIndex.Stride];
        foreach (var id in trackIds)
        {
            var row = index.Row(id);
            for (var d = 0; d < sum.Length; d++)
            {
                sum[d] += row[d];
            }
        }

        return [.. sum.Select(v => (float)(v / trackIds.Count))];
    }

    /// <summary>The unused album nearest <paramref name="from"/> (ties: the earlier album), or null when all are used.</summary>
    private static int? NearestUnused(List<float[]> centroids, int from, HashSet<int> used)
    {
        int? best = null;
        var bestDistance = float.PositiveInfinity;
        for (var i = 0; i < centroids.Count; i++)
        {
            if (used.Contains(i))
            {
                continue;
            }

            var distance = SimilarityIndex.SquaredDistance(centroids[from], centroids[i]);
            if (distance < bestDistance)
            {
                best = i;
                bestDistance = distance;
            }
        }

        return best;
    }
}
