using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Auralis.Native;

/// <summary>
/// The C ABI of the Rust core (native/include/auralis.h), declared once. Blittable types only;
/// a test parses the header and checks every declaration, constant and struct offset against
/// it, and that every entry point is exported by the built library.
/// </summary>
internal static unsafe partial class NativeMethods
{
    /// <summary>Logical library name, mapped to a file by <see cref="NativeLibraryResolver"/>.</summary>
    internal const string Library = "auralis";

    /// <summary>The ABI version these declarations were written for (AU_ABI_VERSION).</summary>
    internal const uint AbiVersion = 1;

    internal const uint FingerprintDimensions = 25;

    internal const int AU_OK = 0;
    internal const int AU_ERR_NULL_POINTER = 1;
    internal const int AU_ERR_INVALID_ARGUMENT = 2;
    internal const int AU_ERR_INVALID_SAMPLES = 3;
    internal const int AU_ERR_TOO_SHORT = 4;
    internal const int AU_ERR_BUFFER_TOO_SMALL = 5;
    internal const int AU_ERR_STATE = 6;
    internal const int AU_ERR_PANIC = 7;

    [LibraryImport(Library)]
    internal static partial uint au_abi_version();

    [LibraryImport(Library)]
    internal static partial uint au_fingerprint_version();

    [LibraryImport(Library)]
    internal static partial int au_last_error_message(byte* buffer, nuint capacity, nuint* required);

    [LibraryImport(Library)]
    internal static partial int au_analyzer_new(uint sample_rate, uint channels, nint* @out);

    [LibraryImport(Library)]
    internal static partial int au_analyzer_push(AnalyzerHandle analyzer, float* samples, nuint sample_count);

    [LibraryImport(Library)]
    internal static partial int au_analyzer_finish(AnalyzerHandle analyzer, AuFingerprint* @out);

    [LibraryImport(Library)]
    internal static partial void au_analyzer_free(nint analyzer);

    [LibraryImport(Library)]
    internal static partial int au_fingerprint_compute(float* samples, nuint sample_count, uint sample_rate, uint channels, AuFingerprint* @out);

    [LibraryImport(Library)]
    internal static partial int au_fft_plan_new(uint n, nint* @out);

    [LibraryImport(Library)]
    internal static partial int au_fft_plan_power(FftPlanHandle plan, float* input, nuint input_len, float* power, nuint power_len);

    [LibraryImport(Library)]
    internal static partial void au_fft_plan_free(nint plan);

    [LibraryImport(Library)]
    internal static partial int au_selftest_panic();
}

/// <summary>The 25 dimensions as the C struct AuFingerprint (100 bytes, no padding).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct AuFingerprint
{
    public float sub_bass_pct;
    public float bass_pct;
    public float low_mid_pct;
    public float mid_pct;
    public float upper_mid_pct;
    public float presence_pct;
    public float air_pct;
    public float lufs;
    public float crest_db;
    public float bass_mid_ratio;
    public float tempo_bpm;
    public float rhythm_stability;
    public float transient_density;
    public float silence_ratio;
    public float spectral_centroid;
    public float spectral_rolloff;
    public float spectral_flatness;
    public float harmonic_ratio;
    public float pitch_stability;
    public float chroma_energy;
    public float dynamic_range_variation;
    public float loudness_variation_std;
    public float peak_consistency;
    public float stereo_width;
    public float phase_correlation;

    /// <summary>The fields in declaration (storage) order.</summary>
    public readonly ReadOnlySpan<float> AsSpan() =>
        MemoryMarshal.CreateReadOnlySpan(ref Unsafe.AsRef(in sub_bass_pct), (int)NativeMethods.FingerprintDimensions);
}
