using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace Auralis.Tests.Fingerprinting;

/// <summary>
/// The drum-pattern generator itself (not the tempo analysis): the MIDI files say what the
/// catalogue claims, and fluidsynth's renders put the hits where the MIDI file does.
/// </summary>
public sealed class DrumPatternRenderTests(ITestOutputHelper output)
{
    [Fact]
    public void Catalogue_holds_every_pattern_at_every_tempo_straight_and_humanized()
    {
        Assert.Equal(40, DrumPatterns.All.Count);
        Assert.Equal(DrumPatterns.All.Count, DrumPatterns.All.Select(p => p.Id).Distinct().Count());
        Assert.Equal("rock-164-straight", DrumPatterns.Get("rock-164-straight").ToString());
        Assert.True(DrumPatterns.Get("six-eight-60-humanized").Humanized);
        Assert.All(DrumPatterns.All, p => Assert.InRange(p.NotatedBpm, 60, 200));
    }

    [Theory]
    [InlineData(70)]
    [InlineData(96)]
    [InlineData(128)]
    [InlineData(164)]
    [InlineData(190)]
    public void Straight_rock_has_a_kick_or_snare_on_every_beat_at_k_times_60_over_bpm_seconds(double bpm)
    {
        var midi = Parse(DrumPatterns.Get($"rock-{bpm}-straight").ToMidi());
        Assert.Equal(((byte)4, (byte)2), (midi.Numerator, midi.DenominatorPower));
        var secondsPerTick = midi.MicrosecondsPerQuarter / 1e6 / MidiFile.TicksPerQuarter;
        var ons = midi.Notes.Where(n => n.On).ToList();
        var beats = (int)Math.Ceiling(30.0 * bpm / 60.0);
        for (var k = 0; k < beats; k++)
        {
            var beatKeys = ons.Where(n => n.Tick == k * 480L).Select(n => n.Key).ToList();
            Assert.Contains(k % 2 == 0 ? GmDrum.Kick : GmDrum.Snare, beatKeys);
            // Exact up to the file's whole-microsecond tempo: at most 0.5 us per beat.
            Assert.InRange((k * 480L * secondsPerTick) - (k * 60.0 / bpm), -0.5e-6 * (k + 1), 0.5e-6 * (k + 1));
        }

        var hats = ons.Where(n => n.Key == GmDrum.ClosedHat).Select(n => n.Tick).ToList();
        Assert.Equal(Enumerable.Range(0, hats.Count).Select(i => i * 240L), hats);
        Assert.InRange(hats.Count * 240L * secondsPerTick, 30.0 - (60.0 / bpm / 2), 30.0 + 1e-4);
    }

    [Fact]
    public void Every_pattern_writes_a_well_formed_midi_file_with_its_bars_on_the_notated_tempo()
    {
        foreach (var pattern in DrumPatterns.All)
        {
            var midi = Parse(pattern.ToMidi());
            Assert.Equal((byte)pattern.Numerator, midi.Numerator);
            Assert.Equal(pattern.Denominator, 1 << midi.DenominatorPower);
            var secondsPerTick = midi.MicrosecondsPerQuarter / 1e6 / MidiFile.TicksPerQuarter;
            Assert.InRange(midi.EndTick * secondsPerTick, 30.0 - 0.001, 30.0 + 0.001);

            // Every note-on is released NoteTicks later; every note lies inside the 30 s.
            var ons = midi.Notes.Where(n => n.On).ToList();
            Assert.Equal(ons.Count, midi.Notes.Count(n => !n.On));
            Assert.All(ons, on => Assert.Contains(midi.Notes, off => !off.On && off.Key == on.Key && off.Tick == on.Tick + MidiFile.NoteTicks));
            Assert.All(ons, on => Assert.True(on.Tick * secondsPerTick < 30.0, $"{pattern}: a note at {on.Tick * secondsPerTick} s"));
            Assert.All(ons, on => Assert.InRange(on.Velocity, 1, 127));

            if (!pattern.Humanized)
            {
                // A bar is BeatsPerBar counted beats of 60/BPM s: 6/8 at 60 has a bar every 2 s.
                var barSeconds = pattern.BeatsPerBar * 60.0 / pattern.NotatedBpm;
                var bars = (int)Math.Ceiling(30.0 / barSeconds);
                var barTicks = pattern.BeatsPerBar * pattern.TicksPerBeat;
                Assert.Equal(ons.Count(n => n.Tick < barTicks) * (bars - 1), ons.Count(n => n.Tick < (bars - 1) * barTicks));
                for (var bar = 0; bar < bars; bar++)
                {
                    Assert.Contains(ons, n => n.Tick == bar * barTicks);
                    // The file's tempo is whole microseconds per quarter: at most 0.5 us off per quarter.
                    var tolerance = 0.5e-6 * ((bar * barTicks / (double)MidiFile.TicksPerQuarter) + 1);
                    Assert.InRange((bar * barTicks * secondsPerTick) - (bar * barSeconds), -tolerance, tolerance);
                }
            }
        }
    }

    [Fact]
    public void Humanized_variant_moves_onsets_at_most_8_ms_and_velocities_at_most_12_and_is_the_same_every_run()
    {
        foreach (var humanized in DrumPatterns.All.Where(p => p.Humanized))
        {
            var straight = humanized with { Humanized = false };
            Assert.Equal(humanized.ToMidi(), humanized.ToMidi());
            Assert.NotEqual(straight.ToMidi(), humanized.ToMidi());

            // Per key, hits are >= 110 ms apart, so 8 ms of jitter keeps their order: pair them up.
            // A late hit just before 30 s can move past the end and be cut: compare up to it.
            var halfTick = humanized.SecondsPerTick / 2;
            var largest = 0.0;
            foreach (var key in straight.Bar.Select(h => h.Key).Distinct())
            {
                var a = straight.Notes().Where(n => n.Key == key).ToList();
                var b = humanized.Notes().Where(n => n.Key == key).ToList();
                Assert.InRange(b.Count, a.Count - 1, a.Count);
                for (var i = 0; i < b.Count; i++)
                {
                    var shift = Math.Abs(b[i].Tick - a[i].Tick) * humanized.SecondsPerTick;
                    // The velocity jitter may hit 1 or 127 and stop there; any other change is at most 12.
                    Assert.True(shift <= DrumPattern.JitterSeconds + halfTick, $"{humanized} key {key}: moved {shift * 1000:F2} ms");
                    Assert.InRange(b[i].Velocity, Math.Max(1, a[i].Velocity - 12), Math.Min(127, a[i].Velocity + 12));
                    largest = Math.Max(largest, shift);
                }
            }

            Assert.True(largest > 0.006, $"{humanized}: the largest shift is only {largest * 1000:F2} ms");
        }
    }

    [FluidSynthFact]
    public void Rendered_straight_rock_128_starts_every_eighth_note_within_5_ms_after_the_60_over_128_s_grid()
    {
        var pattern = DrumPatterns.Get("rock-128-straight");
        var path = DrumPatterns.Render(pattern, out var skipReason);
        Assert.True(path is not null, skipReason);
        var (samples, rate, channels) = DrumPatterns.ReadWav(path);
        Assert.Equal((DrumPatterns.SampleRate, 2), (rate, channels));
        var mono = Enumerable.Range(0, samples.Length / 2).Select(i => (samples[2 * i] + samples[2 * i + 1]) / 2).ToArray();

        // Every hit of the rock bar is on an eighth note; at 128 BPM the previous hit has decayed to
        // below 0.004 by the next eighth (234 ms), so the first sample above 0.01 marks the new one.
        var eighth = 30.0 / 128.0;
        var offsets = new List<double>();
        for (var k = 0; k * eighth < 30.0; k++)
        {
            var t = k * eighth * rate;
            var from = Math.Max(0, (int)(t - (0.002 * rate)));
            var quietFrom = Math.Max(0, (int)(t - (0.020 * rate)));
            var before = from > quietFrom ? mono[quietFrom..from].Max(Math.Abs) : 0f;
            var threshold = Math.Max(0.01, 3 * before);
            var onset = Array.FindIndex(mono, from, (int)(0.025 * rate), x => Math.Abs(x) > threshold);
            Assert.True(onset >= 0, $"no onset near {k * eighth:F4} s (level before {before:F4})");
            offsets.Add((onset - t) / rate);
        }

        // fluidsynth starts a note at the next 64-sample block (0-1.45 ms), and the samples open with
        // 1.7-3.4 ms below the threshold: so 0-5 ms after the grid, never before it, and no drift.
        output.WriteLine($"onset - grid: {offsets.Min() * 1000:F2} to {offsets.Max() * 1000:F2} ms over {offsets.Count} eighths");
        Assert.All(offsets, d => Assert.InRange(d, 0.0, 0.005));
        Assert.InRange(offsets.Max() - offsets.Min(), 0.0, 0.0025);
        var firstHalf = offsets.Take(offsets.Count / 2).Average();
        var secondHalf = offsets.Skip(offsets.Count / 2).Average();
        Assert.InRange(secondHalf - firstHalf, -0.0005, 0.0005);
    }

    [FluidSynthFact]
    public void Every_pattern_renders_to_at_least_30_s_of_44_1_kHz_stereo_without_clipping()
    {
        var clock = Stopwatch.StartNew();
        var paths = new ConcurrentDictionary<DrumPattern, string>();
        Parallel.ForEach(DrumPatterns.All, pattern =>
        {
            var path = DrumPatterns.Render(pattern, out var skipReason);
            Assert.True(path is not null, skipReason);
            paths[pattern] = path;
        });
        output.WriteLine($"{DrumPatterns.All.Count} renders (or cache hits) in {clock.Elapsed.TotalSeconds:F1} s, in {DrumPatterns.RenderDirectory}");

        foreach (var pattern in DrumPatterns.All)
        {
            var (samples, rate, channels) = DrumPatterns.ReadWav(paths[pattern]);
            Assert.Equal((DrumPatterns.SampleRate, 2), (rate, channels));
            var seconds = samples.Length / 2.0 / rate;
            var peak = samples.Max(Math.Abs);
            var lastAudible = Array.FindLastIndex(samples, x => Math.Abs(x) > 1e-4) / 2.0 / rate;
            output.WriteLine($"{pattern,-26} {seconds:F2} s, last audible {lastAudible:F2} s, peak {peak:F3}");
            Assert.InRange(seconds, 30.0, 40.0);
            Assert.InRange(lastAudible, 29.0, 35.0);
            Assert.InRange(peak, 0.05, 0.9);
        }
    }

    private readonly record struct Note(long Tick, bool On, int Key, int Velocity);

    private sealed record Midi(int MicrosecondsPerQuarter, byte Numerator, byte DenominatorPower, List<Note> Notes, long EndTick);

    /// <summary>
    /// A strict reader for exactly what MidiFile writes: one format-0 track at 480 ticks per quarter,
    /// tempo and time signature first, channel-10 notes without running status, end of track last.
    /// </summary>
    private static Midi Parse(byte[] bytes)
    {
        Assert.Equal("MThd"u8.ToArray(), bytes[..4]);
        Assert.Equal((6, 0, 1, 480), (BigEndian(bytes, 4, 4), BigEndian(bytes, 8, 2), BigEndian(bytes, 10, 2), BigEndian(bytes, 12, 2)));
        Assert.Equal("MTrk"u8.ToArray(), bytes[14..18]);
        Assert.Equal(bytes.Length - 22, BigEndian(bytes, 18, 4));

        var at = 22;
        var tick = 0L;
        int? tempo = null;
        (byte, byte)? signature = null;
        var notes = new List<Note>();
        while (true)
        {
            tick += VariableLength(bytes, ref at);
            var status = bytes[at++];
            if (status == 0xFF)
            {
                var type = bytes[at++];
                var length = (int)VariableLength(bytes, ref at);
                var data = bytes[at..(at + length)];
                at += length;
                switch (type)
                {
                    case 0x51:
                        Assert.Equal((3, 0L, 0), (length, tick, notes.Count));
                        tempo = BigEndian(data, 0, 3);
                        break;
                    case 0x58:
                        Assert.Equal((4, 0L, 0), (length, tick, notes.Count));
                        signature = (data[0], data[1]);
                        break;
                    case 0x2F:
                        Assert.Equal(bytes.Length, at);
                        Assert.NotNull(tempo);
                        Assert.NotNull(signature);
                        return new Midi(tempo.Value, signature.Value.Item1, signature.Value.Item2, notes, tick);
                    default:
                        Assert.Fail($"unexpected meta event {type:X2}");
                        break;
                }
            }
            else
            {
                Assert.True(status is 0x99 or 0x89, $"status {status:X2} at byte {at - 1}: only channel-10 notes expected");
                notes.Add(new Note(tick, status == 0x99, bytes[at], bytes[at + 1]));
                Assert.True(bytes[at] < 128 && bytes[at + 1] < 128, "data bytes have the high bit clear");
                at += 2;
            }
        }
    }

    private static long VariableLength(byte[] bytes, ref int at)
    {
        var value = 0L;
        for (var i = 0; i < 4; i++)
        {
            var b = bytes[at++];
            value = (value << 7) | (b & 0x7FL);
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("a variable-length quantity longer than 4 bytes");
    }

    private static int BigEndian(byte[] bytes, int at, int count)
    {
        var value = 0;
        for (var i = 0; i < count; i++)
        {
            value = (value << 8) | bytes[at + i];
        }

        return value;
    }
}
