using System.Buffers;
using System.Runtime.InteropServices;
using Auralis.Audio.Native;
using NAudio.Wave;
using static Auralis.Audio.Native.SndFileNative;

namespace Auralis.Audio;

/// <summary>
/// A file being written block by block. Every write is checked: a short write (full disk, I/O
/// error) throws instead of producing a silently truncated file. Dispose finishes the file and,
/// like <see cref="FileStream"/>, throws if that final flush fails. Writes through libsndfile, or
/// through NAudio's WaveFileWriter for WAV where libsndfile is not installed.
/// </summary>
public sealed class AudioFileSink : IDisposable
{
    private readonly SndFileHandle? _handle;
    private readonly WaveFileWriter? _wave;
    private readonly string _path;
    private readonly int _channels;
    private bool _failed;
    private bool _closed;

    internal AudioFileSink(SndFileHandle handle, string path, int channels)
    {
        _handle = handle;
        _path = path;
        _channels = channels;
    }

    internal AudioFileSink(WaveFileWriter wave, string path, int channels)
    {
        _wave = wave;
        _path = path;
        _channels = channels;
    }

    /// <summary>"libsndfile" or "naudio": which library writes the file.</summary>
    public string Writer => _wave is null ? AudioDecoder.LibSndFile : AudioDecoder.NAudio;

    /// <summary>Frames written so far.</summary>
    public long FramesWritten { get; private set; }

    /// <summary>Appends interleaved float samples (a whole number of frames).</summary>
    /// <exception cref="IOException">libsndfile wrote fewer frames than given.</exception>
    public unsafe void Write(ReadOnlySpan<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_closed || (_handle is not null && (_handle.IsClosed || _handle.IsInvalid)), this);
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

        if (_wave is not null)
        {
            WriteWave(interleaved, frames);
            return;
        }

        long written;
        fixed (float* samples = interleaved)
        {
            written = sf_writef_float(_handle!, samples, frames);
        }

        if (written != frames)
        {
            _failed = true;
            throw new IOException(
                $"Writing {_path} failed after {FramesWritten + Math.Max(0, written)} frames ({written} of {frames} in this block): " +
                $"{ErrorText(_handle!)}. Check free disk space and permissions.");
        }

        FramesWritten += frames;
    }

    private void WriteWave(ReadOnlySpan<float> interleaved, long frames)
    {
        var wave = _wave!;
        try
        {
            if (wave.WaveFormat.Encoding == WaveFormatEncoding.IeeeFloat)
            {
                wave.Write(MemoryMarshal.AsBytes(interleaved));
            }
            else
            {
                // NAudio scales PCM without clipping and leaves samples beyond full scale to the
                // runtime's float-to-integer conversion; they are clipped here, as libsndfile does,
                // so an over would never wrap to the opposite sign (a loud click).
                float[] clipped = ArrayPool<float>.Shared.Rent(interleaved.Length);
                try
                {
                    for (int i = 0; i < interleaved.Length; i++)
                    {
                        clipped[i] = Math.Clamp(interleaved[i], -1f, 1f);
                    }

                    wave.WriteSamples(clipped, 0, interleaved.Length);
                }
                finally
                {
                    ArrayPool<float>.Shared.Return(clipped);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ArgumentException)
        {
            _failed = true;
            throw new IOException(
                $"Writing {_path} failed after {FramesWritten} frames: {ex.Message} Check free disk space and permissions.", ex);
        }

        FramesWritten += frames;
    }

    /// <summary>Finishes the file (encoders flush their last pages, headers get their lengths).</summary>
    /// <exception cref="IOException">The final flush failed; the file is incomplete.</exception>
    public void Dispose()
    {
        if (_wave is not null)
        {
            DisposeWave(_wave);
            return;
        }

        int rc = _handle!.CloseAndCheck();
        // After a failed Write the caller already has an exception; do not replace it with this one.
        if (rc != 0 && !_failed)
        {
            _failed = true;
            throw new IOException($"Finishing {_path} failed (libsndfile error {rc}). Check free disk space.");
        }
    }

    private void DisposeWave(WaveFileWriter wave)
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            wave.Dispose(); // writes the final chunk sizes
        }
        catch (IOException ex) when (!_failed)
        {
            _failed = true;
            throw new IOException($"Finishing {_path} failed: {ex.Message} Check free disk space.", ex);
        }
        catch (IOException)
        {
            // After a failed Write the caller already has an exception; do not replace it with this one.
        }
    }
}
