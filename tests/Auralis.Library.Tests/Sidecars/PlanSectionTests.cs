using System.Buffers.Binary;
using System.IO.Hashing;
using Auralis.Fingerprinting;
using Auralis.Library.Plans;
using Auralis.Library.Sidecars;
using Auralis.Library.Tests.Plans;
using Auralis.Mastering;

namespace Auralis.Library.Tests.Sidecars;

/// <summary>The sidecar's optional plan section (docs/sidecar.md, "Plan section").</summary>
public sealed class PlanSectionTests
{
    private const uint Version = Fingerprint.FingerprintVersion;
    private static readonly AudioFileSignature Signature = SidecarSamples.Signature;
    private static readonly Fingerprint Print = SidecarSamples.Fingerprint(1);
    private static readonly StoredPlanData Plan = PlanSamples.For(Print);
    private static readonly byte[] WithPlan = SidecarFormat.Encode(Print, Version, Signature, Plan);

    private static (bool Ok, Fingerprint? Fingerprint, StoredPlanData? Plan, string Reason, string PlanReason) Decode(byte[] bytes)
    {
        var ok = SidecarFormat.TryDecodeFile(bytes, Version, Signature, out var fingerprint, out var plan, out var reason, out var planReason);
        return (ok, fingerprint, plan, reason, planReason);
    }

    /// <summary>Every field of every preset entry survives encode and decode bit for bit, NaN and extremes included.</summary>
    [Fact]
    public void A_sidecar_with_a_plan_section_round_trips_the_fingerprint_and_the_plan_data()
    {
        var decoded = Decode(WithPlan);
        Assert.True(decoded.Ok, decoded.Reason);
        Assert.Equal(Print, decoded.Fingerprint);
        Assert.Equal("valid", decoded.PlanReason);
        PlanSamples.AssertSame(Plan, decoded.Plan);
    }

    /// <summary>The section sits after the unchanged 132-byte block with the documented header and CRC (docs/sidecar.md).</summary>
    [Fact]
    public void The_section_has_the_documented_layout()
    {
        var block = SidecarFormat.Encode(Print, Version, Signature);
        Assert.Equal(block, WithPlan[..SidecarFormat.Length]);
        var section = WithPlan.AsSpan(SidecarFormat.Length);
        Assert.Equal("PLAN"u8.ToArray(), section[..4].ToArray());
        Assert.Equal(1, BinaryPrimitives.ReadUInt16LittleEndian(section[4..]));
        var payloadLength = BinaryPrimitives.ReadUInt16LittleEndian(section[6..]);
        Assert.Equal(section.Length, 8 + payloadLength + 4);
        Assert.Equal(Crc32.HashToUInt32(section[..(8 + payloadLength)]), BinaryPrimitives.ReadUInt32LittleEndian(section[(8 + payloadLength)..]));

        var payload = section.Slice(8, payloadLength);
        Assert.Equal(StoredPlanData.CurrentVersion, BinaryPrimitives.ReadInt32LittleEndian(payload));
        Assert.Equal(StoredPlanData.HashOf(Print), BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));
        Assert.Equal(44_100, BinaryPrimitives.ReadInt32LittleEndian(payload[8..]));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(payload[12..]));
        Assert.Equal(MasteringPresets.Names.Count, BinaryPrimitives.ReadUInt16LittleEndian(payload[14..]));
        Assert.Equal(8, payload[16]); // "adaptive"
        Assert.Equal("adaptive"u8.ToArray(), payload.Slice(17, 8).ToArray());
        Assert.Equal(-23.456789, BinaryPrimitives.ReadDoubleLittleEndian(payload[25..]));
        Assert.Equal(1, payload[16 + 1 + 8 + 44]); // passes of the first entry
        var entriesEnd = 16 + MasteringPresets.Names.Sum(n => 1 + n.Length + 45);
        Assert.Equal(entriesEnd + 34 + (3 * 14), payloadLength);
        var loudness = payload[entriesEnd..];
        Assert.Equal(7_938_000, BinaryPrimitives.ReadInt64LittleEndian(loudness));
        Assert.Equal(-14.123456789, BinaryPrimitives.ReadDoubleLittleEndian(loudness[8..]));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16LittleEndian(loudness[32..]));
        Assert.Equal(555, BinaryPrimitives.ReadUInt16LittleEndian(loudness[(34 + 14)..]));
        Assert.Equal(1_000_000u, BinaryPrimitives.ReadUInt32LittleEndian(loudness[(34 + 14 + 2)..]));
        Assert.Equal(1234.5678, BinaryPrimitives.ReadDoubleLittleEndian(loudness[(34 + 14 + 6)..]));
        Assert.Equal(420 + 34 + (3 * 14), WithPlan.Length); // the size docs/sidecar.md gives for five presets and three bins
    }

    /// <summary>A payload written before track loudness existed (entries only) decodes, without loudness, and serves no fingerprint.</summary>
    [Fact]
    public void A_payload_without_a_loudness_block_decodes_and_is_not_enough_for_the_scan()
    {
        var old = Plan with { Loudness = null };
        Assert.True(PlanDataCodec.TryDecode(PlanDataCodec.Encode(old), out var decoded, out var reason), reason);
        Assert.Null(decoded.Loudness);
        Assert.False(decoded.Serves(Print));
        Assert.True(Plan.Serves(Print));
    }

    /// <summary>A loudness block cut short, or with bins out of order, refuses the plan data with the cause.</summary>
    [Fact]
    public void A_damaged_loudness_block_is_refused_with_its_cause()
    {
        var payload = PlanDataCodec.Encode(Plan);
        Assert.False(PlanDataCodec.TryDecode(payload.AsSpan(0, payload.Length - 1), out _, out var reason));
        Assert.Contains("not a loudness block", reason);

        var swapped = payload.ToArray();
        var firstBin = payload.Length - (3 * 14);
        BinaryPrimitives.WriteUInt16LittleEndian(swapped.AsSpan(firstBin), 600);
        Assert.False(PlanDataCodec.TryDecode(swapped, out _, out reason));
        Assert.Contains("out of order", reason);
    }

    /// <summary>A reader of the plain format (exactly 132 bytes) rejects a sidecar with a section by its length, never misreads it.</summary>
    [Fact]
    public void An_old_reader_rejects_a_sidecar_with_a_section_cleanly()
    {
        Assert.False(SidecarFormat.TryDecode(WithPlan, Version, Signature, out var fingerprint, out var reason));
        Assert.Null(fingerprint);
        Assert.Contains($"length is {WithPlan.Length} bytes", reason);
    }

    /// <summary>Sidecars written before the section existed still give their fingerprint, with no plan data.</summary>
    [Fact]
    public void An_old_sidecar_without_a_section_loads_its_fingerprint()
    {
        var decoded = Decode(SidecarFormat.Encode(Print, Version, Signature));
        Assert.True(decoded.Ok, decoded.Reason);
        Assert.Equal(Print, decoded.Fingerprint);
        Assert.Null(decoded.Plan);
        Assert.Equal("no plan section", decoded.PlanReason);
    }

    /// <summary>
    /// Any single-byte corruption of the section's version, payload or CRC is caught by the
    /// section's CRC: the plan data is refused with the reason and the fingerprint (own CRC) kept.
    /// </summary>
    [Fact]
    public void A_corrupt_section_is_rejected_by_its_crc_and_the_fingerprint_is_kept()
    {
        for (var position = SidecarFormat.Length + 4; position < WithPlan.Length; position++)
        {
            if (position is SidecarFormat.Length + 6 or SidecarFormat.Length + 7)
            {
                continue; // the payload length: framing, below
            }

            var bytes = (byte[])WithPlan.Clone();
            bytes[position] ^= 0x5A;
            var decoded = Decode(bytes);
            Assert.True(decoded.Ok, $"byte {position}: {decoded.Reason}");
            Assert.Equal(Print, decoded.Fingerprint);
            Assert.Null(decoded.Plan);
            Assert.Contains("plan section CRC-32 mismatch", decoded.PlanReason);
        }
    }

    /// <summary>Bytes after the block that are not framed as a section (bad magic, length not ending at the file's end, truncation) make the file invalid.</summary>
    [Fact]
    public void Unframed_trailing_bytes_make_the_whole_sidecar_invalid()
    {
        var badMagic = (byte[])WithPlan.Clone();
        badMagic[SidecarFormat.Length] ^= 0x01;
        var badLength = (byte[])WithPlan.Clone();
        badLength[SidecarFormat.Length + 6] ^= 0x01;
        foreach (var bytes in new[] { badMagic, badLength, WithPlan[..^1], [.. WithPlan, 0], WithPlan[..(SidecarFormat.Length + 11)] })
        {
            var decoded = Decode(bytes);
            Assert.False(decoded.Ok);
            Assert.Null(decoded.Fingerprint);
            Assert.Contains($"length is {bytes.Length} bytes", decoded.Reason);
        }
    }

    /// <summary>A section of a later layout (intact CRC) is ignored with a reason; the fingerprint still loads.</summary>
    [Fact]
    public void A_section_of_an_unknown_version_is_ignored_and_the_fingerprint_kept()
    {
        var bytes = (byte[])WithPlan.Clone();
        var section = bytes.AsSpan(SidecarFormat.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(section[4..], 2);
        var crcAt = section.Length - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(section[crcAt..], Crc32.HashToUInt32(section[..crcAt]));
        var decoded = Decode(bytes);
        Assert.True(decoded.Ok, decoded.Reason);
        Assert.Equal(Print, decoded.Fingerprint);
        Assert.Null(decoded.Plan);
        Assert.Contains("plan section version 2", decoded.PlanReason);
    }

    /// <summary>A damaged fingerprint block is rejected even when the section is intact: the section never rescues a fingerprint.</summary>
    [Fact]
    public void A_corrupt_fingerprint_block_rejects_the_file_whatever_the_section()
    {
        var bytes = (byte[])WithPlan.Clone();
        bytes[40] ^= 0x01;
        var decoded = Decode(bytes);
        Assert.False(decoded.Ok);
        Assert.Contains("CRC-32 mismatch", decoded.Reason);
    }

    /// <summary>Malformed payloads with a valid CRC (impossible passes, bad names, wrong lengths) are refused by the codec, never thrown on.</summary>
    [Fact]
    public void Malformed_payloads_are_refused_with_a_reason()
    {
        var good = PlanDataCodec.Encode(Plan);
        Assert.True(PlanDataCodec.TryDecode(good, out _, out _));
        List<byte[]> cases = [good[..10], good[..^1], [.. good, 0]];
        var passes = (byte[])good.Clone();
        passes[16 + 1 + 8 + 44] = 3;
        cases.Add(passes);
        var name = (byte[])good.Clone();
        name[17] = 0x00;
        cases.Add(name);
        var nanLufs = (byte[])good.Clone();
        BinaryPrimitives.WriteDoubleLittleEndian(nanLufs.AsSpan(25), double.NaN);
        cases.Add(nanLufs);
        var onePassWithLimited = (byte[])good.Clone();
        BinaryPrimitives.WriteDoubleLittleEndian(onePassWithLimited.AsSpan(25 + 16), -14.0);
        cases.Add(onePassWithLimited);
        foreach (var bytes in cases)
        {
            Assert.False(PlanDataCodec.TryDecode(bytes, out var data, out var reason));
            Assert.Null(data);
            Assert.NotEqual("valid", reason);
        }

        var random = new Random(5);
        for (var i = 0; i < 2000; i++)
        {
            var noise = new byte[random.Next(0, 400)];
            random.NextBytes(noise);
            PlanDataCodec.TryDecode(noise, out _, out _); // never throws
        }
    }
}
