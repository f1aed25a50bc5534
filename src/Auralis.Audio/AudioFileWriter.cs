using Auralis.Audio.Native;
using NAudio.Wave;
using static Auralis.Audio.Native.SndFileNative;

namespace Auralis.Audio;

/// <summary>
/// Writes audio files through libsndfile; the container comes from the file extension. Where
/// libsndfile is not installed, WAV is written by NAudio (same sample formats and tags), and the
/// other formats fail with what to install.
/// </summary>
public static class AudioFileWriter
{
    /// <summary>Opus can only run at these rates (RFC 6716); libsndfile fails with a vague error otherwise.</summary>
    private static readonly int[] OpusRates = [8000, 12000, 16000, 24000, 48000];

    /// <summary>Writes a whole file at once.</summary>
    /// <exception cref="NotSupportedException">The extension or the sample format is not writable here.</exception>
    /// <exception cref="IOException">libsndfile could not create the file or could not write all of it.</exception>
    public static void Write(string path, ReadOnlySpan<float> interleaved, int sampleRate, int channels,
        AudioSampleFormat sampleFormat = AudioSampleFormat.Default, AudioTags? tags = null)
    {
        using AudioFileSink sink = Create(path, sampleRate, channels, sampleFormat, tags);
        sink.Write(interleaved);
    }

    /// <summary>Opens a streaming writer for long renders; dispose it to finish the file.</summary>
    /// <inheritdoc cref="Write" path="/exception"/>
    public static AudioFileSink Create(string path, int sampleRate, int channels,
        AudioSampleFormat sampleFormat = AudioSampleFormat.Default, AudioTags? tags = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (!SndFileLibrary.IsAvailable)
        {
            return Path.GetExtension(path).Equals(".wav", StringComparison.OrdinalIgnoreCase)
                ? CreateWave(path, sampleRate, channels, sampleFormat, tags)
                : throw new NotSupportedException(
                    $"Cannot write {path}: only .wav can be written without libsndfile, and {SndFileLibrary.LoadError}.");
        }

        var info = new SF_INFO
        {
            samplerate = sampleRate,
            channels = channels,
            format = FormatFor(path, sampleFormat, sampleRate),
        };
        if (sf_format_check(ref info) == 0)
        {
            throw new NotSupportedException(
                $"Cannot write {path}: libsndfile {SndFileLibrary.Version} cannot write this format " +
                $"(format 0x{info.format:x}, {channels} channels, {sampleRate} Hz).");
        }

        SndFileHandle handle = sf_open(path, SFM_WRITE, ref info);
        if (handle.IsInvalid)
        {
            string reason = LastOpenErrorText();
            handle.Dispose();
            throw new IOException($"Cannot create {path}: {reason}. Check that the folder exists, is writable and has free space.");
        }

        try
        {
            if ((info.format & SF_FORMAT_SUBMASK) is SF_FORMAT_PCM_16 or SF_FORMAT_PCM_24)
            {
                // Without clipping, a sample above 1.0 wraps around to full negative scale: a loud click.
                sf_command(handle, SFC_SET_CLIPPING, 0, 1);
            }

            // Tags must precede the first sample: FLAC and Ogg write them into the stream header.
            SetTag(handle, path, SF_STR_TITLE, tags?.Title);
            SetTag(handle, path, SF_STR_ARTIST, tags?.Artist);
            SetTag(handle, path, SF_STR_ALBUM, tags?.Album);
        }
        catch
        {
            handle.Dispose();
            throw;
        }

        return new AudioFileSink(handle, path, channels);
    }

    /// <summary>WAV through NAudio: float32 by default like the libsndfile path, PCM 16/24 on request.</summary>
    internal static AudioFileSink CreateWave(string path, int sampleRate, int channels, AudioSampleFormat sampleFormat, AudioTags? tags)
    {
        WaveFormat format = sampleFormat switch
        {
            AudioSampleFormat.Default or AudioSampleFormat.Float32 => WaveFormat.CreateIeeeFloatWaveFormat(sampleRate, channels),
            AudioSampleFormat.Pcm16 => new WaveFormat(sampleRate, 16, channels),
            AudioSampleFormat.Pcm24 => new WaveFormat(sampleRate, 24, channels),
            _ => throw new NotSupportedException($"Cannot write {path}: {sampleFormat} samples are not possible in .wav files."),
        };
        WaveFileWriter writer;
        try
        {
            // RF64 past 4 GB instead of an exception in the middle of a long render.
            writer = new WaveFileWriter(path, format, new WaveFileWriterOptions { EnableRf64 = true });
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot create {path}: {ex.Message} Check that the folder exists, is writable and has free space.", ex);
        }

        var info = new InfoMetadata();
        SetInfo(info, "INAM", tags?.Title);
        SetInfo(info, "IART", tags?.Artist);
        SetInfo(info, "IPRD", tags?.Album); // libsndfile's WAV album tag, so both writers agree
        if (info.Count > 0)
        {
            writer.WriteInfoMetadata(info, ChunkPosition.AfterData);
        }

        return new AudioFileSink(writer, path, channels);
    }

    private static void SetInfo(InfoMetadata info, string id, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            info.Set(id, value);
        }
    }

    /// <summary>The libsndfile format word for a file extension and requested sample format.</summary>
    internal static int FormatFor(string path, AudioSampleFormat sampleFormat, int sampleRate)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        switch (extension)
        {
            case ".wav":
                return SF_FORMAT_WAV | Subtype(sampleFormat, AudioSampleFormat.Float32, allowFloat: true, path);
            case ".flac":
                return SF_FORMAT_FLAC | Subtype(sampleFormat, AudioSampleFormat.Pcm24, allowFloat: false, path);
            case ".aif" or ".aiff":
                return SF_FORMAT_AIFF | Subtype(sampleFormat, AudioSampleFormat.Pcm24, allowFloat: true, path);
            case ".ogg" or ".oga":
                RequireCodecDefault(sampleFormat, path, "Ogg Vorbis");
                return SF_FORMAT_OGG | SF_FORMAT_VORBIS;
            case ".opus":
                RequireCodecDefault(sampleFormat, path, "Opus");
                if (Array.IndexOf(OpusRates, sampleRate) < 0)
                {
                    throw new NotSupportedException(
                        $"Cannot write {path}: Opus supports only 8000, 12000, 16000, 24000 or 48000 Hz, not {sampleRate} Hz. Resample first.");
                }

                return SF_FORMAT_OGG | SF_FORMAT_OPUS;
            case ".mp3":
                RequireCodecDefault(sampleFormat, path, "MP3");
                return SF_FORMAT_MPEG | SF_FORMAT_MPEG_LAYER_III;
            default:
                throw new NotSupportedException(
                    $"Cannot write {path}: unknown extension \"{extension}\"; use .wav, .flac, .aiff, .ogg, .opus or .mp3.");
        }
    }

    private static int Subtype(AudioSampleFormat requested, AudioSampleFormat fallback, bool allowFloat, string path)
    {
        AudioSampleFormat format = requested == AudioSampleFormat.Default ? fallback : requested;
        return format switch
        {
            AudioSampleFormat.Pcm16 => SF_FORMAT_PCM_16,
            AudioSampleFormat.Pcm24 => SF_FORMAT_PCM_24,
            AudioSampleFormat.Float32 when allowFloat => SF_FORMAT_FLOAT,
            _ => throw new NotSupportedException(
                $"Cannot write {path}: {format} samples are not possible in {Path.GetExtension(path)} files; use Pcm16 or Pcm24."),
        };
    }

    private static void RequireCodecDefault(AudioSampleFormat requested, string path, string codec)
    {
        if (requested != AudioSampleFormat.Default)
        {
            throw new NotSupportedException(
                $"Cannot write {path}: {codec} is a lossy codec with no {requested} option; use AudioSampleFormat.Default.");
        }
    }

    private static void SetTag(SndFileHandle handle, string path, int type, string? value)
    {
        if (!string.IsNullOrEmpty(value) && sf_set_string(handle, type, value) != 0)
        {
            throw new NotSupportedException($"Cannot write tags to {path}: {ErrorText(handle)}.");
        }
    }
}
