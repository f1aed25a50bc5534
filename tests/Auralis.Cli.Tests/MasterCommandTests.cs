using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Cli.Tests;

/// <summary>
/// `auralis master` keeps its contract (the README: JSON shape, exit codes), and what it writes
/// measures right by an independent tool: ffmpeg's ebur128 filter (loudness and true peak).
/// </summary>
public sealed partial class MasterCommandTests : IDisposable
{
    private const int Rate = 44_100;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Programme material of each LWRP zone, scaled to a loudness (the meter is EBU Tech 3341-checked).</summary>
    private static float[] Material(string zone, double seconds = 12)
    {
        var frames = (int)(seconds * Rate);
        var x = new float[frames * 2];
        var state = 0x2545F4914F6CDD1DUL;
        double Noise()
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            return ((state >> 11) * (1.0 / (1UL << 53))) - 0.5;
        }

        double lp1 = 0, lp2 = 0;
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / Rate;
            lp1 += 0.5 * (Noise() - lp1);
            lp2 += 0.5 * (Noise() - lp2);
            var beat = Math.Exp(-(t % 0.5) / 0.05);
            var bass = Math.Sin(2 * Math.PI * 55 * t);
            (double l, double r) = zone switch
            {
                // Drum-like bursts over a bed and a soft tone: quiet, crest about 14 dB.
                "quiet" => (((0.3 + beat) * lp1) + (0.05 * bass), ((0.3 + beat) * lp2) + (0.05 * bass)),
                // The same driven into a clipper: loud, crest under 13 dB.
                "compressed" => (Math.Tanh(3 * ((beat * lp1 * 2) + (0.8 * bass))), Math.Tanh(3 * ((beat * lp2 * 2) + (0.8 * bass)))),
                // A bright bed with rare clicks: loud, crest over 13 dB.
                _ => ((0.4 * Noise()) + (t % 0.75 < 0.003 ? Math.Sin(2 * Math.PI * 2000 * t) : 0), (0.4 * Noise()) + (t % 0.75 < 0.003 ? Math.Sin(2 * Math.PI * 2000 * t) : 0)),
            };
            x[2 * i] = (float)l;
            x[(2 * i) + 1] = (float)r;
        }

        var lufs = zone == "quiet" ? -22.0 : zone == "compressed" ? -8.0 : -10.0;
        var meter = new ProgrammeMeter(Rate, 2);
        meter.Push(x);
        var gain = (float)Math.Pow(10, (lufs - meter.Finish().IntegratedLufs) / 20);
        for (var i = 0; i < x.Length; i++)
        {
            x[i] *= gain;
        }

        return x;
    }

    private string Write(string name, float[] samples)
    {
        var path = _temp.File(name);
        AudioFileWriter.Write(path, samples, Rate, 2);
        return path;
    }

    [Fact]
    public void Json_output_has_exactly_the_contract_shape()
    {
        var input = Write("in.wav", Material("compressed"));
        var output = _temp.File("out.wav");
        var result = CliRunner.Run("master", input, output, "--preset", "gentle", "--intensity", "0.8", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var root = doc.RootElement;
        Assert.Equal(["input", "lwrp", "preset", "intensity", "output"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["lufs", "crest_db"], root.GetProperty("input").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["zone", "expansion"], root.GetProperty("lwrp").EnumerateObject().Select(p => p.Name));
        Assert.Equal(["lufs", "true_peak_dbtp", "crest_db"], root.GetProperty("output").EnumerateObject().Select(p => p.Name));
        Assert.Equal("gentle", root.GetProperty("preset").GetString());
        Assert.Equal(0.8, root.GetProperty("intensity").GetDouble());

        // The numbers are the real ones: the input's fingerprint, the LWRP rule, the written file.
        var fingerprint = FileFingerprinter.Compute(input, FingerprintEngines.Managed).Fingerprint;
        Assert.Equal(fingerprint["lufs"], root.GetProperty("input").GetProperty("lufs").GetDouble(), 0.01);
        Assert.Equal(fingerprint["crest_db"], root.GetProperty("input").GetProperty("crest_db").GetDouble(), 0.01);
        var decision = Lwrp.Decide(fingerprint["lufs"], fingerprint["crest_db"]);
        Assert.Equal("compressed_loud", root.GetProperty("lwrp").GetProperty("zone").GetString());
        Assert.Equal(decision.Expansion, root.GetProperty("lwrp").GetProperty("expansion").GetDouble(), 4);
        var written = Measure(output);
        Assert.Equal(written.IntegratedLufs, root.GetProperty("output").GetProperty("lufs").GetDouble(), 6);
        Assert.Equal(written.TruePeakDbtp, root.GetProperty("output").GetProperty("true_peak_dbtp").GetDouble(), 6);
        Assert.Equal(written.CrestDb, root.GetProperty("output").GetProperty("crest_db").GetDouble(), 6);
    }

    [Fact]
    public void Summary_names_the_zone_the_expansion_and_the_output_numbers()
    {
        var input = Write("in.wav", Material("compressed"));
        var result = CliRunner.Run("master", input, _temp.File("out.flac"));
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Contains("compressed_loud", result.Out, StringComparison.Ordinal);
        Assert.Matches(@"expansion e = max\(0\.1, \(13 - [\d.]+\) / 10\) = [\d.]+, then -0\.5 dB", result.Out);
        Assert.Matches(@"output .*out\.flac: -1[0-9]\.\d\d LUFS, true peak -?\d+\.\d\d dBTP, crest \d+\.\d\d dB", result.Out);
    }

    public static TheoryData<string, string> ZonesAndPresets() => new()
    {
        { "quiet", "adaptive" },
        { "quiet", "bright" },
        { "compressed", "adaptive" },
        { "compressed", "punchy" },
        { "dynamic", "adaptive" },
        { "dynamic", "warm" },
    };

    /// <summary>ffmpeg's ebur128 on the written file: loudness on target, true peak under the ceiling.</summary>
    [FfmpegTheory]
    [MemberData(nameof(ZonesAndPresets))]
    public void Written_file_measures_on_target_and_under_the_ceiling_in_ffmpeg(string zone, string preset)
    {
        var input = Write("in.wav", Material(zone));
        var output = _temp.File("out.flac");
        var result = CliRunner.Run("master", input, output, "--preset", preset, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        var json = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(zone switch { "quiet" => "quiet_dynamic", "compressed" => "compressed_loud", _ => "dynamic_loud" }, json.GetProperty("lwrp").GetProperty("zone").GetString());
        var settings = MasteringPresets.Get(preset);
        var (integrated, truePeak) = FfmpegEbur128(output);
        Assert.True(Math.Abs(integrated - settings.TargetLufs) <= 0.5, $"ffmpeg: {integrated} LUFS, target {settings.TargetLufs}");
        Assert.True(truePeak <= settings.CeilingDbtp + 0.1, $"ffmpeg: true peak {truePeak} dBTP, ceiling {settings.CeilingDbtp}");
        // Our report agrees with ffmpeg's (which prints one decimal).
        Assert.Equal(integrated, json.GetProperty("output").GetProperty("lufs").GetDouble(), 0.1);
        Assert.Equal(truePeak, json.GetProperty("output").GetProperty("true_peak_dbtp").GetDouble(), 0.15);
    }

    /// <summary>
    /// Vorbis and MP3 outputs: the encoder changes the samples, not the loudness (ffmpeg within
    /// 0.5 LU of the target); lossy coding may overshoot the true-peak ceiling a little, which is
    /// why the preset keeps it at -0.5 dBTP or below (1 dB allowed here).
    /// </summary>
    [FfmpegTheory]
    [InlineData("out.ogg")]
    [InlineData("out.mp3")]
    public void Lossy_outputs_measure_on_target_in_ffmpeg(string name)
    {
        var input = Write("in.wav", Material("quiet"));
        var output = _temp.File(name);
        var result = CliRunner.Run("master", input, output);
        Assert.True(result.ExitCode == 0, result.Error);
        var (integrated, truePeak) = FfmpegEbur128(output);
        Assert.True(Math.Abs(integrated - MasteringPresets.Adaptive.TargetLufs) <= 0.5, $"ffmpeg: {integrated} LUFS");
        Assert.True(truePeak <= MasteringPresets.Adaptive.CeilingDbtp + 1.0, $"ffmpeg: true peak {truePeak} dBTP");
    }

    public static TheoryData<string> AscMusic() => new(RealMusic.Files.Where(f => f.StartsWith(RealMusic.AscMusic, StringComparison.Ordinal)));

    /// <summary>
    /// Real recordings (22.05 kHz MP3): true peak under the ceiling in ffmpeg; loudness on target
    /// unless the plan capped the gain (then below it, never above).
    /// </summary>
    [RealMusicTheory("asc-music", RealMusic.AscMusic)]
    [MemberData(nameof(AscMusic))]
    public void Real_music_measures_on_target_and_under_the_ceiling_in_ffmpeg(string path)
    {
        var output = _temp.File("out.wav");
        var result = CliRunner.Run("master", path, output, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.True(FfmpegTools.Available, "ffmpeg is needed for this test (build.sh installs it)");
        var (integrated, truePeak) = FfmpegEbur128(output);
        var settings = MasteringPresets.Adaptive;
        Assert.True(truePeak <= settings.CeilingDbtp + 0.1, $"{path}: ffmpeg true peak {truePeak} dBTP");
        var fingerprint = FileFingerprinter.Compute(path, FingerprintEngines.Managed).Fingerprint;
        var plan = MasteringPlanner.Plan(fingerprint, new AudioFilePcmSource(path), "adaptive");
        if (plan.TargetReachable)
        {
            Assert.True(Math.Abs(integrated - settings.TargetLufs) <= 0.5, $"{path}: ffmpeg {integrated} LUFS");
        }
        else
        {
            Assert.True(integrated < settings.TargetLufs, $"{path}: ffmpeg {integrated} LUFS with the gain capped");
        }
    }

    /// <summary>Other layouts and rates: mono at 48 kHz, judged by ffmpeg.</summary>
    [FfmpegTheory]
    [InlineData(1, 48_000)]
    [InlineData(2, 22_050)]
    public void Mono_and_other_rates_are_mastered_to_target_under_the_ceiling(int channels, int rate)
    {
        var stereo = Material("quiet");
        var frames = (int)((long)stereo.Length / 2 * rate / Rate);
        var samples = new float[frames * channels];
        for (var i = 0; i < frames; i++)
        {
            // Nearest-frame resampling is crude, but this only needs programme-like material at the rate.
            var j = (int)((long)i * Rate / rate);
            for (var c = 0; c < channels; c++)
            {
                samples[(i * channels) + c] = stereo[(2 * j) + c];
            }
        }

        // Back to -22 LUFS: one channel of the stereo material reads 3 LU quieter.
        var meter = new ProgrammeMeter(rate, channels);
        meter.Push(samples);
        var gain = (float)Math.Pow(10, (-22 - meter.Finish().IntegratedLufs) / 20);
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] *= gain;
        }

        var input = _temp.File("in.wav");
        AudioFileWriter.Write(input, samples, rate, channels);
        var output = _temp.File("out.wav");
        var result = CliRunner.Run("master", input, output, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        using (var reader = AudioDecoder.Open(output))
        {
            Assert.Equal((rate, channels), (reader.Info.SampleRate, reader.Info.Channels));
        }

        Assert.Equal(samples.Length, Read(output).Length);
        var (integrated, truePeak) = FfmpegEbur128(output);
        Assert.True(truePeak <= MasteringPresets.Adaptive.CeilingDbtp + 0.1, $"ffmpeg: true peak {truePeak} dBTP");
        // A mono channel at -22 LUFS peaks 3 dB higher than the stereo pair did, so its target may
        // be out of the limiter's reach: then the output stays below the target, never above.
        var plan = MasteringPlanner.Plan(FileFingerprinter.Compute(input, FingerprintEngines.Managed).Fingerprint, new AudioFilePcmSource(input), "adaptive");
        if (plan.TargetReachable)
        {
            Assert.True(Math.Abs(integrated - MasteringPresets.Adaptive.TargetLufs) <= 0.5, $"ffmpeg: {integrated} LUFS");
        }
        else
        {
            Assert.InRange(integrated, MasteringPresets.Adaptive.TargetLufs - 3, MasteringPresets.Adaptive.TargetLufs);
        }
    }

    [Fact]
    public void Digital_silence_comes_out_as_silence()
    {
        var input = Write("in.wav", new float[2 * Rate * 2]);
        var output = _temp.File("out.wav");
        var result = CliRunner.Run("master", input, output, "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.All(Read(output), v => Assert.Equal(0f, v));
        var json = JsonDocument.Parse(result.Out).RootElement;
        Assert.Equal(-70.0, json.GetProperty("output").GetProperty("lufs").GetDouble());
        Assert.Equal(ProgrammeMeter.SilenceDb, json.GetProperty("output").GetProperty("true_peak_dbtp").GetDouble());
    }

    [Fact]
    public void Intensity_zero_writes_the_input_samples_unchanged()
    {
        var samples = Material("quiet", 3);
        var input = Write("in.wav", samples);
        var output = _temp.File("out.wav");
        var result = CliRunner.Run("master", input, output, "--intensity", "0");
        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(samples, Read(output));
    }

    [Fact]
    public void Missing_input_fails_with_exit_2_naming_the_file()
    {
        var missing = _temp.File("nope.flac");
        var result = CliRunner.Run("master", missing, _temp.File("out.wav"));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("out.wav")));
    }

    [Fact]
    public void Undecodable_input_fails_with_exit_1_naming_the_file()
    {
        var junk = _temp.File("junk.mp3");
        File.WriteAllBytes(junk, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 37))]);
        var result = CliRunner.Run("master", junk, _temp.File("out.wav"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(junk, result.Error, StringComparison.Ordinal);
        Assert.Equal([junk], Directory.EnumerateFiles(_temp.Path));
    }

    [Theory]
    [InlineData("--preset", "loudest")]
    [InlineData("--intensity", "1.5")]
    [InlineData("--intensity", "-0.1")]
    [InlineData("--intensity", "half")]
    public void Bad_preset_or_intensity_is_a_usage_error(string option, string value)
    {
        var input = Write("in.wav", Material("quiet", 1));
        var result = CliRunner.Run("master", input, _temp.File("out.wav"), option, value);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(value, result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.File("out.wav")));
    }

    [Theory]
    [InlineData("out.aiff")]
    [InlineData("out.opus")]
    [InlineData("out")]
    public void Output_other_than_flac_wav_ogg_or_mp3_is_a_usage_error_naming_it(string name)
    {
        var input = Write("in.wav", Material("quiet", 1));
        var result = CliRunner.Run("master", input, _temp.File(name));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(name, result.Error, StringComparison.Ordinal);
        Assert.Contains(".flac, .wav, .ogg or .mp3", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_into_a_missing_folder_fails_with_exit_2_naming_it()
    {
        var input = Write("in.wav", Material("quiet", 1));
        var output = Path.Combine(_temp.Path, "no-such-folder", "out.wav");
        var result = CliRunner.Run("master", input, output);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(output, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_over_the_input_is_refused()
    {
        var input = Write("in.wav", Material("quiet", 1));
        var before = File.ReadAllBytes(input);
        var result = CliRunner.Run("master", input, input);
        Assert.Equal(2, result.ExitCode);
        Assert.Equal(before, File.ReadAllBytes(input));
    }

    private static float[] Read(string path)
    {
        using var reader = AudioDecoder.Open(path);
        var all = new List<float>();
        var block = new float[8192 * reader.Info.Channels];
        int frames;
        while ((frames = reader.Read(block)) > 0)
        {
            all.AddRange(block.AsSpan(0, frames * reader.Info.Channels));
        }

        return [.. all];
    }

    private static ProgrammeMeasurement Measure(string path)
    {
        using var reader = AudioDecoder.Open(path);
        var meter = new ProgrammeMeter(reader.Info.SampleRate, reader.Info.Channels);
        meter.Push(Read(path));
        return meter.Finish();
    }

    /// <summary>Integrated loudness and true peak from `ffmpeg -af ebur128=peak=true`'s summary.</summary>
    private static (double Integrated, double TruePeak) FfmpegEbur128(string path)
    {
        var summary = Auralis.Tests.Support.FfmpegEbur128.Measure(path);
        return (summary.Integrated, summary.TruePeak);
    }

    private static class FfmpegTools
    {
        public static bool Available { get; } = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, "ffmpeg")));
    }

    /// <summary>A theory that needs ffmpeg; skipped with the reason shown when it is not on PATH.</summary>
    private sealed class FfmpegTheoryAttribute : TheoryAttribute
    {
        public FfmpegTheoryAttribute()
        {
            if (!FfmpegTools.Available)
            {
                Skip = "ffmpeg is not on PATH (build.sh installs it): the written files cannot be measured independently";
            }
        }
    }
}
