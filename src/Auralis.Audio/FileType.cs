using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Auralis.Audio;

/// <summary>
/// The type of a filesystem object (stat's S_IFMT bits). .NET only tells files from directories,
/// so Linux's statx is called directly: its struct has one layout on every architecture.
/// Elsewhere the type is <see cref="Kind.Unknown"/> and no check is made.
/// </summary>
internal static partial class FileType
{
    internal enum Kind
    {
        Unknown,
        Regular,
        Directory,
        Fifo,
        Socket,
        CharacterDevice,
        BlockDevice,
        SymbolicLink,
    }

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;

    /// <summary>sizeof(struct statx) is 256 bytes; stx_mode is the u16 at offset 28.</summary>
    private const int StatxSize = 256;
    private const int StatxModeOffset = 28;

    /// <summary>The type of what <paramref name="path"/> names, following symbolic links; Unknown if stat fails (the open reports why).</summary>
    internal static Kind OfPath(string path) =>
        OperatingSystem.IsLinux() ? Statx(AtFdCwd, path, 0) : Kind.Unknown;

    /// <summary>The type of an opened file (fstat).</summary>
    internal static Kind OfHandle(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return Kind.Unknown;
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            return Statx((int)handle.DangerousGetHandle(), string.Empty, AtEmptyPath);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    private static unsafe Kind Statx(int dirFd, string path, int flags)
    {
        byte* buffer = stackalloc byte[StatxSize];
        try
        {
            if (statx(dirFd, path, flags, StatxType, buffer) != 0)
            {
                return Kind.Unknown;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return Kind.Unknown; // glibc older than 2.28 or another C library without statx
        }

        int mode = *(ushort*)(buffer + StatxModeOffset);
        return (mode & 0xF000) switch
        {
            0x8000 => Kind.Regular,
            0x4000 => Kind.Directory,
            0x1000 => Kind.Fifo,
            0xC000 => Kind.Socket,
            0x2000 => Kind.CharacterDevice,
            0x6000 => Kind.BlockDevice,
            0xA000 => Kind.SymbolicLink,
            _ => Kind.Unknown,
        };
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int statx(int dirFd, string path, int flags, uint mask, byte* buffer);
}
