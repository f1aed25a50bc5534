using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Auralis.Audio.Ffmpeg;

/// <summary>Decodes through an ffmpeg child process writing raw float32 to a pipe.</summary>
internal sealed class FfmpegReader : IAudioReader
{
    private const int MaxStderrLines = 20;

    /// <summary>Keeps the byte view of a request below 2 GB; "up to" allows returning fewer frames.</summary>
    private const int MaxFramesPerRead = 1 << 20;

    /// <summary>
    /// Containers whose timestamps count samples exactly, so `-ss` (decode from the packet before,
    /// trim to the timestamp) lands on the frame asked for: Ogg's granule positions, FLAC's sample
    /// numbers, PCM offsets. MP3 (bitrate or TOC estimates) and the rest are not on the list.
    /// </summary>
    private static readonly HashSet<string> ExactSeekFormats = ["opus", "ogg-vorbis", "flac", "wav", "aiff", "w64"];

    private readonly string _ffmpeg;
    private Process? _process;
    private Stream _pcm = Stream.Null;
    private List<string> _stderr = [];
    private long _startFrame;
    private bool _ended;
    private bool _disposed;

    private FfmpegReader(string ffmpeg, AudioInfo info)
    {
        _ffmpeg = ffmpeg;
        Info = info;
    }

    public AudioInfo Info { get; }

    public long FramesRead { get; private set; }

    /// <summary>The ffmpeg child's process id once it runs (tests check that Dispose ends it).</summary>
    internal int ProcessId => _process?.Id ?? 0;

    /// <summary>
    /// The decode command: native rate and channel count (so nothing is resampled or downmixed),
    /// float32 in this machine's byte order, first audio stream only, no stdin (ffmpeg would
    /// otherwise read keystrokes from it), and the input confined to one audio file
    /// (<see cref="FfmpegTools.ConfinedInput"/>).
    /// </summary>
    /// <param name="startFrame">Where the output starts: `-ss` in whole microseconds, which names
    /// one frame exactly at any rate up to 1 MHz (a frame lasts more than a microsecond).</param>
    internal static string[] Arguments(string path, int sampleRate, int channels, long startFrame = 0) =>
    [
        "-nostdin", "-v", "error", .. FfmpegTools.ConfinedInput,
        .. startFrame > 0 ? (string[])["-ss", StartMicroseconds(startFrame, sampleRate).ToString(CultureInfo.InvariantCulture) + "us"] : [],
        "-i", FfmpegTools.InputArgument(path), "-map", "0:a:0",
        "-f", BitConverter.IsLittleEndian ? "f32le" : "f32be",
        "-ac", channels.ToString(CultureInfo.InvariantCulture),
        "-ar", sampleRate.ToString(CultureInfo.InvariantCulture),
        "pipe:1",
    ];

    /// <summary>The start time for frame <paramref name="frame"/>, rounded to the nearest microsecond (ffmpeg maps it back to that frame).</summary>
    internal static long StartMicroseconds(long frame, int sampleRate) =>
        (long)Math.Round(frame * 1_000_000.0 / sampleRate, MidpointRounding.AwayFromZero);

    internal static FfmpegReader Start(string path, string ffmpeg, FfmpegStreamInfo stream)
    {
        var info = new AudioInfo(path, stream.SampleRate, stream.Channels,
            stream.DurationSeconds is double seconds ? (long)Math.Round(seconds * stream.SampleRate) : null,
            stream.Demuxer, "ffmpeg", stream.Title, stream.Artist, stream.Album);
        // ffmpeg starts at the first Read, so a reader opened only for its Info (or seeked before
        // reading) costs no decoding process.
        return new FfmpegReader(ffmpeg, info);
    }

    private void EnsureStarted()
    {
        if (_process is null)
        {
            (_process, _stderr) = Launch(Info.Path, _ffmpeg, Info, _startFrame);
            _pcm = _process.StandardOutput.BaseStream;
        }
    }

    /// <summary>Starts ffmpeg decoding <paramref name="path"/> from <paramref name="startFrame"/>.</summary>
    private static (Process Process, List<string> Stderr) Launch(string path, string ffmpeg, AudioInfo info, long startFrame)
    {
        var process = new Process
        {
            StartInfo = FfmpegTools.StartInfo(ffmpeg, Arguments(path, info.SampleRate, info.Channels, startFrame)),
        };
        List<string> stderr = [];
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                // Bounded: a damaged file can make ffmpeg print one line per packet.
                if (e.Data is not null && stderr.Count < MaxStderrLines)
                {
                    stderr.Add(e.Data);
                }
            }
        };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is Win32Exception or InvalidOperationException or IOException)
        {
            process.Dispose();
            throw AudioDecodeException.For(path, AudioErrorKind.UnsupportedFormat,
                $"ffmpeg ({ffmpeg}) could not be started: {ex.Message}", ex);
        }

        process.BeginErrorReadLine();
        try
        {
            process.StandardInput.Close(); // -nostdin already; closing also covers ffmpeg builds that ignore it
        }
        catch (IOException)
        {
            // ffmpeg exited already; its exit code is checked at the end of the stream.
        }

        return (process, stderr);
    }

    /// <summary>
    /// The pipe reads forward only, so a seek restarts ffmpeg with `-ss` (decoding starts at the
    /// packet before the frame, ffmpeg trims to it). Exact for <see cref="ExactSeekFormats"/>.
    /// </summary>
    public bool SeeksExactly => ExactSeekFormats.Contains(Info.Format);

    public bool TrySeek(long frame)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frame);
        ObjectDisposedException.ThrowIf(_disposed, this);
        StopProcess();
        _process?.Dispose();
        _process = null; // the next Read starts ffmpeg there
        _pcm = Stream.Null;
        _startFrame = frame;
        _ended = false;
        FramesRead = frame;
        return true;
    }

    public int Read(Span<float> interleaved)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int channels = Info.Channels;
        int wanted = SampleGuard.FramesThatFit(interleaved.Length, channels);

        if (_ended)
        {
            return 0;
        }

        EnsureStarted();
        wanted = Math.Min(wanted, MaxFramesPerRead);
        Span<byte> bytes = MemoryMarshal.AsBytes(interleaved[..(wanted * channels)]);
        int got;
        try
        {
            // Fill the whole request unless the stream ends: a pipe delivers arbitrary pieces.
            got = _pcm.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false);
        }
        catch (IOException ex)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Io,
                $"reading ffmpeg's output failed at frame {FramesRead}: {ex.Message}", ex);
        }

        int frameBytes = channels * sizeof(float);
        if (got < bytes.Length)
        {
            Finish(got % frameBytes);
        }

        int frames = got / frameBytes;
        SampleGuard.EnsureValid(interleaved[..(frames * channels)], channels, FramesRead, Info.Path);
        FramesRead += frames;
        return frames;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        StopProcess();
        _process?.Dispose();
    }

    private void StopProcess()
    {
        try
        {
            if (_process is not null && !_process.HasExited)
            {
                // The caller stopped early: ffmpeg would otherwise block on a full pipe forever.
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone; nothing left to clean up.
        }
    }

    /// <summary>End of stream: ffmpeg's exit code says whether that was the real end or a failure.</summary>
    private void Finish(int trailingBytes)
    {
        _ended = true;
        var process = _process!; // Finish follows a read, which started it
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Io,
                $"ffmpeg closed its output at frame {FramesRead} but did not exit");
        }

        process.WaitForExit(); // flushes the asynchronous stderr reader
        if (process.ExitCode != 0)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Corrupt,
                $"ffmpeg failed (exit code {process.ExitCode}) near frame {FramesRead}: " +
                FfmpegTools.FirstLine(Stderr(), "no message"));
        }

        if (trailingBytes != 0)
        {
            throw AudioDecodeException.For(Info.Path, AudioErrorKind.Corrupt,
                $"ffmpeg's output ended inside a frame ({trailingBytes} stray bytes)");
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return string.Join('\n', _stderr);
        }
    }
}
