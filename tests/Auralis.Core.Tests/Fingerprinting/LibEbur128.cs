using System.Runtime.InteropServices;

namespace Auralis.Tests.Fingerprinting;

/// <summary>
/// libebur128 (Debian libebur128-1), the reference BS.1770 / EBU Tech 3342 library, called
/// directly: an independent implementation to check lufs and LRA against.
/// </summary>
internal static unsafe partial class LibEbur128
{
    private const string Library = "libebur128.so.1";
    private const int ModeI = (1 << 2) | (1 << 0);
    private const int ModeLra = (1 << 3) | (1 << 1);

    public static bool IsAvailable => NativeLibrary.TryLoad(Library, out _);

    /// <summary>Integrated loudness and loudness range of interleaved float PCM.</summary>
    public static (double Integrated, double Range) Measure(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        var state = ebur128_init((uint)channels, (nuint)sampleRate, ModeI | ModeLra);
        Assert.True(state != nint.Zero, "ebur128_init failed");
        try
        {
            fixed (float* p = interleaved)
            {
                Assert.Equal(0, ebur128_add_frames_float(state, p, (nuint)(interleaved.Length / channels)));
            }

            double integrated, range;
            Assert.Equal(0, ebur128_loudness_global(state, &integrated));
            Assert.Equal(0, ebur128_loudness_range(state, &range));
            return (integrated, range);
        }
        finally
        {
            ebur128_destroy(&state);
        }
    }

    [LibraryImport(Library)]
    private static partial nint ebur128_init(uint channels, nuint samplerate, int mode);

    [LibraryImport(Library)]
    private static partial int ebur128_add_frames_float(nint state, float* src, nuint frames);

    [LibraryImport(Library)]
    private static partial int ebur128_loudness_global(nint state, double* output);

    [LibraryImport(Library)]
    private static partial int ebur128_loudness_range(nint state, double* output);

    [LibraryImport(Library)]
    private static partial void ebur128_destroy(nint* state);
}
