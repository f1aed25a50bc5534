using Auralis.Audio.Ffmpeg;
using Auralis.Audio.Native;

namespace Auralis.Audio;

/// <summary>Opens audio files for block-wise decoding: libsndfile first, then an ffmpeg pipe.</summary>
public static class AudioDecoder
{
    /// <summary>True when libsndfile loaded (see AURALIS_SNDFILE_LIB to point at a specific copy).</summary>
    public static bool IsLibSndFileAvailable => SndFileLibrary.IsAvailable;

    /// <summary>libsndfile's own version string, e.g. "libsndfile-1.2.0"; null when it did not load.</summary>
    public static string? LibSndFileVersion => SndFileLibrary.Version;

    /// <summary>
    /// Opens <paramref name="path"/> for decoding. libsndfile is tried first; if it cannot open the
    /// file and ffmpeg is on PATH (and allowed), an ffmpeg pipe decodes it instead.
    /// </summary>
    /// <exception cref="AudioDecodeException">The file is missing, unreadable, empty, not audio or damaged.</exception>
    public static IAudioReader Open(string path, AudioDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new AudioDecodeOptions();
        CheckReadableFile(path);

        string libsndfileFailure;
        var kind = AudioErrorKind.UnsupportedFormat;
        if (SndFileLibrary.IsAvailable)
        {
            SndFileReader? reader = SndFileReader.TryOpen(path, out string reason, out int errorNumber);
            if (reader is not null)
            {
                return reader;
            }

            libsndfileFailure = $"libsndfile: {reason}";
            kind = KindOfOpenError(errorNumber);
        }
        else
        {
            libsndfileFailure = SndFileLibrary.LoadError ?? "libsndfile could not be loaded";
        }

        if (!options.AllowFfmpeg)
        {
            throw AudioDecodeException.For(path, kind, $"{libsndfileFailure} (ffmpeg fallback disabled)");
        }

        string? ffmpeg = FfmpegTools.Find("ffmpeg");
        if (ffmpeg is null)
        {
            throw AudioDecodeException.For(path, kind, $"{libsndfileFailure}; ffmpeg is not on PATH");
        }

        FfmpegStreamInfo? stream = FfmpegProbe.Run(path, ffmpeg, out string ffmpegFailure);
        return stream is not null
            ? FfmpegReader.Start(path, ffmpeg, stream)
            : throw AudioDecodeException.For(path, kind, $"{libsndfileFailure}; ffmpeg: {ffmpegFailure}");
    }

    /// <summary>
    /// Classifies libsndfile's open error. Codes 1-4 are the public SF_ERR_* values; larger ones
    /// are internal codes for a recognized format whose header did not parse, i.e. damage.
    /// </summary>
    private static AudioErrorKind KindOfOpenError(int errorNumber) => errorNumber switch
    {
        SndFileNative.SF_ERR_UNRECOGNISED_FORMAT or SndFileNative.SF_ERR_UNSUPPORTED_ENCODING => AudioErrorKind.UnsupportedFormat,
        SndFileNative.SF_ERR_SYSTEM => AudioErrorKind.Io,
        _ => AudioErrorKind.Corrupt,
    };

    /// <summary>
    /// Distinguishes the filesystem problems before any decoder sees the path, because
    /// libsndfile reports all of them as one vague "System error".
    /// </summary>
    private static void CheckReadableFile(string path)
    {
        if (Directory.Exists(path))
        {
            throw AudioDecodeException.For(path, AudioErrorKind.IsDirectory, "this is a directory, not an audio file");
        }

        try
        {
            // Opening (not just stat) is the only reliable permission check: ACLs, root, read-only mounts.
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (RandomAccess.GetLength(handle) == 0)
            {
                throw AudioDecodeException.For(path, AudioErrorKind.Empty, "the file is empty (0 bytes)");
            }
        }
        catch (UnauthorizedAccessException ex)
        {
            throw AudioDecodeException.For(path, AudioErrorKind.Unreadable, "permission denied", ex);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // .NET reports a dangling link as an existing file, so the link is only noticed here.
            string? target = LinkTarget(path);
            throw AudioDecodeException.For(path, AudioErrorKind.NotFound,
                target is null ? "no such file" : $"broken symbolic link (its target {target} does not exist)", ex);
        }
        catch (PathTooLongException ex)
        {
            throw AudioDecodeException.For(path, AudioErrorKind.NotFound, "the path is too long for this system", ex);
        }
        catch (IOException ex) when (LinkTarget(path) is not null && !LinkResolves(path))
        {
            throw AudioDecodeException.For(path, AudioErrorKind.NotFound, $"symbolic link that cannot be resolved ({ex.Message})", ex);
        }
        catch (IOException ex)
        {
            throw AudioDecodeException.For(path, AudioErrorKind.Io, $"I/O error while opening: {ex.Message}", ex);
        }
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>False for link loops (ELOOP), which would otherwise look like a transient I/O error.</summary>
    private static bool LinkResolves(string path)
    {
        try
        {
            return File.ResolveLinkTarget(path, returnFinalTarget: true) is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
