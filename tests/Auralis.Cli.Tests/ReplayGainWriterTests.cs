using Auralis.Library.Tags;

namespace Auralis.Cli.Tests;

/// <summary>
/// The loudness-tag writer (docs/tags.md): the values in loudgain's formats, the tags players read
/// per container (checked with ffprobe, an independent reader), the audio never rewritten (decoded
/// samples bit-identical), a second run writing nothing, stale tags replaced as loudgain -s i does.
/// </summary>
public sealed class ReplayGainWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly LoudnessGains Album = new(-14.44, 0.81, AlbumLufs: -15.11, AlbumPeakDbtp: 1.16);

    [Theory]
    [InlineData(-3.214, "-3.21 dB")]
    [InlineData(0.2, "0.20 dB")]
    [InlineData(12.0, "12.00 dB")]
    [InlineData(-0.001, "0.00 dB")]
    [InlineData(-0.005001, "-0.01 dB")]
    public void Gains_are_written_with_two_decimals_and_a_sign_like_loudgain(double gain, string expected) =>
        Assert.Equal(expected, LoudnessGains.FormatGain(gain));

    [Theory]
    [InlineData(0.0, "1.000000")]
    [InlineData(0.81, "1.097741")]
    [InlineData(-1.29, "0.861986")]
    public void Peaks_are_linear_with_six_decimals(double dbtp, string expected) =>
        Assert.Equal(expected, LoudnessGains.FormatPeak(dbtp));

    [Theory]
    [InlineData(-18.25, "-1216")] // loudgain's own output for a -18.25 LUFS Opus file: -4.75 dB
    [InlineData(-23.0, "0")]
    [InlineData(-30.0, "1792")]
    [InlineData(-23.001953125, "1")] // 0.5 Q7.8 steps: half away from zero
    [InlineData(200.0, "-32768")] // beyond Q7.8: clamped to 16 bits
    public void R128_gains_are_Q7_8_relative_to_minus_23_LUFS(double lufs, string expected) =>
        Assert.Equal(expected, LoudnessGains.FormatR128(lufs));

    [Fact]
    public void Gains_are_relative_to_minus_18_LUFS()
    {
        Assert.Equal(-3.56, new LoudnessGains(-14.44, 0).TrackGainDb, 10);
        Assert.Equal(3.0, new LoudnessGains(-21.0, 0, -21.0, 0).AlbumGainDb!.Value, 10);
    }

    [FfmpegTagTheory]
    [InlineData(".flac", TagContainer.VorbisComment)]
    [InlineData(".ogg", TagContainer.VorbisComment)]
    [InlineData(".opus", TagContainer.Opus)]
    [InlineData(".mp3", TagContainer.Id3v2)]
    [InlineData(".m4a", TagContainer.Mp4)]
    [InlineData(".wv", TagContainer.Ape)]
    public void Tagging_keeps_the_audio_bit_identical_and_a_second_run_changes_no_byte(string extension, TagContainer container)
    {
        var path = TagTestFiles.Encode(TagTestFiles.Wav(_temp.File("src.wav"), 6, 0.3), _temp.File("a" + extension), "-metadata", "title=Kept Title");
        var before = TagTestFiles.Decode(path);

        var first = Assert.IsType<TagWriteOutcome.Written>(ReplayGainWriter.Write(path, Album));
        Assert.Equal(container, first.Container);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(before, TagTestFiles.Decode(path));

        var second = ReplayGainWriter.Write(path, Album);
        Assert.IsType<TagWriteOutcome.Unchanged>(second);
        Assert.Equal(bytes, File.ReadAllBytes(path));

        // What players see: the tags, read back by ffprobe; the other tags are kept.
        var tags = TagTestFiles.ProbeTags(path);
        Assert.Equal("Kept Title", tags["TITLE"]);
        if (container == TagContainer.Opus)
        {
            Assert.Equal("-2191", tags["R128_TRACK_GAIN"]); // (-23 + 14.44) dB x 256 = -2191.36
            Assert.Equal("-2020", tags["R128_ALBUM_GAIN"]); // (-23 + 15.11) dB x 256 = -2019.84
        }
        else
        {
            Assert.Equal("-3.56 dB", tags["REPLAYGAIN_TRACK_GAIN"]);
            Assert.Equal("1.097741", tags["REPLAYGAIN_TRACK_PEAK"]);
            Assert.Equal("-2.89 dB", tags["REPLAYGAIN_ALBUM_GAIN"]);
            Assert.Equal("1.142878", tags["REPLAYGAIN_ALBUM_PEAK"]);
        }
    }

    [FfmpegTagTheory]
    [InlineData(".flac")]
    [InlineData(".mp3")]
    [InlineData(".m4a")]
    [InlineData(".wv")]
    public void Tagging_a_track_alone_removes_stale_album_and_extra_ReplayGain_tags_like_loudgain(string extension)
    {
        var path = TagTestFiles.Encode(TagTestFiles.Wav(_temp.File("src.wav"), 4, 0.3), _temp.File("a" + extension));
        Assert.IsType<TagWriteOutcome.Written>(ReplayGainWriter.Write(path, Album));
        Assert.Contains("REPLAYGAIN_ALBUM_GAIN", TagTestFiles.ProbeTags(path).Keys);

        var written = Assert.IsType<TagWriteOutcome.Written>(ReplayGainWriter.Write(path, new LoudnessGains(-20.0, -3.0)));
        Assert.Contains(written.Removed, t => t.Key == "REPLAYGAIN_ALBUM_GAIN");
        var tags = TagTestFiles.ProbeTags(path);
        Assert.DoesNotContain("REPLAYGAIN_ALBUM_GAIN", tags.Keys);
        Assert.DoesNotContain("REPLAYGAIN_ALBUM_PEAK", tags.Keys);
        Assert.Equal("2.00 dB", tags["REPLAYGAIN_TRACK_GAIN"]);
    }

    [FfmpegTagFact]
    public void Opus_gets_R128_gains_only_and_its_header_output_gain_is_untouched()
    {
        // An Opus file someone tagged with ReplayGain (players ignore those in Opus; loudgain removes them).
        var path = TagTestFiles.Encode(TagTestFiles.Wav(_temp.File("src.wav"), 4, 0.3), _temp.File("a.opus"), "-metadata", "REPLAYGAIN_TRACK_GAIN=1.00 dB");
        var header = OpusHead(path);

        var written = Assert.IsType<TagWriteOutcome.Written>(ReplayGainWriter.Write(path, new LoudnessGains(-18.25, -1.0, -19.0, -0.5)));
        Assert.Contains(written.Removed, t => t.Key == "REPLAYGAIN_TRACK_GAIN");
        var tags = TagTestFiles.ProbeTags(path);
        Assert.Equal("-1216", tags["R128_TRACK_GAIN"]);
        Assert.Equal("-1024", tags["R128_ALBUM_GAIN"]);
        Assert.DoesNotContain(tags.Keys, k => k.StartsWith("REPLAYGAIN_", StringComparison.Ordinal));
        Assert.Equal(header, OpusHead(path));
    }

    [FfmpegTagFact]
    public void A_new_ID3v2_tag_is_version_2_4_with_upper_case_TXXX_frames_like_loudgain()
    {
        var path = TagTestFiles.Encode(TagTestFiles.Wav(_temp.File("src.wav"), 4, 0.3), _temp.File("a.mp3"), "-id3v2_version", "0");
        Assert.NotEqual("ID3"u8.ToArray(), File.ReadAllBytes(path)[..3]);

        ReplayGainWriter.Write(path, new LoudnessGains(-14.44, 0.81));
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("ID3"u8.ToArray(), bytes[..3]);
        Assert.Equal(4, bytes[3]);
        var text = System.Text.Encoding.Latin1.GetString(bytes, 0, 400);
        Assert.Contains("TXXX", text, StringComparison.Ordinal);
        Assert.Contains("REPLAYGAIN_TRACK_GAIN\0-3.56 dB", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_WAV_file_is_refused_with_the_reason_and_left_untouched()
    {
        var path = TagTestFiles.Wav(_temp.File("a.wav"), 1, 0.3);
        var bytes = File.ReadAllBytes(path);
        var outcome = Assert.IsType<TagWriteOutcome.Unsupported>(ReplayGainWriter.Write(path, Album));
        Assert.Contains("WAV", outcome.Cause, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_corrupt_file_fails_with_its_cause_and_is_left_untouched()
    {
        var path = _temp.File("broken.flac");
        File.WriteAllBytes(path, [.. "fLaC"u8.ToArray(), .. Enumerable.Repeat((byte)0xFF, 300)]);
        var bytes = File.ReadAllBytes(path);
        var outcome = ReplayGainWriter.Write(path, Album);
        Assert.True(outcome is TagWriteOutcome.Failed or TagWriteOutcome.Unsupported, $"got {outcome}");
        Assert.Equal(bytes, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_temp.Path)); // no temporary copy left behind
    }

    [FfmpegTagFact]
    public void A_dry_run_says_what_it_would_write_and_changes_no_byte()
    {
        var path = TagTestFiles.Encode(TagTestFiles.Wav(_temp.File("src.wav"), 2, 0.3), _temp.File("a.flac"));
        var bytes = File.ReadAllBytes(path);
        var outcome = Assert.IsType<TagWriteOutcome.Written>(ReplayGainWriter.Write(path, Album, dryRun: true));
        Assert.Equal(4, outcome.Tags.Count);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    /// <summary>The 19-byte Opus identification header (version, channels, pre-skip, rate, output gain, mapping).</summary>
    private static byte[] OpusHead(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var at = bytes.AsSpan().IndexOf("OpusHead"u8);
        Assert.True(at >= 0, "no OpusHead");
        return bytes[at..(at + 19)];
    }
}
