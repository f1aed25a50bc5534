using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Auralis.Dsp;

/// <summary>
/// Forward real FFT for power-of-two lengths from 16 to 2^20, allocation-free per transform
/// (the caller brings the scratch, like RustFFT's <c>process_with_scratch</c>).
/// </summary>
/// <remarks>
/// The same algorithm as the native <c>fft</c> module: the real signal x of length n is packed into
/// m = n/2 complex points z[j] = x[2j] + i·x[2j+1], transformed by an m-point complex FFT and split
/// into the n/2 + 1 bins of the real spectrum. The complex FFT works on structure-of-arrays
/// scratch (re and im halves) in whole 8-lane vector passes:
/// <list type="number">
/// <item>the bit-reversed load fused with the first 3 or 4 radix-2 stages, 8 blocks at once, one
/// per lane (a plain scalar load and radix-2 stages below n = 256, where there are fewer blocks);</item>
/// <item>radix-4 passes (two radix-2 stages each), quarter size h = 8 or 16 first, ×4 per pass;</item>
/// <item>the real split, bins k and m-k together.</item>
/// </list>
/// <see cref="Vector256{T}"/> runs on every platform; the two lane shuffles use AVX when present
/// and a portable equivalent otherwise. Immutable after construction, so one plan can be shared
/// by threads; each call brings its own scratch.
/// </remarks>
public sealed class RealFft
{
    /// <summary>Smallest supported length.</summary>
    public const int MinLength = 16;

    /// <summary>Largest supported length.</summary>
    public const int MaxLength = 1 << 20;

    /// <summary>
    /// Gap between the re and im halves of scratch: without it they are a power of two apart and
    /// the same point's re and im share an L1 cache set, which thrashes in the strided passes.
    /// </summary>
    private const int ImPad = 16;

    /// <summary>
    /// Fused multiply-adds in the complex products and |X|², exactly where the native AVX2+FMA
    /// path has them (and plain products where it falls back to its scalar path), so both
    /// engines round the same way: spectra that are pure rounding noise (a DC input's bins above
    /// a few Hz) then agree too.
    /// </summary>
    private static readonly bool UseFma = Fma.IsSupported && Avx2.IsSupported;

    /// <summary>3-bit reversal.</summary>
    private static readonly int[] Rev3 = [0, 4, 2, 6, 1, 5, 3, 7];

    /// <summary>Lane p of <see cref="Deinterleave"/> holds point Lane[p] (AVX shuffles work within 128-bit halves).</summary>
    private static readonly int[] Lane = [0, 1, 4, 5, 2, 3, 6, 7];

    private readonly int _n;
    private readonly int _baseLog2;

    /// <summary>rev[i] = i with its log2(n/2) bits reversed.</summary>
    private readonly int[] _rev;

    /// <summary>w16^t for t in 0..8 (w_L = e^{-2πi/L}): every twiddle of the first 3 or 4 stages.</summary>
    private readonly float[] _baseRe = new float[8];
    private readonly float[] _baseIm = new float[8];

    /// <summary>
    /// Radix-4 twiddles, pass after pass. A pass of quarter size h owns 6h values: for each 8
    /// consecutive j, [re w^j, im w^j, re w^2j, im w^2j, re w^3j, im w^3j] (8 each), w = w_{4h}.
    /// </summary>
    private readonly float[] _passTw;

    /// <summary>-i·e^{-2πik/n}/2 for k = 0..=n/2, the split step's twiddles.</summary>
    private readonly float[] _splitRe;
    private readonly float[] _splitIm;

    /// <summary>Store offsets of the 8 lanes of the fused base pass.</summary>
    private readonly int[] _laneOffsets = new int[8];

    /// <summary>Plans a transform of <paramref name="length"/> points.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a power of two in [16, 2^20].</exception>
    public RealFft(int length)
    {
        if (!IsSupportedLength(length))
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, $"The FFT length must be a power of two from {MinLength} to {MaxLength}.");
        }

        _n = length;
        var m = length / 2;
        var logM = BitOperations.Log2((uint)m);
        _baseLog2 = (logM - 3) % 2 == 0 ? 3 : 4;

        _rev = new int[m];
        for (var i = 0; i < m; i++)
        {
            _rev[i] = (int)(ReverseBits((uint)i) >> (32 - logM));
        }

        for (var t = 0; t < 8; t++)
        {
            (_baseRe[t], _baseIm[t]) = Twiddle(t, 16);
        }

        var passTw = new List<float>(2 * m);
        for (var h = 1 << _baseLog2; 4 * h <= m; h *= 4)
        {
            for (var j0 = 0; j0 < h; j0 += 8)
            {
                for (var q = 1; q <= 3; q++)
                {
                    for (var j = j0; j < j0 + 8; j++)
                    {
                        passTw.Add(Twiddle((long)q * j, 4L * h).Re);
                    }

                    for (var j = j0; j < j0 + 8; j++)
                    {
                        passTw.Add(Twiddle((long)q * j, 4L * h).Im);
                    }
                }
            }
        }

        _passTw = [.. passTw];

        // -i·(c + i·s)/2 = (s/2, -c/2).
        _splitRe = new float[m + 1];
        _splitIm = new float[m + 1];
        for (var k = 0; k <= m; k++)
        {
            var a = -2.0 * Math.PI * k / length;
            _splitRe[k] = (float)Math.Sin(a) / 2.0f;
            _splitIm[k] = -(float)Math.Cos(a) / 2.0f;
        }

        for (var p = 0; p < 8; p++)
        {
            _laneOffsets[p] = Rev3[Lane[p]] * (m / 8);
        }
    }

    /// <summary>Transform length n.</summary>
    public int Length => _n;

    /// <summary>Number of floats of scratch the caller must provide to the transforms.</summary>
    public int ScratchLength => _n + ImPad;

    /// <summary>True for the lengths a plan can be made for.</summary>
    public static bool IsSupportedLength(int length) =>
        length is >= MinLength and <= MaxLength && BitOperations.IsPow2(length);

    /// <summary>
    /// Unnormalized forward DFT of the real input (length n): X[k] = Σ_j x[j] e^{-2πikj/n} for
    /// k = 0..=n/2, real parts into <paramref name="re"/> and imaginary parts into
    /// <paramref name="im"/> (each at least n/2 + 1 long; values past n/2 are left untouched).
    /// </summary>
    public void Forward(ReadOnlySpan<float> input, Span<float> re, Span<float> im, Span<float> scratch)
    {
        var bins = (_n / 2) + 1;
        if (re.Length < bins)
        {
            throw new ArgumentException($"re has {re.Length} values, needs {bins}.", nameof(re));
        }

        if (im.Length < bins)
        {
            throw new ArgumentException($"im has {im.Length} values, needs {bins}.", nameof(im));
        }

        Run(input, re[..bins], im[..bins], scratch, power: false);
    }

    /// <summary>The same transform, writing power[k] = |X[k]|² for k = 0..=n/2.</summary>
    public void PowerSpectrum(ReadOnlySpan<float> input, Span<float> power, Span<float> scratch)
    {
        var bins = (_n / 2) + 1;
        if (power.Length < bins)
        {
            throw new ArgumentException($"power has {power.Length} values, needs {bins}.", nameof(power));
        }

        Run(input, power[..bins], default, scratch, power: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Run(ReadOnlySpan<float> input, Span<float> a, Span<float> b, Span<float> scratch, bool power)
    {
        if (input.Length != _n)
        {
            throw new ArgumentException($"input has {input.Length} values, the plan is for {_n}.", nameof(input));
        }

        if (scratch.Length < ScratchLength)
        {
            throw new ArgumentException($"scratch has {scratch.Length} values, needs {ScratchLength}.", nameof(scratch));
        }

        // The first pass writes every scratch value before anything reads it, so garbage on
        // entry cannot leak into results.
        var m = _n / 2;
        var zr = scratch[..m];
        var zi = scratch.Slice(m + ImPad, m);
        if (m >> _baseLog2 < 8)
        {
            SmallBase(input, zr, zi);
        }
        else
        {
            LoadBase(input, zr, zi);
        }

        var offset = 0;
        for (var h = 1 << _baseLog2; 4 * h <= m; h *= 4)
        {
            Radix4(zr, zi, h, _passTw.AsSpan(offset, 6 * h));
            offset += 6 * h;
        }

        if (power)
        {
            SplitPower(zr, zi, a);
        }
        else
        {
            SplitComplex(zr, zi, a, b);
        }
    }

    private static (float Re, float Im) Twiddle(long num, long den)
    {
        // e^{-2πi·num/den}, computed in f64 so table error is only the final rounding.
        var a = -2.0 * Math.PI * num / den;
        return ((float)Math.Cos(a), (float)Math.Sin(a));
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }

    /// <summary>8 complex values, structure-of-arrays.</summary>
    private struct C
    {
        public Vector256<float> R;
        public Vector256<float> I;

        public C(Vector256<float> r, Vector256<float> i)
        {
            R = r;
            I = i;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static C operator +(C a, C b) => new(a.R + b.R, a.I + b.I);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static C operator -(C a, C b) => new(a.R - b.R, a.I - b.I);

        /// <summary>Complex product; fused like the native AVX2+FMA path where the CPU has FMA.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static C operator *(C a, C b) => UseFma
            ? new(Fma.MultiplySubtract(a.R, b.R, a.I * b.I), Fma.MultiplyAdd(a.R, b.I, a.I * b.R))
            : new((a.R * b.R) - (a.I * b.I), (a.R * b.I) + (a.I * b.R));

        /// <summary>a - i·b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static C SubI(C a, C b) => new(a.R + b.I, a.I - b.R);

        /// <summary>a + i·b.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static C AddI(C a, C b) => new(a.R - b.I, a.I + b.R);
    }

    /// <summary>Lane-wise 4-point DFT, natural order in and out (in place).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dft4(ref C x0, ref C x1, ref C x2, ref C x3)
    {
        var s0 = x0 + x2;
        var d0 = x0 - x2;
        var s1 = x1 + x3;
        var d1 = x1 - x3;
        x0 = s0 + s1;
        x1 = C.SubI(d0, d1);
        x2 = s0 - s1;
        x3 = C.AddI(d0, d1);
    }

    /// <summary>Lane-wise 8-point DFT, natural order in and out (in place): radix-2 over two DFT4s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dft8(ref C x0, ref C x1, ref C x2, ref C x3, ref C x4, ref C x5, ref C x6, ref C x7)
    {
        // Even points x0 x2 x4 x6 -> e0..e3; odd points x1 x3 x5 x7 -> o0..o3.
        Dft4(ref x0, ref x2, ref x4, ref x6);
        Dft4(ref x1, ref x3, ref x5, ref x7);
        C e0 = x0, e1 = x2, e2 = x4, e3 = x6;
        C o0 = x1, o1 = x3, o2 = x5, o3 = x7;

        // o[f]·w8^f: w8^1 = c(1 - i), w8^2 = -i, w8^3 = -c(1 + i).
        var c = Vector256.Create(MathF.Sqrt(0.5f));
        var t1 = new C(c * (o1.R + o1.I), c * (o1.I - o1.R));
        var t3 = new C(c * (o3.I - o3.R), Vector256<float>.Zero - (c * (o3.R + o3.I)));
        x0 = e0 + o0;
        x1 = e1 + t1;
        x2 = C.SubI(e2, o2);
        x3 = e3 + t3;
        x4 = e0 - o0;
        x5 = e1 - t1;
        x6 = C.AddI(e2, o2);
        x7 = e3 - t3;
    }

    /// <summary>8 packed complex points (16 floats) as C; lane p holds point <see cref="Lane"/>[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static C Deinterleave(ref float source)
    {
        var lo = Vector256.LoadUnsafe(ref source);
        var hi = Vector256.LoadUnsafe(ref source, 8);
        if (Avx.IsSupported)
        {
            return new C(Avx.Shuffle(lo, hi, 0x88), Avx.Shuffle(lo, hi, 0xDD));
        }

        return new C(
            Vector256.Create(lo[0], lo[2], hi[0], hi[2], lo[4], lo[6], hi[4], hi[6]),
            Vector256.Create(lo[1], lo[3], hi[1], hi[3], lo[5], lo[7], hi[5], hi[7]));
    }

    /// <summary>The bit-reversed load fused with the first log2(B) radix-2 stages (B = 8 or 16 = block).</summary>
    /// <remarks>
    /// After those stages, block b (positions B·b .. B·b+B) holds the natural-order DFT_B of
    /// z[c + q·m/B], q = 0..B, where c = rev(B·b). So block b is computed straight from the input,
    /// for 8 consecutive c at once (one per lane): c = c0 + p puts the block at
    /// rev(c0) + rev3(p)·m/8; one 8×8 transpose per 8 outputs turns lanes back into blocks.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadBase(ReadOnlySpan<float> x, Span<float> zr, Span<float> zi)
    {
        var m = zr.Length;
        var block = 1 << _baseLog2;
        var stride = m / block;
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var r = ref MemoryMarshal.GetReference(zr);
        ref var i = ref MemoryMarshal.GetReference(zi);
        var offs = _laneOffsets;
        C w0 = W16(0), w1 = W16(1), w2 = W16(2), w3 = W16(3), w4 = W16(4), w5 = W16(5), w6 = W16(6), w7 = W16(7);

        // Inputs of this loop: x[2(c0 + q·stride) .. +16] with c0 + 8 <= stride, q < block, so
        // the last read ends at 2·(stride·block) = 2m = n. Outputs: start + offs[p] + 8 (+8) <= m.
        for (var c0 = 0; c0 < stride; c0 += 8)
        {
            var start = _rev[c0];
            if (block == 8)
            {
                var x0 = Deinterleave(ref Unsafe.Add(ref xs, 2 * c0));
                var x1 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + stride)));
                var x2 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (2 * stride))));
                var x3 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (3 * stride))));
                var x4 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (4 * stride))));
                var x5 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (5 * stride))));
                var x6 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (6 * stride))));
                var x7 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (7 * stride))));
                Dft8(ref x0, ref x1, ref x2, ref x3, ref x4, ref x5, ref x6, ref x7);
                StoreBlocks(ref r, ref i, start, offs, x0, x1, x2, x3, x4, x5, x6, x7);
            }
            else
            {
                // DFT16 = DFT8(even q) ± w16^f · DFT8(odd q)
                var e0 = Deinterleave(ref Unsafe.Add(ref xs, 2 * c0));
                var e1 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (2 * stride))));
                var e2 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (4 * stride))));
                var e3 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (6 * stride))));
                var e4 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (8 * stride))));
                var e5 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (10 * stride))));
                var e6 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (12 * stride))));
                var e7 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (14 * stride))));
                Dft8(ref e0, ref e1, ref e2, ref e3, ref e4, ref e5, ref e6, ref e7);
                var o0 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + stride)));
                var o1 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (3 * stride))));
                var o2 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (5 * stride))));
                var o3 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (7 * stride))));
                var o4 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (9 * stride))));
                var o5 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (11 * stride))));
                var o6 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (13 * stride))));
                var o7 = Deinterleave(ref Unsafe.Add(ref xs, 2 * (c0 + (15 * stride))));
                Dft8(ref o0, ref o1, ref o2, ref o3, ref o4, ref o5, ref o6, ref o7);
                o0 *= w0;
                o1 *= w1;
                o2 *= w2;
                o3 *= w3;
                o4 *= w4;
                o5 *= w5;
                o6 *= w6;
                o7 *= w7;
                StoreBlocks(ref r, ref i, start, offs, e0 + o0, e1 + o1, e2 + o2, e3 + o3, e4 + o4, e5 + o5, e6 + o6, e7 + o7);
                StoreBlocks(ref r, ref i, start + 8, offs, e0 - o0, e1 - o1, e2 - o2, e3 - o3, e4 - o4, e5 - o5, e6 - o6, e7 - o7);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private C W16(int f) => new(Vector256.Create(_baseRe[f]), Vector256.Create(_baseIm[f]));

    /// <summary>Lane p of y0..y7 is 8 consecutive outputs of the block at start + offs[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreBlocks(ref float zr, ref float zi, int start, int[] offs, C y0, C y1, C y2, C y3, C y4, C y5, C y6, C y7)
    {
        Transpose8AndStore(ref zr, start, offs, y0.R, y1.R, y2.R, y3.R, y4.R, y5.R, y6.R, y7.R);
        Transpose8AndStore(ref zi, start, offs, y0.I, y1.I, y2.I, y3.I, y4.I, y5.I, y6.I, y7.I);
    }

    /// <summary>8×8 transpose (output p lane f = input f lane p), output p stored at start + offs[p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8AndStore(
        ref float dest,
        int start,
        int[] offs,
        Vector256<float> v0,
        Vector256<float> v1,
        Vector256<float> v2,
        Vector256<float> v3,
        Vector256<float> v4,
        Vector256<float> v5,
        Vector256<float> v6,
        Vector256<float> v7)
    {
        if (Avx.IsSupported)
        {
            var t0 = Avx.UnpackLow(v0, v1);
            var t1 = Avx.UnpackHigh(v0, v1);
            var t2 = Avx.UnpackLow(v2, v3);
            var t3 = Avx.UnpackHigh(v2, v3);
            var t4 = Avx.UnpackLow(v4, v5);
            var t5 = Avx.UnpackHigh(v4, v5);
            var t6 = Avx.UnpackLow(v6, v7);
            var t7 = Avx.UnpackHigh(v6, v7);

            // u[4g + 2h + s] = lanes {2h+s, 2h+s+4} of rows 4g..4g+4
            var u0 = Avx.Shuffle(t0, t2, 0x44);
            var u1 = Avx.Shuffle(t0, t2, 0xEE);
            var u2 = Avx.Shuffle(t1, t3, 0x44);
            var u3 = Avx.Shuffle(t1, t3, 0xEE);
            var u4 = Avx.Shuffle(t4, t6, 0x44);
            var u5 = Avx.Shuffle(t4, t6, 0xEE);
            var u6 = Avx.Shuffle(t5, t7, 0x44);
            var u7 = Avx.Shuffle(t5, t7, 0xEE);

            Avx.Permute2x128(u0, u4, 0x20).StoreUnsafe(ref dest, (nuint)(start + offs[0]));
            Avx.Permute2x128(u1, u5, 0x20).StoreUnsafe(ref dest, (nuint)(start + offs[1]));
            Avx.Permute2x128(u2, u6, 0x20).StoreUnsafe(ref dest, (nuint)(start + offs[2]));
            Avx.Permute2x128(u3, u7, 0x20).StoreUnsafe(ref dest, (nuint)(start + offs[3]));
            Avx.Permute2x128(u0, u4, 0x31).StoreUnsafe(ref dest, (nuint)(start + offs[4]));
            Avx.Permute2x128(u1, u5, 0x31).StoreUnsafe(ref dest, (nuint)(start + offs[5]));
            Avx.Permute2x128(u2, u6, 0x31).StoreUnsafe(ref dest, (nuint)(start + offs[6]));
            Avx.Permute2x128(u3, u7, 0x31).StoreUnsafe(ref dest, (nuint)(start + offs[7]));
            return;
        }

        for (var p = 0; p < 8; p++)
        {
            ref var row = ref Unsafe.Add(ref dest, start + offs[p]);
            row = v0[p];
            Unsafe.Add(ref row, 1) = v1[p];
            Unsafe.Add(ref row, 2) = v2[p];
            Unsafe.Add(ref row, 3) = v3[p];
            Unsafe.Add(ref row, 4) = v4[p];
            Unsafe.Add(ref row, 5) = v5[p];
            Unsafe.Add(ref row, 6) = v6[p];
            Unsafe.Add(ref row, 7) = v7[p];
        }
    }

    /// <summary>
    /// The same first stages for n &lt; 256, where there are fewer than 8 blocks to put in lanes:
    /// a plain bit-reversed load, then radix-2 stages h = 1 .. B/2.
    /// </summary>
    private void SmallBase(ReadOnlySpan<float> x, Span<float> zr, Span<float> zi)
    {
        for (var j = 0; j < zr.Length; j++)
        {
            var s = 2 * _rev[j];
            zr[j] = x[s];
            zi[j] = x[s + 1];
        }

        for (var stage = 0; stage < _baseLog2; stage++)
        {
            var h = 1 << stage;

            // twiddle w_{2h}^j = w16^(j·8/h)
            var step = 8 / h;
            for (var s = 0; s < zr.Length; s += 2 * h)
            {
                for (var j = 0; j < h; j++)
                {
                    float wr = _baseRe[j * step], wi = _baseIm[j * step];
                    float xr = zr[s + j + h], xi = zi[s + j + h];
                    float tr = (xr * wr) - (xi * wi), ti = (xr * wi) + (xi * wr);
                    float ur = zr[s + j], ui = zi[s + j];
                    zr[s + j] = ur + tr;
                    zi[s + j] = ui + ti;
                    zr[s + j + h] = ur - tr;
                    zi[s + j + h] = ui - ti;
                }
            }
        }
    }

    /// <summary>
    /// One radix-4 DIT pass of quarter size h (two radix-2 stages; h a multiple of 8). The
    /// quarters x0..x3 of each 4h block are the sub-DFTs of residues 0, 2, 1, 3 (bit-reversed
    /// order), so x1 takes twiddle w^2j, x2 takes w^j and x3 takes w^3j, with w = w_{4h}.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Radix4(Span<float> re, Span<float> im, int h, ReadOnlySpan<float> tw)
    {
        var n = re.Length;
        if (im.Length != n || h % 8 != 0 || n % (4 * h) != 0 || tw.Length != 6 * h)
        {
            throw new InvalidOperationException("radix-4 pass shape");
        }

        ref var r = ref MemoryMarshal.GetReference(re);
        ref var i = ref MemoryMarshal.GetReference(im);
        ref var w = ref MemoryMarshal.GetReference(tw);
        var hh = (nuint)h;

        // Offsets s + j + q·h + 8 <= s + 4h <= n and 6j + 48 <= 6h = tw.Length (checked above).
        for (var s = 0; s < n; s += 4 * h)
        {
            for (var j = 0; j < h; j += 8)
            {
                var at = (nuint)(s + j);
                var wt = (nuint)(6 * j);
                var x0 = new C(Vector256.LoadUnsafe(ref r, at), Vector256.LoadUnsafe(ref i, at));
                var x1 = new C(Vector256.LoadUnsafe(ref r, at + hh), Vector256.LoadUnsafe(ref i, at + hh));
                var x2 = new C(Vector256.LoadUnsafe(ref r, at + (2 * hh)), Vector256.LoadUnsafe(ref i, at + (2 * hh)));
                var x3 = new C(Vector256.LoadUnsafe(ref r, at + (3 * hh)), Vector256.LoadUnsafe(ref i, at + (3 * hh)));
                var w1 = new C(Vector256.LoadUnsafe(ref w, wt), Vector256.LoadUnsafe(ref w, wt + 8));
                var w2 = new C(Vector256.LoadUnsafe(ref w, wt + 16), Vector256.LoadUnsafe(ref w, wt + 24));
                var w3 = new C(Vector256.LoadUnsafe(ref w, wt + 32), Vector256.LoadUnsafe(ref w, wt + 40));
                var t1 = x1 * w2;
                var t2 = x2 * w1;
                var t3 = x3 * w3;
                var a = x0 + t1;
                var b = x0 - t1;
                var c = t2 + t3;
                var d = t2 - t3;
                var y0 = a + c;
                var y1 = C.SubI(b, d);
                var y2 = a - c;
                var y3 = C.AddI(b, d);
                y0.R.StoreUnsafe(ref r, at);
                y0.I.StoreUnsafe(ref i, at);
                y1.R.StoreUnsafe(ref r, at + hh);
                y1.I.StoreUnsafe(ref i, at + hh);
                y2.R.StoreUnsafe(ref r, at + (2 * hh));
                y2.I.StoreUnsafe(ref i, at + (2 * hh));
                y3.R.StoreUnsafe(ref r, at + (3 * hh));
                y3.I.StoreUnsafe(ref i, at + (3 * hh));
            }
        }
    }

    /// <summary>|c|² per lane (fused where the CPU has FMA, like the native path).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Norm(C c) => UseFma ? Fma.MultiplyAdd(c.R, c.R, c.I * c.I) : (c.R * c.R) + (c.I * c.I);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reverse(Vector256<float> v)
    {
        if (Avx2.IsSupported)
        {
            return Avx2.PermuteVar8x32(v, Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0));
        }

        return Vector256.Shuffle(v, Vector256.Create(7, 6, 5, 4, 3, 2, 1, 0));
    }

    /// <summary>
    /// Vector part of the real split for bins k and m-k together, k = 1.. in steps of 8: both
    /// need A = Z[k] and B = conj(Z[m-k]), and X[m-k] = conj(E - T) where X[k] = E + T.
    /// Returns the first k not done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SplitVectors(ReadOnlySpan<float> zr, ReadOnlySpan<float> zi, Span<float> a, Span<float> b, bool power)
    {
        var m = zr.Length;
        ref var r = ref MemoryMarshal.GetReference(zr);
        ref var i = ref MemoryMarshal.GetReference(zi);
        ref var sr = ref MemoryMarshal.GetArrayDataReference(_splitRe);
        ref var si = ref MemoryMarshal.GetArrayDataReference(_splitIm);
        ref var outA = ref MemoryMarshal.GetReference(a);
        ref var outB = ref MemoryMarshal.GetReference(b);
        var half = Vector256.Create(0.5f);
        var k = 1;

        // k + 8 <= m/2 and j = m - k - 7 >= m/2: every access is inside [0, m] (a, b have m + 1).
        for (; k + 8 <= m / 2; k += 8)
        {
            var j = m - k - 7; // lane l of the reversed partner load is Z[m-k-l]
            var ar = Vector256.LoadUnsafe(ref r, (nuint)k);
            var ai = Vector256.LoadUnsafe(ref i, (nuint)k);
            var br = Reverse(Vector256.LoadUnsafe(ref r, (nuint)j));
            var bi = Reverse(Vector256.LoadUnsafe(ref i, (nuint)j));

            // bi is Im Z[m-k]; conj(Z[m-k]) has -bi.
            var e = new C(half * (ar + br), half * (ai - bi));
            var d = new C(ar - br, ai + bi);
            var t = new C(Vector256.LoadUnsafe(ref sr, (nuint)k), Vector256.LoadUnsafe(ref si, (nuint)k)) * d;
            var x = e + t;
            var y = e - t; // X[m-k] = conj(y)
            if (power)
            {
                Norm(x).StoreUnsafe(ref outA, (nuint)k);
                Reverse(Norm(y)).StoreUnsafe(ref outA, (nuint)j);
            }
            else
            {
                x.R.StoreUnsafe(ref outA, (nuint)k);
                x.I.StoreUnsafe(ref outB, (nuint)k);
                Reverse(y.R).StoreUnsafe(ref outA, (nuint)j);
                Reverse(Vector256<float>.Zero - y.I).StoreUnsafe(ref outB, (nuint)j);
            }
        }

        return k;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SplitPower(ReadOnlySpan<float> zr, ReadOnlySpan<float> zi, Span<float> power)
    {
        var m = zr.Length;
        if (power.Length != m + 1 || zi.Length != m)
        {
            throw new InvalidOperationException("split shape");
        }

        var k = SplitVectors(zr, zi, power, power, power: true);

        // Done: bins 1..k and m-k+1..m-1. Left: 0, k..=m-k (around m/2) and m.
        var (xr, xi) = SplitBin(zr, zi, 0);
        power[0] = (xr * xr) + (xi * xi);
        for (var kk = k; kk <= m - k; kk++)
        {
            (xr, xi) = SplitBin(zr, zi, kk);
            power[kk] = (xr * xr) + (xi * xi);
        }

        (xr, xi) = SplitBin(zr, zi, m);
        power[m] = (xr * xr) + (xi * xi);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SplitComplex(ReadOnlySpan<float> zr, ReadOnlySpan<float> zi, Span<float> re, Span<float> im)
    {
        var m = zr.Length;
        if (re.Length != m + 1 || im.Length != m + 1 || zi.Length != m)
        {
            throw new InvalidOperationException("split shape");
        }

        var k = SplitVectors(zr, zi, re, im, power: false);
        (re[0], im[0]) = SplitBin(zr, zi, 0);
        for (var kk = k; kk <= m - k; kk++)
        {
            (re[kk], im[kk]) = SplitBin(zr, zi, kk);
        }

        (re[m], im[m]) = SplitBin(zr, zi, m);
    }

    /// <summary>
    /// Real-spectrum bin k (0..=m) from the complex FFT Z of the packed signal. With A = Z[k],
    /// B = conj(Z[m-k]) (indices mod m), the even and odd samples' spectra are E = (A+B)/2 and
    /// O = (A-B)/(2i), and X[k] = E + e^{-2πik/n}·O = E + split_tw[k]·(A-B).
    /// </summary>
    private (float Re, float Im) SplitBin(ReadOnlySpan<float> zr, ReadOnlySpan<float> zi, int k)
    {
        var m = zr.Length;
        var a = k == m ? 0 : k;
        var b = k == 0 ? 0 : m - k;
        float ar = zr[a], ai = zi[a], br = zr[b], bi = zi[b];

        // bi is Im Z[m-k]; B's imaginary part is -bi.
        float er = 0.5f * (ar + br), ei = 0.5f * (ai - bi);
        float dr = ar - br, di = ai + bi;
        float tr = _splitRe[k], ti = _splitIm[k];
        return (er + (tr * dr) - (ti * di), ei + (tr * di) + (ti * dr));
    }
}
