using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;

namespace Auralis.Library.Plans;

/// <summary>
/// The bytes of <see cref="StoredPlanData"/> (docs/sidecar.md, "Plan payload"): the same payload is
/// the sidecar's plan section body and the database's <c>track_plan_data.data</c>, so the two
/// stores can never disagree on what a measurement is. Little-endian throughout.
/// </summary>
public static class PlanDataCodec
{
    /// <summary>Bytes before the first preset entry.</summary>
    internal const int HeaderLength = 16;

    /// <summary>Bytes of a preset entry after its name.</summary>
    internal const int EntryFixedLength = 45;

    /// <summary>Bytes of the loudness block before its bins (docs/sidecar.md, "Plan payload").</summary>
    internal const int LoudnessFixedLength = 34;

    /// <summary>Bytes of one histogram bin: index u16, count u32, energy sum f64.</summary>
    internal const int BinLength = 14;

    /// <summary>The most presets a payload may carry (there are five; room for more, not for garbage).</summary>
    public const int MaxPresets = 32;

    /// <summary>The longest preset name, in ASCII bytes.</summary>
    public const int MaxNameLength = 32;

    public static byte[] Encode(StoredPlanData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Presets.Count > MaxPresets)
        {
            throw new ArgumentException($"{data.Presets.Count} presets, a payload holds at most {MaxPresets}", nameof(data));
        }

        var names = data.Presets.Select(p => Encoding.ASCII.GetBytes(p.Preset)).ToArray();
        if (names.Any(n => n.Length is 0 or > MaxNameLength))
        {
            throw new ArgumentException($"preset names are 1 to {MaxNameLength} ASCII characters", nameof(data));
        }

        var loudness = data.Loudness;
        var loudnessLength = loudness is null ? 0 : LoudnessFixedLength + (BinLength * loudness.Histogram.Bins.Count);
        var bytes = new byte[HeaderLength + names.Sum(n => 1 + n.Length + EntryFixedLength) + loudnessLength];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, data.DataVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], data.FingerprintHash);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], data.SampleRate);
        BinaryPrimitives.WriteUInt16LittleEndian(span[12..], checked((ushort)data.Channels));
        BinaryPrimitives.WriteUInt16LittleEndian(span[14..], (ushort)data.Presets.Count);
        var at = HeaderLength;
        for (var i = 0; i < names.Length; i++)
        {
            var m = data.Presets[i].Measured;
            span[at] = (byte)names[i].Length;
            names[i].CopyTo(span[(at + 1)..]);
            var entry = span[(at + 1 + names[i].Length)..];
            BinaryPrimitives.WriteDoubleLittleEndian(entry, m.Lufs);
            BinaryPrimitives.WriteDoubleLittleEndian(entry[8..], m.TruePeakDbtp);
            BinaryPrimitives.WriteDoubleLittleEndian(entry[16..], m.LimitedLufs);
            BinaryPrimitives.WriteInt64LittleEndian(entry[24..], m.FramesMeasured);
            BinaryPrimitives.WriteInt64LittleEndian(entry[32..], m.FramesRead);
            BinaryPrimitives.WriteInt32LittleEndian(entry[40..], m.WindowEvery);
            entry[44] = checked((byte)m.Passes);
            at += 1 + names[i].Length + EntryFixedLength;
        }

        if (loudness is not null)
        {
            WriteLoudness(span[at..], loudness);
        }

        return bytes;
    }

    /// <summary>
    /// Decodes and checks a payload (exact length, counts, names, passes 1 or 2, loudness and peak
    /// finite, the limited loudness finite exactly when two passes ran). Never throws for any
    /// input; on failure <paramref name="reason"/> says what is wrong. The data version is not
    /// checked here: stale data decodes, and the planner refuses it.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out StoredPlanData? data, out string reason)
    {
        data = null;
        if (bytes.Length < HeaderLength)
        {
            reason = $"payload is {bytes.Length} bytes, shorter than its {HeaderLength}-byte header";
            return false;
        }

        var version = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        var hash = BinaryPrimitives.ReadUInt32LittleEndian(bytes[4..]);
        var rate = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(bytes[12..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[14..]);
        if (rate <= 0 || channels == 0 || count > MaxPresets)
        {
            reason = $"header has sample rate {rate}, {channels} channels, {count} presets: not a measurement";
            return false;
        }

        var presets = new List<PresetPlanData>(count);
        var at = HeaderLength;
        for (var i = 0; i < count; i++)
        {
            var nameLength = at < bytes.Length ? bytes[at] : -1;
            if (nameLength is < 1 or > MaxNameLength || at + 1 + nameLength + EntryFixedLength > bytes.Length)
            {
                reason = $"preset entry {i} at byte {at} is truncated or has a bad name length";
                return false;
            }

            var nameBytes = bytes.Slice(at + 1, nameLength);
            foreach (var b in nameBytes)
            {
                if (b is < 0x21 or > 0x7E)
                {
                    reason = $"preset entry {i} has a name that is not printable ASCII";
                    return false;
                }
            }

            var entry = bytes[(at + 1 + nameLength)..];
            var measured = new PlanMeasurement(
                BinaryPrimitives.ReadDoubleLittleEndian(entry),
                BinaryPrimitives.ReadDoubleLittleEndian(entry[8..]),
                BinaryPrimitives.ReadDoubleLittleEndian(entry[16..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[24..]),
                BinaryPrimitives.ReadInt64LittleEndian(entry[32..]),
                BinaryPrimitives.ReadInt32LittleEndian(entry[40..]),
                entry[44]);
            var name = Encoding.ASCII.GetString(nameBytes);
            if (Problem(measured) is { } problem)
            {
                reason = $"preset entry {i} ({name}): {problem}";
                return false;
            }

            presets.Add(new PresetPlanData(name, measured));
            at += 1 + nameLength + EntryFixedLength;
        }

        TrackLoudness? loudness = null;
        if (at != bytes.Length && !TryReadLoudness(bytes[at..], out loudness, out var loudnessReason))
        {
            reason = $"payload is {bytes.Length} bytes, its {count} entries end at byte {at}, and what follows is not a loudness block: {loudnessReason}";
            return false;
        }

        data = new StoredPlanData(version, hash, rate, channels, presets) { Loudness = loudness };
        reason = "valid";
        return true;
    }

    private static void WriteLoudness(Span<byte> span, TrackLoudness loudness)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span, loudness.Frames);
        BinaryPrimitives.WriteDoubleLittleEndian(span[8..], loudness.IntegratedLufs);
        BinaryPrimitives.WriteDoubleLittleEndian(span[16..], loudness.TruePeakDbtp);
        BinaryPrimitives.WriteDoubleLittleEndian(span[24..], loudness.SamplePeakDbfs);
        BinaryPrimitives.WriteUInt16LittleEndian(span[32..], checked((ushort)loudness.Histogram.Bins.Count));
        var at = LoudnessFixedLength;
        foreach (var bin in loudness.Histogram.Bins)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(span[at..], bin.Index);
            BinaryPrimitives.WriteUInt32LittleEndian(span[(at + 2)..], bin.Count);
            BinaryPrimitives.WriteDoubleLittleEndian(span[(at + 6)..], bin.EnergySum);
            at += BinLength;
        }
    }

    private static bool TryReadLoudness(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out TrackLoudness? loudness, out string reason)
    {
        loudness = null;
        if (bytes.Length < LoudnessFixedLength)
        {
            reason = $"{bytes.Length} bytes, shorter than its {LoudnessFixedLength}-byte header";
            return false;
        }

        var frames = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var lufs = BinaryPrimitives.ReadDoubleLittleEndian(bytes[8..]);
        var truePeak = BinaryPrimitives.ReadDoubleLittleEndian(bytes[16..]);
        var samplePeak = BinaryPrimitives.ReadDoubleLittleEndian(bytes[24..]);
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes[32..]);
        if (bytes.Length != LoudnessFixedLength + (count * BinLength))
        {
            reason = $"{bytes.Length} bytes, {count} bins need {LoudnessFixedLength + (count * BinLength)}";
            return false;
        }

        if (frames < 0 || !double.IsFinite(lufs) || !double.IsFinite(truePeak) || !double.IsFinite(samplePeak))
        {
            reason = "frames negative, or loudness or a peak not finite";
            return false;
        }

        var bins = new LoudnessBin[count];
        for (var i = 0; i < count; i++)
        {
            var at = LoudnessFixedLength + (i * BinLength);
            bins[i] = new LoudnessBin(
                BinaryPrimitives.ReadUInt16LittleEndian(bytes[at..]),
                BinaryPrimitives.ReadUInt32LittleEndian(bytes[(at + 2)..]),
                BinaryPrimitives.ReadDoubleLittleEndian(bytes[(at + 6)..]));
            if (bins[i].Index >= LoudnessHistogram.BinCount || (i > 0 && bins[i].Index <= bins[i - 1].Index) || bins[i].Count == 0 || !(bins[i].EnergySum > 0.0) || !double.IsFinite(bins[i].EnergySum))
            {
                reason = $"bin {i} is out of range, out of order, empty or has an impossible energy";
                return false;
            }
        }

        loudness = new TrackLoudness(frames, lufs, truePeak, samplePeak, new LoudnessHistogram(bins));
        reason = "valid";
        return true;
    }

    private static string? Problem(PlanMeasurement m) =>
        m.Passes is not (1 or 2) ? $"passes is {m.Passes}, expected 1 or 2"
        : !double.IsFinite(m.Lufs) || !double.IsFinite(m.TruePeakDbtp) ? "loudness or true peak is not finite"
        : m.Passes == 2 != double.IsFinite(m.LimitedLufs) ? "the limited loudness must be finite exactly when two passes ran"
        : m.WindowEvery < 1 || m.FramesMeasured < 0 || m.FramesRead < m.FramesMeasured ? "window step or frame counts are impossible"
        : null;
}
