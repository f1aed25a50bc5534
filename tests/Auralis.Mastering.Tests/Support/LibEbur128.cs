using System.Runtime.InteropServices;

namespace Auralis.Mastering.Tests.Support;

/// <summary>
/// libebur128 (Debian libebur128-1, installed by build.sh for the tests), the reference BS.1770
/// library, called directly: an independent meter for integrated loudness and true peak.
/// </summary>
internal static unsafe partial class LibEbur128
{
    private const string Library = "libebur128.so.1";
    private const int ModeI = (1 << 2) | (1 << 0);
    private const int ModeTruePeak = (1 << 5) | (1 << 4) | (1 << 0);

    public static bool IsAvailable => NativeLibrary.TryLoad(Library, out _);

    /// <summary>Integrated loudness (LUFS) and the largest true peak over the channels (dBTP).</summary>
    public static (double Integrated, double TruePeakDbtp) Measure(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        Assert.True(IsAvailable, "libebur128.so.1 is not installed (Debian: libebur128-1; build.sh installs it for the tests)");
        var state = ebur128_init((uint)channels, (nuint)sampleRate, ModeI | ModeTruePeak);
        Assert.True(state != nint.Zero, "ebur128_init failed");
        try
        {
            fixed (float* p = interleaved)
            {
                Assert.Equal(0, ebur128_add_frames_float(state, p, (nuint)(interleaved.Length / channels)));
            }

            double integrated;
            Assert.Equal(0, ebur128_loudness_global(state, &integrated));
            var peak = 0.0;
            for (var c = 0u; c < channels; c++)
            {
                double channelPeak;
                Assert.Equal(0, ebur128_true_peak(state, c, &channelPeak));
                peak = Math.Max(peak, channelPeak);
            }

            return (integrated, peak > 0 ? 20 * Math.Log10(peak) : -200);
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
    private static partial int ebur128_true_peak(nint state, uint channel, double* output);

    [LibraryImport(Library)]
    private static partial void ebur128_destroy(nint* state);
}
