namespace Auralis.Audio;

/// <summary>
/// Copies what identifies a recording - title, artists, album, album artists, track and disc
/// numbers, year, genres, composers, comment and pictures - from one file's tags into another's
/// with TagLibSharp, across containers (a FLAC's Vorbis comments into an MP3's ID3v2 frames).
/// Loudness tags (ReplayGain, R128) are deliberately not copied: they describe the source's
/// loudness, and the copy is a different rendering (a mastered one) whose level they would get
/// wrong. Never throws for a bad file: the outcome says what went wrong (docs/mastering.md,
/// "Batch mastering").
/// </summary>
public static class TagCopier
{
    /// <summary>Copies the tags; null when done (or when the source has none), else why not (naming the file at fault when it is the source).</summary>
    public static string? Copy(string sourcePath, string targetPath)
    {
        ArgumentNullException.ThrowIfNull(sourcePath);
        ArgumentNullException.ThrowIfNull(targetPath);
        TagLib.File source;
        try
        {
            RegularFile.Check(sourcePath);
            // Not PictureLazy: the pictures are written into the target after the source is read.
            source = TagLib.File.Create(sourcePath, TagLib.ReadStyle.Average);
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            return $"{sourcePath}: tags not read: {Describe(e)}";
        }

        using (source)
        {
            try
            {
                using var target = TagLib.File.Create(targetPath, TagLib.ReadStyle.Average);
                CopyFields(source.Tag, TargetTag(target));
                target.Save();
                return null;
            }
            catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
            {
                return $"tags not written: {Describe(e)}";
            }
        }
    }

    /// <summary>
    /// The tag to write into. MP3s get ID3v2 (libsndfile may have written none). WAVs get an ID3v2
    /// chunk too, the only RIFF tag with track numbers and pictures; their LIST INFO is left as
    /// the writer made it, because TagLibSharp maps INFO's IART to the album artist while
    /// libsndfile and ffmpeg read it as the track's artist. Everything else: the file's own tags
    /// (Vorbis comments of FLAC and Ogg), created when missing.
    /// </summary>
    private static TagLib.Tag TargetTag(TagLib.File target) => target switch
    {
        TagLib.Mpeg.AudioFile or TagLib.Riff.File => target.GetTag(TagLib.TagTypes.Id3v2, create: true),
        TagLib.Flac.File or TagLib.Ogg.File => target.GetTag(TagLib.TagTypes.Xiph, create: true) ?? target.Tag,
        _ => target.Tag,
    };

    private static void CopyFields(TagLib.Tag from, TagLib.Tag to)
    {
        to.Title = Text(from.Title) ?? to.Title;
        Copy(from.Performers, v => to.Performers = v);
        Copy(from.AlbumArtists, v => to.AlbumArtists = v);
        Copy(from.Composers, v => to.Composers = v);
        Copy(from.Genres, v => to.Genres = v);
        to.Album = Text(from.Album) ?? to.Album;
        to.Comment = Text(from.Comment) ?? to.Comment;
        if (from.Track > 0)
        {
            to.Track = from.Track;
        }

        if (from.TrackCount > 0)
        {
            to.TrackCount = from.TrackCount;
        }

        if (from.Disc > 0)
        {
            to.Disc = from.Disc;
        }

        if (from.DiscCount > 0)
        {
            to.DiscCount = from.DiscCount;
        }

        if (from.Year > 0)
        {
            to.Year = from.Year;
        }

        if (from.Pictures is { Length: > 0 } pictures)
        {
            to.Pictures = pictures;
        }
    }

    private static void Copy(string[]? values, Action<string[]> set)
    {
        var kept = values?.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).ToArray();
        if (kept is { Length: > 0 })
        {
            set(kept);
        }
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Describe(Exception e) => e switch
    {
        AudioDecodeException decode => decode.Cause,
        TagLib.UnsupportedFormatException => "TagLibSharp does not know this format",
        TagLib.CorruptFileException => $"corrupt or truncated: {e.Message.TrimEnd('.')}",
        IOException or UnauthorizedAccessException => $"I/O error: {e.Message.TrimEnd('.')}",
        _ => $"{e.GetType().Name}: {e.Message.TrimEnd('.')}",
    };
}
