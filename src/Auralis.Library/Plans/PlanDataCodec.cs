using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Auralis.Mastering;

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

        var bytes = new byte[HeaderLength + names.Sum(n => 1 + n.Length + EntryFixedLength)];
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

        if (at != bytes.Length)
        {
            reason = $"payload is {bytes.Length} bytes, its {count} entries end at byte {at}";
            return false;
        }

        data = new StoredPlanData(version, hash, rate, channels, presets);
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
