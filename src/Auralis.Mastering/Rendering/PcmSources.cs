using Auralis.Audio;

namespace Auralis.Mastering.Rendering;

/// <summary>
/// Interleaved float PCM that can be read from any frame: what the renderer pulls chunks from
/// (a decoded file, or samples in memory).
/// </summary>
public interface IPcmSource
{
    int SampleRate { get; }

    int Channels { get; }

    /// <summary>Length in frames when known up front (a decoder's claim may be an estimate, e.g. MP3 without a LAME header).</summary>
    long? Frames { get; }

    /// <summary>Identity of the audio for cache keys: changes whenever the audio may have changed.</summary>
    string Signature { get; }

    /// <summary>A reader positioned at <paramref name="frame"/> (past the end: a reader at its end).</summary>
    IPcmReader OpenAt(long frame);
}

/// <summary>A forward reader over an <see cref="IPcmSource"/>.</summary>
public interface IPcmReader : IDisposable
{
    /// <summary>Reads up to <c>interleaved.Length / Channels</c> frames; returns the frames read, 0 only at the end.</summary>
    int Read(Span<float> interleaved);

    /// <summary>
    /// Jumps forward or back to <paramref name="frame"/> of the source without decoding the frames
    /// between, when that is cheap; false otherwise (position unchanged). May land a few samples
    /// off for some MP3s (<see cref="IAudioReader.TrySeek"/>): for measuring, not for renders.
    /// </summary>
    bool TrySeek(long frame) => false;
}

/// <summary>PCM held in memory.</summary>
public sealed class InMemoryPcmSource : IPcmSource
{
    private readonly float[] _samples;

    /// <param name="signature">Cache identity; by default an FNV-1a hash of the samples and format.</param>
    public InMemoryPcmSource(float[] samples, int sampleRate, int channels, string? signature = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (samples.Length % channels != 0)
        {
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {channels}-channel frames.", nameof(samples));
        }

        _samples = samples;
        SampleRate = sampleRate;
        Channels = channels;
        Signature = signature ?? $"memory:{sampleRate}:{channels}:{samples.Length}:{Fnv1a(samples):x16}";
    }

    public int SampleRate { get; }

    public int Channels { get; }

    public long? Frames => _samples.Length / Channels;

    public string Signature { get; }

    public IPcmReader OpenAt(long frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        return new Reader(_samples, (int)Math.Min(frame * Channels, _samples.Length), Channels);
    }

    private static ulong Fnv1a(ReadOnlySpan<float> samples)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in System.Runtime.InteropServices.MemoryMarshal.AsBytes(samples))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }

    private sealed class Reader(float[] samples, int position, int channels) : IPcmReader
    {
        public bool TrySeek(long frame)
        {
            position = (int)Math.Clamp(frame * channels, 0, samples.Length);
            return true;
        }

        public int Read(Span<float> interleaved)
        {
            var n = Math.Min(interleaved.Length - (interleaved.Length % channels), samples.Length - position);
            samples.AsSpan(position, n).CopyTo(interleaved);
            position += n;
            return n / channels;
        }

        public void Dispose()
        {
        }
    }
}

/// <summary>
/// An audio file decoded on demand (<see cref="AudioDecoder"/>). <see cref="OpenAt"/> seeks the
/// decoder when it lands exactly (<see cref="IAudioReader.SeeksExactly"/>: libsndfile's sf_seek for
/// WAV, FLAC, Ogg; ffmpeg's -ss for the containers with exact timestamps), so a render that starts
/// 12 minutes in does not decode 12 minutes first; otherwise (MP3) it decodes and discards the
/// frames before the position, which is exact for every format.
/// </summary>
public sealed class AudioFilePcmSource : IPcmSource
{
    private const int SkipBlockFrames = 16_384;

    /// <summary>
    /// The ffmpeg reader the constructor opened to learn the format, kept for the first
    /// <see cref="OpenAt"/>: it has probed the file but starts no process until read, so keeping
    /// it holds nothing, and handing it on saves an ffprobe run (tens of milliseconds, more under
    /// load) on the way to a stream's first chunk. libsndfile readers hold a file open and open in
    /// well under a millisecond, so they are closed at once instead.
    /// </summary>
    private IAudioReader? _probed;

    /// <exception cref="AudioDecodeException">The file cannot be opened for decoding.</exception>
    public AudioFilePcmSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        var reader = AudioDecoder.Open(path);
        SampleRate = reader.Info.SampleRate;
        Channels = reader.Info.Channels;
        Frames = reader.Info.FramesHint;
        if (reader.Info.Decoder == AudioDecoder.Ffmpeg && reader.FramesRead == 0)
        {
            _probed = reader;
        }
        else
        {
            reader.Dispose();
        }

        var file = new FileInfo(path);
        Signature = $"file:{file.FullName}|{file.Length}|{file.LastWriteTimeUtc.Ticks}";
    }

    public string Path { get; }

    public int SampleRate { get; }

    public int Channels { get; }

    public long? Frames { get; }

    /// <summary>Full path, size and modification time: a rewritten file gets a new signature.</summary>
    public string Signature { get; }

    /// <exception cref="AudioDecodeException">The file cannot be decoded.</exception>
    public IPcmReader OpenAt(long frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        var reader = Interlocked.Exchange(ref _probed, null) ?? AudioDecoder.Open(Path);
        try
        {
            if (reader.Info.SampleRate != SampleRate || reader.Info.Channels != Channels)
            {
                throw new AudioDecodeException(Path, AudioErrorKind.Corrupt,
                    $"{Path}: the file changed while being mastered ({reader.Info.SampleRate} Hz, {reader.Info.Channels} channels now). Start again.");
            }

            if (frame > 0 && reader.SeeksExactly && reader.TrySeek(frame))
            {
                return new Reader(reader);
            }

            var skip = new float[SkipBlockFrames * Channels];
            while (frame > 0)
            {
                var read = reader.Read(skip.AsSpan(0, (int)Math.Min(SkipBlockFrames, frame) * Channels));
                if (read == 0)
                {
                    break;
                }

                frame -= read;
            }

            return new Reader(reader);
        }
        catch
        {
            reader.Dispose();
            throw;
        }
    }

    private sealed class Reader(IAudioReader reader) : IPcmReader
    {
        public int Read(Span<float> interleaved) => reader.Read(interleaved);

        public bool TrySeek(long frame) => reader.TrySeek(frame);

        public void Dispose() => reader.Dispose();
    }
}
