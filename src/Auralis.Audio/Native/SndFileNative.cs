using System.Runtime.InteropServices;

namespace Auralis.Audio.Native;

/// <summary>The libsndfile C API (sndfile.h, 1.2) as far as Auralis uses it.</summary>
/// <remarks>
/// Blittable types only; strings libsndfile owns (sf_strerror, sf_get_string, sf_version_string)
/// come back as raw pointers because the generated marshaller would otherwise free them.
/// sf_count_t is int64 on every platform libsndfile supports.
/// </remarks>
internal static partial class SndFileNative
{
    /// <summary>The name every import uses; <see cref="SndFileLibrary"/> resolves it to a real file.</summary>
    internal const string LibraryName = "sndfile";

    internal const int SFM_READ = 0x10;
    internal const int SFM_WRITE = 0x20;

    // Major formats.
    internal const int SF_FORMAT_WAV = 0x010000;
    internal const int SF_FORMAT_AIFF = 0x020000;
    internal const int SF_FORMAT_AU = 0x030000;
    internal const int SF_FORMAT_W64 = 0x0B0000;
    internal const int SF_FORMAT_WAVEX = 0x130000;
    internal const int SF_FORMAT_FLAC = 0x170000;
    internal const int SF_FORMAT_CAF = 0x180000;
    internal const int SF_FORMAT_OGG = 0x200000;
    internal const int SF_FORMAT_RF64 = 0x220000;
    internal const int SF_FORMAT_MPEG = 0x230000;

    // Subtypes.
    internal const int SF_FORMAT_PCM_16 = 0x0002;
    internal const int SF_FORMAT_PCM_24 = 0x0003;
    internal const int SF_FORMAT_FLOAT = 0x0006;
    internal const int SF_FORMAT_DOUBLE = 0x0007;
    internal const int SF_FORMAT_VORBIS = 0x0060;
    internal const int SF_FORMAT_OPUS = 0x0064;
    internal const int SF_FORMAT_MPEG_LAYER_I = 0x0080;
    internal const int SF_FORMAT_MPEG_LAYER_II = 0x0081;
    internal const int SF_FORMAT_MPEG_LAYER_III = 0x0082;

    internal const int SF_FORMAT_SUBMASK = 0x0000FFFF;
    internal const int SF_FORMAT_TYPEMASK = 0x0FFF0000;

    // String types for sf_get_string / sf_set_string.
    internal const int SF_STR_TITLE = 0x01;
    internal const int SF_STR_ARTIST = 0x04;
    internal const int SF_STR_ALBUM = 0x07;

    // sf_command commands.
    internal const int SFC_SET_CLIPPING = 0x10C0;

    // Error numbers (sf_error).
    internal const int SF_ERR_NO_ERROR = 0;
    internal const int SF_ERR_UNRECOGNISED_FORMAT = 1;
    internal const int SF_ERR_SYSTEM = 2;
    internal const int SF_ERR_MALFORMED_FILE = 3;
    internal const int SF_ERR_UNSUPPORTED_ENCODING = 4;

    /// <summary>
    /// Internal SFE_BAD_FILE, "File does not exist or is not a regular file (possibly a pipe?)".
    /// libsndfile 1.2 also returns it when its MPEG parser rejects a regular file's content.
    /// </summary>
    internal const int SFE_BAD_FILE = 7;

    /// <summary>SF_INFO: 32 bytes on 64-bit platforms (int64 then five int32, padded to 8).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SF_INFO
    {
        public long frames;
        public int samplerate;
        public int channels;
        public int format;
        public int sections;
        public int seekable;
    }

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial SndFileHandle sf_open(string path, int mode, ref SF_INFO sfinfo);

    [LibraryImport(LibraryName)]
    internal static unsafe partial long sf_readf_float(SndFileHandle sndfile, float* ptr, long frames);

    [LibraryImport(LibraryName)]
    internal static unsafe partial long sf_writef_float(SndFileHandle sndfile, float* ptr, long frames);

    [LibraryImport(LibraryName)]
    internal static partial int sf_error(SndFileHandle sndfile);

    /// <summary>Moves the read position to <paramref name="frames"/> (whence SEEK_SET = 0); -1 on failure.</summary>
    [LibraryImport(LibraryName)]
    internal static partial long sf_seek(SndFileHandle sndfile, long frames, int whence);

    /// <summary>sf_error(NULL): the error of the last failed sf_open (a process-wide value).</summary>
    [LibraryImport(LibraryName, EntryPoint = "sf_error")]
    internal static partial int sf_error_last(nint nullHandle);

    [LibraryImport(LibraryName)]
    internal static partial nint sf_strerror(SndFileHandle sndfile);

    /// <summary>sf_strerror(NULL): the message of the last failed sf_open.</summary>
    [LibraryImport(LibraryName, EntryPoint = "sf_strerror")]
    internal static partial nint sf_strerror_last(nint nullHandle);

    [LibraryImport(LibraryName)]
    internal static partial nint sf_get_string(SndFileHandle sndfile, int strType);

    [LibraryImport(LibraryName, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int sf_set_string(SndFileHandle sndfile, int strType, string value);

    [LibraryImport(LibraryName)]
    internal static partial int sf_command(SndFileHandle sndfile, int command, nint data, int datasize);

    [LibraryImport(LibraryName)]
    internal static partial int sf_format_check(ref SF_INFO info);

    [LibraryImport(LibraryName)]
    internal static partial nint sf_version_string();

    [LibraryImport(LibraryName)]
    internal static partial int sf_close(nint sndfile);

    /// <summary>Reads a C string libsndfile owns (never freed here); null for NULL or empty.</summary>
    internal static string? PtrToString(nint ptr)
    {
        string? text = ptr == 0 ? null : Marshal.PtrToStringUTF8(ptr);
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }

    /// <summary>libsndfile's message for a handle's last error, without its trailing period.</summary>
    internal static string ErrorText(SndFileHandle handle) =>
        PtrToString(sf_strerror(handle))?.TrimEnd('.') ?? $"libsndfile error {sf_error(handle)}";

    /// <summary>The message of the last failed sf_open, without its trailing period.</summary>
    internal static string LastOpenErrorText() =>
        PtrToString(sf_strerror_last(0))?.TrimEnd('.') ?? $"libsndfile error {sf_error_last(0)}";
}
