using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>The writer picks the container from the extension, refuses what it cannot do, and never fails silently.</summary>
public class AudioFileWriterTests : IDisposable
{
    private const int Rate = 44100;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("a.wav", AudioSampleFormat.Default, "wav")]
    [InlineData("a.WAV", AudioSampleFormat.Pcm16, "wav")]
    [InlineData("a.flac", AudioSampleFormat.Default, "flac")]
    [InlineData("a.aif", AudioSampleFormat.Default, "aiff")]
    [InlineData("a.aiff", AudioSampleFormat.Pcm16, "aiff")]
    [InlineData("a.ogg", AudioSampleFormat.Default, "ogg-vorbis")]
    [InlineData("a.oga", AudioSampleFormat.Default, "ogg-vorbis")]
    public void The_container_follows_the_extension(string name, AudioSampleFormat format, string expected)
    {
        string path = _dir.File(name);
        AudioFileWriter.Write(path, Signals.Sine(440, Rate, 1, 4410), Rate, 1, format);
        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal(expected, reader.Info.Format);
    }

    [Theory]
    [InlineData("a.mp4", AudioSampleFormat.Default, 44100, "unknown extension")]
    [InlineData("noextension", AudioSampleFormat.Default, 44100, "unknown extension")]
    [InlineData("a.flac", AudioSampleFormat.Float32, 44100, "Float32 samples are not possible")]
    [InlineData("a.ogg", AudioSampleFormat.Pcm16, 44100, "lossy codec")]
    [InlineData("a.opus", AudioSampleFormat.Default, 44100, "8000, 12000, 16000, 24000 or 48000 Hz")]
    public void Impossible_formats_throw_NotSupportedException_naming_the_file_and_the_fix(
        string name, AudioSampleFormat format, int rate, string expected)
    {
        string path = _dir.File(name);
        var ex = Assert.Throws<NotSupportedException>(() => AudioFileWriter.Write(path, new float[100], rate, 1, format));
        Assert.Contains(path, ex.Message);
        Assert.Contains(expected, ex.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Streaming_blocks_through_a_sink_equals_writing_at_once()
    {
        float[] sine = Signals.Sine(440, Rate, 2, 30_000);
        string once = _dir.File("once.flac");
        string streamed = _dir.File("streamed.flac");
        AudioFileWriter.Write(once, sine, Rate, 2);
        using (AudioFileSink sink = AudioFileWriter.Create(streamed, Rate, 2))
        {
            for (int start = 0; start < sine.Length; start += 2 * 1234)
            {
                sink.Write(sine.AsSpan(start, Math.Min(2 * 1234, sine.Length - start)));
            }

            Assert.Equal(30_000, sink.FramesWritten);
        }

        Assert.Equal(Signals.ReadAll(once), Signals.ReadAll(streamed));
    }

    [Fact]
    public void A_sink_rejects_a_partial_frame()
    {
        using AudioFileSink sink = AudioFileWriter.Create(_dir.File("stereo.wav"), Rate, 2);
        Assert.Throws<ArgumentException>(() => sink.Write(new float[3]));
    }

    [Fact]
    public void Samples_beyond_full_scale_clip_in_pcm_instead_of_wrapping_to_the_opposite_sign()
    {
        string path = _dir.File("loud.wav");
        AudioFileWriter.Write(path, [1.5f, -1.5f, 0.5f], Rate, 1, AudioSampleFormat.Pcm16);
        float[] decoded = Signals.ReadAll(path);
        Assert.InRange(decoded[0], 0.999f, 1f);
        Assert.InRange(decoded[1], -1f, -0.999f);
    }

    [Fact]
    public void Creating_a_file_in_a_missing_folder_throws_IOException_naming_it()
    {
        string path = _dir.File("no/such/folder/a.wav");
        var ex = Assert.Throws<IOException>(() => AudioFileWriter.Create(path, Rate, 1));
        Assert.Contains(path, ex.Message);
    }

    [UnixFact]
    public void Writing_to_a_full_disk_throws_instead_of_reporting_success()
    {
        if (!File.Exists("/dev/full"))
        {
            return; // Linux-only device; other Unixes lack it
        }

        string path = _dir.File("full.flac");
        File.CreateSymbolicLink(path, "/dev/full");
        Exception ex = Assert.ThrowsAny<IOException>(() =>
        {
            using AudioFileSink sink = AudioFileWriter.Create(path, Rate, 2);
            float[] block = Signals.Sine(440, Rate, 2, Rate);
            for (int i = 0; i < 10; i++)
            {
                sink.Write(block);
            }
        });
        Assert.Contains(path, ex.Message);
    }
}
