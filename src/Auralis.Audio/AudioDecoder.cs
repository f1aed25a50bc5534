using Auralis.Audio.Ffmpeg;
using Auralis.Audio.Native;

namespace Auralis.Audio;

/// <summary>
/// Opens audio files for block-wise decoding through libsndfile or an ffmpeg pipe, in an order
/// chosen per format by measurement (docs/decoding.md). A file is only reported damaged when every
/// decoder that could read it has failed; the error then says what each one said.
/// </summary>
public static class AudioDecoder
{
    /// <summary>The name of the libsndfile decoder, as in <see cref="AudioInfo.Decoder"/>.</summary>
    public const string LibSndFile = "libsndfile";

    /// <summary>The name of the ffmpeg pipe decoder, as in <see cref="AudioInfo.Decoder"/>.</summary>
    public const string Ffmpeg = "ffmpeg";

    /// <summary>
    /// The generation of the decoding rules. It goes up whenever a change lets files decode that
    /// failed before (generation 1: the per-format order and the restart with the next decoder);
    /// the library stores it with each error, and a scan retries errors of older generations, so
    /// an upgrade can fix them without the files changing.
    /// </summary>
    public const int Generation = 1;

    /// <summary>True when libsndfile loaded (see AURALIS_SNDFILE_LIB to point at a specific copy).</summary>
    public static bool IsLibSndFileAvailable => SndFileLibrary.IsAvailable;

    /// <summary>libsndfile's own version string, e.g. "libsndfile-1.2.0"; null when it did not load.</summary>
    public static string? LibSndFileVersion => SndFileLibrary.Version;

    /// <summary>
    /// Opens <paramref name="path"/> with the first decoder (in the format's order) that accepts it.
    /// A failure later in the stream is final for this reader; use <see cref="Decode{T}"/> where
    /// the work can start over with the next decoder.
    /// </summary>
    /// <exception cref="AudioDecodeException">The file is missing, unreadable, empty, not a regular file, not audio or damaged.</exception>
    public static IAudioReader Open(string path, AudioDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new AudioDecodeOptions();
        var attempts = new Attempts(path);
        foreach (string decoder in Order(path, options, attempts))
        {
            if (TryOpenWith(decoder, path, attempts) is { } reader)
            {
                return reader;
            }
        }

        throw attempts.Failure();
    }

    /// <summary>
    /// Decodes <paramref name="path"/> with <paramref name="consume"/>, which reads the reader it
    /// is given to the end. If a decoder fails (at open or mid-stream) with a decode error, the
    /// work starts over from the beginning with the next decoder, so the result always comes from
    /// one decoder (its name is in <see cref="AudioInfo.Decoder"/>). Nothing is buffered: a restart
    /// decodes the file again. Transient I/O errors and the consumer's own exceptions propagate.
    /// </summary>
    /// <exception cref="AudioDecodeException">Every decoder that can read the format failed; the message lists each one's cause.</exception>
    public static T Decode<T>(string path, Func<IAudioReader, T> consume, AudioDecodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(consume);
        options ??= new AudioDecodeOptions();
        var attempts = new Attempts(path);
        foreach (string decoder in Order(path, options, attempts))
        {
            IAudioReader? reader = TryOpenWith(decoder, path, attempts);
            if (reader is null)
            {
                continue;
            }

            using (reader)
            {
                try
                {
                    return consume(reader);
                }
                catch (AudioDecodeException e) when (e.Kind is AudioErrorKind.Corrupt or AudioErrorKind.InvalidSamples or AudioErrorKind.UnsupportedFormat)
                {
                    attempts.Add(decoder, e.Kind, e.Cause);
                }
            }
        }

        throw attempts.Failure();
    }

    /// <summary>
    /// Formats that ffmpeg decodes faster than libsndfile (bench/decoders.sh, docs/decoding.md);
    /// every other format starts with libsndfile, which needs no child process.
    /// </summary>
    private static readonly HashSet<SniffedFormat> FfmpegFirst = [SniffedFormat.Opus];

    /// <summary>The file checks, then the decoders to try in order; a decoder that is not available is recorded as an attempt.</summary>
    private static List<string> Order(string path, AudioDecodeOptions options, Attempts attempts)
    {
        SniffedFormat format = RegularFile.Check(path);
        IReadOnlyList<string> wanted = options.Decoders
            ?? (FfmpegFirst.Contains(format) ? [Ffmpeg, LibSndFile] : [LibSndFile, Ffmpeg]);
        var order = new List<string>(wanted.Count);
        foreach (string decoder in wanted.Distinct(StringComparer.Ordinal))
        {
            switch (decoder)
            {
                case LibSndFile when !SndFileLibrary.IsAvailable:
                    attempts.Add(LibSndFile, AudioErrorKind.UnsupportedFormat, SndFileLibrary.LoadError ?? "libsndfile could not be loaded");
                    break;
                case Ffmpeg when !options.AllowFfmpeg:
                    attempts.Add(Ffmpeg, AudioErrorKind.UnsupportedFormat, "ffmpeg fallback disabled");
                    break;
                case LibSndFile or Ffmpeg:
                    order.Add(decoder);
                    break;
                default:
                    throw new ArgumentException($"Unknown decoder \"{decoder}\"; use \"{LibSndFile}\" or \"{Ffmpeg}\".", nameof(options));
            }
        }

        return order;
    }

    private static IAudioReader? TryOpenWith(string decoder, string path, Attempts attempts)
    {
        if (decoder == LibSndFile)
        {
            SndFileReader? reader = SndFileReader.TryOpen(path, out string reason, out int errorNumber);
            if (reader is null)
            {
                attempts.Add(LibSndFile, KindOfOpenError(errorNumber), reason);
            }

            return reader;
        }

        string? ffmpeg = FfmpegTools.Find("ffmpeg");
        if (ffmpeg is null)
        {
            attempts.Add(Ffmpeg, AudioErrorKind.UnsupportedFormat, "ffmpeg is not on PATH");
            return null;
        }

        FfmpegStreamInfo? stream = FfmpegProbe.Run(path, ffmpeg, out string failure);
        if (stream is null)
        {
            attempts.Add(Ffmpeg, AudioErrorKind.UnsupportedFormat, failure);
            return null;
        }

        return FfmpegReader.Start(path, ffmpeg, stream);
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

    /// <summary>What each decoder said; the combined error when none succeeded.</summary>
    private sealed class Attempts(string path)
    {
        private readonly List<(string Decoder, AudioErrorKind Kind, string Cause)> _failures = [];

        public void Add(string decoder, AudioErrorKind kind, string cause) => _failures.Add((decoder, kind, cause.TrimEnd('.')));

        /// <summary>
        /// The most telling kind wins: a transient I/O error (so the scan retries), then bad
        /// samples, then damage a decoder recognised, then "not understood".
        /// </summary>
        public AudioDecodeException Failure()
        {
            if (_failures.Count == 0)
            {
                return AudioDecodeException.For(path, AudioErrorKind.UnsupportedFormat, "no decoder was tried");
            }

            AudioErrorKind kind = _failures.MaxBy(f => Rank(f.Kind)).Kind;
            string cause = string.Join("; ", _failures.Select(f =>
                f.Cause.StartsWith(f.Decoder + " ", StringComparison.Ordinal) ? f.Cause : $"{f.Decoder}: {f.Cause}"));
            return AudioDecodeException.For(path, kind, cause);
        }

        private static int Rank(AudioErrorKind kind) => kind switch
        {
            AudioErrorKind.Io => 3,
            AudioErrorKind.InvalidSamples => 2,
            AudioErrorKind.Corrupt => 1,
            _ => 0,
        };
    }
}
