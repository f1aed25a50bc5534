using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>A known sine written and decoded again, per container: lossless ones exactly, lossy ones loosely.</summary>
public class RoundtripTests : IDisposable
{
    private const int Rate = 44100;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Wav_float32_roundtrip_is_bit_exact()
    {
        float[] sine = Signals.Sine(440, Rate, 2, Rate);
        string path = _dir.File("sine.wav");
        AudioFileWriter.Write(path, sine, Rate, 2, AudioSampleFormat.Float32);

        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal(new AudioInfo(path, Rate, 2, Rate, "wav", "libsndfile", null, null, null), reader.Info);
        Assert.Equal(sine, Signals.ReadAll(reader));
        Assert.Equal(Rate, reader.FramesRead);
    }

    [Theory]
    [InlineData("sine16.wav", AudioSampleFormat.Pcm16, 1.0 / 32768)]
    [InlineData("sine24.wav", AudioSampleFormat.Pcm24, 1.0 / 8388608)]
    [InlineData("sine16.flac", AudioSampleFormat.Pcm16, 1.0 / 32768)]
    [InlineData("sine24.flac", AudioSampleFormat.Pcm24, 1.0 / 8388608)]
    [InlineData("default.flac", AudioSampleFormat.Default, 1.0 / 8388608)]
    [InlineData("sine16.aiff", AudioSampleFormat.Pcm16, 1.0 / 32768)]
    [InlineData("sinef.aiff", AudioSampleFormat.Float32, 0)]
    public void Pcm_roundtrip_is_within_one_quantization_step(string name, AudioSampleFormat format, double tolerance)
    {
        float[] sine = Signals.Sine(1000, Rate, 2, Rate / 2, amplitude: 0.99);
        string path = _dir.File(name);
        AudioFileWriter.Write(path, sine, Rate, 2, format);

        float[] decoded = Signals.ReadAll(path);
        Assert.True(Signals.MaxAbsDifference(sine, decoded) <= tolerance,
            $"max difference {Signals.MaxAbsDifference(sine, decoded)} > {tolerance}");
    }

    [Fact]
    public void Ogg_vorbis_decodes_to_the_same_rate_channels_length_and_loudness()
    {
        float[] sine = Signals.Sine(440, Rate, 2, Rate * 2);
        string path = _dir.File("sine.ogg");
        AudioFileWriter.Write(path, sine, Rate, 2);

        using IAudioReader reader = AudioDecoder.Open(path);
        float[] decoded = Signals.ReadAll(reader, 1000);
        Assert.Equal(("ogg-vorbis", Rate, 2), (reader.Info.Format, reader.Info.SampleRate, reader.Info.Channels));
        AssertLossyCopy(sine, decoded, 2, Rate, 440);
    }

    [Fact]
    public void Opus_decodes_at_48k_with_the_same_channels_length_and_loudness()
    {
        const int opusRate = 48000;
        float[] sine = Signals.Sine(440, opusRate, 2, opusRate * 2);
        string path = _dir.File("sine.opus");
        AudioFileWriter.Write(path, sine, opusRate, 2);

        using IAudioReader reader = AudioDecoder.Open(path);
        float[] decoded = Signals.ReadAll(reader, 1000);
        Assert.Equal(("opus", opusRate, 2), (reader.Info.Format, reader.Info.SampleRate, reader.Info.Channels));
        AssertLossyCopy(sine, decoded, 2, opusRate, 440);
    }

    [FfmpegFact("libmp3lame")]
    public void Mp3_encoded_by_ffmpeg_is_decoded_by_libsndfile()
    {
        string path = ExternalTools.MakeSine(_dir.File("sine.mp3"), 2, Rate, 2, "-c:a", "libmp3lame", "-b:a", "192k");

        using IAudioReader reader = AudioDecoder.Open(path);
        float[] decoded = Signals.ReadAll(reader, 1000);
        Assert.Equal(("mp3", "libsndfile", Rate, 2), (reader.Info.Format, reader.Info.Decoder, reader.Info.SampleRate, reader.Info.Channels));
        // The reference is the same ffmpeg sine stored losslessly.
        float[] reference = Signals.ReadAll(ExternalTools.MakeSine(_dir.File("sine.wav"), 2, Rate, 2, "-c:a", "pcm_f32le"));
        AssertLossyCopy(reference, decoded, 2, Rate, 440);
    }

    [Fact]
    public void Mp3_written_by_libsndfile_decodes_or_writing_says_it_is_unsupported()
    {
        float[] sine = Signals.Sine(440, Rate, 1, Rate * 2);
        string path = _dir.File("lame.mp3");
        try
        {
            AudioFileWriter.Write(path, sine, Rate, 1);
        }
        catch (NotSupportedException ex)
        {
            Assert.Contains(path, ex.Message);
            return;
        }

        using IAudioReader reader = AudioDecoder.Open(path);
        Assert.Equal("mp3", reader.Info.Format);
        AssertLossyCopy(sine, Signals.ReadAll(reader), 1, Rate, 440);
    }

    /// <summary>Lossy codecs: same length within 3 %, same RMS within 10 % per channel, same pitch.</summary>
    private static void AssertLossyCopy(float[] original, float[] decoded, int channels, int rate, double frequency)
    {
        Assert.All(decoded, s => Assert.True(float.IsFinite(s)));
        double frameRatio = decoded.Length / (double)original.Length;
        Assert.InRange(frameRatio, 0.97, 1.03);
        for (int c = 0; c < channels; c++)
        {
            double expected = Signals.Rms(original, channels, c);
            Assert.InRange(Signals.Rms(decoded, channels, c), expected * 0.9, expected * 1.1);
        }

        Assert.InRange(Signals.ZeroCrossingFrequency(decoded, channels, rate), frequency * 0.98, frequency * 1.02);
    }
}
