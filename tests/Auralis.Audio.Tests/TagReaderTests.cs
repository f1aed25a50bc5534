using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>
/// TagReader against files whose tags ffmpeg wrote (the truth does not come from TagLibSharp),
/// and against junk: a bad file is an Unreadable result naming the file, never an exception.
/// </summary>
public sealed class TagReaderTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static readonly string[] Metadata =
    [
        "-metadata", "title=Pokémon – Theme", "-metadata", "artist=Sigur Rós", "-metadata", "album=Ágætis byrjun",
        "-metadata", "album_artist=Various", "-metadata", "track=3/10", "-metadata", "disc=2/2",
        "-metadata", "date=1999", "-metadata", "genre=Game",
    ];

    [FfmpegTheory]
    [InlineData("t.ogg", "ogg-vorbis", "vorbis", "libvorbis")]
    [InlineData("t.opus", "opus", "opus", "libopus")]
    [InlineData("t.flac", "flac", "flac", "flac")]
    [InlineData("t.mp3", "mp3", "mp3", "libmp3lame")]
    public void Tags_and_header_properties_written_by_ffmpeg_are_read(string name, string format, string codec, string encoder)
    {
        Assert.True(ExternalTools.HasEncoder(encoder), $"ffmpeg has no {encoder} encoder (build.sh installs one that has)");
        var rate = format == "opus" ? 48_000 : 44_100;
        var path = ExternalTools.MakeSine(_dir.File(name), 3, rate, 2, ["-c:a", encoder, .. Metadata]);

        var read = Assert.IsType<TagReadResult.Read>(TagReader.Read(path));
        var tags = read.Tags;
        Assert.Equal(("Pokémon – Theme", "Sigur Rós", "Ágætis byrjun", "Various"), (tags.Title, tags.Artist, tags.Album, tags.AlbumArtist));
        Assert.Equal((3, 2, 1999, "Game"), (tags.TrackNumber, tags.DiscNumber, tags.Year, tags.Genre));
        Assert.Equal((format, codec, 2), (tags.Format, tags.Codec, tags.Channels));
        Assert.NotNull(tags.SampleRate);
        // TagLibSharp's header durations of lossy files are estimates (docs/decoding.md): an MP3
        // reads up to twice as long; the scan takes lossy lengths from the decoder's header.
        Assert.InRange(tags.DurationSeconds!.Value, 2.9, format == "mp3" ? 6.5 : 3.1);
        if (format != "opus") // Opus headers carry no bitrate
        {
            Assert.InRange(tags.BitrateKbps!.Value, 1, 2_000);
        }
    }

    [FfmpegFact]
    public void A_wav_header_gives_its_exact_duration_pcm_codec_and_its_info_tags()
    {
        var path = ExternalTools.MakeSine(_dir.File("t.wav"), 2, 22_050, 1, "-c:a", "pcm_s16le", "-metadata", "title=Plain", "-metadata", "artist=Someone", "-metadata", "album=Record");
        var tags = Assert.IsType<TagReadResult.Read>(TagReader.Read(path)).Tags;
        Assert.Equal(("Plain", "Someone", "Record", (string?)null), (tags.Title, tags.Artist, tags.Album, tags.AlbumArtist));
        Assert.Equal(("wav", "pcm", 22_050, 1), (tags.Format, tags.Codec, tags.SampleRate, tags.Channels));
        Assert.Equal(2.0, tags.DurationSeconds!.Value, 3);
        Assert.InRange(tags.BitrateKbps!.Value, 352, 353); // 22 050 * 16 bit = 352.8
    }

    [FfmpegFact]
    public void An_untagged_file_reads_with_null_tags_not_empty_strings()
    {
        var path = ExternalTools.MakeSine(_dir.File("plain.flac"), 1, 44_100, 2, "-c:a", "flac", "-map_metadata", "-1");
        var tags = Assert.IsType<TagReadResult.Read>(TagReader.Read(path)).Tags;
        Assert.Equal(((string?)null, (string?)null, (string?)null, (int?)null, (int?)null), (tags.Title, tags.Artist, tags.Album, tags.TrackNumber, tags.Year));
        Assert.Equal("flac", tags.Codec);
    }

    [Fact]
    public void Junk_empty_missing_and_folder_paths_are_unreadable_with_a_cause_naming_the_file()
    {
        var random = _dir.File("random.mp3");
        File.WriteAllBytes(random, Enumerable.Range(0, 4000).Select(i => (byte)(i * 37)).ToArray());
        var text = _dir.File("notes.flac");
        File.WriteAllText(text, "this is not a FLAC file at all, just some text that is long enough to parse");
        var empty = _dir.File("empty.ogg");
        File.WriteAllBytes(empty, []);
        var unknown = _dir.File("thing.xyz");
        File.WriteAllBytes(unknown, [1, 2, 3, 4]);
        var folder = _dir.File("folder.ogg");
        Directory.CreateDirectory(folder);
        foreach (var path in new[] { random, text, empty, unknown, folder, _dir.File("missing.ogg") })
        {
            var unreadable = Assert.IsType<TagReadResult.Unreadable>(TagReader.Read(path));
            Assert.Contains(path, unreadable.Message, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(unreadable.Cause));
        }
    }

    [UnixFact]
    public void A_named_pipe_is_refused_without_blocking()
    {
        var fifo = _dir.File("pipe.ogg");
        Assert.Equal(0, ExternalTools.Run("mkfifo", fifo).ExitCode);
        var unreadable = Assert.IsType<TagReadResult.Unreadable>(TagReader.Read(fifo));
        Assert.Contains("named pipe", unreadable.Cause, StringComparison.Ordinal);
    }

    /// <summary>
    /// Every prefix length and many single-byte corruptions of real files: TagLibSharp throws a
    /// variety of exceptions on such input, and none may escape.
    /// </summary>
    [FfmpegTheory]
    [InlineData("c.ogg", "libvorbis")]
    [InlineData("c.flac", "flac")]
    [InlineData("c.mp3", "libmp3lame")]
    public void Truncated_and_corrupted_files_never_throw(string name, string encoder)
    {
        Assert.True(ExternalTools.HasEncoder(encoder), $"ffmpeg has no {encoder} encoder (build.sh installs one that has)");
        var good = File.ReadAllBytes(ExternalTools.MakeSine(_dir.File(name), 1, 44_100, 2, ["-c:a", encoder, .. Metadata]));
        var damaged = _dir.File("damaged" + Path.GetExtension(name));
        var random = new Random(14);
        var unreadable = 0;
        for (var i = 0; i < 300; i++)
        {
            var bytes = i < 100
                ? good[..Math.Max(1, good.Length * i / 100)] // truncated at i %
                : Corrupt(good, random);
            File.WriteAllBytes(damaged, bytes);
            var result = TagReader.Read(damaged);
            unreadable += result is TagReadResult.Unreadable ? 1 : 0;
            Assert.Equal(damaged, result.Path);
        }

        Assert.True(unreadable > 0, "no damaged file was reported unreadable: the damage did not reach the headers");
    }

    private static byte[] Corrupt(byte[] good, Random random)
    {
        var bytes = (byte[])good.Clone();
        // Headers live in the first few KiB: damage there, where parsers read lengths and counts.
        for (var j = 0; j < 8; j++)
        {
            bytes[random.Next(Math.Min(bytes.Length, 4096))] = (byte)random.Next(256);
        }

        return bytes;
    }
}
