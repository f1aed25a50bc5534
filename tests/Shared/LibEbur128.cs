using System.Runtime.InteropServices;

namespace Auralis.Tests.Support;

/// <summary>
/// libebur128 (Debian libebur128-1, installed by build.sh for the tests), the reference BS.1770 /
/// EBU Tech 3342 library, called directly: an independent meter to check our loudness, loudness
/// range and true peak against.
/// </summary>
public static unsafe partial class LibEbur128
{
    private const string Library = "libebur128.so.1";
    private const int ModeI = (1 << 2) | (1 << 0);
    private const int ModeLra = (1 << 3) | (1 << 1);
    private const int ModeTruePeak = (1 << 5) | (1 << 4) | (1 << 0);

    public static bool IsAvailable => NativeLibrary.TryLoad(Library, out _);

    /// <summary>Integrated loudness (LUFS) and loudness range (LU) of interleaved float PCM.</summary>
    public static (double Integrated, double Range) LoudnessAndRange(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        double range = 0;
        var integrated = Measure(interleaved, sampleRate, channels, ModeI | ModeLra, state =>
        {
            double value;
            Assert.Equal(0, ebur128_loudness_range(state, &value));
            range = value;
        });
        return (integrated, range);
    }

    /// <summary>Integrated loudness (LUFS) and the largest true peak over the channels (dBTP).</summary>
    public static (double Integrated, double TruePeakDbtp) LoudnessAndTruePeak(ReadOnlySpan<float> interleaved, int sampleRate, int channels)
    {
        var peak = 0.0;
        var integrated = Measure(interleaved, sampleRate, channels, ModeI | ModeTruePeak, state =>
        {
            for (var c = 0u; c < channels; c++)
            {
                double channelPeak;
                Assert.Equal(0, ebur128_true_peak(state, c, &channelPeak));
                peak = Math.Max(peak, channelPeak);
            }
        });
        return (integrated, peak > 0 ? 20 * Math.Log10(peak) : -200);
    }

    /// <summary>
    /// libebur128's integrated loudness of several tracks together (ebur128_loudness_global_multiple:
    /// BS.1770 gating over all their blocks), as album gain calculators use it.
    /// </summary>
    public static double AlbumLoudness(IReadOnlyList<float[]> tracks, int sampleRate, int channels)
    {
        Assert.True(IsAvailable, "libebur128.so.1 is not installed (Debian: libebur128-1; build.sh installs it for the tests)");
        var states = new nint[tracks.Count];
        try
        {
            for (var i = 0; i < tracks.Count; i++)
            {
                states[i] = ebur128_init((uint)channels, (nuint)sampleRate, ModeI);
                Assert.True(states[i] != nint.Zero, "ebur128_init failed");
                fixed (float* p = tracks[i])
                {
                    Assert.Equal(0, ebur128_add_frames_float(states[i], p, (nuint)(tracks[i].Length / channels)));
                }
            }

            double integrated;
            fixed (nint* all = states)
            {
                Assert.Equal(0, ebur128_loudness_global_multiple(all, (nuint)states.Length, &integrated));
            }

            return integrated;
        }
        finally
        {
            for (var i = 0; i < states.Length; i++)
            {
                var state = states[i];
                if (state != nint.Zero)
                {
                    ebur128_destroy(&state);
                }
            }
        }
    }

    /// <summary>Feeds the samples to a new state of <paramref name="mode"/>, lets <paramref name="read"/> query it, returns the integrated loudness.</summary>
    private static double Measure(ReadOnlySpan<float> interleaved, int sampleRate, int channels, int mode, Action<nint> read)
    {
        Assert.True(IsAvailable, "libebur128.so.1 is not installed (Debian: libebur128-1; build.sh installs it for the tests)");
        var state = ebur128_init((uint)channels, (nuint)sampleRate, mode);
        Assert.True(state != nint.Zero, "ebur128_init failed");
        try
        {
            fixed (float* p = interleaved)
            {
                Assert.Equal(0, ebur128_add_frames_float(state, p, (nuint)(interleaved.Length / channels)));
            }

            double integrated;
            Assert.Equal(0, ebur128_loudness_global(state, &integrated));
            read(state);
            return integrated;
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
    private static partial int ebur128_loudness_global_multiple(nint* states, nuint size, double* output);

    [LibraryImport(Library)]
    private static partial int ebur128_loudness_range(nint state, double* output);

    [LibraryImport(Library)]
    private static partial int ebur128_true_peak(nint state, uint channel, double* output);

    [LibraryImport(Library)]
    private static partial void ebur128_destroy(nint* state);
}
