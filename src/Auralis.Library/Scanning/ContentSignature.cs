using System.IO.Hashing;

namespace Auralis.Library.Scanning;

/// <summary>
/// The content signature a scan recognises a moved or renamed file by (docs/scanning.md, "Moves
/// and renames"): XxHash3 (64-bit, seed 0) of the file size as 8 little-endian bytes followed by
/// sampled blocks of the file. A file of at most <see cref="BlockCount"/> x <see cref="BlockSize"/>
/// bytes is hashed whole; a larger one contributes <see cref="BlockCount"/> blocks of
/// <see cref="BlockSize"/> bytes starting at offsets <c>k * (size - BlockSize) / (BlockCount - 1)</c>
/// (integer division), k = 0 .. BlockCount - 1: the first block, the last, and two evenly between.
/// Stored as the signed 64-bit integer with the hash's bits (column <c>tracks.content_hash</c>).
/// </summary>
public static class ContentSignature
{
    public const int BlockSize = 65536;

    public const int BlockCount = 4;

    /// <summary>The signature of the file at <paramref name="path"/>, or null when it cannot be read (the decoder reports why later).</summary>
    public static long? TryCompute(string path)
    {
        try
        {
            // Only non-empty regular files: opening a named pipe (FIFO) would block the scan until
            // a writer appears, and pipes, devices and empty files all stat as 0 bytes.
            var info = new FileInfo(path);
            if (!info.Exists || info.Length == 0)
            {
                return null;
            }

            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);
            return Compute(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The signature of a seekable stream's content (read from its start).</summary>
    public static long Compute(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var size = stream.Length;
        var hash = new XxHash3();
        Span<byte> header = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(header, size);
        hash.Append(header);
        var buffer = new byte[BlockSize];
        if (size <= (long)BlockSize * BlockCount)
        {
            stream.Position = 0;
            int read;
            while ((read = stream.Read(buffer)) > 0)
            {
                hash.Append(buffer.AsSpan(0, read));
            }
        }
        else
        {
            for (var k = 0; k < BlockCount; k++)
            {
                stream.Position = k * (size - BlockSize) / (BlockCount - 1);
                var read = stream.ReadAtLeast(buffer, BlockSize, throwOnEndOfStream: false);
                hash.Append(buffer.AsSpan(0, read));
            }
        }

        return unchecked((long)hash.GetCurrentHashAsUInt64());
    }
}
