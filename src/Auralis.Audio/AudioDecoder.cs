using Auralis.Audio.Ffmpeg;
using Auralis.Audio.Native;

namespace Auralis.Audio;

/// <summary>
/// Opens audio files for block-wise decoding through libsndfile, NAudio (WAV and AIFF, managed) or
/// an ffmpeg pipe, in an order chosen per format (docs/decoding.md). A file is only reported
/// damaged when every decoder that could read it has failed; the error then says what each one
/// said, and when a decoder was missing, what to install.
/// </summary>
public static class AudioDecoder
{
    /// <summary>The name of the libsndfile decoder, as in <see cref="AudioInfo.Decoder"/>.</summary>
    public const string LibSndFile = "libsndfile";

    /// <summary>The name of the ffmpeg pipe decoder, as in <see cref="AudioInfo.Decoder"/>.</summary>
    public const string Ffmpeg = "ffmpeg";

    /// <summary>The name of the managed WAV/AIFF decoder (NAudio), as in <see cref="AudioInfo.Decoder"/>.</summary>
    public const string NAudio = "naudio";

    /// <summary>
    /// The generation of the decoding rules. It goes up whenever a change lets files decode that
    /// failed before (generation 1: the per-format order and the restart with the next decoder;
    /// generation 2: NAudio reads WAV and AIFF where libsndfile is missing or refuses them);
    /// the library stores it with each error, and a scan retries errors of older generations, so
    /// an upgrade can fix them without the files changing.
    /// </summary>
    public const int Generation = 2;

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
        (SniffedFormat format, List<string> order) = Order(path, options, attempts);
        foreach (string decoder in order)
        {
            if (TryOpenWith(decoder, path, format, attempts) is { } reader)
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
        (SniffedFormat format, List<string> order) = Order(path, options, attempts);
        foreach (string decoder in order)
        {
            IAudioReader? reader = TryOpenWith(decoder, path, format, attempts);
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

    /// <summary>The default order for a sniffed format (docs/decoding.md, "Decoder order").</summary>
    private static string[] DefaultOrder(SniffedFormat format) => format switch
    {
        // ffmpeg decodes Opus faster than libsndfile (bench/decoders.sh).
        SniffedFormat.Opus => [Ffmpeg, LibSndFile],
        // libsndfile first: it reads the AIFF text chunks and its error handling is the tested one;
        // NAudio makes WAV and AIFF readable without any native library or program.
        SniffedFormat.Wav or SniffedFormat.Aiff => [LibSndFile, NAudio, Ffmpeg],
        _ => [LibSndFile, Ffmpeg],
    };

    /// <summary>The file checks, then the decoders to try in order; a decoder that is not available is recorded as an attempt.</summary>
    private static (SniffedFormat, List<string>) Order(string path, AudioDecodeOptions options, Attempts attempts)
    {
        SniffedFormat format = RegularFile.Check(path);
        IReadOnlyList<string> wanted = options.Decoders ?? DefaultOrder(format);
        var order = new List<string>(wanted.Count);
        foreach (string decoder in wanted.Distinct(StringComparer.Ordinal))
        {
            switch (decoder)
            {
                case LibSndFile when !SndFileLibrary.IsAvailable:
                    attempts.Missing(LibSndFile, SndFileLibrary.LoadError ?? "libsndfile could not be loaded");
                    break;
                case Ffmpeg when !options.AllowFfmpeg:
                    attempts.Add(Ffmpeg, AudioErrorKind.UnsupportedFormat, "ffmpeg fallback disabled");
                    break;
                case NAudio when format is not (SniffedFormat.Wav or SniffedFormat.Aiff):
                    attempts.Add(NAudio, AudioErrorKind.UnsupportedFormat, "NAudio reads only WAV and AIFF, and this is neither");
                    break;
                case LibSndFile or Ffmpeg or NAudio:
                    order.Add(decoder);
                    break;
                default:
                    throw new ArgumentException($"Unknown decoder \"{decoder}\"; use \"{LibSndFile}\", \"{NAudio}\" or \"{Ffmpeg}\".", nameof(options));
            }
        }

        return (format, order);
    }

    private static IAudioReader? TryOpenWith(string decoder, string path, SniffedFormat format, Attempts attempts)
    {
        if (decoder == NAudio)
        {
            NAudioReader? managed = NAudioReader.TryOpen(path, format, out string cause, out AudioErrorKind kind);
            if (managed is null)
            {
                attempts.Add(NAudio, kind, cause);
            }

            return managed;
        }

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
            attempts.Missing(Ffmpeg, "ffmpeg is not on PATH");
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

        private bool _decoderMissing;

        public void Add(string decoder, AudioErrorKind kind, string cause) => _failures.Add((decoder, kind, cause.TrimEnd('.')));

        /// <summary>A decoder that is not installed here (as opposed to one that refused the file).</summary>
        public void Missing(string decoder, string cause)
        {
            _decoderMissing = true;
            Add(decoder, AudioErrorKind.UnsupportedFormat, cause);
        }

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
            if (kind == AudioErrorKind.UnsupportedFormat && _decoderMissing)
            {
                // Not "not audio": a decoder is missing, and the user can fix that.
                return AudioDecodeException.For(path, kind, $"no installed decoder reads this file ({cause})",
                    "Install libsndfile1 (FLAC, Ogg Vorbis, Opus, MP3) or ffmpeg (those and more), e.g. apt-get install " +
                    "libsndfile1 ffmpeg; WAV and AIFF are read without them.");
            }

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
