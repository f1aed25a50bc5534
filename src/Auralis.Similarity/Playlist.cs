namespace Auralis.Similarity;

/// <summary>One track of a playlist and the distance of the step that led to it (0 for the first seed).</summary>
public readonly record struct PlaylistEntry(long TrackId, double StepDistance);

/// <summary>
/// Playlists that flow: from the seeds, each next track is the nearest to the <em>current</em> one
/// (song to song, not only to the seed), so every step is a small change. A track never comes
/// twice, nor does a duplicate of one (identical audio or a near-identical encoding, as
/// <see cref="Duplicates"/> groups them); the next track avoids the albums of the last
/// <see cref="AlbumSpacing"/> tracks when a track off them is nearly as near
/// (<see cref="AlbumDetour"/>), so one album does not run.
/// Candidates come from the stored k-NN graph first (cheap), then from an exact search of the
/// index when every graph neighbour is used.
/// </summary>
public static class Playlist
{
    /// <summary>How many of the latest tracks' albums the next one avoids when it can.</summary>
    public const int AlbumSpacing = 2;

    /// <summary>How much farther a track off the recent albums may be than the nearest track on them and still be chosen over it.</summary>
    public const double AlbumDetour = 1.5;

    /// <summary>How many nearest tracks the exact search looks at when the graph lists are used up.</summary>
    private const int SearchWidth = 64;

    /// <param name="index">The library's similarity index (every candidate must be in it).</param>
    /// <param name="graph">The k-NN lists (<see cref="SimilarityGraph"/>); may be empty.</param>
    /// <param name="seeds">Tracks to start from, in order; they open the playlist.</param>
    /// <param name="length">How many tracks in all, seeds included.</param>
    /// <param name="albumOf">The album key of a track (null: none, never counted as a run).</param>
    /// <param name="duplicateGroupOf">The duplicate group of a track, or null when it has none.</param>
    public static IReadOnlyList<PlaylistEntry> Walk(
        SimilarityIndex index, IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> graph, IReadOnlyList<long> seeds, int length,
        Func<long, string?> albumOf, Func<long, int?> duplicateGroupOf)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(albumOf);
        ArgumentNullException.ThrowIfNull(duplicateGroupOf);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (seeds.Count == 0)
        {
            throw new ArgumentException("a playlist needs at least one seed", nameof(seeds));
        }

        var playlist = new List<PlaylistEntry>();
        var used = new HashSet<long>();
        var usedGroups = new HashSet<int>();
        bool Free(long id) => !used.Contains(id) && (duplicateGroupOf(id) is not { } group || !usedGroups.Contains(group));
        void Take(long id, double step)
        {
            playlist.Add(new PlaylistEntry(id, step));
            used.Add(id);
            if (duplicateGroupOf(id) is { } group)
            {
                usedGroups.Add(group);
            }
        }

        foreach (var seed in seeds.Where(index.Contains))
        {
            if (playlist.Count < length && Free(seed))
            {
                Take(seed, playlist.Count == 0 ? 0 : Between(index, playlist[^1].TrackId, seed));
            }
        }

        if (playlist.Count == 0)
        {
            throw new ArgumentException("no seed is a fingerprinted track of the library", nameof(seeds));
        }

        while (playlist.Count < length)
        {
            var current = playlist[^1].TrackId;
            var recentAlbums = playlist.TakeLast(AlbumSpacing).Select(e => albumOf(e.TrackId)).OfType<string>().ToHashSet(StringComparer.Ordinal);
            var next = Choose(graph.GetValueOrDefault(current) ?? [], Free, albumOf, recentAlbums)
                ?? Choose(index.Nearest(current, SearchWidth), Free, albumOf, recentAlbums)
                ?? Choose(index.Nearest(current, index.Count), Free, albumOf, recentAlbums);
            if (next is not { } step)
            {
                break; // every track of the library is in the playlist (or a duplicate of one)
            }

            Take(step.TrackId, step.Distance);
        }

        return playlist;
    }

    private static double Between(SimilarityIndex index, long a, long b) => Math.Sqrt(index.Explain(a, b).Sum(c => c.Contribution));

    /// <summary>
    /// The nearest free candidate; when it is on one of the recent albums, the nearest free one off
    /// them instead if that is at most <see cref="AlbumDetour"/> times as far (a library of one
    /// album, or an album with nothing near it elsewhere, still plays its nearest tracks). Null
    /// when no candidate is free.
    /// </summary>
    private static Neighbor? Choose(IReadOnlyList<Neighbor> nearestFirst, Func<long, bool> free, Func<long, string?> albumOf, HashSet<string> recentAlbums)
    {
        Neighbor? nearest = null;
        foreach (var candidate in nearestFirst)
        {
            if (!free(candidate.TrackId))
            {
                continue;
            }

            var offAlbum = albumOf(candidate.TrackId) is not { } album || !recentAlbums.Contains(album);
            if (nearest is null)
            {
                if (offAlbum)
                {
                    return candidate;
                }

                nearest = candidate;
            }
            else if (candidate.Distance > AlbumDetour * nearest.Value.Distance)
            {
                break; // nearest first: every later candidate is farther still
            }
            else if (offAlbum)
            {
                return candidate;
            }
        }

        return nearest;
    }
}
