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
