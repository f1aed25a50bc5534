using Auralis.Audio.Ffmpeg;
using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>
/// The seeks renders rely on (IAudioReader.SeeksExactly): after TrySeek(frame), the reader returns
/// exactly the samples a decode from the start returns from that frame on.
/// </summary>
public sealed class DecoderSeekTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A 6 s two-tone fixture (a chord, so any offset of even one sample shows).</summary>
    private string Fixture(string name, params string[] codec)
    {
        var path = _dir.File(name);
        ExternalTools.RunFfmpeg(["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=6", "-f", "lavfi", "-i", "sine=frequency=587:sample_rate=48000:duration=6",
            "-filter_complex", "amerge=inputs=2", "-ac", "2", "-ar", "48000", .. codec, path]);
        return path;
    }

    /// <summary>
    /// WAV, FLAC and Vorbis match a decode through bit for bit from the landing frame on. Opus
    /// lands on the frame too, but its decoder restarts its state there: measured 0.10 at the
    /// landing point, 6e-3 after 100 ms, 2e-4 after 200 ms, a halving about every 20 ms; after
    /// 1 s it is checked below 1e-6 (a frame off would stay far above that: the fixture is a chord).
    /// A renderer's 5 s pre-roll lies well beyond that (docs/mastering.md).
    /// </summary>
    [FfmpegTheory]
    [InlineData("a.wav", AudioDecoder.LibSndFile, new string[] { }, 0, 0.0)]
    [InlineData("a.flac", AudioDecoder.LibSndFile, new[] { "-c:a", "flac" }, 0, 0.0)]
    [InlineData("a.wav", AudioDecoder.Ffmpeg, new string[] { }, 0, 0.0)]
    [InlineData("a.flac", AudioDecoder.Ffmpeg, new[] { "-c:a", "flac" }, 0, 0.0)]
    [InlineData("a.ogg", AudioDecoder.LibSndFile, new[] { "-c:a", "libvorbis" }, 0, 0.0)]
    [InlineData("a.ogg", AudioDecoder.Ffmpeg, new[] { "-c:a", "libvorbis" }, 0, 0.0)]
    [InlineData("a.opus", AudioDecoder.Ffmpeg, new[] { "-c:a", "libopus" }, 1000, 1e-6)]
    [InlineData("a.opus", AudioDecoder.LibSndFile, new[] { "-c:a", "libopus" }, 1000, 1e-6)]
    public void A_seek_the_decoder_calls_exact_lands_on_the_frame_asked_for(string name, string decoder, string[] codec, int settleMs, double bound)
    {
        if (codec.Length > 1 && codec[1].StartsWith("lib", StringComparison.Ordinal) && !ExternalTools.HasEncoder(codec[1]))
        {
            return; // no encoder to make the fixture with
        }

        var path = Fixture(name, codec);
        var options = new AudioDecodeOptions { Decoders = [decoder] };
        var through = Signals.ReadAll(path, options: options);
        foreach (var frame in new long[] { 48_000, 100_003, 200_000 })
        {
            using var reader = AudioDecoder.Open(path, options);
            Assert.Equal(decoder, reader.Info.Decoder);
            Assert.True(reader.SeeksExactly, $"{decoder} should call its {reader.Info.Format} seek exact");
            Assert.True(reader.TrySeek(frame));
            Assert.Equal(frame, reader.FramesRead);
            var rest = Signals.ReadAll(reader);
            Assert.Equal(through.Length - (2 * frame), rest.Length);
            var skip = 2 * 48 * settleMs;
            var difference = Signals.MaxAbsDifference(through.AsSpan((int)(2 * frame) + skip), rest.AsSpan(skip));
            Assert.True(difference <= bound, $"{name} ({decoder}) from frame {frame}, after {settleMs} ms: max difference {difference:E2}");
        }
    }

    [FfmpegFact]
    public void The_ffmpeg_reader_starts_its_process_at_the_first_read_so_a_seek_before_it_costs_no_extra_process()
    {
        var path = Fixture("b.flac", "-c:a", "flac");
        using var reader = AudioDecoder.Open(path, new AudioDecodeOptions { Decoders = [AudioDecoder.Ffmpeg] });
        var ffmpeg = Assert.IsType<FfmpegReader>(reader);
        Assert.Equal(0, ffmpeg.ProcessId);
        Assert.True(reader.TrySeek(96_000));
        Assert.Equal(0, ffmpeg.ProcessId);
        Assert.Equal(100, reader.Read(new float[200]));
        Assert.NotEqual(0, ffmpeg.ProcessId);
        Assert.Equal(96_100, reader.FramesRead);
    }

    [Fact]
    public void Mp3_seeks_are_not_called_exact_so_renders_decode_up_to_the_position()
    {
        var path = _dir.File("c.mp3");
        if (ExternalTools.Ffmpeg is null || !ExternalTools.HasEncoder("libmp3lame"))
        {
            return;
        }

        ExternalTools.MakeSine(path, 2, 44100, 2, "-c:a", "libmp3lame");
        using var reader = AudioDecoder.Open(path);
        Assert.False(reader.SeeksExactly);
    }
}
