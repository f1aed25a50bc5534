using Auralis.Library.Database;

namespace Auralis.Similarity;

/// <summary>
/// A <see cref="Playlist"/> over a library database: its stored k-NN graph (built on the spot when
/// none is stored), its duplicate groups and its albums, as `auralis playlist` and the HTTP API
/// make them.
/// </summary>
public static class LibraryPlaylist
{
    /// <summary>The playlist's tracks with the step that led to each; seeds must be tracks of <paramref name="loaded"/>'s index.</summary>
    public static IReadOnlyList<(TrackRecord Track, double StepDistance)> Make(LibraryDatabase database, LibrarySimilarity.Loaded loaded, IReadOnlyList<long> seeds, int length)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(loaded);
        var tracks = new TrackRepository(database);
        var records = loaded.Index.TrackIds.Select(tracks.Get).OfType<TrackRecord>().ToDictionary(t => t.Id);
        var graph = SimilarityGraph.LoadOrBuild(database, loaded.Index);
        var groups = DuplicateGroups(database, records, graph);
        var walk = Playlist.Walk(loaded.Index, graph, seeds, length, id => AlbumKey(records.GetValueOrDefault(id)), id => groups.TryGetValue(id, out var g) ? g : null);
        return [.. walk.Where(e => records.ContainsKey(e.TrackId)).Select(e => (records[e.TrackId], e.StepDistance))];
    }

    /// <summary>
    /// The whole-album playlist (<see cref="AlbumPlaylist"/>): albums as the artist and album views
    /// group them (album artist, else artist, plus album, folded), a track without an album tag in
    /// the album of its folder; tracks in playing order (disc, track number, title).
    /// </summary>
    public static IReadOnlyList<(TrackRecord Track, double StepDistance)> MakeAlbums(LibraryDatabase database, LibrarySimilarity.Loaded loaded, IReadOnlyList<long> seeds, int length)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(loaded);
        var tracks = new TrackRepository(database);
        var records = loaded.Index.TrackIds.Select(tracks.Get).OfType<TrackRecord>().ToDictionary(t => t.Id);
        var graph = SimilarityGraph.LoadOrBuild(database, loaded.Index);
        var groups = DuplicateGroups(database, records, graph);
        var albums = records.Values
            .GroupBy(t => AlbumKey(t) is { } tagged ? $"tags\u0001{tagged}" : $"folder\u0001{Path.GetDirectoryName(t.FilePath)}", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new PlaylistAlbum(g.Key, [.. LibraryBrowser.PlayingOrder(g.Select(t => new TrackSummary(t, null, null))).Select(s => s.Track.Id)]))
            .ToList();
        var walk = AlbumPlaylist.Walk(loaded.Index, albums, seeds, length, id => groups.TryGetValue(id, out var g) ? g : null);
        return [.. walk.Select(e => (records[e.TrackId], e.StepDistance))];
    }

    /// <summary>Album and artist (album artist when tagged): tracks of one album share it; null without an album tag.</summary>
    private static string? AlbumKey(TrackRecord? track) =>
        track is null || string.IsNullOrWhiteSpace(track.Album) ? null
            : $"{TextFold.Fold(track.AlbumArtist ?? track.Artist)}\u0001{TextFold.Fold(track.Album)}";

    /// <summary>Each track of a duplicate group (identical audio or near-identical encodings) mapped to its group's number.</summary>
    private static Dictionary<long, int> DuplicateGroups(LibraryDatabase database, Dictionary<long, TrackRecord> records, IReadOnlyDictionary<long, IReadOnlyList<Neighbor>> graph)
    {
        var map = new Dictionary<long, int>();
        var number = 0;
        foreach (var group in Duplicates.Find(Duplicates.Candidates(database, records.Values), graph))
        {
            number++;
            foreach (var id in group.TrackIds)
            {
                map.TryAdd(id, number);
            }
        }

        return map;
    }
}
