using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Auralis.Audio.Tests.Support;
using Xunit.Abstractions;

namespace Auralis.Audio.Tests;

/// <summary>
/// Music-like signals encoded by ffmpeg and by libsndfile's writer in every format a library
/// holds. Each file must decode through <see cref="AudioDecoder"/> to the length of ffmpeg's own
/// decode (within the codec's pre-skip/padding) and to samples within the codec's documented
/// bound of it (docs/decoding.md, "Decoder corpus"). Opus transcoded from Ogg Vorbis by ffmpeg
/// is the case libsndfile 1.2 rejects mid-stream ("file is malformed") although it is valid.
/// </summary>
public sealed class DecoderCorpusTests(DecoderCorpus corpus, ITestOutputHelper output) : IClassFixture<DecoderCorpus>
{
    public static TheoryData<string> Files() => [.. DecoderCorpus.Cases.Select(c => c.Name)];

    [FfmpegTheory("libopus")]
    [MemberData(nameof(Files))]
    public void Every_corpus_file_decodes_to_the_length_and_samples_of_ffmpegs_reference_decode(string name)
    {
        DecoderCorpus.Entry c = DecoderCorpus.Cases.Single(x => x.Name == name);
        string path = corpus.PathOf(c);

        (AudioInfo info, float[] decoded) = AudioDecoder.Decode(path, reader => (reader.Info, Signals.ReadAll(reader, 65536)));
        float[] reference = DecoderCorpus.FfmpegReference(path, info.Channels, info.SampleRate);

        long frames = decoded.Length / info.Channels;
        long referenceFrames = reference.Length / info.Channels;
        int overlap = (int)Math.Min(frames, referenceFrames) * info.Channels;
        double difference = Signals.MaxAbsDifference(decoded.AsSpan(0, overlap), reference.AsSpan(0, overlap));
        output.WriteLine($"{name}: {info.Format} via {info.Decoder}, {info.SampleRate} Hz x{info.Channels}; " +
            $"{frames} frames, ffmpeg {referenceFrames} ({frames - referenceFrames:+0;-0}); max |difference| {difference:G3}");

        Assert.InRange(frames - referenceFrames, -c.Codec.LengthSlack, c.Codec.LengthSlack);
        Assert.True(difference <= c.Codec.SampleBound,
            $"{name} ({info.Decoder}): samples differ from ffmpeg's decode by up to {difference:G3}, bound {c.Codec.SampleBound}");
        Assert.InRange(frames, (long)(c.Seconds * info.SampleRate * 0.99), (long)(c.Seconds * info.SampleRate * 1.01));
    }

    [FfmpegFact("libopus")]
    public void Ffmpeg_made_opus_from_vorbis_that_libsndfile_rejects_mid_stream_decodes_completely_with_ffmpeg()
    {
        string path = corpus.PathOf(DecoderCorpus.Cases.Single(c => c.Name == "opus-64k-from-vorbis"));

        // The reproduction: libsndfile alone gives up part-way through this valid file.
        var onlyLibsndfile = new AudioDecodeOptions { Decoders = [AudioDecoder.LibSndFile] };
        AudioDecodeException alone = Assert.Throws<AudioDecodeException>(
            () => AudioDecoder.Decode(path, reader => Signals.ReadAll(reader, 65536), onlyLibsndfile));
        output.WriteLine(alone.Message);
        Assert.Contains("libsndfile failed at frame", alone.Message);

        // With libsndfile first, the failure restarts the work with ffmpeg, which reads to the end.
        var libsndfileFirst = new AudioDecodeOptions { Decoders = [AudioDecoder.LibSndFile, AudioDecoder.Ffmpeg] };
        (string decoder, int samples) = AudioDecoder.Decode(path, reader => (reader.Info.Decoder, Signals.ReadAll(reader, 65536).Length), libsndfileFirst);
        Assert.Equal(AudioDecoder.Ffmpeg, decoder);
        Assert.InRange(samples / 2, 24 * 48000 * 0.99, 24 * 48000 * 1.01);
    }

    [FfmpegFact("libopus")]
    public void Opus_is_decoded_by_ffmpeg_first_because_it_measured_faster_and_keeps_libsndfiles_format_name()
    {
        string path = corpus.PathOf(DecoderCorpus.Cases.Single(c => c.Name == "opus-libsndfile"));
        using (IAudioReader reader = AudioDecoder.Open(path))
        {
            Assert.Equal((AudioDecoder.Ffmpeg, "opus"), (reader.Info.Decoder, reader.Info.Format));
        }

        using (IAudioReader reader = AudioDecoder.Open(path, new AudioDecodeOptions(AllowFfmpeg: false)))
        {
            Assert.Equal((AudioDecoder.LibSndFile, "opus"), (reader.Info.Decoder, reader.Info.Format));
        }

        string vorbis = corpus.PathOf(DecoderCorpus.Cases.Single(c => c.Name == "vorbis-q5"));
        using IAudioReader forced = AudioDecoder.Open(vorbis, new AudioDecodeOptions { Decoders = [AudioDecoder.Ffmpeg] });
        Assert.Equal((AudioDecoder.Ffmpeg, "ogg-vorbis"), (forced.Info.Decoder, forced.Info.Format));
    }
}

/// <summary>Makes the corpus once per test class: a music-like signal, then each encoding (in parallel).</summary>
public sealed class DecoderCorpus : IDisposable
{
    /// <summary>How far a decode may differ from ffmpeg's: frames of length, and the largest sample difference.</summary>
    public sealed record Codec(string Name, long LengthSlack, double SampleBound);

    /// <summary>A file of the corpus: how it is made from the source signal.</summary>
    /// <param name="FfmpegArgs">The ffmpeg encoding arguments; null: written by libsndfile (AudioFileWriter).</param>
    /// <param name="ViaVorbis">Encoded from an Ogg Vorbis file made by ffmpeg from <see cref="NoiseAndTone"/>, as a transcoded library is.</param>
    public sealed record Entry(string Name, string Extension, Codec Codec, double Seconds, int SourceRate, int Channels, string[]? FfmpegArgs, bool ViaVorbis = false)
    {
        public override string ToString() => Name;
    }

    // Bounds (docs/decoding.md, "Decoder corpus"): PCM and FLAC are exact; libsndfile's MP3
    // (mpg123) and Vorbis (libvorbis) decodes agree with ffmpeg's to float rounding (measured
    // <= 1.2e-6); Opus is decoded by ffmpeg itself, and libsndfile's libopus decode (the fallback)
    // measured <= 1.9e-4 from it. Lengths: Ogg trims pre-skip and end padding from granule
    // positions, MP3 gapless trimming comes from the LAME header; up to one frame of slack.
    private static readonly Codec Pcm = new("pcm", 0, 0);
    private static readonly Codec Flac = new("flac", 0, 0);
    private static readonly Codec Mp3 = new("mp3", 1152, 1e-5);
    private static readonly Codec Vorbis = new("vorbis", 0, 1e-5);
    private static readonly Codec Opus = new("opus", 312, 1e-3);
    private static readonly Codec Aac = new("aac", 0, 0);

    /// <summary>Long enough to pass the page at 20 s where libsndfile fails on the transcoded Opus.</summary>
    private const double Long = 24;
    private const double Short = 8;

    public static readonly IReadOnlyList<Entry> Cases =
    [
        new("opus-64k-48k-stereo", ".opus", Opus, Short, 48000, 2, ["-c:a", "libopus", "-b:a", "64k"]),
        new("opus-128k-48k-mono", ".opus", Opus, Short, 48000, 1, ["-c:a", "libopus", "-b:a", "128k"]),
        new("opus-64k-44k-stereo", ".opus", Opus, Short, 44100, 2, ["-c:a", "libopus", "-b:a", "64k"]),
        new("opus-128k-44k-mono", ".opus", Opus, Short, 44100, 1, ["-c:a", "libopus", "-b:a", "128k"]),
        new("opus-64k-from-vorbis", ".opus", Opus, Long, 44100, 2, ["-c:a", "libopus", "-b:a", "64k"], ViaVorbis: true),
        new("opus-128k-from-vorbis", ".opus", Opus, Long, 44100, 2, ["-c:a", "libopus", "-b:a", "128k"], ViaVorbis: true),
        new("opus-libsndfile", ".opus", Opus, Short, 48000, 2, null),
        new("vorbis-q5", ".ogg", Vorbis, Short, 44100, 2, ["-c:a", "libvorbis", "-q:a", "5"]),
        new("vorbis-libsndfile", ".ogg", Vorbis, Short, 44100, 2, null),
        new("mp3-cbr-192k", ".mp3", Mp3, Short, 44100, 2, ["-c:a", "libmp3lame", "-b:a", "192k"]),
        new("mp3-vbr-v2", ".mp3", Mp3, Short, 44100, 2, ["-c:a", "libmp3lame", "-q:a", "2"]),
        new("mp3-mpeg2-22k-mono", ".mp3", Mp3, Short, 22050, 1, ["-c:a", "libmp3lame", "-b:a", "64k"]),
        new("flac-16", ".flac", Flac, Short, 44100, 2, ["-c:a", "flac", "-sample_fmt", "s16"]),
        new("flac-24", ".flac", Flac, Short, 96000, 2, ["-c:a", "flac", "-sample_fmt", "s32", "-bits_per_raw_sample", "24"]),
        new("flac-libsndfile", ".flac", Flac, Short, 44100, 1, null),
        new("wav-16", ".wav", Pcm, Short, 44100, 2, ["-c:a", "pcm_s16le"]),
        new("wav-float-libsndfile", ".wav", Pcm, Short, 48000, 2, null),
        new("aiff-16", ".aiff", Pcm, Short, 44100, 2, ["-c:a", "pcm_s16be"]),
        new("aiff-libsndfile", ".aiff", Pcm, Short, 44100, 2, null),
        new("m4a-aac-128k", ".m4a", Aac, Short, 44100, 2, ["-c:a", "aac", "-b:a", "128k"]),
    ];

    private readonly TempDirectory _dir = new();
    private readonly Dictionary<string, string> _paths = [];

    public DecoderCorpus()
    {
        Assert.NotNull(ExternalTools.Ffmpeg);
        var sources = new Dictionary<(int Rate, int Channels, double Seconds), string>();
        foreach (var key in Cases.Where(c => !c.ViaVorbis).Select(c => (c.SourceRate, c.Channels, c.Seconds)).Distinct())
        {
            string wav = _dir.File($"source-{key.SourceRate}-{key.Channels}-{key.Seconds}.wav");
            AudioFileWriter.Write(wav, MusicLike(key.Seconds, key.SourceRate, key.Channels), key.SourceRate, key.Channels);
            sources[key] = wav;
        }

        Parallel.ForEach(Cases, new ParallelOptions { MaxDegreeOfParallelism = 2 }, c =>
        {
            string source = c.ViaVorbis ? "" : sources[(c.SourceRate, c.Channels, c.Seconds)];
            string path = _dir.File(c.Name + c.Extension);
            if (c.FfmpegArgs is null)
            {
                float[] samples = ReadWav(source);
                AudioFileWriter.Write(path, samples, c.SourceRate, c.Channels);
            }
            else
            {
                if (c.ViaVorbis)
                {
                    // An Ogg Vorbis original re-encoded to Opus: the everyday transcode.
                    string vorbis = _dir.File(c.Name + "-original.ogg");
                    ExternalTools.RunFfmpeg([.. NoiseAndTone(c.Seconds), "-ar", c.SourceRate.ToString(CultureInfo.InvariantCulture),
                        "-c:a", "libvorbis", "-q:a", "5", vorbis]);
                    source = vorbis;
                }

                ExternalTools.RunFfmpeg(["-i", source, .. c.FfmpegArgs, path]);
            }

            lock (_paths)
            {
                _paths[c.Name] = path;
            }
        });
    }

    public string PathOf(Entry c) => _paths[c.Name];

    public void Dispose() => _dir.Dispose();

    /// <summary>ffmpeg's decode of the file as float32 at the given rate and channel count: the reference.</summary>
    public static float[] FfmpegReference(string path, int channels, int sampleRate)
    {
        var info = new ProcessStartInfo(ExternalTools.Ffmpeg!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in new[] { "-nostdin", "-v", "error", "-i", path, "-f", "f32le", "-ac", channels.ToString(CultureInfo.InvariantCulture),
                     "-ar", sampleRate.ToString(CultureInfo.InvariantCulture), "-" })
        {
            info.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(info)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var bytes = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(bytes);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg reference decode of {path} failed: {error.Result}");
        return MemoryMarshal.Cast<byte, float>(bytes.ToArray()).ToArray();
    }

    /// <summary>
    /// ffmpeg input arguments for seeded pink noise plus a 220 Hz tone with a 3 Hz tremolo, stereo,
    /// at 48 kHz. Re-encoded to Vorbis at 44.1 kHz and then to Opus by ffmpeg 5.1, it gives a
    /// page whose granule position is 488 samples short of its packets at 20 s, which libsndfile
    /// 1.2 reports as "Supported file format but file is malformed" (as with real transcoded albums).
    /// </summary>
    public static string[] NoiseAndTone(double seconds)
    {
        string d = seconds.ToString(CultureInfo.InvariantCulture);
        return
        [
            "-f", "lavfi", "-i", $"anoisesrc=d={d}:c=pink:r=48000:a=0.3:seed=2",
            "-f", "lavfi", "-i", $"sine=f=220:d={d}:r=48000",
            "-filter_complex", "[0][1]amix=inputs=2,aformat=channel_layouts=stereo,volume='0.5+0.5*sin(2*PI*t*3)':eval=frame",
        ];
    }

    /// <summary>
    /// Chords of harmonic tones that change every half second, with attack/decay envelopes, a
    /// slow tremolo and a little seeded noise: enough spectral change and transients to make
    /// encoders vary packet sizes as music does. Peak about 0.8.
    /// </summary>
    public static float[] MusicLike(double seconds, int sampleRate, int channels)
    {
        int frames = (int)(seconds * sampleRate);
        var samples = new float[frames * channels];
        var random = new Random(20260202);
        double[] roots = [110, 146.83, 164.81, 196, 220, 130.81, 174.61, 98];
        int noteFrames = sampleRate / 2;
        for (int i = 0; i < frames; i++)
        {
            int note = i / noteFrames;
            double t = (double)i / sampleRate;
            double inNote = (double)(i % noteFrames) / sampleRate;
            double envelope = Math.Min(1, inNote / 0.01) * Math.Exp(-3 * inNote);
            double root = roots[note % roots.Length];
            for (int ch = 0; ch < channels; ch++)
            {
                double v = 0;
                foreach (double interval in new[] { 1, 1.25, 1.5 })
                {
                    for (int h = 1; h <= 6; h++)
                    {
                        v += Math.Sin((2 * Math.PI * root * interval * h * t) + ch) / (h * 9.0);
                    }
                }

                v *= envelope * (0.7 + (0.3 * Math.Sin(2 * Math.PI * 0.3 * t)));
                v += 0.05 * ((random.NextDouble() * 2) - 1);
                samples[(i * channels) + ch] = (float)(0.8 * v);
            }
        }

        return samples;
    }

    private static float[] ReadWav(string path)
    {
        using IAudioReader reader = AudioDecoder.Open(path);
        return Signals.ReadAll(reader, 65536);
    }
}
