using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Auralis.Audio;

/// <summary>What the first bytes of a file say about its format, where that changes the decoder order.</summary>
internal enum SniffedFormat
{
    Other,
    Opus,
    /// <summary>RIFF or RF64 with form type WAVE.</summary>
    Wav,
    /// <summary>FORM with form type AIFF or AIFC.</summary>
    Aiff,
}

/// <summary>
/// The checks before any decoder sees a path: it must be a readable, non-empty regular file.
/// libsndfile reports every filesystem problem as one vague "System error", and opening a named
/// pipe (FIFO) blocks until a writer appears - forever, in a scan - so the type is checked before
/// opening, the open itself does not block (O_NONBLOCK), and the opened handle's type is checked
/// again so that a swap between the check and the open cannot block either.
/// </summary>
internal static partial class RegularFile
{
    private const int SniffBytes = 64;

    /// <exception cref="AudioDecodeException">The path is missing, a directory, not a regular file, unreadable or empty.</exception>
    internal static SniffedFormat Check(string path)
    {
        // One stat (it follows symbolic links: a link to a FIFO is refused like the FIFO itself);
        // where the type is unknown (not Linux, or stat failed) Directory.Exists still asks.
        var kind = FileType.OfPath(path);
        if (kind == FileType.Kind.Directory || (kind == FileType.Kind.Unknown && Directory.Exists(path)))
        {
            throw AudioDecodeException.For(path, AudioErrorKind.IsDirectory, "this is a directory, not an audio file");
        }

        RequireRegular(path, kind);
        try
        {
            // Opening (not just stat) is the only reliable permission check: ACLs, root, read-only mounts.
            using SafeFileHandle handle = OpenWithoutBlocking(path);
            RequireRegular(path, FileType.OfHandle(handle));
            if (RandomAccess.GetLength(handle) == 0)
            {
                throw AudioDecodeException.For(path, AudioErrorKind.Empty, "the file is empty (0 bytes)");
            }

            Span<byte> head = stackalloc byte[SniffBytes];
            int read = RandomAccess.Read(handle, head, 0);
            return Sniff(head[..read]);
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

    /// <summary>Ogg Opus: an "OggS" page whose first packet is the "OpusHead" identification header (RFC 7845).</summary>
    internal static SniffedFormat Sniff(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 27 && head[..4].SequenceEqual("OggS"u8))
        {
            int packet = 27 + head[26];
            if (head.Length >= packet + 8 && head.Slice(packet, 8).SequenceEqual("OpusHead"u8))
            {
                return SniffedFormat.Opus;
            }
        }

        if (head.Length >= 12 && (head[..4].SequenceEqual("RIFF"u8) || head[..4].SequenceEqual("RF64"u8)) && head[8..12].SequenceEqual("WAVE"u8))
        {
            return SniffedFormat.Wav;
        }

        if (head.Length >= 12 && head[..4].SequenceEqual("FORM"u8) && (head[8..12].SequenceEqual("AIFF"u8) || head[8..12].SequenceEqual("AIFC"u8)))
        {
            return SniffedFormat.Aiff;
        }

        return SniffedFormat.Other;
    }

    private static void RequireRegular(string path, FileType.Kind kind)
    {
        string? what = kind switch
        {
            FileType.Kind.Fifo => "a named pipe (FIFO)",
            FileType.Kind.Socket => "a socket",
            FileType.Kind.CharacterDevice => "a character device",
            FileType.Kind.BlockDevice => "a block device",
            _ => null,
        };
        if (what is not null)
        {
            throw AudioDecodeException.For(path, AudioErrorKind.NotRegularFile, $"not a regular file: {what}");
        }
    }

    /// <summary>
    /// On Linux the file is opened with O_NONBLOCK, which makes opening a FIFO return at once
    /// (reads of regular files are unaffected); elsewhere .NET's open, after the type check.
    /// A failed native open is repeated through .NET, which turns errno into the usual exceptions.
    /// </summary>
    private static SafeFileHandle OpenWithoutBlocking(string path)
    {
        if (OperatingSystem.IsLinux())
        {
            int fd = open(path, ORdOnly | ONonBlock | OCloExec);
            if (fd >= 0)
            {
                return new SafeFileHandle(fd, ownsHandle: true);
            }
        }

        return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
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

    // Linux's generic values (x86, x86-64, ARM, ARM64, RISC-V, LoongArch: every .NET Linux target).
    private const int ORdOnly = 0;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int open(string path, int flags);
}
