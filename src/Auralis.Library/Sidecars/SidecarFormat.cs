using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.Hashing;
using Auralis.Fingerprinting;
using Auralis.Library.Plans;
using Auralis.Mastering;

namespace Auralis.Library.Sidecars;

/// <summary>
/// The identity of an audio file's content as far as caching goes: a sidecar (or database row)
/// recorded for one signature is stale for any other.
/// </summary>
public readonly record struct AudioFileSignature(long SizeBytes, long MtimeNs)
{
    /// <summary>
    /// Size and mtime (Unix ns, UTC) of the file, following symbolic links; throws
    /// FileNotFoundException etc. as File APIs do. .NET exposes mtime in 100 ns ticks, so
    /// <see cref="MtimeNs"/> is a multiple of 100 (docs/sidecar.md).
    /// </summary>
    public static AudioFileSignature Of(string audioPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(audioPath);
        var info = new FileInfo(audioPath);

        // Length first: it throws for a missing file (LastWriteTimeUtc alone would return 1601)
        // and fills FileInfo's cached stat, so size and mtime come from the same stat call.
        var size = info.Length;
        return new AudioFileSignature(size, ToUnixNanoseconds(info.LastWriteTimeUtc));
    }

    /// <summary>Unix nanoseconds of a UTC time, saturated to the int64 range (years 1677-2262).</summary>
    internal static long ToUnixNanoseconds(DateTime utc)
    {
        var ticks = utc.Ticks - DateTime.UnixEpoch.Ticks;
        return ticks switch
        {
            > long.MaxValue / 100 => long.MaxValue,
            < long.MinValue / 100 => long.MinValue,
            _ => ticks * 100,
        };
    }
}

/// <summary>
/// The <c>.25d</c> sidecar of docs/sidecar.md, little-endian: the 132-byte fingerprint block
/// (magic, format version, dimension count, fingerprint version, the audio file's size and mtime,
/// the 25 float32 values, and a CRC-32 of everything before it), optionally followed by one plan
/// section (the mastering planner's stored measurements, with its own version and CRC-32). Every
/// CRC-32 is IEEE 802.3 (zlib's crc32: System.IO.Hashing's <see cref="Crc32"/>), stored little-endian.
/// </summary>
public static class SidecarFormat
{
    /// <summary>Total size of a sidecar in bytes.</summary>
    public const int Length = 132;

    /// <summary>Version of this layout (the original design's 120-byte layout was version 1).</summary>
    public const ushort FormatVersion = 2;

    internal const int FormatVersionOffset = 4;
    internal const int DimensionCountOffset = 6;
    internal const int FingerprintVersionOffset = 8;
    internal const int SizeOffset = 12;
    internal const int MtimeOffset = 20;
    internal const int ValuesOffset = 28;
    internal const int CrcOffset = 128;

    /// <summary>Version of the plan section's layout (its header and payload).</summary>
    public const ushort PlanSectionVersion = 1;

    /// <summary>Section magic, version and payload length before the payload; the CRC-32 after it.</summary>
    internal const int PlanHeaderLength = 8;

    internal const int PlanOverhead = PlanHeaderLength + 4;

    /// <summary>The longest sidecar: the fingerprint block and a plan section with the largest payload.</summary>
    public const int MaxFileLength = Length + PlanOverhead + ushort.MaxValue;

    /// <summary>The first four bytes, ASCII "AU25".</summary>
    public static ReadOnlySpan<byte> Magic => "AU25"u8;

    /// <summary>The plan section's first four bytes, ASCII "PLAN".</summary>
    public static ReadOnlySpan<byte> PlanMagic => "PLAN"u8;

    /// <summary>The fingerprint block followed by the plan section of <paramref name="plan"/>.</summary>
    public static byte[] Encode(Fingerprint fingerprint, uint fingerprintVersion, AudioFileSignature signature, StoredPlanData plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return [.. Encode(fingerprint, fingerprintVersion, signature), .. EncodePlanSection(plan)];
    }

    /// <summary>The plan section alone: "PLAN", section version, payload length, payload, CRC-32 of all before it.</summary>
    public static byte[] EncodePlanSection(StoredPlanData plan)
    {
        var payload = PlanDataCodec.Encode(plan);
        if (payload.Length > ushort.MaxValue)
        {
            throw new ArgumentException($"a plan payload of {payload.Length} bytes does not fit a section", nameof(plan));
        }

        var section = new byte[PlanOverhead + payload.Length];
        var span = section.AsSpan();
        PlanMagic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], PlanSectionVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)payload.Length);
        payload.CopyTo(span[PlanHeaderLength..]);
        var crcAt = PlanHeaderLength + payload.Length;
        BinaryPrimitives.WriteUInt32LittleEndian(span[crcAt..], Crc32.HashToUInt32(span[..crcAt]));
        return section;
    }

    /// <summary>
    /// Decodes a whole sidecar file: the fingerprint block (all of <see cref="TryDecode"/>'s checks)
    /// and, when the file is longer, the plan section after it. Anything after the block that is
    /// not framed as a section (magic "PLAN" and a payload length that ends exactly at the end of
    /// the file) makes the whole file invalid. A framed section whose version is unknown, whose
    /// CRC-32 fails or whose payload is malformed leaves the fingerprint valid (it has its own
    /// CRC) and <paramref name="plan"/> null with the cause in <paramref name="planReason"/>.
    /// Never throws for any input bytes.
    /// </summary>
    public static bool TryDecodeFile(
        ReadOnlySpan<byte> bytes,
        uint expectedFingerprintVersion,
        AudioFileSignature expected,
        [NotNullWhen(true)] out Fingerprint? fingerprint,
        out StoredPlanData? plan,
        out string reason,
        out string planReason)
    {
        plan = null;
        if (bytes.Length == Length)
        {
            planReason = "no plan section";
            return TryDecode(bytes, expectedFingerprintVersion, expected, out fingerprint, out reason);
        }

        fingerprint = null;
        planReason = "no plan section";
        if (bytes.Length < Length + PlanOverhead || bytes.Length > MaxFileLength)
        {
            reason = $"length is {bytes.Length} bytes, a sidecar has exactly {Length}, or {Length} plus a plan section of {PlanOverhead} to {PlanOverhead + ushort.MaxValue} (truncated, or not a sidecar)";
            return false;
        }

        var section = bytes[Length..];
        var payloadLength = BinaryPrimitives.ReadUInt16LittleEndian(section[6..]);
        if (!section[..PlanMagic.Length].SequenceEqual(PlanMagic) || PlanOverhead + payloadLength != section.Length)
        {
            reason = $"length is {bytes.Length} bytes and the {section.Length} bytes after the fingerprint block are not a plan section (magic 0x{Convert.ToHexString(section[..4])}, payload length {payloadLength})";
            return false;
        }

        if (!TryDecode(bytes[..Length], expectedFingerprintVersion, expected, out fingerprint, out reason))
        {
            return false;
        }

        var sectionVersion = BinaryPrimitives.ReadUInt16LittleEndian(section[4..]);
        var crcAt = PlanHeaderLength + payloadLength;
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(section[crcAt..]);
        var computedCrc = Crc32.HashToUInt32(section[..crcAt]);
        if (storedCrc != computedCrc)
        {
            planReason = $"plan section CRC-32 mismatch (stored 0x{storedCrc:x8}, computed 0x{computedCrc:x8}): the section is corrupt (the fingerprint is intact)";
        }
        else if (sectionVersion != PlanSectionVersion)
        {
            planReason = $"plan section version {sectionVersion}, this program reads version {PlanSectionVersion}";
        }
        else if (!PlanDataCodec.TryDecode(section[PlanHeaderLength..crcAt], out plan, out var payloadReason))
        {
            planReason = $"plan section payload invalid: {payloadReason}";
        }
        else
        {
            planReason = "valid";
        }

        return true;
    }

    /// <summary>The sidecar bytes binding <paramref name="fingerprint"/> to one audio file's signature.</summary>
    public static byte[] Encode(Fingerprint fingerprint, uint fingerprintVersion, AudioFileSignature signature)
    {
        ArgumentNullException.ThrowIfNull(fingerprint);

        var bytes = new byte[Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteUInt16LittleEndian(span[FormatVersionOffset..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[DimensionCountOffset..], Fingerprint.Dimensions);
        BinaryPrimitives.WriteUInt32LittleEndian(span[FingerprintVersionOffset..], fingerprintVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[SizeOffset..], signature.SizeBytes);
        BinaryPrimitives.WriteInt64LittleEndian(span[MtimeOffset..], signature.MtimeNs);

        var values = fingerprint.Values;
        for (var i = 0; i < Fingerprint.Dimensions; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(span[(ValuesOffset + (4 * i))..], values[i]);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(span[CrcOffset..], Crc32.HashToUInt32(span[..CrcOffset]));
        return bytes;
    }

    /// <summary>
    /// Validates everything (length exactly 132, magic, format version, dimension count 25,
    /// CRC-32, fingerprint_version == expected, size and mtime == expected, every value finite)
    /// and never throws for any input bytes. On failure <paramref name="reason"/> says which
    /// check failed, for logs.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> bytes,
        uint expectedFingerprintVersion,
        AudioFileSignature expected,
        [NotNullWhen(true)] out Fingerprint? fingerprint,
        out string reason)
    {
        fingerprint = null;

        if (bytes.Length != Length)
        {
            reason = $"length is {bytes.Length} bytes, a sidecar has exactly {Length} (truncated, or not a sidecar)";
            return false;
        }

        if (!bytes[..Magic.Length].SequenceEqual(Magic))
        {
            reason = $"bad magic 0x{Convert.ToHexString(bytes[..Magic.Length])}, expected \"AU25\" (not an Auralis .25d sidecar)";
            return false;
        }

        var formatVersion = BinaryPrimitives.ReadUInt16LittleEndian(bytes[FormatVersionOffset..]);
        if (formatVersion != FormatVersion)
        {
            reason = $"format version {formatVersion}, this program reads version {FormatVersion}";
            return false;
        }

        var dimensions = BinaryPrimitives.ReadUInt16LittleEndian(bytes[DimensionCountOffset..]);
        if (dimensions != Fingerprint.Dimensions)
        {
            reason = $"dimension count {dimensions}, expected {Fingerprint.Dimensions}";
            return false;
        }

        // The CRC before the semantic checks: a damaged file reports "corrupt", and a stale
        // reason (version, size, mtime) is only ever given for intact data.
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes[CrcOffset..]);
        var computedCrc = Crc32.HashToUInt32(bytes[..CrcOffset]);
        if (storedCrc != computedCrc)
        {
            reason = $"CRC-32 mismatch (stored 0x{storedCrc:x8}, computed 0x{computedCrc:x8}): the sidecar is corrupt";
            return false;
        }

        var fingerprintVersion = BinaryPrimitives.ReadUInt32LittleEndian(bytes[FingerprintVersionOffset..]);
        if (fingerprintVersion != expectedFingerprintVersion)
        {
            reason = $"fingerprint version {fingerprintVersion}, expected {expectedFingerprintVersion} (stale: another algorithm version)";
            return false;
        }

        var size = BinaryPrimitives.ReadInt64LittleEndian(bytes[SizeOffset..]);
        if (size != expected.SizeBytes)
        {
            reason = $"recorded audio size {size} bytes, the file has {expected.SizeBytes} (stale: the audio changed)";
            return false;
        }

        var mtime = BinaryPrimitives.ReadInt64LittleEndian(bytes[MtimeOffset..]);
        if (mtime != expected.MtimeNs)
        {
            reason = $"recorded audio mtime {mtime} ns, the file has {expected.MtimeNs} (stale: the audio changed)";
            return false;
        }

        Span<float> values = stackalloc float[Fingerprint.Dimensions];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(ValuesOffset + (4 * i))..]);
            if (!float.IsFinite(values[i]))
            {
                reason = $"dimension {i} ({FingerprintDimensions.Names[i]}) is {values[i]}: fingerprints are always finite";
                return false;
            }
        }

        fingerprint = new Fingerprint(values);
        reason = "valid";
        return true;
    }
}
