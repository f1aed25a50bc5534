using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// Median of 17 values in each of 8 lanes at once: the fixed 70-comparator selection network
/// generated and verified by tools/gen_median_network.py (Batcher's odd-even merge sort pruned to
/// the middle output), the same network as the native hpss.rs.
/// </summary>
internal static class Median17
{
    public const int Count = 17;

    /// <summary>
    /// Lane-wise median of the 17 vectors of 8 floats at data[offsets[j] + add], j = 0..16.
    /// The values must not be NaN (min/max map straight to minps/maxps).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Vector256<float> Of(ref float data, ReadOnlySpan<int> offsets, int add)
    {
        if (offsets.Length != Count)
        {
            throw new ArgumentException($"median of 17 needs 17 offsets, got {offsets.Length}", nameof(offsets));
        }

        var v0 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[0] + add));
        var v1 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[1] + add));
        var v2 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[2] + add));
        var v3 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[3] + add));
        var v4 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[4] + add));
        var v5 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[5] + add));
        var v6 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[6] + add));
        var v7 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[7] + add));
        var v8 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[8] + add));
        var v9 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[9] + add));
        var v10 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[10] + add));
        var v11 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[11] + add));
        var v12 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[12] + add));
        var v13 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[13] + add));
        var v14 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[14] + add));
        var v15 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[15] + add));
        var v16 = Vector256.LoadUnsafe(ref data, (nuint)(offsets[16] + add));

        // Generated: python3 tools/gen_median_network.py (the "csharp:" line).
        Cx(ref v0, ref v1);
        Cx(ref v2, ref v3);
        Cx(ref v4, ref v5);
        Cx(ref v6, ref v7);
        Cx(ref v8, ref v9);
        Cx(ref v10, ref v11);
        Cx(ref v12, ref v13);
        Cx(ref v14, ref v15);
        Cx(ref v0, ref v2);
        Cx(ref v1, ref v3);
        Cx(ref v4, ref v6);
        Cx(ref v5, ref v7);
        Cx(ref v8, ref v10);
        Cx(ref v9, ref v11);
        Cx(ref v12, ref v14);
        Cx(ref v13, ref v15);
        Cx(ref v1, ref v2);
        Cx(ref v5, ref v6);
        Cx(ref v9, ref v10);
        Cx(ref v13, ref v14);
        Cx(ref v0, ref v4);
        Cx(ref v1, ref v5);
        Cx(ref v2, ref v6);
        Cx(ref v3, ref v7);
        Cx(ref v8, ref v12);
        Cx(ref v9, ref v13);
        Cx(ref v10, ref v14);
        Cx(ref v11, ref v15);
        Cx(ref v2, ref v4);
        Cx(ref v3, ref v5);
        Cx(ref v10, ref v12);
        Cx(ref v11, ref v13);
        Cx(ref v1, ref v2);
        Cx(ref v3, ref v4);
        Cx(ref v5, ref v6);
        Cx(ref v9, ref v10);
        Cx(ref v11, ref v12);
        Cx(ref v13, ref v14);
        Cx(ref v0, ref v8);
        Cx(ref v1, ref v9);
        Cx(ref v2, ref v10);
        Cx(ref v3, ref v11);
        Cx(ref v4, ref v12);
        Cx(ref v5, ref v13);
        Cx(ref v6, ref v14);
        Cx(ref v7, ref v15);
        Cx(ref v4, ref v8);
        Cx(ref v5, ref v9);
        Cx(ref v6, ref v10);
        Cx(ref v7, ref v11);
        Cx(ref v2, ref v4);
        Cx(ref v3, ref v5);
        Cx(ref v6, ref v8);
        Cx(ref v7, ref v9);
        Cx(ref v10, ref v12);
        Cx(ref v11, ref v13);
        Cx(ref v3, ref v4);
        Cx(ref v5, ref v6);
        Cx(ref v7, ref v8);
        Cx(ref v9, ref v10);
        Cx(ref v11, ref v12);
        Cx(ref v0, ref v16);
        Cx(ref v8, ref v16);
        Cx(ref v4, ref v8);
        Cx(ref v5, ref v9);
        Cx(ref v6, ref v10);
        Cx(ref v7, ref v11);
        Cx(ref v6, ref v8);
        Cx(ref v7, ref v9);
        Cx(ref v7, ref v8);
        return v8;
    }

    /// <summary>Compare-exchange: a gets the smaller, b the larger value of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Cx(ref Vector256<float> a, ref Vector256<float> b)
    {
        // MinNative/MaxNative are single minps/maxps; Vector256.Min/Max also order -0 before +0
        // and propagate NaN, which costs extra instructions and cannot matter for magnitudes.
        var lo = Vector256.MinNative(a, b);
        b = Vector256.MaxNative(a, b);
        a = lo;
    }
}
