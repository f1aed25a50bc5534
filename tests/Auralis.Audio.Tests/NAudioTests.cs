using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>
/// NAudio, the managed WAV/AIFF decoder and WAV writer, against libsndfile as the independent
/// reference: the same file decodes to the same samples through both, and a file NAudio writes
/// reads back through libsndfile as what was written.
/// </summary>
public sealed class NAudioTests : IDisposable
{
    private const int Rate = 44100;
    private static readonly AudioDecodeOptions OnlyNAudio = new() { Decoders = [AudioDecoder.NAudio] };
    private static readonly AudioDecodeOptions OnlyLibSndFile = new() { Decoders = [AudioDecoder.LibSndFile] };
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Noise over the whole range plus full-scale and tiny values: every bit of a sample matters.</summary>
    private static float[] Noise(int channels, int frames)
    {
        var random = new Random(25);
        var samples = new float[frames * channels];
        for (int i = 0; i < samples.Length; i++)
        {
            samples[i] = (float)((random.NextDouble() * 1.98) - 0.99);
        }

        samples[0] = 0.99f;
        samples[1] = -0.99f;
        samples[2] = 1e-6f;
        return samples;
    }

    [Theory]
    [InlineData("pcm16.wav", AudioSampleFormat.Pcm16, 2)]
    [InlineData("pcm24.wav", AudioSampleFormat.Pcm24, 2)]
    [InlineData("float.wav", AudioSampleFormat.Float32, 2)]
    [InlineData("pcm16-6ch.wav", AudioSampleFormat.Pcm16, 6)]
    [InlineData("float-mono.wav", AudioSampleFormat.Float32, 1)]
    [InlineData("pcm16.aiff", AudioSampleFormat.Pcm16, 2)]
    [InlineData("pcm24.aiff", AudioSampleFormat.Pcm24, 2)]
    public void NAudio_decodes_a_file_libsndfile_wrote_to_exactly_the_samples_libsndfile_decodes(string name, AudioSampleFormat format, int channels)
    {
        string path = _dir.File(name);
        AudioFileWriter.Write(path, Noise(channels, 30_000), Rate, channels, format);

        float[] reference = Signals.ReadAll(path, options: OnlyLibSndFile);
        using IAudioReader reader = AudioDecoder.Open(path, OnlyNAudio);
        Assert.Equal((AudioDecoder.NAudio, Rate, channels, 30_000L), (reader.Info.Decoder, reader.Info.SampleRate, reader.Info.Channels, reader.Info.FramesHint));
        Assert.Equal(Path.GetExtension(name)[1..], reader.Info.Format);
        // Odd block size: blocks that do not divide the file must not lose or repeat frames.
        float[] decoded = Signals.ReadAll(reader, blockFrames: 1000 - 3);
        Assert.Equal(30_000, reader.FramesRead);
        Assert.Equal(reference, decoded);
    }

    [Fact]
    public void NAudio_reads_the_wav_tags_libsndfile_writes()
    {
        string path = _dir.File("tagged.wav");
        AudioFileWriter.Write(path, Signals.Sine(440, Rate, 2, Rate), Rate, 2, AudioSampleFormat.Pcm16, new AudioTags("Song", "Band", "Record"));
        using IAudioReader reader = AudioDecoder.Open(path, OnlyNAudio);
        Assert.Equal(("Song", "Band", "Record"), (reader.Info.Title, reader.Info.Artist, reader.Info.Album));
    }

    [Fact]
    public void NAudio_seeks_exactly_to_a_frame()
    {
        string path = _dir.File("seek.wav");
        float[] noise = Noise(2, 20_000);
        AudioFileWriter.Write(path, noise, Rate, 2, AudioSampleFormat.Float32);
        using IAudioReader reader = AudioDecoder.Open(path, OnlyNAudio);
        Assert.True(reader.TrySeek(12_345));
        Assert.Equal(12_345, reader.FramesRead);
        var block = new float[100 * 2];
        Assert.Equal(100, reader.Read(block));
        Assert.Equal(noise.AsSpan(12_345 * 2, 200).ToArray(), block);
        Assert.False(reader.TrySeek(20_001));
    }

    [Theory]
    [InlineData(AudioSampleFormat.Float32, 0.0)]
    [InlineData(AudioSampleFormat.Pcm24, 1.0 / 8388608)]
    [InlineData(AudioSampleFormat.Pcm16, 1.0 / 32768)]
    public void A_wav_written_by_NAudio_reads_back_through_libsndfile_as_written_clipped_not_wrapped(AudioSampleFormat format, double step)
    {
        string path = _dir.File($"naudio-{format}.wav");
        float[] written = Noise(2, 10_000);
        // Beyond full scale: PCM must clip to full scale (a wrap-around would be a full-scale click of the other sign).
        written[10] = 1.0f;
        written[11] = -1.0f;
        written[12] = 1.5f;
        written[13] = -1.5f;
        using (AudioFileSink sink = AudioFileWriter.CreateWave(path, Rate, 2, format, new AudioTags("Title", "Artist", "Album")))
        {
            Assert.Equal(AudioDecoder.NAudio, sink.Writer);
            sink.Write(written.AsSpan(0, 8_000));
            sink.Write(written.AsSpan(8_000));
            Assert.Equal(10_000, sink.FramesWritten);
        }

        using IAudioReader reader = AudioDecoder.Open(path, OnlyLibSndFile);
        Assert.Equal(("Title", "Artist", "Album"), (reader.Info.Title, reader.Info.Artist, reader.Info.Album));
        float[] read = Signals.ReadAll(reader);
        Assert.Equal(written.Length, read.Length);
        for (int i = 0; i < written.Length; i++)
        {
            double expected = format == AudioSampleFormat.Float32 ? written[i] : Math.Clamp(written[i], -1.0, 1.0);
            // One quantization step, plus one for the writers' different rounding of full scale (32767 vs 32768 steps).
            Assert.True(Math.Abs(read[i] - expected) <= 2 * step, $"sample {i}: wrote {written[i]}, read {read[i]}");
        }
    }

    [Fact]
    public void NAudio_refuses_what_it_cannot_read_with_a_decode_error_naming_the_file()
    {
        string ogg = _dir.File("not-wav.ogg");
        AudioFileWriter.Write(ogg, Signals.Sine(440, Rate, 2, Rate), Rate, 2);
        var notWav = Assert.Throws<AudioDecodeException>(() => AudioDecoder.Open(ogg, OnlyNAudio));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, notWav.Kind);
        Assert.Contains("NAudio reads only WAV and AIFF", notWav.Message, StringComparison.Ordinal);
        Assert.Contains(ogg, notWav.Message, StringComparison.Ordinal);

        // A RIFF/WAVE header followed by garbage: an error, never another exception type.
        string garbage = _dir.File("garbage.wav");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        "RIFF"u8.CopyTo(bytes);
        "WAVE"u8.CopyTo(bytes.AsSpan(8));
        File.WriteAllBytes(garbage, bytes);
        var damaged = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(garbage, options: OnlyNAudio));
        Assert.Contains(garbage, damaged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wav_cut_short_decodes_the_frames_it_holds_through_NAudio()
    {
        string path = _dir.File("cut.wav");
        float[] noise = Noise(2, 10_000);
        AudioFileWriter.Write(path, noise, Rate, 2, AudioSampleFormat.Pcm16);
        byte[] whole = File.ReadAllBytes(path);
        // Cut inside a frame; the header still promises 10,000 frames.
        File.WriteAllBytes(path, whole[..(whole.Length - (4 * 2500) - 1)]);

        float[] reference = Signals.ReadAll(path, options: OnlyLibSndFile);
        float[] decoded = Signals.ReadAll(path, options: OnlyNAudio);
        Assert.Equal(reference, decoded);
    }
}
