using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Auralis.Fingerprinting.Managed;

/// <summary>
/// Reductions used on every sample or bin, with the native kernels' exact summation order: 8
/// independent f32 lanes over runs of at most 256 values, the remainder summed in f32, then the
/// lanes added in order and the run folded into f64. A plain f64 chain would be 4 cycles per
/// value; the f32 error over 32 terms per lane is ~1e-6 relative, and the total keeps f64
/// precision. Same order as native, so the same input gives bit-identical sums.
/// </summary>
internal static class Kernels
{
    private const int Run = 256;

    /// <summary>Sum of the values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(ReadOnlySpan<float> values) => Fold(values, squares: false);

    /// <summary>Sum of squares.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumSquares(ReadOnlySpan<float> values) => Fold(values, squares: true);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Fold(ReadOnlySpan<float> values, bool squares)
    {
        var total = 0.0;
        ref var start = ref MemoryMarshal.GetReference(values);
        for (var at = 0; at < values.Length; at += Run)
        {
            var len = Math.Min(Run, values.Length - at);
            ref var run = ref Unsafe.Add(ref start, at);
            var lanes = Vector256<float>.Zero;
            var i = 0;
            for (; i + 8 <= len; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref run, (nuint)i);
                lanes += squares ? v * v : v;
            }

            var sum = 0.0f;
            for (; i < len; i++)
            {
                var x = Unsafe.Add(ref run, i);
                sum += squares ? x * x : x;
            }

            sum += lanes.GetElement(0);
            sum += lanes.GetElement(1);
            sum += lanes.GetElement(2);
            sum += lanes.GetElement(3);
            sum += lanes.GetElement(4);
            sum += lanes.GetElement(5);
            sum += lanes.GetElement(6);
            sum += lanes.GetElement(7);
            total += sum;
        }

        return total;
    }

    /// <summary>Largest absolute value (0 for an empty span).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float PeakAbs(ReadOnlySpan<float> values)
    {
        ref var start = ref MemoryMarshal.GetReference(values);
        var lanes = Vector256<float>.Zero;
        var i = 0;
        for (; i + 8 <= values.Length; i += 8)
        {
            lanes = Vector256.MaxNative(lanes, Vector256.Abs(Vector256.LoadUnsafe(ref start, (nuint)i)));
        }

        var peak = 0.0f;
        for (; i < values.Length; i++)
        {
            peak = Math.Max(peak, Math.Abs(Unsafe.Add(ref start, i)));
        }

        for (var l = 0; l < 8; l++)
        {
            peak = Math.Max(peak, lanes.GetElement(l));
        }

        return peak;
    }

    /// <summary>
    /// Sums of L, R, L², R² and L·R over interleaved frames (at most 256 frames: one native run),
    /// for channels <paramref name="left"/> and <paramref name="right"/>: 4 f32 lanes (frame
    /// index mod 4), the frames after the last group of 4 into lane 0, lanes folded into f64.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void StereoMoments(ReadOnlySpan<float> interleaved, int channels, int left, int right, Span<double> total)
    {
        var frames = interleaved.Length / channels;
        var groups = frames / 4;
        ref var s = ref MemoryMarshal.GetReference(interleaved);
        Vector128<float> sumL, sumR, sumLL, sumRR, sumLR;
        if (channels == 2 && left == 0 && right == 1 && Avx.IsSupported)
        {
            // One vector is 4 frames [L0 R0 L1 R1 L2 R2 L3 R3]: even lanes hold L, odd lanes R.
            var sum = Vector256<float>.Zero;
            var squares = Vector256<float>.Zero;
            var cross = Vector256<float>.Zero;
            for (var g = 0; g < groups; g++)
            {
                var v = Vector256.LoadUnsafe(ref s, (nuint)(8 * g));
                sum += v;
                squares += v * v;
                cross += v * Avx.Permute(v, 0b10_11_00_01);
            }

            var pickL = Vector256.Create(0, 2, 4, 6, 0, 0, 0, 0);
            var pickR = Vector256.Create(1, 3, 5, 7, 0, 0, 0, 0);
            sumL = Vector256.Shuffle(sum, pickL).GetLower();
            sumR = Vector256.Shuffle(sum, pickR).GetLower();
            sumLL = Vector256.Shuffle(squares, pickL).GetLower();
            sumRR = Vector256.Shuffle(squares, pickR).GetLower();
            sumLR = Vector256.Shuffle(cross, pickL).GetLower();
        }
        else if (channels == 1)
        {
            var sum = Vector128<float>.Zero;
            var squares = Vector128<float>.Zero;
            for (var g = 0; g < groups; g++)
            {
                var v = Vector128.LoadUnsafe(ref s, (nuint)(4 * g));
                sum += v;
                squares += v * v;
            }

            (sumL, sumR, sumLL, sumRR, sumLR) = (sum, sum, squares, squares, squares);
        }
        else
        {
            Span<float> acc = stackalloc float[20];
            acc.Clear();
            for (var g = 0; g < groups; g++)
            {
                for (var l = 0; l < 4; l++)
                {
                    var f = ((4 * g) + l) * channels;
                    float x = Unsafe.Add(ref s, f + left), y = Unsafe.Add(ref s, f + right);
                    acc[l] += x;
                    acc[4 + l] += y;
                    acc[8 + l] += x * x;
                    acc[12 + l] += y * y;
                    acc[16 + l] += x * y;
                }
            }

            sumL = Vector128.Create(acc[0], acc[1], acc[2], acc[3]);
            sumR = Vector128.Create(acc[4], acc[5], acc[6], acc[7]);
            sumLL = Vector128.Create(acc[8], acc[9], acc[10], acc[11]);
            sumRR = Vector128.Create(acc[12], acc[13], acc[14], acc[15]);
            sumLR = Vector128.Create(acc[16], acc[17], acc[18], acc[19]);
        }

        // The remaining frames go into lane 0.
        float l0 = sumL.GetElement(0), r0 = sumR.GetElement(0), ll0 = sumLL.GetElement(0), rr0 = sumRR.GetElement(0), lr0 = sumLR.GetElement(0);
        for (var f = 4 * groups; f < frames; f++)
        {
            float x = Unsafe.Add(ref s, (f * channels) + left), y = Unsafe.Add(ref s, (f * channels) + right);
            l0 += x;
            r0 += y;
            ll0 += x * x;
            rr0 += y * y;
            lr0 += x * y;
        }

        total[0] += LaneSum(sumL.WithElement(0, l0));
        total[1] += LaneSum(sumR.WithElement(0, r0));
        total[2] += LaneSum(sumLL.WithElement(0, ll0));
        total[3] += LaneSum(sumRR.WithElement(0, rr0));
        total[4] += LaneSum(sumLR.WithElement(0, lr0));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double LaneSum(Vector128<float> v) =>
        (double)v.GetElement(0) + v.GetElement(1) + v.GetElement(2) + v.GetElement(3);
}
