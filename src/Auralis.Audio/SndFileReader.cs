using Auralis.Audio.Native;
using static Auralis.Audio.Native.SndFileNative;

namespace Auralis.Audio;

/// <summary>Block-wise decoding through libsndfile.</summary>
internal sealed class SndFileReader : IAudioReader
{
    private readonly SndFileHandle _handle;

    /// <summary>FLAC's STREAMINFO states the exact length, so ending before it means truncation.</summary>
    private readonly bool _lengthIsExact;

    private SndFileReader(SndFileHandle handle, AudioInfo info)
    {
        _handle = handle;
        Info = info;
        _lengthIsExact = info.Format == "flac";
    }

    private static readonly Lock OpenLock = new();

    public AudioInfo Info { get; }

    public long FramesRead { get; private set; }

    private bool _seekable;

    /// <summary>Opens with libsndfile, or returns null with libsndfile's reason and error number.</summary>
    internal static SndFileReader? TryOpen(string path, out string failure, out int errorNumber)
    {
        var sfInfo = default(SF_INFO);
        SndFileHandle handle;
        // sf_open's error lives in a process-wide slot: opens are serialized until their error is
        // read, so a concurrent failed open on another worker cannot overwrite it (opening takes
        // well under a millisecond; decoding, the long part, runs in parallel).
        lock (OpenLock)
        {
            handle = sf_open(path, SFM_READ, ref sfInfo);
            errorNumber = handle.IsInvalid ? sf_error_last(0) : SF_ERR_NO_ERROR;
            failure = !handle.IsInvalid ? string.Empty
                : errorNumber == SFE_BAD_FILE ? "no decodable audio stream found (the file exists and is readable)" // not "possibly a pipe?"
                : LastOpenErrorText();
        }

        if (handle.IsInvalid)
        {
            handle.Dispose();
            return null;
        }

        if (sfInfo.channels <= 0 || sfInfo.samplerate <= 0)
        {
            handle.Dispose();
            errorNumber = SF_ERR_MALFORMED_FILE;
            failure = $"libsndfile reports {sfInfo.channels} channels at {sfInfo.samplerate} Hz";
            return null;
        }

        var info = new AudioInfo(
            path,
            sfInfo.samplerate,
            sfInfo.channels,
            // libsndfile uses SF_COUNT_MAX for "unknown length" (e.g. pipes).
            sfInfo.frames is > 0 and < long.MaxValue ? sfInfo.frames : null,
            FormatName(sfInfo.format),
            "libsndfile",
            PtrToString(sf_get_string(handle, SF_STR_TITLE)),
            PtrToString(sf_get_string(handle, SF_STR_ARTIST)),
            PtrToString(sf_get_string(handle, SF_STR_ALBUM)));
        failure = string.Empty;
        errorNumber = SF_ERR_NO_ERROR;
        return new SndFileReader(handle, info) { _seekable = sfInfo.seekable != 0 };
    }

    public unsafe int Read(Span<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        int channels = Info.Channels;
        int wanted = SampleGuard.FramesThatFit(interleaved.Length, channels);

        long got;
        fixed (float* buffer = interleaved)
        {
            got = sf_readf_float(_handle, buffer, wanted);
        }

        if (got < 0 || got > wanted)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Corrupt,
                $"libsndfile returned an impossible frame count {got} at frame {FramesRead}");
        }

        // A short read is either the end of the file or a decoder error; only sf_error tells them apart.
        if (got < wanted)
        {
            int error = sf_error(_handle);
            if (error != SF_ERR_NO_ERROR)
            {
                throw AudioDecodeException.For(Info.Path,
                    error == SF_ERR_SYSTEM ? AudioErrorKind.Io : AudioErrorKind.Corrupt,
                    $"libsndfile failed at frame {FramesRead + got}: {ErrorText(_handle)}");
            }

            CheckCompleteAt(FramesRead + got);
        }

        int frames = (int)got;
        SampleGuard.EnsureValid(interleaved[..(frames * channels)], channels, FramesRead, Info.Path);
        FramesRead += frames;
        return frames;
    }

    /// <summary>
    /// libsndfile seeks WAV, AIFF, FLAC (sample numbers in the seek table and frame headers) and Ogg
    /// (granule positions, then decoding to the sample) to the exact frame; its MPEG seek can land
    /// a few samples off, so MP1/2/3 are excluded.
    /// </summary>
    public bool SeeksExactly => _seekable && Info.Format is not ("mp3" or "mp2" or "mp1");

    public bool TrySeek(long frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        if (!_seekable || sf_seek(_handle, frame, 0) != frame)
        {
            return false;
        }

        FramesRead = frame;
        return true;
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>
    /// At the end of the stream: nothing decoded although the header promised frames, or (FLAC)
    /// fewer frames than the header's exact count, means the file is cut off. Other formats only
    /// estimate or recompute their length (MP3, WAV), so for them an early end is not provable.
    /// </summary>
    private void CheckCompleteAt(long total)
    {
        if (Info.FramesHint is long promised && (total == 0 || (_lengthIsExact && total < promised)))
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Corrupt,
                $"the audio ends at frame {total} but the header promises {promised} frames: the file is truncated");
        }
    }

    /// <summary>Short lowercase names, stable across libsndfile versions (stored in the database).</summary>
    internal static string FormatName(int format)
    {
        int major = format & SF_FORMAT_TYPEMASK;
        int sub = format & SF_FORMAT_SUBMASK;
        return major switch
        {
            SF_FORMAT_WAV or SF_FORMAT_WAVEX or SF_FORMAT_RF64 => "wav",
            SF_FORMAT_AIFF => "aiff",
            SF_FORMAT_FLAC => "flac",
            SF_FORMAT_OGG when sub == SF_FORMAT_VORBIS => "ogg-vorbis",
            SF_FORMAT_OGG when sub == SF_FORMAT_OPUS => "opus",
            SF_FORMAT_OGG => "ogg",
            SF_FORMAT_MPEG when sub == SF_FORMAT_MPEG_LAYER_I => "mp1",
            SF_FORMAT_MPEG when sub == SF_FORMAT_MPEG_LAYER_II => "mp2",
            SF_FORMAT_MPEG => "mp3",
            SF_FORMAT_AU => "au",
            SF_FORMAT_W64 => "w64",
            SF_FORMAT_CAF => "caf",
            _ => $"sndfile-0x{major:x}",
        };
    }
}
