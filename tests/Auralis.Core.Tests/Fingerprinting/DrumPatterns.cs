using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Auralis.Audio;

namespace Auralis.Tests.Fingerprinting;

/// <summary>General MIDI percussion keys (channel 10) the drum patterns use.</summary>
public static class GmDrum
{
    public const int Kick = 36;
    public const int Snare = 38;
    public const int ClosedHat = 42;
    public const int PedalHat = 44;
    public const int OpenHat = 46;
    public const int Crash = 49;
    public const int Ride = 51;
}

/// <summary>One hit of a bar: <paramref name="Beat"/> counts notated beats from the downbeat (0-based).</summary>
public readonly record struct DrumHit(double Beat, int Key, int Velocity);

/// <summary>A note of the MIDI file: on at <paramref name="Tick"/>, off <see cref="MidiFile.NoteTicks"/> later.</summary>
public readonly record struct MidiNote(long Tick, int Key, int Velocity);

/// <summary>
/// A minimal Standard MIDI File writer (format 0, one track, channel 10): enough for drum patterns,
/// and written by hand so the tests need no MIDI package and every byte is known.
/// </summary>
public static class MidiFile
{
    public const int TicksPerQuarter = 480;

    /// <summary>A 32nd note. FluidR3's drum samples play out whatever the length; note-off only trims the cymbals' faint tail.</summary>
    public const int NoteTicks = 60;

    /// <summary>
    /// The file bytes. <paramref name="clocksPerClick"/> is the time signature's metronome click in
    /// MIDI clocks (24 = a quarter, 36 = a dotted quarter); the track ends at <paramref name="endTick"/>.
    /// </summary>
    public static byte[] Write(int microsecondsPerQuarter, int numerator, int denominator, int clocksPerClick, IEnumerable<MidiNote> notes, long endTick)
    {
        // (tick, order, bytes): at equal ticks, note-offs go before note-ons so a repeated key is not cut.
        var events = new List<(long Tick, int Order, byte[] Bytes)>
        {
            (0, 0, [0xFF, 0x51, 0x03, (byte)(microsecondsPerQuarter >> 16), (byte)(microsecondsPerQuarter >> 8), (byte)microsecondsPerQuarter]),
            (0, 0, [0xFF, 0x58, 0x04, (byte)numerator, (byte)int.Log2(denominator), (byte)clocksPerClick, 8]),
        };
        foreach (var note in notes)
        {
            events.Add((note.Tick, 2, [0x99, (byte)note.Key, (byte)note.Velocity]));
            events.Add((note.Tick + NoteTicks, 1, [0x89, (byte)note.Key, 0]));
        }

        var last = events.Max(e => e.Tick);
        events.Add((Math.Max(endTick, last), 3, [0xFF, 0x2F, 0x00]));

        var track = new List<byte>();
        var now = 0L;
        foreach (var (tick, _, bytes) in events.OrderBy(e => e.Tick).ThenBy(e => e.Order))
        {
            WriteVariableLength(track, tick - now);
            track.AddRange(bytes);
            now = tick;
        }

        var file = new List<byte>();
        file.AddRange("MThd"u8.ToArray());
        WriteBigEndian(file, 6, 4);
        WriteBigEndian(file, 0, 2); // format 0
        WriteBigEndian(file, 1, 2); // one track
        WriteBigEndian(file, TicksPerQuarter, 2);
        file.AddRange("MTrk"u8.ToArray());
        WriteBigEndian(file, track.Count, 4);
        file.AddRange(track);
        return [.. file];
    }

    /// <summary>Delta time: 7 bits per byte, most significant first, the high bit set on all but the last.</summary>
    private static void WriteVariableLength(List<byte> output, long value)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(value);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 0x0FFF_FFFFL);
        var start = output.Count;
        output.Insert(start, (byte)(value & 0x7F));
        while ((value >>= 7) > 0)
        {
            output.Insert(start, (byte)(0x80 | (value & 0x7F)));
        }
    }

    private static void WriteBigEndian(List<byte> output, long value, int bytes)
    {
        for (var shift = (bytes - 1) * 8; shift >= 0; shift -= 8)
        {
            output.Add((byte)(value >> shift));
        }
    }
}

/// <summary>
/// A drum groove at a known tempo: ground truth for the tempo-accuracy tests. <paramref name="NotatedBpm"/>
/// is the beat a musician counts (quarters in 4/4 and 3/4, dotted quarters in 6/8); <paramref name="Bar"/>
/// is one bar of hits. The humanized variant moves each onset by a uniform +-8 ms and each velocity by
/// +-12 with an RNG seeded from name and tempo, so it is the same on every run.
/// </summary>
public sealed record DrumPattern(string Name, string Meter, double NotatedBpm, bool Humanized, IReadOnlyList<DrumHit> Bar)
{
    public const double JitterSeconds = 0.008;
    public const int VelocityJitter = 12;

    public string Id => $"{Name}-{NotatedBpm:0.##}-{(Humanized ? "humanized" : "straight")}";

    /// <summary>Compound meters (6/8, 9/8, 12/8) count dotted quarters: three eighths to the beat.</summary>
    public bool IsCompound => Denominator == 8 && Numerator % 3 == 0 && Numerator > 3;

    public int Numerator => int.Parse(Meter.Split('/')[0]);

    public int Denominator => int.Parse(Meter.Split('/')[1]);

    /// <summary>Counted beats per bar: 4 in 4/4, 3 in 3/4, 2 in 6/8.</summary>
    public int BeatsPerBar => IsCompound ? Numerator / 3 : Numerator;

    /// <summary>A quarter (480) in simple meters, a dotted quarter (720) in compound ones.</summary>
    public int TicksPerBeat => IsCompound ? MidiFile.TicksPerQuarter * 3 / 2 : MidiFile.TicksPerQuarter * 4 / Denominator;

    /// <summary>
    /// The file's tempo in whole microseconds per quarter (SMF has no finer unit): 70 BPM is off by
    /// 0.2 ppm, 5 us over 30 s. Tests compare against <see cref="SecondsPerTick"/>, which includes it.
    /// </summary>
    public int MicrosecondsPerQuarter => (int)Math.Round(60e6 * MidiFile.TicksPerQuarter / TicksPerBeat / NotatedBpm);

    public double SecondsPerTick => MicrosecondsPerQuarter / 1e6 / MidiFile.TicksPerQuarter;

    /// <summary>The notated beat period, 60 / BPM.</summary>
    public double BeatSeconds => 60.0 / NotatedBpm;

    /// <summary>
    /// The notes of <paramref name="seconds"/> of the groove, by tick: bars repeated, hits at or after
    /// the end cut. Humanized onsets never go before 0 (the first hit can only be late).
    /// </summary>
    public IReadOnlyList<MidiNote> Notes(double seconds = DrumPatterns.DefaultSeconds)
    {
        var bars = (int)Math.Ceiling(seconds / (BeatsPerBar * BeatSeconds));
        var endTick = (long)Math.Round(seconds / SecondsPerTick);
        var grid = Enumerable.Range(0, bars)
            .SelectMany(bar => Bar.Select(hit => new MidiNote((long)Math.Round(((bar * BeatsPerBar) + hit.Beat) * TicksPerBeat), hit.Key, hit.Velocity)))
            .Where(note => note.Tick < endTick)
            .OrderBy(note => note.Tick).ThenBy(note => note.Key)
            .ToList();
        if (!Humanized)
        {
            return grid;
        }

        var rng = new TestSignals.Rng(Seed($"{Name}-{NotatedBpm:0.##}"));
        var jitterTicks = JitterSeconds / SecondsPerTick;
        return grid
            .Select(note => note with
            {
                Tick = Math.Max(0, note.Tick + (long)Math.Round(rng.Uniform() * jitterTicks)),
                Velocity = Math.Clamp(note.Velocity + (int)Math.Round(rng.Uniform() * VelocityJitter), 1, 127),
            })
            .Where(note => note.Tick < endTick)
            .OrderBy(note => note.Tick).ThenBy(note => note.Key)
            .ToList();
    }

    /// <summary>The Standard MIDI File of <paramref name="seconds"/> of the groove; the track ends at that length.</summary>
    public byte[] ToMidi(double seconds = DrumPatterns.DefaultSeconds) =>
        MidiFile.Write(MicrosecondsPerQuarter, Numerator, Denominator, IsCompound ? 36 : 24 * 4 / Denominator, Notes(seconds), (long)Math.Round(seconds / SecondsPerTick));

    public override string ToString() => Id;

    /// <summary>FNV-1a: a seed that does not change between runtimes (string.GetHashCode does).</summary>
    private static ulong Seed(string text)
    {
        var hash = 14_695_981_039_346_656_037UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = unchecked((hash ^ b) * 1_099_511_628_211UL);
        }

        return hash;
    }
}

/// <summary>
/// The drum-pattern catalogue and its rendering to audio with Debian's fluidsynth and the FluidR3 GM
/// soundfont (real drum samples, so the tempo tests see attacks, decays and overlapping hits like
/// a recording's). Renders are cached in the temp folder across test runs.
/// </summary>
public static class DrumPatterns
{
    public const double DefaultSeconds = 30.0;

    public const int SampleRate = 44_100;

    public const string SoundFont = "/usr/share/sounds/sf2/FluidR3_GM.sf2";

    /// <summary>Goes up when a render would differ for the same MIDI bytes and arguments (e.g. a new soundfont).</summary>
    public const int GeneratorVersion = 1;

    /// <summary>
    /// Dry, fast, non-interactive: no shell (-i), no MIDI driver (-n), no audio driver (-F renders to a
    /// file), no user or system config file (-f /dev/null), no reverb or chorus, 16-bit WAV (the default).
    /// </summary>
    private static readonly string[] Options =
        ["-n", "-i", "-q", "-f", "/dev/null", "-R", "0", "-C", "0", "-g", "0.6", "-r", "44100", "-T", "wav", "-O", "s16"];

    private static readonly ConcurrentDictionary<string, object> RenderLocks = new();

    private static readonly Lazy<string?> FluidSynthPath = new(() => FindOnPath("fluidsynth"));

    /// <summary>Every pattern at every tempo, straight then humanized.</summary>
    public static IReadOnlyList<DrumPattern> All { get; } = Catalogue();

    /// <summary>Cache folder shared by test runs; its name changes with the generator version and fluidsynth options.</summary>
    public static string RenderDirectory { get; } = Path.Combine(
        Path.GetTempPath(), "auralis-drums-" + ShortHash(Encoding.UTF8.GetBytes($"{GeneratorVersion} {string.Join(' ', Options)}")));

    /// <summary>Why patterns cannot be rendered here, or null when they can.</summary>
    public static string? UnavailableReason =>
        FluidSynthPath.Value is null || !File.Exists(SoundFont)
            ? "fluidsynth or fluid-soundfont-gm not installed (apt-get install fluidsynth fluid-soundfont-gm)"
            : null;

    /// <summary>The pattern with this <see cref="DrumPattern.Id"/>, e.g. "rock-164-straight".</summary>
    public static DrumPattern Get(string id) =>
        All.SingleOrDefault(p => p.Id == id) ?? throw new ArgumentException($"no drum pattern \"{id}\"", nameof(id));

    /// <summary>
    /// Renders <paramref name="seconds"/> of <paramref name="pattern"/> to a WAV (44.1 kHz stereo
    /// 16-bit) and returns its path, or null with <paramref name="skipReason"/> when fluidsynth or the
    /// soundfont is absent. Reuses an earlier render of the same MIDI bytes. Thread-safe: a file
    /// appears under its final name only once complete (written under a temporary name, then moved).
    /// </summary>
    /// <exception cref="InvalidOperationException">fluidsynth failed; the message has its stderr.</exception>
    public static string? Render(DrumPattern pattern, out string? skipReason, double seconds = DefaultSeconds)
    {
        skipReason = UnavailableReason;
        if (skipReason is not null)
        {
            return null;
        }

        var midi = pattern.ToMidi(seconds);
        var stem = Path.Combine(RenderDirectory, $"{pattern.Id}-{seconds:0.###}s-{ShortHash(midi)}");
        var wav = stem + ".wav";
        lock (RenderLocks.GetOrAdd(wav, _ => new object()))
        {
            if (File.Exists(wav))
            {
                return wav;
            }

            Directory.CreateDirectory(RenderDirectory);
            var temp = $"{stem}.{Guid.NewGuid():N}";
            try
            {
                File.WriteAllBytes(temp + ".mid", midi);
                RunFluidSynth(temp + ".mid", temp + ".wav", pattern.Id);
                File.Move(temp + ".mid", stem + ".mid", overwrite: true); // kept to open in a MIDI editor
                File.Move(temp + ".wav", wav, overwrite: true);
            }
            finally
            {
                File.Delete(temp + ".mid");
                File.Delete(temp + ".wav");
            }

            return wav;
        }
    }

    /// <summary>A WAV as interleaved float32, through the product's decoder (libsndfile, else NAudio).</summary>
    public static (float[] Samples, int SampleRate, int Channels) ReadWav(string path) =>
        AudioDecoder.Decode(path, reader =>
        {
            var channels = reader.Info.Channels;
            var samples = new List<float>(checked((int)((reader.Info.FramesHint ?? 0) * channels)));
            var block = new float[16_384 * channels];
            int frames;
            while ((frames = reader.Read(block)) > 0)
            {
                samples.AddRange(block.AsSpan(0, frames * channels));
            }

            return (samples.ToArray(), reader.Info.SampleRate, channels);
        });

    private static void RunFluidSynth(string midiPath, string wavPath, string id)
    {
        var info = new ProcessStartInfo(FluidSynthPath.Value!)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RenderDirectory,
        };

        // fluidsynth 2.3 initialises SDL audio at start-up even with -F, and SDL then probes ALSA and
        // connects to a running PulseAudio server; its dummy driver keeps the render off the sound system.
        info.Environment["SDL_AUDIODRIVER"] = "dummy";
        foreach (var option in Options)
        {
            info.ArgumentList.Add(option);
        }

        info.ArgumentList.Add("-F");
        info.ArgumentList.Add(wavPath);
        info.ArgumentList.Add(SoundFont);
        info.ArgumentList.Add(midiPath);

        using var process = Process.Start(info) ?? throw new InvalidOperationException("fluidsynth did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"fluidsynth rendering {id} did not exit within 2 minutes");
        }

        process.WaitForExit(); // the output streams are complete only now
        var errors = (stderr.Result + stdout.Result).Trim();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"fluidsynth rendering {id} failed (exit {process.ExitCode}): {errors}");
        }

        // fluidsynth exits 0 when it cannot load a file; an empty or missing WAV is still a failure.
        if (!File.Exists(wavPath) || new FileInfo(wavPath).Length <= 44)
        {
            throw new InvalidOperationException($"fluidsynth rendering {id} wrote no audio: {errors}");
        }
    }

    private static IReadOnlyList<DrumPattern> Catalogue()
    {
        // Positions in counted beats; e and a are 16ths, 2/3 is the swung (triplet) off-beat.
        static IEnumerable<double> Every(double step, double bar) =>
            Enumerable.Range(0, (int)Math.Round(bar / step)).Select(i => i * step);

        DrumHit[] rock =
        [
            new(0, GmDrum.Kick, 110), new(2, GmDrum.Kick, 110), new(2.5, GmDrum.Kick, 100),
            new(1, GmDrum.Snare, 105), new(3, GmDrum.Snare, 105),
            .. Every(0.5, 4).Select(b => new DrumHit(b, GmDrum.ClosedHat, 80)),
        ];
        DrumHit[] funk =
        [
            new(0, GmDrum.Kick, 110), new(1.75, GmDrum.Kick, 100), new(2.5, GmDrum.Kick, 105),
            new(1, GmDrum.Snare, 110), new(3, GmDrum.Snare, 110),
            new(0.75, GmDrum.Snare, 35), new(2.25, GmDrum.Snare, 35), new(3.75, GmDrum.Snare, 35), // ghosts
            .. Every(0.25, 4).Select(b => new DrumHit(b, GmDrum.ClosedHat, b % 1 == 0 ? 95 : 55)),
        ];
        DrumHit[] waltz =
        [
            new(0, GmDrum.Kick, 110),
            new(1, GmDrum.Snare, 90), new(2, GmDrum.Snare, 90),
            .. Every(0.5, 3).Select(b => new DrumHit(b, GmDrum.ClosedHat, 75)),
        ];
        DrumHit[] sixEight =
        [
            new(0, GmDrum.Kick, 110), new(1, GmDrum.Kick, 90),
            new(1, GmDrum.Snare, 105),
            .. Every(1.0 / 3, 2).Select(b => new DrumHit(b, GmDrum.ClosedHat, 75)),
        ];
        DrumHit[] shuffle =
        [
            new(0, GmDrum.Kick, 110), new(2, GmDrum.Kick, 110),
            new(1, GmDrum.Snare, 105), new(3, GmDrum.Snare, 105),
            .. Every(1, 4).Select(b => new DrumHit(b, GmDrum.ClosedHat, 85)),
            .. Every(1, 4).Select(b => new DrumHit(b + (2.0 / 3), GmDrum.ClosedHat, 65)),
        ];
        // Spang-a-lang: ride on every beat, the swung skip note after 2 and 4 (leading into 3 and 1),
        // pedal hat on 2 and 4, the kick "feathered" on every beat, barely audible.
        DrumHit[] jazzRide =
        [
            .. Every(1, 4).Select(b => new DrumHit(b, GmDrum.Ride, 90)),
            new(1 + (2.0 / 3), GmDrum.Ride, 70), new(3 + (2.0 / 3), GmDrum.Ride, 70),
            new(1, GmDrum.PedalHat, 80), new(3, GmDrum.PedalHat, 80),
            .. Every(1, 4).Select(b => new DrumHit(b, GmDrum.Kick, 35)),
        ];

        (string Name, string Meter, double[] Tempos, DrumHit[] Bar)[] table =
        [
            ("rock", "4/4", [70, 96, 128, 164, 190], rock),
            ("funk", "4/4", [70, 95, 110], funk),
            ("waltz", "3/4", [90, 140, 180], waltz),
            ("six-eight", "6/8", [60, 80, 100], sixEight),
            ("shuffle", "4/4", [80, 120, 150], shuffle),
            ("jazz-ride", "4/4", [100, 140, 180], jazzRide),
        ];
        return [.. table.SelectMany(row => row.Tempos.SelectMany(bpm => new[]
        {
            new DrumPattern(row.Name, row.Meter, bpm, Humanized: false, row.Bar),
            new DrumPattern(row.Name, row.Meter, bpm, Humanized: true, row.Bar),
        }))];
    }

    /// <summary>Full path of an executable on PATH, or null.</summary>
    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, OperatingSystem.IsWindows() ? tool + ".exe" : tool))
            .FirstOrDefault(File.Exists);

    private static string ShortHash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes))[..12];
}

/// <summary>
/// A fact that renders drum patterns: skipped with the reason (decided at discovery, as xunit 2
/// has no runtime skip) when fluidsynth or the soundfont is absent, unless AURALIS_REQUIRE_FLUIDSYNTH=1.
/// </summary>
public sealed class FluidSynthFactAttribute : FactAttribute
{
    public FluidSynthFactAttribute()
    {
        if (DrumPatterns.UnavailableReason is { } reason && Environment.GetEnvironmentVariable("AURALIS_REQUIRE_FLUIDSYNTH") != "1")
        {
            Skip = reason + " (set AURALIS_REQUIRE_FLUIDSYNTH=1 to make this fail)";
        }
    }
}

/// <summary>A theory over rendered drum patterns, skipped like <see cref="FluidSynthFactAttribute"/>.</summary>
public sealed class FluidSynthTheoryAttribute : TheoryAttribute
{
    public FluidSynthTheoryAttribute()
    {
        if (DrumPatterns.UnavailableReason is { } reason && Environment.GetEnvironmentVariable("AURALIS_REQUIRE_FLUIDSYNTH") != "1")
        {
            Skip = reason + " (set AURALIS_REQUIRE_FLUIDSYNTH=1 to make this fail)";
        }
    }
}
