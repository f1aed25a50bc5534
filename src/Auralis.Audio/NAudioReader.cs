using NAudio.Wave;

namespace Auralis.Audio;

/// <summary>
/// Block-wise decoding of WAV (RIFF, RF64) and AIFF through NAudio's managed readers: the decoder
/// that needs no native library. NAudio's sample providers turn 8/16/24/32-bit PCM and 32/64-bit
/// float (plain or WAVE_FORMAT_EXTENSIBLE) into float32 with the same scaling as libsndfile
/// (PCM divided by 2^(bits-1)); a test compares both decoders sample by sample. Not read: W64,
/// compressed AIFC and the compressed WAV codecs (ADPCM, mu-law...): those fail here and go to the
/// next decoder.
/// </summary>
internal sealed class NAudioReader : IAudioReader
{
    private readonly WaveStream _stream;
    private readonly ISampleProvider _samples;
    private readonly long _frames;

    private NAudioReader(WaveStream stream, ISampleProvider samples, AudioInfo info, long frames)
    {
        _stream = stream;
        _samples = samples;
        _frames = frames;
        Info = info;
    }

    public AudioInfo Info { get; }

    public long FramesRead { get; private set; }

    /// <summary>Opens a WAV or AIFF file, or returns null with the cause and its kind.</summary>
    internal static NAudioReader? TryOpen(string path, SniffedFormat format, out string failure, out AudioErrorKind kind)
    {
        WaveStream? stream = null;
        try
        {
            stream = format == SniffedFormat.Aiff ? new AiffFileReader(path) : new WaveFileReader(path);
            WaveFormat wave = stream.WaveFormat;
            if (wave.Channels <= 0 || wave.SampleRate <= 0 || wave.BlockAlign <= 0)
            {
                throw new FormatException($"the header says {wave.Channels} channels at {wave.SampleRate} Hz");
            }

            // Throws ArgumentException for encodings that are not PCM or float.
            ISampleProvider samples = stream.ToSampleProvider();
            long frames = stream.Length / wave.BlockAlign;
            InfoMetadata? tags = (stream as WaveFileReader)?.Chunks.ReadInfoMetadata();
            var info = new AudioInfo(
                path, wave.SampleRate, wave.Channels, frames > 0 ? frames : null, format == SniffedFormat.Aiff ? "aiff" : "wav", AudioDecoder.NAudio,
                Tag(tags?.Title), Tag(tags?.Artist), Tag(tags?.Product));
            failure = string.Empty;
            kind = default;
            var reader = new NAudioReader(stream, samples, info, frames);
            stream = null; // owned by the reader now
            return reader;
        }
        catch (ArgumentException ex)
        {
            (failure, kind) = ($"unsupported sample encoding ({ex.Message.TrimEnd('.')})", AudioErrorKind.UnsupportedFormat);
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or EndOfStreamException or OverflowException or IndexOutOfRangeException)
        {
            (failure, kind) = ($"cannot read the header ({ex.Message.TrimEnd('.')})", AudioErrorKind.Corrupt);
        }
        catch (UnauthorizedAccessException ex)
        {
            (failure, kind) = (ex.Message, AudioErrorKind.Unreadable);
        }
        catch (IOException ex)
        {
            (failure, kind) = (ex.Message, AudioErrorKind.Io);
        }
        finally
        {
            stream?.Dispose();
        }

        return null;
    }

    public int Read(Span<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(!_stream.CanRead, this);
        int channels = Info.Channels;
        int wanted = SampleGuard.FramesThatFit(interleaved.Length, channels) * channels;
        int got = 0;
        try
        {
            // A provider may return less than asked before the end; 0 is the end, and so is a
            // partial frame (the data chunk is cut inside a frame: nothing follows it).
            while (got < wanted)
            {
                int n = _samples.Read(interleaved[got..wanted]);
                if (n <= 0)
                {
                    break;
                }

                got += n;
                if (got % channels != 0)
                {
                    break;
                }
            }
        }
        catch (IOException ex)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Io, $"NAudio failed at frame {FramesRead}: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Corrupt, $"NAudio failed at frame {FramesRead}: {ex.Message}", ex);
        }

        // A data chunk cut inside a frame ends with a partial frame: it is dropped, like libsndfile does.
        int frames = got / channels;
        if (frames == 0 && FramesRead == 0 && wanted > 0 && _frames > 0)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Corrupt,
                $"the audio ends at frame 0 but the header promises {_frames} frames: the file is truncated");
        }

        SampleGuard.EnsureValid(interleaved[..(frames * channels)], channels, FramesRead, Info.Path);
        FramesRead += frames;
        return frames;
    }

    /// <summary>Exact: the data is uncompressed, so a frame is a byte offset.</summary>
    public bool TrySeek(long frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        if (frame > _frames)
        {
            return false;
        }

        _stream.Position = frame * _stream.WaveFormat.BlockAlign;
        FramesRead = frame;
        return true;
    }

    public void Dispose() => _stream.Dispose();

    private static string? Tag(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
