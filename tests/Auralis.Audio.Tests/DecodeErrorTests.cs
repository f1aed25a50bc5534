using Auralis.Audio.Tests.Support;

namespace Auralis.Audio.Tests;

/// <summary>Every bad file becomes one AudioDecodeException whose message names the file and the cause.</summary>
public class DecodeErrorTests : IDisposable
{
    private const int Rate = 44100;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_missing_file_is_NotFound()
    {
        string path = _dir.File("nothing.flac");
        AudioDecodeException ex = AssertOpenFails(path, AudioErrorKind.NotFound);
        Assert.Contains("no such file", ex.Message);
    }

    [Fact]
    public void A_directory_named_like_audio_is_IsDirectory()
    {
        string path = _dir.File("x.flac");
        Directory.CreateDirectory(path);
        AssertOpenFails(path, AudioErrorKind.IsDirectory);
    }

    [Fact]
    public void A_broken_symbolic_link_is_NotFound_and_says_so()
    {
        string path = _dir.File("dangling.flac");
        File.CreateSymbolicLink(path, _dir.File("gone.flac"));
        AudioDecodeException ex = AssertOpenFails(path, AudioErrorKind.NotFound);
        Assert.Contains("broken symbolic link", ex.Message);
        Assert.Contains("gone.flac", ex.Message);
    }

    [Fact]
    public void A_symbolic_link_loop_is_NotFound_not_a_transient_error()
    {
        string a = _dir.File("a.flac");
        string b = _dir.File("b.flac");
        File.CreateSymbolicLink(a, b);
        File.CreateSymbolicLink(b, a);
        AssertOpenFails(a, AudioErrorKind.NotFound);
    }

    [Fact]
    public void A_working_symbolic_link_is_followed()
    {
        string target = _dir.File("real.wav");
        AudioFileWriter.Write(target, Signals.Sine(440, Rate, 1, 100), Rate, 1);
        string link = _dir.File("link.wav");
        File.CreateSymbolicLink(link, target);
        Assert.Equal(100, Signals.ReadAll(link).Length);
    }

    [NotRootFact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_file_without_read_permission_is_Unreadable()
    {
        string path = _dir.File("secret.wav");
        AudioFileWriter.Write(path, Signals.Sine(440, Rate, 1, 100), Rate, 1);
        File.SetUnixFileMode(path, UnixFileMode.None);
        AudioDecodeException ex = AssertOpenFails(path, AudioErrorKind.Unreadable);
        Assert.Contains("permission denied", ex.Message);
    }

    [Fact]
    public void A_zero_byte_file_is_Empty()
    {
        string path = _dir.File("empty.mp3");
        File.WriteAllBytes(path, []);
        AssertOpenFails(path, AudioErrorKind.Empty);
    }

    [Theory]
    [InlineData("noise.mp3")]
    [InlineData("noise.flac")]
    [InlineData("noise.wav")]
    [InlineData("noise.m4a")]
    public void Random_bytes_are_UnsupportedFormat_or_Corrupt_with_each_decoders_reason(string name)
    {
        string path = _dir.File(name);
        var bytes = new byte[64 * 1024];
        new Random(1234).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(path));
        Assert.Contains(ex.Kind, new[] { AudioErrorKind.UnsupportedFormat, AudioErrorKind.Corrupt });
        Assert.Contains(path, ex.Message);
        Assert.Contains("libsndfile: ", ex.Message);
        Assert.Contains(ExternalTools.Ffmpeg is null ? "ffmpeg is not on PATH" : "ffmpeg: ", ex.Message);
        Assert.False(ex.IsTransient);
    }

    [Fact]
    public void Random_bytes_with_the_ffmpeg_fallback_disabled_say_so()
    {
        string path = _dir.File("noise.ogg");
        File.WriteAllText(path, "this is not audio at all, just some text in a file named .ogg");
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(
            () => AudioDecoder.Open(path, new AudioDecodeOptions(AllowFfmpeg: false)));
        Assert.Equal(AudioErrorKind.UnsupportedFormat, ex.Kind);
        Assert.Contains("ffmpeg fallback disabled", ex.Message);
    }

    [Theory]
    [InlineData(AudioSampleFormat.Float32, float.NaN)]
    [InlineData(AudioSampleFormat.Float32, float.PositiveInfinity)]
    [InlineData(AudioSampleFormat.Float32, float.NegativeInfinity)]
    public void Non_finite_samples_in_a_float_wav_are_InvalidSamples_naming_the_frame(AudioSampleFormat format, float bad)
    {
        float[] samples = Signals.Sine(440, Rate, 2, 10_000);
        samples[(1234 * 2) + 1] = bad;
        string path = _dir.File("nan.wav");
        AudioFileWriter.Write(path, samples, Rate, 2, format);

        using IAudioReader reader = AudioDecoder.Open(path);
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(reader, 1000));
        Assert.Equal(AudioErrorKind.InvalidSamples, ex.Kind);
        Assert.Contains(path, ex.Message);
        Assert.Contains("frame 1234 (channel 1)", ex.Message);
        Assert.Equal(1000, reader.FramesRead); // the bad block was not counted as delivered
    }

    [Theory]
    [InlineData(3e38f)]
    [InlineData(-237f)]
    [InlineData(16.5f)]
    public void Samples_beyond_plus_minus_16_are_InvalidSamples_naming_the_peak(float loud)
    {
        float[] samples = Signals.Sine(440, Rate, 2, 10_000);
        samples[(4321 * 2) + 1] = loud;
        string path = _dir.File("loud.wav");
        AudioFileWriter.Write(path, samples, Rate, 2, AudioSampleFormat.Float32);

        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => AudioDecoder.Decode(path, reader => Signals.ReadAll(reader, 1000)));
        Assert.Equal(AudioErrorKind.InvalidSamples, ex.Kind);
        Assert.StartsWith(path + ": ", ex.Message);
        Assert.Contains($"decoded samples reach {Math.Abs(loud).ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} (", ex.Message);
        Assert.Contains("the file is damaged or not audio", ex.Message);
    }

    [Fact]
    public void A_float_wav_peaking_at_1_5_still_decodes()
    {
        float[] samples = Signals.Sine(440, Rate, 2, 10_000, amplitude: 1.5);
        string path = _dir.File("hot.wav");
        AudioFileWriter.Write(path, samples, Rate, 2, AudioSampleFormat.Float32);
        Assert.Equal(samples, Signals.ReadAll(path, 1000));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_named_pipe_is_refused_at_once_as_not_a_regular_file_even_through_a_link()
    {
        string fifo = _dir.File("x.flac");
        Assert.Equal(0, ExternalTools.Run("mkfifo", fifo).ExitCode);
        string link = _dir.File("link.flac");
        File.CreateSymbolicLink(link, fifo);
        foreach (string path in new[] { fifo, link })
        {
            // Opening a FIFO for reading blocks until a writer comes: run it off the test thread with a bound.
            Task<AudioDecodeException> open = Task.Run(() => Assert.Throws<AudioDecodeException>(() => AudioDecoder.Open(path)));
            Task first = await Task.WhenAny(open, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(first == open, $"opening {path} still blocks after 10 s");
            AudioDecodeException ex = await open;
            Assert.Equal(AudioErrorKind.NotRegularFile, ex.Kind);
            Assert.Contains("not a regular file: a named pipe (FIFO)", ex.Message);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_character_device_is_refused_as_not_a_regular_file()
    {
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => AudioDecoder.Open("/dev/zero"));
        Assert.Equal(AudioErrorKind.NotRegularFile, ex.Kind);
        Assert.Contains("a character device", ex.Message);
    }

    /// <summary>Cut points: inside the first frames, early, mid-stream, near the end.</summary>
    private static readonly double[] CutFractions = [0.001, 0.02, 0.5, 0.97];

    public static TheoryData<string, double> Truncations()
    {
        var data = new TheoryData<string, double>();
        foreach (string extension in new[] { ".flac", ".ogg", ".mp3", ".wav", ".opus" })
        {
            foreach (double fraction in CutFractions)
            {
                data.Add(extension, fraction);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Truncations))]
    public void A_truncated_file_ends_early_or_fails_as_AudioDecodeException_never_with_garbage(string extension, double fraction)
    {
        (string path, int expectedSamples) = MakeTruncated(extension, fraction);
        try
        {
            float[] decoded = Signals.ReadAll(path, 777);
            Assert.True(decoded.Length <= expectedSamples, $"{decoded.Length} samples from a cut file of {expectedSamples}");
            Assert.All(decoded, s => Assert.InRange(s, -1f, 1f));
        }
        catch (AudioDecodeException ex)
        {
            Assert.StartsWith(path + ": ", ex.Message);
            Assert.Contains(ex.Kind, new[] { AudioErrorKind.Corrupt, AudioErrorKind.UnsupportedFormat });
        }
    }

    [Fact]
    public void A_truncated_flac_is_always_Corrupt_because_its_header_states_the_exact_length()
    {
        foreach (double fraction in CutFractions)
        {
            (string path, _) = MakeTruncated(".flac", fraction);
            AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => Signals.ReadAll(path, 777));
            Assert.Equal(AudioErrorKind.Corrupt, ex.Kind);
        }
    }

    private (string Path, int ExpectedSamples) MakeTruncated(string extension, double fraction)
    {
        int rate = extension == ".opus" ? 48000 : Rate;
        string whole = _dir.File("whole" + extension);
        float[] sine = Signals.Sine(440, rate, 2, rate * 2);
        if (!File.Exists(whole))
        {
            try
            {
                AudioFileWriter.Write(whole, sine, rate, 2);
            }
            catch (NotSupportedException) when (extension == ".mp3" && ExternalTools.Ffmpeg is not null)
            {
                // libsndfile built without LAME: let ffmpeg make the MP3 instead.
                ExternalTools.MakeSine(whole, 2, rate, 2, "-c:a", "libmp3lame");
            }
        }

        byte[] bytes = File.ReadAllBytes(whole);
        string path = _dir.File($"cut{fraction}{extension}");
        File.WriteAllBytes(path, bytes[..Math.Max(1, (int)(bytes.Length * fraction))]);
        return (path, sine.Length);
    }

    [Theory]
    [InlineData(AudioErrorKind.NotFound, false)]
    [InlineData(AudioErrorKind.IsDirectory, false)]
    [InlineData(AudioErrorKind.Unreadable, false)]
    [InlineData(AudioErrorKind.Empty, false)]
    [InlineData(AudioErrorKind.UnsupportedFormat, false)]
    [InlineData(AudioErrorKind.Corrupt, false)]
    [InlineData(AudioErrorKind.InvalidSamples, false)]
    [InlineData(AudioErrorKind.Io, true)]
    public void Only_Io_errors_are_transient_so_only_they_are_retried(AudioErrorKind kind, bool transient)
    {
        var ex = new AudioDecodeException("/music/a.flac", kind, "cause");
        Assert.Equal(transient, ex.IsTransient);
        Assert.Equal("/music/a.flac", ex.Path);
    }

    private static AudioDecodeException AssertOpenFails(string path, AudioErrorKind kind)
    {
        AudioDecodeException ex = Assert.Throws<AudioDecodeException>(() => AudioDecoder.Open(path));
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(path, ex.Path);
        Assert.StartsWith(path + ": ", ex.Message);
        return ex;
    }
}
