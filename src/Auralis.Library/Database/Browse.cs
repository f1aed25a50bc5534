using System.Globalization;

namespace Auralis.Library.Database;

/// <summary>One artist of the library: how many albums and tracks carry that name (null: untagged).</summary>
public sealed record ArtistSummary(string? Artist, int Albums, int Tracks);

/// <summary>One album: its artist and name (null: untagged), its tracks, failed tracks and total duration.</summary>
public sealed record AlbumSummary(string? Artist, string? Album, int Tracks, int Failed, double DurationSeconds);

/// <summary>
/// The artist and album views of the library (docs/web.md): artists, the albums of one artist, and
/// an album's tracks in playing order. An empty or blank tag counts as no tag, so that "" and NULL
/// land in the same "unknown" group instead of two groups that look alike.
/// </summary>
public sealed class LibraryBrowser(LibraryDatabase database)
{
    // The grouping keys. When the tracks table gains album_artist, the album's artist becomes
    // COALESCE(album_artist, artist) here (a compilation stays one album), and ArtistKey keeps
    // the artist view listing track artists.
    private const string ArtistKey = "NULLIF(TRIM(t.artist), '')";
    private const string AlbumArtistKey = ArtistKey;
    private const string AlbumKey = "NULLIF(TRIM(t.album), '')";

    /// <summary>Every artist, by name (case-insensitive), the untagged group last.</summary>
    public IReadOnlyList<ArtistSummary> Artists()
    {
        using var command = database.Command(
            $"SELECT {ArtistKey} AS a, COUNT(DISTINCT COALESCE({AlbumKey}, '')), COUNT(*) FROM tracks t GROUP BY a");
        var rows = new List<ArtistSummary>();
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add(new ArtistSummary(r.IsDBNull(0) ? null : r.GetString(0), r.GetInt32(1), r.GetInt32(2)));
            }
        }

        return [.. rows.OrderBy(a => a.Artist is null).ThenBy(a => a.Artist, NameOrder).ThenBy(a => a.Artist, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Albums by album name, the untagged group last: of one artist when <paramref name="onlyArtist"/>
    /// is true (<paramref name="artist"/> null: the tracks without an artist), else of all artists.
    /// </summary>
    public IReadOnlyList<AlbumSummary> Albums(bool onlyArtist, string? artist)
    {
        var where = onlyArtist ? $"WHERE {AlbumArtistKey} IS $artist" : "";
        using var command = database.Command(
            $"SELECT {AlbumArtistKey} AS a, {AlbumKey} AS b, COUNT(*), SUM(t.fingerprint_status = 'error'), COALESCE(SUM(t.duration_s), 0) " +
            $"FROM tracks t {where} GROUP BY a, b");
        command.Parameters.AddWithValue("$artist", (object?)Blank(artist) ?? DBNull.Value);
        var rows = new List<AlbumSummary>();
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
            {
                rows.Add(new AlbumSummary(
                    r.IsDBNull(0) ? null : r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1),
                    r.GetInt32(2), r.GetInt32(3), r.GetDouble(4)));
            }
        }

        return [.. rows
            .OrderBy(a => a.Album is null).ThenBy(a => a.Album, NameOrder).ThenBy(a => a.Album, StringComparer.Ordinal)
            .ThenBy(a => a.Artist is null).ThenBy(a => a.Artist, NameOrder)];
    }

    /// <summary>
    /// The tracks of one album (artist and album null: untagged) in playing order, each with its
    /// loudness and crest factor when fingerprinted.
    /// </summary>
    public IReadOnlyList<TrackSummary> AlbumTracks(string? artist, string? album)
    {
        using var command = database.Command(
            $"SELECT t.id, f.lufs, f.crest_db FROM tracks t LEFT JOIN track_fingerprints f ON f.track_id = t.id AND {FingerprintRepository.InRangeF} " +
            $"WHERE {AlbumArtistKey} IS $artist AND {AlbumKey} IS $album");
        command.Parameters.AddWithValue("$artist", (object?)Blank(artist) ?? DBNull.Value);
        command.Parameters.AddWithValue("$album", (object?)Blank(album) ?? DBNull.Value);
        var found = new List<(long Id, double? Lufs, double? Crest)>();
        using (var r = command.ExecuteReader())
        {
            while (r.Read())
            {
                found.Add((r.GetInt64(0), r.IsDBNull(1) ? null : r.GetDouble(1), r.IsDBNull(2) ? null : r.GetDouble(2)));
            }
        }

        var tracks = new TrackRepository(database);
        var rows = found
            .Select(f => tracks.Get(f.Id) is { } t ? new TrackSummary(t, f.Lufs, f.Crest) : null)
            .OfType<TrackSummary>()
            .ToList();
        return PlayingOrder(rows);
    }

    /// <summary>
    /// An album's order: by disc, then track number when known (unnumbered tracks after the
    /// numbered ones), then by the name shown (title, or the file name of an untagged track, folded
    /// as the title sort folds it), then by path so that the order never depends on ids.
    /// </summary>
    public static IReadOnlyList<TrackSummary> PlayingOrder(IEnumerable<TrackSummary> tracks) =>
        [.. tracks
            .OrderBy(t => t.Track.DiscNumber ?? int.MaxValue)
            .ThenBy(t => t.Track.TrackNumber ?? int.MaxValue)
            .ThenBy(t => TextFold.SortName(t.Track.FilePath, t.Track.Title), StringComparer.Ordinal)
            .ThenBy(t => t.Track.FilePath, StringComparer.Ordinal)];

    private static readonly StringComparer NameOrder = StringComparer.Create(CultureInfo.InvariantCulture, CompareOptions.IgnoreCase | CompareOptions.IgnoreNonSpace);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
