using System.Text.Json;
using Auralis.Audio;
using Auralis.Fingerprinting;

namespace Auralis.Cli.Tests;

/// <summary>`auralis fingerprint` keeps its contract: JSON shape, formats, exit codes, errors.</summary>
public sealed class FingerprintCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Three seconds of a 440 Hz tone plus a 110 Hz bass at 44.1 kHz stereo.</summary>
    private static float[] Tone(int sampleRate = 44_100, double seconds = 3)
    {
        var frames = (int)(sampleRate * seconds);
        var samples = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var t = (double)i / sampleRate;
            var x = (float)((0.3 * Math.Sin(2 * Math.PI * 440 * t)) + (0.2 * Math.Sin(2 * Math.PI * 110 * t)));
            samples[2 * i] = x;
            samples[(2 * i) + 1] = x;
        }

        return samples;
    }

    public static TheoryData<string, int> Formats() => new()
    {
        { "tone.wav", 44_100 },
        { "tone.flac", 44_100 },
        { "tone.ogg", 44_100 },
        { "tone.opus", 48_000 },
        { "tone.mp3", 44_100 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Json_output_has_the_contract_shape_for_every_format(string name, int sampleRate)
    {
        var path = _temp.File(name);
        AudioFileWriter.Write(path, Tone(sampleRate), sampleRate, 2);

        var result = CliRunner.Run("fingerprint", path, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        using var doc = JsonDocument.Parse(result.Out);
        var root = doc.RootElement;
        Assert.Equal(
            ["path", "engine", "fingerprint_version", "duration_s", "sample_rate", "channels", "fingerprint"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(path, root.GetProperty("path").GetString());
        Assert.Contains(root.GetProperty("engine").GetString(), new[] { "native", "managed" });
        Assert.Equal(Fingerprint.FingerprintVersion, root.GetProperty("fingerprint_version").GetInt32());
        Assert.Equal(sampleRate, root.GetProperty("sample_rate").GetInt32());
        Assert.Equal(2, root.GetProperty("channels").GetInt32());
        Assert.InRange(root.GetProperty("duration_s").GetDouble(), 2.9, 3.1);
        var fingerprint = root.GetProperty("fingerprint");
        Assert.Equal(FingerprintDimensions.Names, fingerprint.EnumerateObject().Select(p => p.Name));
        Assert.All(fingerprint.EnumerateObject(), p => Assert.True(double.IsFinite(p.Value.GetDouble())));
        // The content is right, not just the shape: a 440 Hz + 110 Hz tone is tonal and bass-heavy.
        Assert.True(fingerprint.GetProperty("bass_pct").GetDouble() > 20);
        Assert.True(fingerprint.GetProperty("harmonic_ratio").GetDouble() > 0.9);
    }

    [Fact]
    public void The_draft_definitions_are_computed_on_request_and_say_so()
    {
        // A tone that fades out: the draft gates loudness_variation_std relatively, so at this
        // level the two versions differ, and the JSON says which one it is.
        var path = _temp.File("fade.wav");
        var tone = Tone(seconds: 30);
        for (var i = 0; i < tone.Length / 2; i++)
        {
            var gain = (float)Math.Pow(10.0, -90.0 * i / (tone.Length / 2) / 20.0);
            tone[2 * i] *= gain;
            tone[(2 * i) + 1] *= gain;
        }

        AudioFileWriter.Write(path, tone, 44_100, 2);
        var stored = JsonDocument.Parse(CliRunner.Run("fingerprint", path, "--json").Out).RootElement;
        var draft = JsonDocument.Parse(CliRunner.Run("fingerprint", path, "--json", "--fingerprint-version", $"{Fingerprint.DraftVersion}").Out).RootElement;
        Assert.Equal(Fingerprint.FingerprintVersion, stored.GetProperty("fingerprint_version").GetInt32());
        Assert.Equal(Fingerprint.DraftVersion, draft.GetProperty("fingerprint_version").GetInt32());
        Assert.NotEqual(
            stored.GetProperty("fingerprint").GetProperty("loudness_variation_std").GetDouble(),
            draft.GetProperty("fingerprint").GetProperty("loudness_variation_std").GetDouble());

        var table = CliRunner.Run("fingerprint", path, "--fingerprint-version", $"{Fingerprint.DraftVersion}");
        Assert.Contains($"fingerprint v{Fingerprint.DraftVersion} (in development)", table.Out, StringComparison.Ordinal);

        var refused = CliRunner.Run("fingerprint", path, "--fingerprint-version", "7");
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--fingerprint-version 7", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_engines_can_be_chosen_and_agree()
    {
        var path = _temp.File("tone.wav");
        AudioFileWriter.Write(path, Tone(), 44_100, 2);
        var native = JsonDocument.Parse(CliRunner.Run("fingerprint", path, "--json", "--engine", "native").Out).RootElement;
        var managed = JsonDocument.Parse(CliRunner.Run("fingerprint", path, "--json", "--engine", "managed").Out).RootElement;
        Assert.Equal("native", native.GetProperty("engine").GetString());
        Assert.Equal("managed", managed.GetProperty("engine").GetString());
        for (var i = 0; i < FingerprintDimensions.Names.Count; i++)
        {
            var name = FingerprintDimensions.Names[i];
            var a = native.GetProperty("fingerprint").GetProperty(name).GetDouble();
            var b = managed.GetProperty("fingerprint").GetProperty(name).GetDouble();
            Assert.True(Math.Abs(a - b) <= FingerprintDimensions.ParityTolerance(i, a), $"{name}: native {a}, managed {b}");
        }
    }

    [Fact]
    public void Table_output_names_the_file_and_every_dimension()
    {
        var path = _temp.File("tone.flac");
        AudioFileWriter.Write(path, Tone(), 44_100, 2);
        var result = CliRunner.Run("fingerprint", path);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(path, result.Out, StringComparison.Ordinal);
        Assert.All(FingerprintDimensions.Names, n => Assert.Contains(n, result.Out, StringComparison.Ordinal));
    }

    [Fact]
    public void Missing_file_is_a_usage_error_naming_the_file()
    {
        var path = _temp.File("nope.flac");
        var result = CliRunner.Run("fingerprint", path, "--json");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(path, result.Error, StringComparison.Ordinal);
        Assert.Empty(result.Out);
    }

    [Fact]
    public void Random_bytes_named_mp3_are_a_clear_error_not_a_crash()
    {
        var path = _temp.File("noise.mp3");
        File.WriteAllBytes(path, Enumerable.Range(0, 10_000).Select(i => (byte)((i * 7919) % 251)).ToArray());
        var result = CliRunner.Run("fingerprint", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(path, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal); // no stack trace
    }

    [Fact]
    public void Too_short_audio_is_rejected_with_the_minimum_named()
    {
        var path = _temp.File("short.wav");
        AudioFileWriter.Write(path, Tone(seconds: 0.4), 44_100, 2);
        var result = CliRunner.Run("fingerprint", path);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("too short", result.Error, StringComparison.Ordinal);
        Assert.Contains(path, result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fingerprint")]
    [InlineData("fingerprint", "a.wav", "--engine", "gpu")]
    [InlineData("fingerprint", "a.wav", "--bogus")]
    [InlineData("no-such-command")]
    public void Usage_errors_exit_with_code_2(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--help", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("'OUT'", "master", "in.wav")]
    [InlineData("'DIR'", "scan")]
    public void A_usage_error_for_a_missing_argument_names_the_argument(string named, params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(named, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_describes_the_command_and_its_options()
    {
        var result = CliRunner.Run("fingerprint", "--help");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--engine", result.Out, StringComparison.Ordinal);
        Assert.Contains("--json", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Unloadable_native_library_falls_back_to_managed_and_says_so_once()
    {
        var path = _temp.File("tone.wav");
        AudioFileWriter.Write(path, Tone(), 44_100, 2);
        var env = new Dictionary<string, string> { ["AURALIS_NATIVE_LIB"] = _temp.File("missing/libauralis.so") };

        var auto = CliRunner.RunProcess(env, "fingerprint", path, "--json");
        Assert.True(auto.ExitCode == 0, auto.Error);
        Assert.Equal("managed", JsonDocument.Parse(auto.Out).RootElement.GetProperty("engine").GetString());
        var notes = auto.Error.Split('\n').Where(l => l.Contains("native engine unavailable", StringComparison.Ordinal)).ToList();
        Assert.Single(notes);
        Assert.Contains("missing/libauralis.so", notes[0], StringComparison.Ordinal);

        var forced = CliRunner.RunProcess(env, "fingerprint", path, "--json", "--engine", "native");
        Assert.Equal(1, forced.ExitCode);
        Assert.Contains("native engine unavailable", forced.Error, StringComparison.Ordinal);
    }
}
