using System.Text.Json;
using Auralis.Library.Database;

namespace Auralis.Cli.Output;

/// <summary>The fields every JSON listing of tracks shares (list, duplicates).</summary>
internal static class TrackJson
{
    /// <summary>id, path, name (what people read: the title, else the file name), title, artist, album, duration_s, format.</summary>
    public static void WriteFields(Utf8JsonWriter w, TrackRecord track)
    {
        w.WriteNumber("id", track.Id);
        w.WriteString("path", track.FilePath);
        w.WriteString("name", TrackNames.Title(track));
        w.WriteString("title", track.Title);
        w.WriteString("artist", track.Artist);
        w.WriteString("album", track.Album);
        w.WriteRounded("duration_s", track.DurationSeconds, 3);
        w.WriteString("format", track.Format);
    }
}
