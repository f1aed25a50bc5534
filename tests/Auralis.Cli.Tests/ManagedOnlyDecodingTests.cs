using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Cli.Tests;

/// <summary>
/// The managed-only path is real: in a process where libsndfile is never loaded
/// (AURALIS_SNDFILE_LIB=none) and ffmpeg is not on PATH, WAV and AIFF files still scan (their
/// fingerprints are stored), fingerprint and master with the managed engine through NAudio, and a
/// format that needs libsndfile or ffmpeg fails with a message that says to install them.
/// </summary>
public sealed class ManagedOnlyDecodingTests : IDisposable
{
    private const int Rate = 44_100;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Music => Directory.CreateDirectory(_temp.File("music")).FullName;

    /// <summary>No libsndfile, no ffmpeg (PATH holds only the folder of the dotnet host), nothing of the user's.</summary>
    private Dictionary<string, string> WithoutNativeDecoders => new()
    {
        ["AURALIS_SNDFILE_LIB"] = "none",
        ["PATH"] = Path.GetDirectoryName(Environment.ProcessPath)!,
        ["AURALIS_DB"] = _temp.File("user-library.db"),
        ["XDG_CACHE_HOME"] = _temp.File("cache"),
        ["AURALIS_SERVER"] = "",
    };

    /// <summary>Three seconds of a chord with a pulse: enough for every dimension.</summary>
    private static float[] Music3s()
    {
        var x = new float[3 * Rate * 2];
        for (int i = 0; i < x.Length / 2; i++)
        {
            double t = (double)i / Rate;
            double pulse = Math.Exp(-(t % 0.5) / 0.08);
            double v = 0.2 * (Math.Sin(2 * Math.PI * 220 * t) + Math.Sin(2 * Math.PI * 277 * t) + (pulse * Math.Sin(2 * Math.PI * 80 * t)));
            x[2 * i] = (float)v;
            x[(2 * i) + 1] = (float)(0.8 * v);
        }

        return x;
    }

    [Fact]
    public void Without_libsndfile_and_ffmpeg_wav_and_aiff_scan_and_master_managed_and_an_ogg_names_what_to_install()
    {
        // Written here, where libsndfile is loaded; the CLI processes below never load it.
        string wav = Path.Combine(Music, "a.wav");
        string aiff = Path.Combine(Music, "b.aiff");
        string ogg = Path.Combine(Music, "c.ogg");
        AudioFileWriter.Write(wav, Music3s(), Rate, 2, AudioSampleFormat.Pcm24);
        AudioFileWriter.Write(aiff, Music3s(), Rate, 2, AudioSampleFormat.Pcm16);
        AudioFileWriter.Write(ogg, Music3s(), Rate, 2);
        string db = _temp.File("library.db");
        var env = WithoutNativeDecoders;

        var scan = CliRunner.RunProcess(env, "scan", Music, "--db", db, "--json", "--engine", "managed", "--no-sidecars");
        Assert.True(scan.ExitCode == 3, $"exit {scan.ExitCode}: {scan.Out}\n{scan.Error}");
        var status = CliRunner.RunProcess(env, "status", "--db", db, "--json");
        using (var doc = JsonDocument.Parse(status.Out))
        {
            var root = doc.RootElement;
            Assert.Equal((3, 2, 1), (root.GetProperty("tracks").GetInt32(), root.GetProperty("complete").GetInt32(), root.GetProperty("error").GetInt32()));
            var error = Assert.Single(root.GetProperty("errors").EnumerateArray());
            Assert.Equal(ogg, error.GetProperty("path").GetString());
            string message = error.GetProperty("message").GetString()!;
            Assert.Contains("Install libsndfile1", message, StringComparison.Ordinal);
            Assert.Contains("ffmpeg", message, StringComparison.Ordinal);
            Assert.Contains("AURALIS_SNDFILE_LIB=none", message, StringComparison.Ordinal);
        }

        // The stored fingerprints are the ones the managed engine computes from the same files here.
        var similar = CliRunner.RunProcess(env, "similar", wav, "--db", db, "--json", "-k", "1");
        Assert.True(similar.ExitCode == 0, $"exit {similar.ExitCode}: {similar.Error}");
        using (var doc = JsonDocument.Parse(similar.Out))
        {
            Assert.Equal(aiff, Assert.Single(doc.RootElement.EnumerateArray()).GetProperty("path").GetString());
        }

        // The dynamic loader's own log of that process: libsndfile is never opened (and the log works: libc is).
        var traced = CliRunner.RunProcess(new Dictionary<string, string>(env) { ["LD_DEBUG"] = "files" }, "fingerprint", wav, "--engine", "managed");
        Assert.True(traced.ExitCode == 0, $"exit {traced.ExitCode}: {traced.Error[^Math.Min(2000, traced.Error.Length)..]}");
        Assert.Contains("libc.so", traced.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("libsndfile", traced.Error, StringComparison.Ordinal);

        var fingerprint = CliRunner.RunProcess(env, "fingerprint", aiff, "--json", "--engine", "managed");
        Assert.True(fingerprint.ExitCode == 0, $"exit {fingerprint.ExitCode}: {fingerprint.Error}");
        using (var doc = JsonDocument.Parse(fingerprint.Out))
        {
            Assert.Equal("managed", doc.RootElement.GetProperty("engine").GetString());
            Assert.Equal(3.0, doc.RootElement.GetProperty("duration_s").GetDouble(), 3);
        }

        string mastered = _temp.File("mastered.wav");
        var master = CliRunner.RunProcess(env, "master", wav, mastered, "--json", "--engine", "managed");
        Assert.True(master.ExitCode == 0, $"exit {master.ExitCode}: {master.Error}");
        // Read back through libsndfile, here: a complete WAV of the input's length, not silent.
        using (IAudioReader reader = AudioDecoder.Open(mastered, new AudioDecodeOptions { Decoders = [AudioDecoder.LibSndFile] }))
        {
            Assert.Equal((Rate, 2, (long?)(3 * Rate)), (reader.Info.SampleRate, reader.Info.Channels, reader.Info.FramesHint));
            var samples = new float[3 * Rate * 2];
            Assert.Equal(3 * Rate, reader.Read(samples));
            Assert.True(samples.Max(Math.Abs) > 0.05f, "the mastered file is silent");
        }

        var oggFingerprint = CliRunner.RunProcess(env, "fingerprint", ogg);
        Assert.NotEqual(0, oggFingerprint.ExitCode);
        Assert.Contains(ogg, oggFingerprint.Error, StringComparison.Ordinal);
        Assert.Contains("no installed decoder reads this file", oggFingerprint.Error, StringComparison.Ordinal);
        Assert.Contains("Install libsndfile1", oggFingerprint.Error, StringComparison.Ordinal);

        var flacOut = CliRunner.RunProcess(env, "master", wav, _temp.File("mastered.flac"), "--engine", "managed");
        Assert.NotEqual(0, flacOut.ExitCode);
        Assert.Contains("only .wav can be written without libsndfile", flacOut.Error, StringComparison.Ordinal);
    }
}
