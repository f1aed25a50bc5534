namespace Auralis.Audio;

/// <summary>Why a file could not be decoded.</summary>
public enum AudioErrorKind
{
    /// <summary>No such file, or a broken symbolic link.</summary>
    NotFound,
    /// <summary>The path names a directory (e.g. a folder called x.flac).</summary>
    IsDirectory,
    /// <summary>The file exists but this process may not read it.</summary>
    Unreadable,
    /// <summary>The file has zero bytes.</summary>
    Empty,
    /// <summary>Not audio, or audio that no available decoder understands.</summary>
    UnsupportedFormat,
    /// <summary>A recognized format whose data is damaged (bad header, decoder error mid-stream).</summary>
    Corrupt,
    /// <summary>The decoder produced NaN, infinite or impossibly loud samples (beyond +-16, +24 dBFS).</summary>
    InvalidSamples,
    /// <summary>An I/O error that may go away when retried.</summary>
    Io,
    /// <summary>The path is a named pipe (FIFO), socket or device, not a regular file: opening it could block forever.</summary>
    NotRegularFile,
}

/// <summary>A file could not be decoded; the message names the file, the cause and what to do.</summary>
public sealed class AudioDecodeException : Exception
{
    public AudioDecodeException(string path, AudioErrorKind kind, string message, Exception? innerException = null)
        : this(path, kind, message, message, innerException)
    {
    }

    private AudioDecodeException(string path, AudioErrorKind kind, string message, string cause, Exception? innerException)
        : base(message, innerException)
    {
        Path = path;
        Kind = kind;
        Cause = cause;
    }

    /// <summary>The cause alone, without the path and the advice (combined when several decoders failed).</summary>
    public string Cause { get; }

    /// <summary>The file that failed, as given to the decoder.</summary>
    public string Path { get; }

    public AudioErrorKind Kind { get; }

    /// <summary>True only for <see cref="AudioErrorKind.Io"/>: retrying may succeed, other kinds never will.</summary>
    public bool IsTransient => Kind == AudioErrorKind.Io;

    /// <summary>Builds the exception with the standard message shape: "FILE: cause. What to do."</summary>
    public static AudioDecodeException For(string path, AudioErrorKind kind, string cause, Exception? inner = null) =>
        For(path, kind, cause, advice: null, inner);

    /// <summary>The standard shape with advice of the caller's (null: the kind's usual advice).</summary>
    internal static AudioDecodeException For(string path, AudioErrorKind kind, string cause, string? advice, Exception? inner = null)
    {
        advice ??= kind switch
        {
            AudioErrorKind.NotFound => "Check the path, or rescan so the library forgets the file.",
            AudioErrorKind.IsDirectory => "Rename the folder or exclude it from the library.",
            AudioErrorKind.Unreadable => "Fix the file's permissions (chmod +r) or run as a user who may read it.",
            AudioErrorKind.Empty => "The file has no content; re-copy or re-rip it.",
            AudioErrorKind.UnsupportedFormat => "Convert it to FLAC, WAV, Ogg or MP3, or install ffmpeg for other formats.",
            AudioErrorKind.Corrupt => "The file is damaged; re-copy, re-download or re-encode it.",
            AudioErrorKind.InvalidSamples => "Re-export it from its source or replace it.",
            AudioErrorKind.NotRegularFile => "Only regular files are decoded; remove it or exclude it from the library.",
            _ => "This may be temporary (disk, network share); try again.",
        };
        cause = cause.TrimEnd('.');
        return new AudioDecodeException(path, kind, $"{path}: {cause}. {advice}", cause, inner);
    }
}
