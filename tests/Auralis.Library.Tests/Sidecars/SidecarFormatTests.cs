using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Auralis.Fingerprinting;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Tests.Sidecars;

/// <summary>The 132-byte .25d layout of docs/sidecar.md, and that nothing but an intact, matching sidecar is accepted.</summary>
public sealed class SidecarFormatTests
{
    private const uint Version = Fingerprint.FingerprintVersion;
    private static readonly AudioFileSignature Signature = SidecarSamples.Signature;
    private static readonly byte[] Valid = SidecarFormat.Encode(SidecarSamples.Fingerprint(1), Version, Signature);

    [Fact]
    public void The_format_constants_are_those_of_docs_sidecar_md()
    {
        Assert.Equal(132, SidecarFormat.Length);
        Assert.Equal(2, SidecarFormat.FormatVersion);
        Assert.Equal([0x41, 0x55, 0x32, 0x35], SidecarFormat.Magic.ToArray());
        Assert.Equal(132, Valid.Length);
    }

    [Fact]
    public void Encode_then_decode_round_trips_every_value_bit_for_bit()
    {
        var special = new float[Fingerprint.Dimensions];
        float[] extremes = [-0f, 0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue, 1.17549435e-38f, 3.4e-39f, 1f / 3, -123456.789f];
        extremes.CopyTo(special, 0);
        var fingerprints = Enumerable.Range(0, 50).Select(SidecarSamples.Fingerprint).Append(new Fingerprint(special));

        foreach (var fingerprint in fingerprints)
        {
            foreach (var signature in new AudioFileSignature[] { Signature, new(0, 0), new(long.MaxValue, long.MinValue), new(1, -1) })
            {
                var bytes = SidecarFormat.Encode(fingerprint, Version, signature);
                Assert.True(SidecarFormat.TryDecode(bytes, Version, signature, out var decoded, out var reason), reason);
                Assert.Equal("valid", reason);
                Assert.Equal(
                    MemoryMarshal.AsBytes(fingerprint.Values).ToArray(),
                    MemoryMarshal.AsBytes(decoded.Values).ToArray());
            }
        }
    }

    [Fact]
    public void Encode_writes_the_documented_layout_byte_for_byte()
    {
        float[] cycle = [1f, -2f, 0.5f, 0f, 100f];
        var fingerprint = new Fingerprint(Enumerable.Range(0, 25).Select(i => cycle[i % 5]).ToArray());

        // Built by hand from docs/sidecar.md, not with BinaryPrimitives, so it cannot share a bug with Encode.
        var expected = new List<byte>();
        expected.AddRange([0x41, 0x55, 0x32, 0x35]); // 0: "AU25"
        expected.AddRange([0x02, 0x00]); // 4: format version 2
        expected.AddRange([0x19, 0x00]); // 6: 25 dimensions
        expected.AddRange([0x01, 0x02, 0x03, 0x04]); // 8: fingerprint_version 0x04030201
        expected.AddRange([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]); // 12: size 0x1122334455667788
        expected.AddRange([0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]); // 20: mtime -2 ns
        byte[][] floats = [[0x00, 0x00, 0x80, 0x3F], [0x00, 0x00, 0x00, 0xC0], [0x00, 0x00, 0x00, 0x3F], [0, 0, 0, 0], [0x00, 0x00, 0xC8, 0x42]];
        for (var i = 0; i < 25; i++)
        {
            expected.AddRange(floats[i % 5]); // 28 + 4i: float32
        }

        Assert.Equal(128, expected.Count);
        expected.AddRange([0x79, 0x39, 0x8A, 0x3E]); // 128: CRC-32 0x3E8A3979 (Python's zlib.crc32 of bytes 0..127)

        var actual = SidecarFormat.Encode(fingerprint, 0x04030201, new AudioFileSignature(0x1122334455667788, -2));
        Assert.Equal(expected.ToArray(), actual);
        Assert.True(SidecarFormat.TryDecode(actual, 0x04030201, new AudioFileSignature(0x1122334455667788, -2), out var decoded, out var reason), reason);
        Assert.Equal(fingerprint, decoded);
    }

    [Fact]
    public void Every_single_byte_corruption_at_every_position_is_rejected()
    {
        var corrupt = new byte[SidecarFormat.Length];
        var rejected = 0;
        for (var position = 0; position < SidecarFormat.Length; position++)
        {
            for (var change = 1; change <= 0xFF; change++)
            {
                Valid.CopyTo(corrupt, 0);
                corrupt[position] ^= (byte)change;
                Assert.False(
                    SidecarFormat.TryDecode(corrupt, Version, Signature, out var fingerprint, out var reason),
                    $"byte {position} xor 0x{change:x2} was accepted");
                Assert.Null(fingerprint);
                Assert.False(string.IsNullOrWhiteSpace(reason));
                rejected++;
            }
        }

        Assert.Equal(132 * 255, rejected);
    }

    [Fact]
    public void Every_truncation_is_rejected()
    {
        for (var length = 0; length < SidecarFormat.Length; length++)
        {
            Assert.False(SidecarFormat.TryDecode(Valid.AsSpan(0, length), Version, Signature, out var fingerprint, out var reason), $"length {length} was accepted");
            Assert.Null(fingerprint);
            Assert.Contains($"length is {length} bytes", reason);
        }
    }

    [Fact]
    public void Every_extension_is_rejected_even_when_the_first_132_bytes_are_a_valid_sidecar()
    {
        var random = new Random(3);
        for (var length = SidecarFormat.Length + 1; length <= 3 * SidecarFormat.Length; length++)
        {
            var zeros = new byte[length];
            Valid.CopyTo(zeros, 0);
            var noise = (byte[])zeros.Clone();
            random.NextBytes(noise.AsSpan(SidecarFormat.Length));
            var repeated = Enumerable.Repeat(Valid, 3).SelectMany(b => b).Take(length).ToArray();

            foreach (var bytes in new[] { zeros, noise, repeated })
            {
                Assert.False(SidecarFormat.TryDecode(bytes, Version, Signature, out var fingerprint, out var reason), $"length {length} was accepted");
                Assert.Null(fingerprint);
                Assert.Contains($"length is {length} bytes", reason);
            }
        }
    }

    [Fact]
    public void A_wrong_fingerprint_version_size_or_mtime_is_rejected_with_distinct_reasons()
    {
        var fingerprint = SidecarSamples.Fingerprint(2);
        var cases = new (string Expect, byte[] Bytes)[]
        {
            ("fingerprint version", SidecarFormat.Encode(fingerprint, Version + 1, Signature)),
            ("fingerprint version", SidecarFormat.Encode(fingerprint, 0, Signature)),
            ("size", SidecarFormat.Encode(fingerprint, Version, Signature with { SizeBytes = Signature.SizeBytes + 1 })),
            ("mtime", SidecarFormat.Encode(fingerprint, Version, Signature with { MtimeNs = Signature.MtimeNs - 100 })),
        };

        var reasons = new List<string>();
        foreach (var (expect, bytes) in cases)
        {
            Assert.False(SidecarFormat.TryDecode(bytes, Version, Signature, out var decoded, out var reason));
            Assert.Null(decoded);
            Assert.Contains(expect, reason);
            Assert.Contains("stale", reason);
            reasons.Add(reason);
        }

        Assert.Equal(reasons.Count, reasons.Distinct().Count());
        Assert.DoesNotContain("size", reasons[0]);
        Assert.DoesNotContain("mtime", reasons[2]);
        Assert.DoesNotContain("size", reasons[3]);

        // The same bytes are accepted by a reader expecting what they record: the fields, not the bytes, were wrong.
        Assert.True(SidecarFormat.TryDecode(cases[0].Bytes, Version + 1, Signature, out _, out _));
        Assert.True(SidecarFormat.TryDecode(cases[2].Bytes, Version, Signature with { SizeBytes = Signature.SizeBytes + 1 }, out _, out _));
    }

    public static TheoryData<int, uint> NonFiniteValues()
    {
        var data = new TheoryData<int, uint>();
        uint[] patterns = [0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFFFFFFF, 0x7F800000, 0xFF800000];
        for (var dimension = 0; dimension < Fingerprint.Dimensions; dimension++)
        {
            foreach (var pattern in patterns)
            {
                data.Add(dimension, pattern);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(NonFiniteValues))]
    public void A_NaN_or_infinite_value_with_a_correct_crc_is_rejected(int dimension, uint bits)
    {
        var bytes = (byte[])Valid.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(28 + (4 * dimension)), bits);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(128), Crc32Tests.BitwiseCrc32(bytes.AsSpan(0, 128)));

        Assert.False(SidecarFormat.TryDecode(bytes, Version, Signature, out var fingerprint, out var reason));
        Assert.Null(fingerprint);
        Assert.Contains($"dimension {dimension} ({FingerprintDimensions.Names[dimension]})", reason);

        // Control: the same edit with a finite value passes, so the finiteness check is what rejected it.
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(28 + (4 * dimension)), 42.5f);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(128), Crc32Tests.BitwiseCrc32(bytes.AsSpan(0, 128)));
        Assert.True(SidecarFormat.TryDecode(bytes, Version, Signature, out fingerprint, out reason), reason);
        Assert.Equal(42.5f, fingerprint[dimension]);
    }

    [Theory]
    [InlineData(0, 0x61, "magic")] // "aU25"
    [InlineData(3, 0x34, "magic")] // "AU24"
    [InlineData(4, 0x01, "format version 1")] // the original design's layout
    [InlineData(4, 0x03, "format version 3")]
    [InlineData(5, 0x01, "format version 258")]
    [InlineData(6, 0x18, "dimension count 24")]
    [InlineData(7, 0x01, "dimension count 281")]
    public void A_wrong_magic_format_version_or_dimension_count_is_rejected_even_with_a_correct_crc(int offset, byte value, string expect)
    {
        var bytes = (byte[])Valid.Clone();
        bytes[offset] = value;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(128), Crc32Tests.BitwiseCrc32(bytes.AsSpan(0, 128)));
        Assert.False(SidecarFormat.TryDecode(bytes, Version, Signature, out var fingerprint, out var reason));
        Assert.Null(fingerprint);
        Assert.Contains(expect, reason);
    }

    [Fact]
    public void A_corrupted_byte_is_reported_as_a_crc_mismatch_not_as_stale()
    {
        var bytes = (byte[])Valid.Clone();
        bytes[13] ^= 0x40; // inside the size field
        Assert.False(SidecarFormat.TryDecode(bytes, Version, Signature, out _, out var reason));
        Assert.Contains("CRC-32 mismatch", reason);
        Assert.DoesNotContain("stale", reason);
    }

    [Fact]
    public void Fuzzed_sidecars_never_throw_and_only_the_unmodified_buffer_is_accepted()
    {
        var random = new Random(0x25D);
        var modified = 0;
        for (var iteration = 0; iteration < 100_000; iteration++)
        {
            var bytes = Mutate(random, iteration % 6);
            var unmodified = bytes.AsSpan().SequenceEqual(Valid);
            modified += unmodified ? 0 : 1;

            bool accepted;
            string reason;
            try
            {
                accepted = SidecarFormat.TryDecode(bytes, Version, Signature, out _, out reason);
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iteration}: TryDecode threw {e} for {Convert.ToHexString(bytes)}");
                throw;
            }

            if (accepted != unmodified)
            {
                Assert.Fail($"iteration {iteration}: accepted={accepted} ({reason}) for a {(unmodified ? "valid" : "mutated")} buffer {Convert.ToHexString(bytes)}");
            }
        }

        Assert.True(modified > 99_000, $"only {modified} of 100000 buffers were mutated");
    }

    [Fact]
    public void Fuzzed_sidecars_with_a_recomputed_crc_are_accepted_only_with_the_expected_header_and_finite_values()
    {
        var random = new Random(0x132);
        var accepted = 0;
        var rejected = 0;
        for (var iteration = 0; iteration < 30_000; iteration++)
        {
            var bytes = (byte[])Valid.Clone();
            var edits = random.Next(1, 4);
            for (var e = 0; e < edits; e++)
            {
                // Half the edits hit the 28-byte header, half the values (including exponent bytes, so NaN/inf appear).
                var position = random.Next(2) == 0 ? random.Next(0, 28) : random.Next(28, 128);
                bytes[position] = random.Next(4) == 0 ? (byte)0xFF : (byte)random.Next(256);
            }

            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(128), Crc32Tests.BitwiseCrc32(bytes.AsSpan(0, 128)));
            var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(28, 100)).ToArray();
            var shouldAccept = bytes.AsSpan(0, 28).SequenceEqual(Valid.AsSpan(0, 28)) && values.All(float.IsFinite);

            var ok = SidecarFormat.TryDecode(bytes, Version, Signature, out var fingerprint, out var reason);
            Assert.True(ok == shouldAccept, $"iteration {iteration}: accepted={ok} ({reason}) for {Convert.ToHexString(bytes)}");
            if (ok)
            {
                Assert.Equal(MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), MemoryMarshal.AsBytes(fingerprint!.Values).ToArray());
                accepted++;
            }
            else
            {
                rejected++;
            }
        }

        // Both outcomes must really occur, or the property above was tested on one side only.
        Assert.True(accepted > 1000 && rejected > 1000, $"accepted {accepted}, rejected {rejected}");
    }

    private static byte[] Mutate(Random random, int kind)
    {
        switch (kind)
        {
            case 0: // flip 1..8 random bytes
            {
                var bytes = (byte[])Valid.Clone();
                for (var n = random.Next(1, 9); n > 0; n--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                }

                return bytes;
            }

            case 1: // one bit
            {
                var bytes = (byte[])Valid.Clone();
                var bit = random.Next(bytes.Length * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                return bytes;
            }

            case 2: // the valid sidecar cut or extended to a random length (extension random)
            {
                var bytes = new byte[random.Next(0, 400)];
                random.NextBytes(bytes);
                Valid.AsSpan(0, Math.Min(bytes.Length, Valid.Length)).CopyTo(bytes);
                return bytes;
            }

            case 3: // fully random, sidecar length
            {
                var bytes = new byte[SidecarFormat.Length];
                random.NextBytes(bytes);
                return bytes;
            }

            case 4: // random except a correct header, so only the CRC and the values can reject it
            {
                var bytes = new byte[SidecarFormat.Length];
                random.NextBytes(bytes);
                Valid.AsSpan(0, 28).CopyTo(bytes);
                return bytes;
            }

            default: // fully random, random length
            {
                var bytes = new byte[random.Next(0, 300)];
                random.NextBytes(bytes);
                return bytes;
            }
        }
    }
}
