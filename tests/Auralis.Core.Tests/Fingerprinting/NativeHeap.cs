using System.Runtime.InteropServices;

namespace Auralis.Tests.Fingerprinting;

/// <summary>
/// Bytes in use in the C heap (glibc's mallinfo2: small chunks plus mmapped ones), to bound the
/// memory a native engine holds; the Rust core allocates through the system malloc. Null where
/// mallinfo2 does not exist (other C libraries, other systems).
/// </summary>
internal static partial class NativeHeap
{
    public static long? InUseBytes()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var info = MallInfo2();
            return (long)(info.Uordblks + info.Hblkhd);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "mallinfo2")]
    private static partial MallInfo MallInfo2();

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo
    {
        public nuint Arena;
        public nuint Ordblks;
        public nuint Smblks;
        public nuint Hblks;
        public nuint Hblkhd;
        public nuint Usmblks;
        public nuint Fsmblks;
        public nuint Uordblks;
        public nuint Fordblks;
        public nuint Keepcost;
    }
}
