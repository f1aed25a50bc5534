using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Auralis.Audio.Native;
using static Auralis.Audio.Native.SndFileNative;

namespace Auralis.Audio.Tests;

public class NativeInteropTests
{
    [Fact]
    public void SfInfo_matches_the_C_layout_of_32_bytes_on_64_bit()
    {
        Assert.True(Environment.Is64BitProcess, "the layout below is the 64-bit one");
        Assert.Equal(32, Unsafe.SizeOf<SF_INFO>());
        Assert.Equal(0, (int)Marshal.OffsetOf<SF_INFO>(nameof(SF_INFO.frames)));
        Assert.Equal(8, (int)Marshal.OffsetOf<SF_INFO>(nameof(SF_INFO.samplerate)));
        Assert.Equal(12, (int)Marshal.OffsetOf<SF_INFO>(nameof(SF_INFO.channels)));
        Assert.Equal(16, (int)Marshal.OffsetOf<SF_INFO>(nameof(SF_INFO.format)));
        Assert.Equal(20, (int)Marshal.OffsetOf<SF_INFO>(nameof(SF_INFO.sections)));
        Assert.Equal(24, (int)Marshal.OffsetOf<SF_INFO>(nameof(SF_INFO.seekable)));
    }

    [Fact]
    public void LibSndFile_loads_and_reports_a_1_x_version()
    {
        Assert.True(AudioDecoder.IsLibSndFileAvailable, SndFileLibrary.LoadError);
        Assert.StartsWith("libsndfile-1.", AudioDecoder.LibSndFileVersion);
    }

    [Fact]
    public void The_library_override_is_used_when_it_loads()
    {
        nint handle = SndFileLibrary.Load("libsndfile.so.1", typeof(SndFileLibrary).Assembly, null);
        Assert.NotEqual(0, handle);
        Assert.True(NativeLibrary.TryGetExport(handle, "sf_open", out _));
    }

    [Fact]
    public void A_library_override_that_does_not_load_fails_loudly_instead_of_falling_back()
    {
        var ex = Assert.Throws<DllNotFoundException>(
            () => SndFileLibrary.Load("/nonexistent/libsndfile.so", typeof(SndFileLibrary).Assembly, null));
        Assert.Contains(SndFileLibrary.OverrideVariable + "=/nonexistent/libsndfile.so", ex.Message);
    }

    [Fact]
    public void Without_an_override_the_usual_library_names_are_probed()
    {
        Assert.NotEqual(0, SndFileLibrary.Load(null, typeof(SndFileLibrary).Assembly, null));
    }

    [Theory]
    [InlineData(SF_FORMAT_WAV | SF_FORMAT_FLOAT, "wav")]
    [InlineData(SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, "wav")]
    [InlineData(SF_FORMAT_AIFF | SF_FORMAT_PCM_16, "aiff")]
    [InlineData(SF_FORMAT_FLAC | SF_FORMAT_PCM_16, "flac")]
    [InlineData(SF_FORMAT_OGG | SF_FORMAT_VORBIS, "ogg-vorbis")]
    [InlineData(SF_FORMAT_OGG | SF_FORMAT_OPUS, "opus")]
    [InlineData(SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III, "mp3")]
    [InlineData(0x0A0000 | SF_FORMAT_PCM_16, "sndfile-0xa0000")]
    public void Format_names_are_the_short_stable_names_stored_in_the_database(int format, string expected) =>
        Assert.Equal(expected, SndFileReader.FormatName(format));
}
