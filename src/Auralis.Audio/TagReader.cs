using System.Globalization;

namespace Auralis.Audio;

/// <summary>
/// What a file's tags and format header say (docs/decoding.md, "Tags and header properties").
/// Every field is null when the file does not have it; text fields are trimmed and never empty.
/// </summary>
/// <param name="Format">The container in the decoders' names ("wav", "aiff", "flac", "ogg-vorbis", "opus", "mp3", "m4a", ...).</param>
/// <param name="Codec">The audio codec ("pcm", "pcm-float", "flac", "vorbis", "opus", "mp3", "aac", "alac", ...).</param>
/// <param name="BitrateKbps">The header's (average) bitrate in kbit/s.</param>
/// <param name="DurationSeconds">The header's duration: exact for WAV, AIFF and FLAC, an estimate for lossy formats.</param>
public sealed record TrackTags(
    string? Title,
    string? Artist,
    string? Album,
    string? AlbumArtist,
    int? TrackNumber,
    int? DiscNumber,
    int? Year,
    string? Genre,
    string? Format,
    string? Codec,
    int? BitrateKbps,
    int? SampleRate,
    int? Channels,
    double? DurationSeconds);

/// <summary>The outcome of <see cref="TagReader.Read"/>: the tags, or why there are none.</summary>
public abstract record TagReadResult(string Path)
{
    /// <summary>The file was parsed; fields it does not have are null.</summary>
    public sealed record Read(string Path, TrackTags Tags) : TagReadResult(Path);

    /// <summary>Nothing could be read; <paramref name="Cause"/> says why (the message names the file).</summary>
    public sealed record Unreadable(string Path, string Cause) : TagReadResult(Path)
    {
        public string Message => $"{Path}: tags not read: {Cause}";
    }
}

/// <summary>
/// Reads tags and header properties with TagLibSharp. Never throws for a bad file: a missing,
/// special, truncated, corrupt or unsupported file gives <see cref="TagReadResult.Unreadable"/>
/// with the cause, because a scan must go on and the file's audio may still decode.
/// </summary>
public static class TagReader
{
    public static TagReadResult Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            // The decoders' own check first: only a non-empty regular file is opened, and never
            // in a way that could block on a FIFO (TagLibSharp would open anything by its name).
            RegularFile.Check(path);
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
            using var file = TagLib.File.Create(new ReadOnlyFile(path, stream), null, TagLib.ReadStyle.Average | TagLib.ReadStyle.PictureLazy);
            return new TagReadResult.Read(path, ToTags(file));
        }
        catch (AudioDecodeException e)
        {
            return new TagReadResult.Unreadable(path, e.Cause);
        }
        catch (TagLib.UnsupportedFormatException)
        {
            return new TagReadResult.Unreadable(path, $"TagLibSharp does not know the format of '{System.IO.Path.GetExtension(path)}' files");
        }
        catch (TagLib.CorruptFileException e)
        {
            return new TagReadResult.Unreadable(path, $"corrupt or truncated file ({e.Message.TrimEnd('.')})");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new TagReadResult.Unreadable(path, $"I/O error: {e.Message}");
        }
        catch (Exception e) when (e is not (OutOfMemoryException or OperationCanceledException))
        {
            // TagLibSharp's parsers also fail on damaged headers with whatever their code hits
            // (KeyNotFoundException, ArgumentOutOfRangeException, OverflowException... were seen
            // in TagReaderTests' corruptions) instead of CorruptFileException: still a bad file.
            return new TagReadResult.Unreadable(path, $"damaged header ({e.GetType().Name}: {e.Message.TrimEnd('.')})");
        }
    }

    private static TrackTags ToTags(TagLib.File file)
    {
        var tag = file.Tag;
        var properties = file.Properties;
        var codec = properties?.Codecs.OfType<TagLib.IAudioCodec>().FirstOrDefault();
        var duration = properties?.Duration ?? TimeSpan.Zero;
        var artist = Text(tag.JoinedPerformers);
        var albumArtist = Text(tag.JoinedAlbumArtists);
        var album = Text(tag.Album);
        if (file is TagLib.Riff.File && file.GetTag(TagLib.TagTypes.RiffInfo) is TagLib.Riff.InfoTag info)
        {
            // TagLibSharp maps RIFF INFO's IART to the album artist (and ISTR to performers) and
            // reads no IPRD; ffmpeg, libsndfile and most taggers write the track's artist as IART
            // and the album as IPRD (product).
            if (artist is null)
            {
                artist = Text(string.Join("; ", info.GetValuesAsStrings("IART")));
                albumArtist = null;
            }

            album ??= Text(string.Join("; ", info.GetValuesAsStrings("IPRD")));
        }

        return new TrackTags(
            Text(tag.Title),
            artist,
            album,
            albumArtist,
            Positive(tag.Track),
            Positive(tag.Disc),
            Positive(tag.Year),
            Text(tag.JoinedGenres),
            FormatOf(file, codec),
            CodecOf(codec),
            Positive(properties?.AudioBitrate),
            Positive(properties?.AudioSampleRate),
            Positive(properties?.AudioChannels),
            duration > TimeSpan.Zero ? duration.TotalSeconds : null);
    }

    private static string? Text(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>TagLibSharp says 0 for "not tagged"; a value past int is no real track, disc or year.</summary>
    private static int? Positive(uint value) => value is > 0 and <= int.MaxValue ? (int)value : null;

    private static int? Positive(int? value) => value > 0 ? value : null;

    private static string? FormatOf(TagLib.File file, TagLib.IAudioCodec? codec) => file switch
    {
        TagLib.Riff.File => "wav",
        TagLib.Aiff.File => "aiff",
        TagLib.Flac.File => "flac",
        TagLib.Ogg.File when codec is TagLib.Ogg.Codecs.Opus => "opus",
        TagLib.Ogg.File when codec is TagLib.Ogg.Codecs.Vorbis => "ogg-vorbis",
        TagLib.Ogg.File => "ogg",
        TagLib.Mpeg.AudioFile when codec is TagLib.Mpeg.AudioHeader header => header.AudioLayer switch
        {
            1 => "mp1",
            2 => "mp2",
            _ => "mp3",
        },
        // ffmpeg's rule for its mov,mp4,m4a,... family (docs/decoding.md): the member the extension names.
        TagLib.Mpeg4.File => System.IO.Path.GetExtension(file.Name).TrimStart('.').ToLowerInvariant() is "m4a" or "m4b" or "3gp" or "3g2" ? System.IO.Path.GetExtension(file.Name).TrimStart('.').ToLowerInvariant() : "mp4",
        _ => Text(file.MimeType)?.Replace("taglib/", "", StringComparison.Ordinal),
    };

    private static string? CodecOf(TagLib.IAudioCodec? codec) => codec switch
    {
        null => null,
        TagLib.Riff.WaveFormatEx wave => wave.FormatTag switch
        {
            1 => "pcm",
            3 => "pcm-float",
            0x55 => "mp3",
            _ => "wave-0x" + wave.FormatTag.ToString("x4", CultureInfo.InvariantCulture),
        },
        TagLib.Aiff.StreamHeader => "pcm",
        TagLib.Flac.StreamHeader => "flac",
        TagLib.Ogg.Codecs.Vorbis => "vorbis",
        TagLib.Ogg.Codecs.Opus => "opus",
        TagLib.Mpeg.AudioHeader header => header.AudioLayer switch
        {
            1 => "mp1",
            2 => "mp2",
            _ => "mp3",
        },
        _ when codec.Description.Contains("alac", StringComparison.OrdinalIgnoreCase) => "alac",
        _ when codec.Description.Contains("mp4a", StringComparison.OrdinalIgnoreCase) || codec.Description.Contains("aac", StringComparison.OrdinalIgnoreCase) => "aac",
        _ => Text(codec.Description)?.ToLowerInvariant(),
    };

    /// <summary>The already opened stream, handed to TagLibSharp read-only (it never writes here).</summary>
    private sealed class ReadOnlyFile(string name, Stream stream) : TagLib.File.IFileAbstraction
    {
        public string Name => name;

        public Stream ReadStream => stream;

        public Stream WriteStream => throw new NotSupportedException("tags are only read");

        public void CloseStream(Stream stream)
        {
            // The caller owns the stream and disposes it.
        }
    }
}
