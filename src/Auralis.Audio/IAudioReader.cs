namespace Auralis.Audio;

/// <summary>A decoder positioned in one audio file; not thread-safe.</summary>
public interface IAudioReader : IDisposable
{
    AudioInfo Info { get; }

    /// <summary>
    /// Reads up to <c>interleaved.Length / Info.Channels</c> frames of interleaved float32 PCM
    /// (nominal range -1..1). Returns the frames actually read; 0 only at the end of the stream.
    /// Never returns non-finite samples: one throws <see cref="AudioDecodeException"/> with
    /// <see cref="AudioErrorKind.InvalidSamples"/>, naming the file and the frame index.
    /// </summary>
    /// <exception cref="ArgumentException">The span cannot hold one whole frame.</exception>
    int Read(Span<float> interleaved);

    /// <summary>Frames returned by <see cref="Read"/> so far.</summary>
    long FramesRead { get; }

    /// <summary>
    /// Jumps to <paramref name="frame"/> without decoding what lies before, when the decoder can
    /// (libsndfile on seekable formats); false when it cannot, and the position is then unchanged.
    /// The landing point is the decoder's: exact for WAV, FLAC and Vorbis, approximate for some
    /// MP3 files. Use it where a few samples do not matter (measuring), not for sample-exact renders.
    /// </summary>
    bool TrySeek(long frame) => false;

    /// <summary>
    /// True when <see cref="TrySeek"/> lands on exactly the frame asked for, so a render may start
    /// there instead of decoding from the beginning. For lossy formats "exact" is the position; the
    /// first milliseconds decoded after a seek can differ slightly from a decode through (codec
    /// state such as MDCT overlap restarts), which a renderer's pre-roll absorbs.
    /// </summary>
    bool SeeksExactly => false;
}
