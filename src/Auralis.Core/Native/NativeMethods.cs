using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auralis.Native;

/// <summary>
/// The C ABI of the Rust core (native/include/auralis.h). The declarations, constants and the
/// AuFingerprint struct are generated into NativeMethods.g.cs by tools/gen_native_methods.py
/// (./build.sh fails when that file is stale); this part only names the library. A test checks
/// every generated declaration, constant and struct offset against the header, and that every
/// entry point is exported by the built library.
/// </summary>
internal static partial class NativeMethods
{
    /// <summary>Logical library name, mapped to a file by <see cref="NativeLibraryResolver"/>.</summary>
    internal const string Library = "auralis";
}

/// <summary>The 25 dimensions as the C struct AuFingerprint (100 bytes, no padding).</summary>
internal partial struct AuFingerprint
{
    /// <summary>The fields in declaration (storage) order.</summary>
    public readonly ReadOnlySpan<float> AsSpan() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in sub_bass_pct), (int)NativeMethods.AU_FINGERPRINT_DIMENSIONS);
}
