using System.IO.Hashing;
using System.Text;

namespace Auralis.Library.Tests.Sidecars;

/// <summary>
/// The sidecar's CRC-32 (System.IO.Hashing's Crc32, docs/sidecar.md) is zlib's crc32: checked
/// against published values, zlib itself and a bit-at-a-time reference, so a change of library
/// or of its defaults cannot change the sidecar format unnoticed.
/// </summary>
public sealed class Crc32Tests
{
    [Fact]
    public void Crc32_of_123456789_is_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
    }

    [Fact]
    public void Crc32_of_nothing_is_zero_and_of_known_strings_matches_published_values()
    {
        Assert.Equal(0u, Crc32.HashToUInt32([]));
        Assert.Equal(0x414FA339u, Crc32.HashToUInt32(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog")));
        Assert.Equal(0xD202EF8Du, Crc32.HashToUInt32([0]));
    }

    [ZlibFact]
    public void Crc32_matches_zlib_on_the_check_string()
    {
        Assert.Equal(0xCBF43926u, Zlib.Crc(0, "123456789"u8));
    }

    [ZlibFact]
    public void Crc32_matches_zlib_crc32_on_many_random_buffers()
    {
        var random = new Random(20250325);
        for (var n = 0; n < 3000; n++)
        {
            // Every length up to 300 (sizes around the sidecar's 128 included), then some large ones.
            var length = n <= 300 ? n : random.Next(0, 70_000);
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(Zlib.Crc(0, data), Crc32.HashToUInt32(data));
        }
    }

    [Fact]
    public void Crc32_matches_a_bit_at_a_time_reference()
    {
        var random = new Random(11);
        for (var n = 0; n < 1000; n++)
        {
            var data = new byte[random.Next(0, 600)];
            random.NextBytes(data);
            Assert.Equal(BitwiseCrc32(data), Crc32.HashToUInt32(data));
        }
    }

    /// <summary>The CRC by its definition, one bit at a time: no table to share a bug with.</summary>
    internal static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
            }
        }

        return ~crc;
    }
}
