using Auralis.Audio;

namespace Auralis.Demo;

/// <summary>
/// The demo library: a handful of generated tracks of clearly different character (quiet and
/// dynamic, loudness-war loud, fast breakbeat, wide ambient, mono melody, sparse with silence...),
/// written once as FLAC into a cache folder so `auralis demo` works on a fresh machine with no
/// music. Deterministic: the same files every time.
/// </summary>
public static class DemoLibrary
{
    /// <summary>Bumped when the generated tracks change, so old caches are regenerated.</summary>
    public const int Version = 1;

    public const int SampleRate = 44_100;

    private const double Seconds = 24.0;

    public static IReadOnlyList<(string FileName, Func<float[]> Render)> Tracks { get; } =
    [
        ("01 Quiet Nocturne.flac", Nocturne),
        ("02 Loudness War Anthem.flac", LoudAnthem),
        ("03 Breakbeat 174.flac", Breakbeat),
        ("04 Ambient Drift.flac", Ambient),
        ("05 Solo Flute.flac", Flute),
        ("06 Rain and Silence.flac", RainAndSilence),
        ("07 Bright Pop.flac", BrightPop),
        ("08 Dub Pressure.flac", Dub),
    ];

    /// <summary>Default folder: $XDG_CACHE_HOME/auralis/demo-library (~/.cache/... when unset).</summary>
    public static string DefaultFolder
    {
        get
        {
            var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrWhiteSpace(cache))
            {
                cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }

            return Path.Combine(cache, "auralis", "demo-library");
        }
    }

    /// <summary>Writes the tracks into <paramref name="folder"/> unless a complete set of this version is there.</summary>
    /// <returns>The track paths, in order, and whether they were generated now.</returns>
    public static (IReadOnlyList<string> Paths, bool Generated) Ensure(string folder)
    {
        var marker = Path.Combine(folder, $".auralis-demo-v{Version}");
        var paths = Tracks.Select(t => Path.Combine(folder, t.FileName)).ToList();
        if (File.Exists(marker) && paths.All(File.Exists))
        {
            return (paths, false);
        }

        Directory.CreateDirectory(folder);
        foreach (var ((name, render), path) in Tracks.Zip(paths))
        {
            var temp = path + ".tmp.flac";
            AudioFileWriter.Write(temp, render(), SampleRate, 2, AudioSampleFormat.Pcm16, new AudioTags(name[3..^5], "Auralis Demo Band", "Generated Demos"));
            File.Move(temp, path, overwrite: true);
        }

        File.WriteAllText(marker, $"Auralis demo library version {Version}\n");
        return (paths, true);
    }

    private static int Frames => (int)(Seconds * SampleRate);

    private static float[] Stereo(Func<int, (double L, double R)> sample)
    {
        var output = new float[Frames * 2];
        for (var i = 0; i < Frames; i++)
        {
            var (l, r) = sample(i);
            output[2 * i] = (float)Math.Clamp(l, -1.0, 1.0);
            output[(2 * i) + 1] = (float)Math.Clamp(r, -1.0, 1.0);
        }

        return output;
    }

    private static double T(int i) => (double)i / SampleRate;

    private static double Sine(double hz, double t) => Math.Sin(2 * Math.PI * hz * t);

    private static double Saw(double hz, double t) => (2 * ((hz * t) % 1.0)) - 1;

    /// <summary>Time since the last beat of a pulse at <paramref name="bpm"/>.</summary>
    private static double SinceBeat(double bpm, double t, double offsetBeats = 0)
    {
        var period = 60.0 / bpm;
        var x = t - (offsetBeats * period);
        return x < 0 ? double.MaxValue : x % period;
    }

    private static double Kick(double since) => since > 0.3 ? 0 : Math.Exp(-since * 12) * Math.Sin(2 * Math.PI * (50 + (90 * Math.Exp(-since * 30))) * since);

    private static double Note(double midi) => 440.0 * Math.Pow(2, (midi - 69) / 12.0);

    private static float[] Nocturne()
    {
        // Soft decaying piano-like chords every 2 beats at 72 BPM: quiet and dynamic.
        int[][] chords = [[57, 60, 64], [53, 57, 60], [55, 59, 62], [52, 55, 59]];
        return Stereo(i =>
        {
            var t = T(i);
            var beat = 60.0 / 72 * 2;
            var n = (int)(t / beat);
            var since = t - (n * beat);
            var chord = chords[n % chords.Length];
            var swell = 0.5 + (0.5 * Math.Sin(2 * Math.PI * t / 12));
            var v = chord.Sum(m => (Sine(Note(m), t) + (0.3 * Sine(2 * Note(m), t))) * Math.Exp(-since * 1.5)) * 0.03 * (0.3 + swell);
            return (v, v * 0.9);
        });
    }

    private static float[] LoudAnthem()
    {
        // Kick, sub bass and saw chords at 128 BPM, driven hard into a clipper: loud, low crest.
        var rng = new Random(2);
        return Stereo(i =>
        {
            var t = T(i);
            var since = SinceBeat(128, t);
            var bass = 0.5 * Sine(Note(36 + ((int)(t / 1.875) % 2 * 3)), t);
            var pad = 0.25 * (Saw(Note(60), t) + Saw(Note(63), t * 1.001) + Saw(Note(67), t));
            var hat = SinceBeat(128, t, 0.5) < 0.03 ? 0.3 * ((rng.NextDouble() * 2) - 1) : 0;
            var x = 3.0 * ((1.2 * Kick(since)) + bass + pad + hat);
            var y = Math.Tanh(x) * 0.99;
            return (y, Math.Tanh(x * 0.97) * 0.99);
        });
    }

    private static float[] Breakbeat()
    {
        var rng = new Random(3);
        return Stereo(i =>
        {
            var t = T(i);
            var step = 60.0 / 174 / 2;
            var s = (int)(t / step) % 8;
            var since = t % step;
            double drum = s switch
            {
                0 or 5 => Kick(since),
                2 or 6 => since < 0.12 ? ((rng.NextDouble() * 2) - 1) * Math.Exp(-since * 25) * 0.7 : 0,
                _ => since < 0.02 ? ((rng.NextDouble() * 2) - 1) * 0.2 : 0,
            };
            var bass = 0.3 * Sine(Note(38 + (((int)(t / (step * 8))) % 4 == 3 ? 5 : 0)), t);
            var v = 0.7 * (drum + bass);
            return (v, v);
        });
    }

    private static float[] Ambient()
    {
        // Slow detuned pad, left and right decorrelated: wide and quiet, no pulse.
        var rng = new Random(4);
        double noiseL = 0, noiseR = 0;
        return Stereo(i =>
        {
            var t = T(i);
            noiseL = (0.999 * noiseL) + (0.001 * ((rng.NextDouble() * 2) - 1));
            noiseR = (0.999 * noiseR) + (0.001 * ((rng.NextDouble() * 2) - 1));
            var swell = 0.6 + (0.4 * Math.Sin(2 * Math.PI * t / 16));
            var l = swell * 0.06 * (Sine(Note(50), t) + Sine(Note(57) * 1.002, t) + Sine(Note(64), t * 0.999));
            var r = swell * 0.06 * (Sine(Note(50) * 1.003, t) + Sine(Note(57), t * 1.001) + Sine(Note(66), t));
            return (l + (noiseL * 2), r + (noiseR * 2));
        });
    }

    private static float[] Flute()
    {
        // A mono melody with vibrato: L = R, steady pitch classes, mid-range energy.
        int[] melody = [72, 74, 76, 79, 76, 74, 72, 67];
        var phase = 0.0;
        return Stereo(i =>
        {
            var t = T(i);
            var noteLength = 60.0 / 96;
            var n = (int)(t / noteLength);
            var since = t - (n * noteLength);
            var hz = Note(melody[n % melody.Length]) * (1 + (0.004 * Sine(5.5, t)));
            phase += hz / SampleRate;
            var env = Math.Min(1, since * 20) * Math.Exp(-since * 0.8);
            var v = 0.25 * env * (Math.Sin(2 * Math.PI * phase) + (0.15 * Math.Sin(4 * Math.PI * phase)));
            return (v, v);
        });
    }

    private static float[] RainAndSilence()
    {
        // Bursts of filtered noise separated by digital silence: a high silence ratio.
        var rng = new Random(6);
        double lp = 0;
        return Stereo(i =>
        {
            var t = T(i);
            var on = (t % 6.0) < 3.5;
            lp = (0.7 * lp) + (0.3 * ((rng.NextDouble() * 2) - 1));
            var v = on ? 0.2 * lp * Math.Min(1, (t % 6.0) * 4) : 0;
            return (v, on ? 0.2 * ((0.7 * lp) + (0.3 * ((rng.NextDouble() * 2) - 1))) : 0);
        });
    }

    private static float[] BrightPop()
    {
        var rng = new Random(7);
        return Stereo(i =>
        {
            var t = T(i);
            var since = SinceBeat(110, t);
            var hat = SinceBeat(220, t) < 0.02 ? ((rng.NextDouble() * 2) - 1) * 0.35 : 0;
            var lead = 0.12 * (Saw(Note(76 + (((int)(t / 1.09)) % 3 * 2)), t) + Saw(Note(83), t));
            var x = 1.5 * ((0.6 * Kick(since)) + hat + lead + (0.15 * Sine(Note(40), t)));
            var y = Math.Tanh(x) * 0.8;
            return (y, Math.Tanh(x * 1.02) * 0.8);
        });
    }

    private static float[] Dub()
    {
        return Stereo(i =>
        {
            var t = T(i);
            var since = SinceBeat(70, t);
            var sub = 0.45 * Sine(Note(29 + (((int)(t / 3.43)) % 2 * 5)), t) * (0.6 + (0.4 * Math.Exp(-since * 2)));
            var skank = SinceBeat(70, t, 0.5) < 0.08 ? 0.15 * Saw(Note(62), t) * Math.Exp(-SinceBeat(70, t, 0.5) * 30) : 0;
            var v = (0.8 * Kick(since)) + sub + skank;
            return (v * 0.8, v * 0.8);
        });
    }
}
