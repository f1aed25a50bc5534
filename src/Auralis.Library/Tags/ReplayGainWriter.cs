namespace Auralis.Library.Tags;

/// <summary>Where a file's loudness tags go (docs/tags.md lists the tags of each).</summary>
public enum TagContainer
{
    /// <summary>Vorbis comments: FLAC, Ogg Vorbis (and Ogg FLAC, Speex).</summary>
    VorbisComment,

    /// <summary>Vorbis comments of an Ogg Opus stream: R128 gains instead of ReplayGain.</summary>
    Opus,

    /// <summary>ID3v2 TXXX frames: MP3 (and MP2).</summary>
    Id3v2,

    /// <summary>APEv2 items: WavPack, Monkey's Audio, Musepack.</summary>
    Ape,

    /// <summary>iTunes freeform atoms (----:com.apple.iTunes:NAME): MP4, M4A.</summary>
    Mp4,
}

/// <summary>One tag as written: its key (TXXX description, field or atom name) and text.</summary>
public sealed record LoudnessTag(string Key, string Value);

/// <summary>What <see cref="ReplayGainWriter.Write"/> did with one file.</summary>
public abstract record TagWriteOutcome(string Path)
{
    /// <summary>The tags were written (or, in a dry run, would be); <paramref name="Removed"/> are the stale loudness tags taken away.</summary>
    public sealed record Written(string Path, TagContainer Container, IReadOnlyList<LoudnessTag> Tags, IReadOnlyList<LoudnessTag> Removed) : TagWriteOutcome(Path);

    /// <summary>The file already has exactly these tags and no other loudness tag: it was not opened for writing.</summary>
    public sealed record Unchanged(string Path, TagContainer Container, IReadOnlyList<LoudnessTag> Tags) : TagWriteOutcome(Path);

    /// <summary>No loudness tag format is written for this kind of file; the message names the file and the format.</summary>
    public sealed record Unsupported(string Path, string Cause) : TagWriteOutcome(Path);

    /// <summary>The file could not be read or written; it is as it was.</summary>
    public sealed record Failed(string Path, string Cause) : TagWriteOutcome(Path);
}

/// <summary>
/// Writes ReplayGain 2.0 / R128 tags with TagLibSharp the way loudgain's <c>-s i</c> mode does
/// (docs/tags.md): every existing loudness tag of the container (REPLAYGAIN_*, and R128_* in Opus)
/// is replaced by the new set, so tagging a track without --album removes stale album gains.
/// Only tag blocks are rewritten, never the audio; the new file is written as a copy beside the
/// original and renamed over it, so a crash or a full disk leaves the original untouched. A file
/// that already carries exactly the wanted tags is not written at all (a second run changes no
/// byte).
/// </summary>
public static class ReplayGainWriter
{
    private const string ItunesMean = "com.apple.iTunes";

    /// <summary>The loudness names a MP4 file is checked for (freeform atoms cannot be listed by prefix).</summary>
    private static readonly string[] Mp4Names =
    [
        "REPLAYGAIN_TRACK_GAIN", "REPLAYGAIN_TRACK_PEAK", "REPLAYGAIN_ALBUM_GAIN", "REPLAYGAIN_ALBUM_PEAK",
        "REPLAYGAIN_REFERENCE_LOUDNESS", "REPLAYGAIN_TRACK_RANGE", "REPLAYGAIN_ALBUM_RANGE",
    ];

    /// <summary>The tags <paramref name="gains"/> give in <paramref name="container"/>, in the order they are written.</summary>
    public static IReadOnlyList<LoudnessTag> TagsFor(TagContainer container, LoudnessGains gains)
    {
        ArgumentNullException.ThrowIfNull(gains);
        if (container == TagContainer.Opus)
        {
            // RFC 7845: R128 gains only; players apply them on top of the header's output gain,
            // which the decoder has already applied to the audio that was measured.
            var opus = new List<LoudnessTag> { new("R128_TRACK_GAIN", LoudnessGains.FormatR128(gains.TrackLufs)) };
            if (gains.AlbumLufs is { } albumLufs)
            {
                opus.Add(new("R128_ALBUM_GAIN", LoudnessGains.FormatR128(albumLufs)));
            }

            return opus;
        }

        var tags = new List<LoudnessTag>
        {
            new("REPLAYGAIN_TRACK_GAIN", LoudnessGains.FormatGain(gains.TrackGainDb)),
            new("REPLAYGAIN_TRACK_PEAK", LoudnessGains.FormatPeak(gains.TrackPeakDbtp)),
        };
        if (gains.AlbumGainDb is { } albumGain && gains.AlbumPeakDbtp is { } albumPeak)
        {
            tags.Add(new("REPLAYGAIN_ALBUM_GAIN", LoudnessGains.FormatGain(albumGain)));
            tags.Add(new("REPLAYGAIN_ALBUM_PEAK", LoudnessGains.FormatPeak(albumPeak)));
        }

        return tags;
    }

    /// <summary>
    /// Tags <paramref name="path"/> (a real path, not a link: the tagged copy replaces the file at
    /// this path), or with <paramref name="dryRun"/> only says what it would write. Never throws
    /// for a bad file.
    /// </summary>
    public static TagWriteOutcome Write(string path, LoudnessGains gains, bool dryRun = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(gains);
        var (problem, container, existing) = Inspect(path);
        if (problem is not null)
        {
            return problem;
        }

        var wanted = TagsFor(container, gains);
        if (SameTags(existing, wanted))
        {
            return new TagWriteOutcome.Unchanged(path, container, wanted);
        }

        var removed = existing.Where(e => !wanted.Contains(e)).ToList();
        if (dryRun)
        {
            return new TagWriteOutcome.Written(path, container, wanted, removed);
        }

        return WriteCopy(path, container, wanted) is { } failure
            ? new TagWriteOutcome.Failed(path, failure)
            : new TagWriteOutcome.Written(path, container, wanted, removed);
    }

    /// <summary>
    /// Null when <paramref name="path"/> is a file of a kind that gets loudness tags (checked
    /// before its audio is decoded for them); else why not.
    /// </summary>
    public static TagWriteOutcome? CheckSupported(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Inspect(path).Problem;
    }

    /// <summary>The file's container and loudness tags, or why it cannot be tagged.</summary>
    private static (TagWriteOutcome? Problem, TagContainer Container, IReadOnlyList<LoudnessTag> Existing) Inspect(string path)
    {
        try
        {
            // Only a non-empty regular file: FIFOs, devices and empty files all stat as 0 bytes,
            // and opening a FIFO would block.
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                return (new TagWriteOutcome.Failed(path, "no such file"), default, []);
            }

            if (info.Length == 0)
            {
                return (new TagWriteOutcome.Failed(path, "empty or not a regular file"), default, []);
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
            using var file = TagLib.File.Create(new StreamFile(path, stream, writable: false), null, TagLib.ReadStyle.Average | TagLib.ReadStyle.PictureLazy);
            if (ContainerOf(file) is not { } container)
            {
                return (new TagWriteOutcome.Unsupported(path, UnsupportedCause(file)), default, []);
            }

            return (null, container, Store(file, container, create: false)?.Existing() ?? []);
        }
        catch (Exception e) when (Cause(e) is { } cause)
        {
            return (e is TagLib.UnsupportedFormatException ? new TagWriteOutcome.Unsupported(path, cause) : new TagWriteOutcome.Failed(path, cause), default, []);
        }
    }

    /// <summary>The container's loudness tags as they are in the file (for tests and --dry-run).</summary>
    public static IReadOnlyList<LoudnessTag> Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 16 * 1024);
        using var file = TagLib.File.Create(new StreamFile(path, stream, writable: false), null, TagLib.ReadStyle.Average | TagLib.ReadStyle.PictureLazy);
        return ContainerOf(file) is { } container ? Store(file, container, create: false)?.Existing() ?? [] : [];
    }

    /// <summary>
    /// Copies the file to a hidden temporary name in its folder (a scan skips names starting with
    /// "."), tags the copy, flushes it to disk and renames it over the original. Null on success,
    /// else the cause; the original is then untouched and the copy removed.
    /// </summary>
    private static string? WriteCopy(string path, TagContainer container, IReadOnlyList<LoudnessTag> wanted)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? ".";
        var temp = Path.Combine(folder, $".{Path.GetFileName(path)}.auralis-tag-{Guid.NewGuid():N}.tmp");
        try
        {
            File.Copy(path, temp, overwrite: false);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            }

            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 16 * 1024))
            {
                // The original's name: TagLibSharp picks the format by extension.
                using (var file = TagLib.File.Create(new StreamFile(path, stream, writable: true), null, TagLib.ReadStyle.Average))
                {
                    Store(file, container, create: true)!.Replace(wanted);
                    file.Save();
                }

                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            return null;
        }
        catch (Exception e) when (Cause(e) is { } cause)
        {
            TryDelete(temp);
            return $"not tagged, the file is unchanged: {cause}";
        }
    }

    private static void TryDelete(string temp)
    {
        try
        {
            File.Delete(temp);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more to do: the name is hidden and says what it is.
        }
    }

    /// <summary>The same tags in any order: a file needs no write.</summary>
    private static bool SameTags(IReadOnlyList<LoudnessTag> existing, IReadOnlyList<LoudnessTag> wanted) =>
        existing.Count == wanted.Count && existing.Order(TagOrder.Instance).SequenceEqual(wanted.Order(TagOrder.Instance));

    private static TagContainer? ContainerOf(TagLib.File file) => file switch
    {
        TagLib.Flac.File => TagContainer.VorbisComment,
        TagLib.Ogg.File when file.Properties?.Codecs.Any(c => c is TagLib.Ogg.Codecs.Opus) == true => TagContainer.Opus,
        TagLib.Ogg.File => TagContainer.VorbisComment,
        TagLib.Mpeg.AudioFile => TagContainer.Id3v2,
        TagLib.Mpeg4.File => TagContainer.Mp4,
        TagLib.WavPack.File or TagLib.Ape.File or TagLib.MusePack.File => TagContainer.Ape,
        _ => null,
    };

    private static string UnsupportedCause(TagLib.File file) => file switch
    {
        TagLib.Riff.File or TagLib.Aiff.File =>
            "WAV and AIFF files get no loudness tags: players do not read ReplayGain from them (loudgain calls it experimental); convert to FLAC to keep the audio and get tags",
        _ => $"auralis tag does not write loudness tags to {file.MimeType.Replace("taglib/", "", StringComparison.Ordinal)} files (docs/tags.md lists the formats)",
    };

    /// <summary>The message for a failure of TagLibSharp or the filesystem; null for what must propagate.</summary>
    private static string? Cause(Exception e) => e switch
    {
        OutOfMemoryException or OperationCanceledException => null,
        TagLib.UnsupportedFormatException => "TagLibSharp does not know this format",
        TagLib.CorruptFileException => $"corrupt or truncated file ({e.Message.TrimEnd('.')})",
        UnauthorizedAccessException => $"permission denied ({e.Message.TrimEnd('.')})",
        IOException => $"I/O error: {e.Message.TrimEnd('.')}",
        // TagLibSharp's parsers fail on damaged headers with whatever their code hits.
        _ => $"damaged tags or header ({e.GetType().Name}: {e.Message.TrimEnd('.')})",
    };

    private static TagStore? Store(TagLib.File file, TagContainer container, bool create) => container switch
    {
        TagContainer.VorbisComment or TagContainer.Opus => file.GetTag(TagLib.TagTypes.Xiph, create) is TagLib.Ogg.XiphComment xiph
            ? new XiphStore(xiph, container == TagContainer.Opus)
            : null,
        TagContainer.Id3v2 => Id3Store.Of(file, create),
        TagContainer.Ape => file.GetTag(TagLib.TagTypes.Ape, create) is TagLib.Ape.Tag ape ? new ApeStore(ape) : null,
        TagContainer.Mp4 => file.GetTag(TagLib.TagTypes.Apple, create) is TagLib.Mpeg4.AppleTag apple ? new Mp4Store(apple) : null,
        _ => null,
    };

    private static bool IsLoudnessKey(string key, bool opus) =>
        key.StartsWith("REPLAYGAIN_", StringComparison.OrdinalIgnoreCase) || (opus && key.StartsWith("R128_", StringComparison.OrdinalIgnoreCase));

    /// <summary>One container's loudness tags: read them all, or replace them all.</summary>
    private abstract class TagStore
    {
        public abstract IReadOnlyList<LoudnessTag> Existing();

        public abstract void Replace(IReadOnlyList<LoudnessTag> wanted);
    }

    /// <summary>
    /// Vorbis comments. In Opus, loudgain removes REPLAYGAIN_* (Opus players read R128_* only, and
    /// two sets could disagree) and R128_*; elsewhere only REPLAYGAIN_*.
    /// </summary>
    private sealed class XiphStore(TagLib.Ogg.XiphComment xiph, bool opus) : TagStore
    {
        public override IReadOnlyList<LoudnessTag> Existing() =>
            [.. xiph.Where(key => IsLoudnessKey(key, opus)).SelectMany(key => xiph.GetField(key).Select(value => new LoudnessTag(key, value)))];

        public override void Replace(IReadOnlyList<LoudnessTag> wanted)
        {
            foreach (var key in xiph.Where(key => IsLoudnessKey(key, opus)).ToList())
            {
                xiph.RemoveField(key);
            }

            foreach (var tag in wanted)
            {
                xiph.SetField(tag.Key, tag.Value);
            }
        }
    }

    /// <summary>
    /// ID3v2 TXXX frames, upper-case descriptions and Latin-1 text as loudgain writes them; a
    /// file's existing ID3v2 version is kept, a new tag is ID3v2.4 (loudgain's default).
    /// </summary>
    private sealed class Id3Store(TagLib.Id3v2.Tag tag) : TagStore
    {
        public static Id3Store? Of(TagLib.File file, bool create)
        {
            var hadTag = (file.TagTypesOnDisk & TagLib.TagTypes.Id3v2) != 0;
            if (file.GetTag(TagLib.TagTypes.Id3v2, create) is not TagLib.Id3v2.Tag tag)
            {
                return null;
            }

            if (create && !hadTag)
            {
                tag.Version = 4;
            }

            return new Id3Store(tag);
        }

        public override IReadOnlyList<LoudnessTag> Existing() =>
            [.. Frames().Select(f => new LoudnessTag(f.Description, string.Join('\0', f.Text)))];

        public override void Replace(IReadOnlyList<LoudnessTag> wanted)
        {
            foreach (var frame in Frames().ToList())
            {
                tag.RemoveFrame(frame);
            }

            foreach (var wantedTag in wanted)
            {
                tag.AddFrame(new TagLib.Id3v2.UserTextInformationFrame(wantedTag.Key, TagLib.StringType.Latin1) { Text = [wantedTag.Value] });
            }
        }

        private IEnumerable<TagLib.Id3v2.UserTextInformationFrame> Frames() =>
            tag.GetFrames<TagLib.Id3v2.UserTextInformationFrame>().Where(f => f.Description is { } d && IsLoudnessKey(d, opus: false));
    }

    private sealed class ApeStore(TagLib.Ape.Tag ape) : TagStore
    {
        public override IReadOnlyList<LoudnessTag> Existing() =>
            [.. ape.Where(key => IsLoudnessKey(key, opus: false)).Select(key => new LoudnessTag(key, ape.GetItem(key)?.ToString() ?? ""))];

        public override void Replace(IReadOnlyList<LoudnessTag> wanted)
        {
            foreach (var key in ape.Where(key => IsLoudnessKey(key, opus: false)).ToList())
            {
                ape.RemoveItem(key);
            }

            foreach (var tag in wanted)
            {
                ape.SetValue(tag.Key, tag.Value);
            }
        }
    }

    /// <summary>iTunes freeform atoms (what loudgain and foobar2000 write for MP4), in both cases loudgain's -L may have used.</summary>
    private sealed class Mp4Store(TagLib.Mpeg4.AppleTag apple) : TagStore
    {
        public override IReadOnlyList<LoudnessTag> Existing() =>
            [.. Names()
                .SelectMany(name => (apple.GetDashBoxes(ItunesMean, name) ?? []).Select(value => new LoudnessTag(name, value)))
                // Should the atom lookup ignore case, both spellings find the same atom: count it once.
                .DistinctBy(t => (t.Key.ToUpperInvariant(), t.Value))];

        public override void Replace(IReadOnlyList<LoudnessTag> wanted)
        {
            // Only atoms that exist: TagLibSharp 2.3 throws when asked to remove one that does not.
            foreach (var name in Names().Where(name => apple.GetDashBox(ItunesMean, name) is not null).ToList())
            {
                apple.SetDashBox(ItunesMean, name, string.Empty);
            }

            foreach (var tag in wanted)
            {
                apple.SetDashBox(ItunesMean, tag.Key, tag.Value);
            }
        }

        private static IEnumerable<string> Names() => Mp4Names.Concat(Mp4Names.Select(n => n.ToLowerInvariant()));
    }

    private sealed class TagOrder : IComparer<LoudnessTag>
    {
        public static TagOrder Instance { get; } = new();

        public int Compare(LoudnessTag? x, LoudnessTag? y) =>
            x is null || y is null
                ? Comparer<object?>.Default.Compare(x, y)
                : string.CompareOrdinal(x.Key, y.Key) is var byKey && byKey != 0 ? byKey : string.CompareOrdinal(x.Value, y.Value);
    }

    /// <summary>An open stream handed to TagLibSharp under the audio file's name (which decides the format).</summary>
    private sealed class StreamFile(string name, Stream stream, bool writable) : TagLib.File.IFileAbstraction
    {
        public string Name => name;

        public Stream ReadStream => stream;

        public Stream WriteStream => writable ? stream : throw new NotSupportedException("opened to read tags only");

        public void CloseStream(Stream stream)
        {
            // The caller owns the stream and disposes it.
        }
    }
}
