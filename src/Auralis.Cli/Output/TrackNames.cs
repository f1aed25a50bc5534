using System.Globalization;
using Auralis.Library.Database;

namespace Auralis.Cli.Output;

/// <summary>How tracks are named where people read: the tag title, else the file name; never a bare path.</summary>
internal static class TrackNames
{
    /// <summary>The tagged title, else the file name without its extension (what the web table shows too).</summary>
    public static string Title(TrackRecord track) => TextFold.ShownName(track.FilePath, track.Title).Trim();

    /// <summary>"Title - Artist", or the title alone when the artist is unknown.</summary>
    public static string TitleAndArtist(TrackRecord track) =>
        string.IsNullOrWhiteSpace(track.Artist) ? Title(track) : $"{Title(track)} - {track.Artist.Trim()}";

    /// <summary>"Artist - Title" (the form players show in playlists), or the title alone when the artist is unknown.</summary>
    public static string ArtistAndTitle(TrackRecord track) =>
        string.IsNullOrWhiteSpace(track.Artist) ? Title(track) : $"{track.Artist.Trim()} - {Title(track)}";

    /// <summary>m:ss (h:mm:ss past an hour), or "-" when the duration is unknown.</summary>
    public static string Duration(double? seconds)
    {
        if (seconds is not { } s || !double.IsFinite(s) || s < 0)
        {
            return "-";
        }

        var time = TimeSpan.FromSeconds(Math.Round(s));
        return time.TotalHours >= 1
            ? time.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : time.ToString(@"m\:ss", CultureInfo.InvariantCulture);
    }
}
