using System.Runtime.InteropServices;
using Auralis.Fingerprinting;
using Auralis.Library.Sidecars;

namespace Auralis.Library.Tests.Sidecars;

internal static class SidecarSamples
{
    /// <summary>A fingerprint of 25 finite values of mixed sign and magnitude, fixed by the seed.</summary>
    public static Fingerprint Fingerprint(int seed)
    {
        var random = new Random(seed);
        var values = new float[Auralis.Fingerprinting.Fingerprint.Dimensions];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() - 0.3) * Math.Pow(10, random.Next(-6, 5)));
        }

        return new Fingerprint(values);
    }

    /// <summary>The signature the format tests' sidecars are made for.</summary>
    public static AudioFileSignature Signature => new(123_456_789, 1_714_979_289_123_456_700);
}

/// <summary>zlib, the reference implementation of this CRC-32, as an independent peer.</summary>
internal static unsafe partial class Zlib
{
    public const string Library = "libz.so.1";

    public static bool Available => NativeLibrary.TryLoad(Library, out _);

    // uLong crc32(uLong crc, const Bytef *buf, uInt len); uLong is 64-bit on Linux x64 (LP64).
    [LibraryImport(Library, EntryPoint = "crc32")]
    private static partial nuint Crc32(nuint crc, byte* buf, uint len);

    public static uint Crc(uint crc, ReadOnlySpan<byte> data)
    {
        // zlib returns 0 for a NULL buffer whatever crc says, and an empty span pins as NULL.
        byte none = 0;
        fixed (byte* p = data)
        {
            return checked((uint)Crc32(crc, p == null ? &none : p, (uint)data.Length));
        }
    }
}

/// <summary>A fact that needs Debian's zlib (zlib1g) as the reference CRC-32.</summary>
public sealed class ZlibFactAttribute : FactAttribute
{
    public ZlibFactAttribute()
    {
        if (!Zlib.Available)
        {
            Skip = $"{Zlib.Library} cannot be loaded (Debian: apt-get install zlib1g)";
        }
    }
}

internal static partial class Posix
{
    [LibraryImport("libc", EntryPoint = "mkfifo", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int MkFifo(string path, uint mode);

    public static void MakeFifo(string path)
    {
        if (MkFifo(path, Convert.ToUInt32("644", 8)) != 0)
        {
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}

/// <summary>A fact that needs Unix file kinds (FIFOs).</summary>
public sealed class UnixOnlyFactAttribute : FactAttribute
{
    public UnixOnlyFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix only";
        }
    }
}
