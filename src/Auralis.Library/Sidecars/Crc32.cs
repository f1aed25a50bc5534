namespace Auralis.Library.Sidecars;

/// <summary>
/// CRC-32 as in IEEE 802.3 and zlib's <c>crc32</c>: reflected polynomial 0xEDB88320, initial
/// value 0xFFFFFFFF, final xor 0xFFFFFFFF. Check value: CRC of ASCII "123456789" = 0xCBF43926.
/// A byte-at-a-time table is plenty for 128-byte sidecars (System.IO.Hashing is not referenced).
/// </summary>
internal static class Crc32
{
    internal const uint Polynomial = 0xEDB88320;

    private static readonly uint[] Table = BuildTable();

    /// <summary>The CRC-32 of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data) => ~Update(0xFFFFFFFF, data);

    /// <summary>
    /// Continues a CRC over more data, zlib style: <c>Append(Append(0, a), b) == Compute(a ++ b)</c>,
    /// and <c>Append(0, a) == Compute(a)</c>.
    /// </summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data) => ~Update(~crc, data);

    private static uint Update(uint state, ReadOnlySpan<byte> data)
    {
        var table = Table;
        foreach (var b in data)
        {
            state = table[(byte)(state ^ b)] ^ (state >> 8);
        }

        return state;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? Polynomial ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
