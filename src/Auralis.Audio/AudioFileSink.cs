using Auralis.Audio.Native;
using static Auralis.Audio.Native.SndFileNative;

namespace Auralis.Audio;

/// <summary>
/// A file being written block by block. Every write is checked: a short write (full disk, I/O
/// error) throws instead of producing a silently truncated file. Dispose finishes the file and,
/// like <see cref="FileStream"/>, throws if that final flush fails.
/// </summary>
public sealed class AudioFileSink : IDisposable
{
    private readonly SndFileHandle _handle;
    private readonly string _path;
    private readonly int _channels;
    private bool _failed;

    internal AudioFileSink(SndFileHandle handle, string path, int channels)
    {
        _handle = handle;
        _path = path;
        _channels = channels;
    }

    /// <summary>Frames written so far.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Appends interleaved float samples (a whole number of frames).</summary>
    /// <exception cref="IOException">libsndfile wrote fewer frames than given.</exception>
    public unsafe void Write(ReadOnlySpan<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed || _handle.IsInvalid, this);
        if (interleaved.Length % _channels != 0)
        {
            throw new ArgumentException(
                $"{interleaved.Length} samples is not a whole number of {_channels}-channel frames.", nameof(interleaved));
        }

        long frames = interleaved.Length / _channels;
        if (frames == 0)
        {
            return;
        }

        long written;
        fixed (float* samples = interleaved)
        {
            written = sf_writef_float(_handle, samples, frames);
        }

        if (written != frames)
        {
            _failed = true;
            throw new IOException(
                $"Writing {_path} failed after {FramesWritten + Math.Max(0, written)} frames ({written} of {frames} in this block): " +
                $"{ErrorText(_handle)}. Check free disk space and permissions.");
        }

        FramesWritten += frames;
    }

    /// <summary>Finishes the file (encoders flush their last pages, headers get their lengths).</summary>
    /// <exception cref="IOException">The final flush failed; the file is incomplete.</exception>
    public void Dispose()
    {
        int rc = _handle.CloseAndCheck();
        // After a failed Write the caller already has an exception; do not replace it with this one.
        if (rc != 0 && !_failed)
        {
            _failed = true;
            throw new IOException($"Finishing {_path} failed (libsndfile error {rc}). Check free disk space.");
        }
    }
}
