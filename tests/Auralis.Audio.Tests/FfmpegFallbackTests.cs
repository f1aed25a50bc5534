using System.Diagnostics;
using Auralis.Audio.Ffmpeg;
using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>Files libsndfile cannot open (M4A/AAC) are decoded through an ffmpeg pipe.</summary>
public class FfmpegFallbackTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [FfmpegFact("aac")]
    public void M4a_is_decoded_by_ffmpeg_at_its_native_rate_and_channels()
    {
        string path = ExternalTools.MakeSine(_dir.File("sine.m4a"), 1, 44100, 1, "-c:a", "aac");

        using IAudioReader reader = AudioDecoder.Open(path);
        float[] decoded = Signals.ReadAll(reader, 1000);
        Assert.Equal(("ffmpeg", "m4a", 44100, 1), (reader.Info.Decoder, reader.Info.Format, reader.Info.SampleRate, reader.Info.Channels));
        Assert.InRange(decoded.Length, 44100 * 0.97, 44100 * 1.03);
        Assert.InRange(reader.Info.FramesHint ?? 0, 44100 * 0.97, 44100 * 1.03);
        Assert.Equal(decoded.Length, reader.FramesRead);
        Assert.InRange(Signals.Rms(decoded), 0.05, 0.1); // ffmpeg's sine: peak 1/8, RMS 0.088
        Assert.InRange(Signals.ZeroCrossingFrequency(decoded, 1, 44100), 430, 450);
    }

    [FfmpegFact("aac")]
    public void Stereo_48k_m4a_keeps_both_channels_and_the_rate_and_reads_its_tags()
    {
        string path = ExternalTools.MakeSine(_dir.File("stereo.m4a"), 1, 48000, 2, "-c:a", "aac",
            "-metadata", "title=Song", "-metadata", "artist=Band", "-metadata", "album=Record");

        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal((48000, 2), (reader.Info.SampleRate, reader.Info.Channels));
        Assert.Equal(("Song", "Band", "Record"), (reader.Info.Title, reader.Info.Artist, reader.Info.Album));
        float[] decoded = Signals.ReadAll(reader, 333);
        Assert.Equal(Signals.Rms(decoded, 2, 0), Signals.Rms(decoded, 2, 1), 3);
    }

    [FfmpegFact("aac")]
    public void Ffmpeg_reads_in_odd_block_sizes_give_the_same_samples_as_one_big_read()
    {
        string path = ExternalTools.MakeSine(_dir.File("sine.m4a"), 1, 44100, 2, "-c:a", "aac");
        float[] whole = Signals.ReadAll(path, 1 << 20);
        foreach (int block in new[] { 1, 7, 64, 4097 })
        {
            Assert.Equal(whole, Signals.ReadAll(path, block));
        }
    }

    [FfmpegFact("aac")]
    public void M4a_with_the_ffmpeg_fallback_disabled_is_UnsupportedFormat()
    {
        string path = ExternalTools.MakeSine(_dir.File("sine.m4a"), 1, 44100, 1, "-c:a", "aac");
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(
            () => AudioDecoder.Open(path, new AudioDecodeOptions(AllowFfmpeg: false)));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains("libsndfile: ", ex.Message);
    }

    [FfmpegFact("aac")]
    public void Disposing_an_ffmpeg_reader_early_ends_the_ffmpeg_process()
    {
        string path = ExternalTools.MakeSine(_dir.File("long.m4a"), 60, 44100, 2, "-c:a", "aac");
        int pid;
        using (IAudioReader reader = AudioDecoder.Open(path))
        {
            Assert.Equal(1000, reader.Read(new float[2000]));
            pid = Assert.IsType<FfmpegReader>(reader).ProcessId;
        }

        Assert.True(HasExited(pid), $"ffmpeg (pid {pid}) still runs after Dispose");
    }

    [FfmpegFact("aac")]
    public void Input_names_that_look_like_options_or_protocols_are_read_as_plain_files()
    {
        foreach (string name in new[] { "-i.m4a", "concat:x.m4a", "http:a.m4a" })
        {
            string path = ExternalTools.MakeSine(_dir.File("plain.m4a"), 1, 44100, 1, "-c:a", "aac");
            string odd = _dir.File(name);
            File.Move(path, odd, overwrite: true);
            Assert.InRange(Signals.ReadAll(odd).Length, 40000, 48000);
        }
    }

    [FfmpegFact("aac")]
    public void A_remembered_probe_is_not_used_for_a_file_that_changed()
    {
        string path = ExternalTools.MakeSine(_dir.File("probe.m4a"), 1, 32000, 2, "-c:a", "aac");
        Assert.Equal((32000, 2), Probe(path));
        Assert.Equal((32000, 2), Probe(path)); // remembered: the same answer

        // Another file at the same path (new size and mtime): probed again, never the old answer.
        string other = ExternalTools.MakeSine(_dir.File("other.m4a"), 2, 22050, 1, "-c:a", "aac");
        File.Move(other, path, overwrite: true);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.Equal((22050, 1), Probe(path));

        static (int, int) Probe(string path)
        {
            FfmpegStreamInfo? info = FfmpegProbe.Run(path, ExternalTools.Ffmpeg!, out string failure);
            Assert.True(info is not null, failure);
            return (info.SampleRate, info.Channels);
        }
    }

    [FfmpegFact("aac")]
    public void Ffmpeg_stderr_banner_gives_the_same_rate_and_channels_as_ffprobe()
    {
        string path = ExternalTools.MakeSine(_dir.File("s.m4a"), 1, 32000, 2, "-c:a", "aac");
        FfmpegStreamInfo? banner = FfmpegProbe.WithFfmpeg(ExternalTools.Ffmpeg!, path, out string failure);
        Assert.True(banner is not null, failure);
        Assert.Equal((32000, 2, "m4a"), (banner.SampleRate, banner.Channels, banner.Demuxer));
    }

    [Fact]
    public void Ffmpeg_stderr_banner_is_parsed_for_rate_layout_and_demuxer()
    {
        const string stderr = """
            Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'file:/music/a.m4a':
              Metadata:
                major_brand     : M4A
              Duration: 00:03:01.05, start: 0.000000, bitrate: 256 kb/s
              Stream #0:0[0x1](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, 5.1, fltp, 255 kb/s (default)
              Stream #0:1[0x0]: Video: mjpeg (Baseline), yuvj420p(pc), 600x600, 90k tbn (attached pic)
            At least one output file must be specified
            """;
        FfmpegStreamInfo? info = FfmpegProbe.ParseFfmpegBanner(stderr, "/music/a.m4a", out string failure);
        Assert.True(info is not null, failure);
        Assert.Equal((44100, 6, "m4a"), (info.SampleRate, info.Channels, info.Demuxer));
    }

    [Fact]
    public void Ffmpeg_stderr_without_an_audio_stream_explains_why()
    {
        const string stderr = "file:/music/x.m4a: Invalid data found when processing input\n";
        Assert.Null(FfmpegProbe.ParseFfmpegBanner(stderr, "/music/x.m4a", out string failure));
        Assert.Equal("file:/music/x.m4a: Invalid data found when processing input", failure);
    }

    [Theory]
    [InlineData("mono", 1)]
    [InlineData("stereo", 2)]
    [InlineData("5.1(side)", 6)]
    [InlineData("7.1", 8)]
    [InlineData("3 channels", 3)]
    [InlineData("24 channels (FL+FR+...)", 24)]
    [InlineData("ambisonic 1", 0)]
    public void Ffmpeg_channel_layout_names_map_to_channel_counts(string layout, int channels) =>
        Assert.Equal(channels, FfmpegProbe.ChannelsOfLayout(layout));

    [Theory]
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", "/a/b.m4a", "m4a")]
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", "/a/b.mp4", "mp4")]
    [InlineData("mov,mp4,m4a,3gp,3g2,mj2", "/a/b.aac", "mov")]
    [InlineData("wv", "/a/b.wv", "wv")]
    [InlineData("", "/a/b.xyz", "unknown")]
    public void Ffmpeg_demuxer_lists_are_shortened_to_the_member_matching_the_extension(string formatName, string path, string expected) =>
        Assert.Equal(expected, FfmpegProbe.DemuxerName(formatName, path));

    // A stand-in for ffmpeg (any script on Unix) makes the failure paths deterministic.

    [UnixFact]
    public void A_nonzero_ffmpeg_exit_at_the_end_of_the_stream_is_Corrupt_with_ffmpegs_message()
    {
        string fake = FakeFfmpeg("head -c 800 /dev/zero; echo 'decoding went wrong here' >&2; exit 1");
        using IAudioReader reader = FfmpegReader.Start("/music/x.m4a", fake, new FfmpegStreamInfo(44100, 2, "m4a", null, null, null, null));
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(reader));
        Assert.Equal(AudioErrorKind.Corrupt, ex.Kind);
        Assert.Contains("/music/x.m4a", ex.Message);
        Assert.Contains("exit code 1", ex.Message);
        Assert.Contains("decoding went wrong here", ex.Message);
    }

    [UnixFact]
    public void Ffmpeg_output_ending_inside_a_frame_is_Corrupt()
    {
        string fake = FakeFfmpeg("head -c 806 /dev/zero");
        using IAudioReader reader = FfmpegReader.Start("/music/x.m4a", fake, new FfmpegStreamInfo(44100, 2, "m4a", null, null, null, null));
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(reader));
        Assert.Equal(AudioErrorKind.Corrupt, ex.Kind);
        Assert.Contains("6 stray bytes", ex.Message);
    }

    [UnixFact]
    public void Nan_samples_from_ffmpeg_are_InvalidSamples()
    {
        // Frames 0-1 are silence, frame 2 holds a little-endian float NaN (0x7FC00000) in channel 0.
        string fake = FakeFfmpeg(@"head -c 8 /dev/zero; printf '\000\000\300\177'");
        using IAudioReader reader = FfmpegReader.Start("/music/x.m4a", fake, new FfmpegStreamInfo(44100, 1, "m4a", null, null, null, null));
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(reader));
        Assert.Equal(AudioErrorKind.InvalidSamples, ex.Kind);
        Assert.Contains("frame 2 ", ex.Message);
    }

    [Fact]
    public void The_decode_command_asks_for_native_rate_and_channels_as_raw_float32_on_stdout()
    {
        string[] args = FfmpegReader.Arguments("/music/a b.m4a", 44100, 2);
        Assert.Equal(
            ["-nostdin", "-v", "error", "-protocol_whitelist", "file", "-format_whitelist", FfmpegTools.AllowedDemuxers, "-i", "file:/music/a b.m4a", "-map", "0:a:0", "-f", "f32le", "-ac", "2", "-ar", "44100", "pipe:1"],
            args);
    }

    private string FakeFfmpeg(string script)
    {
        string path = _dir.File("fake-ffmpeg.sh");
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    private static bool HasExited(int pid)
    {
        try
        {
            using Process process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true; // no such process any more
        }
    }
}
