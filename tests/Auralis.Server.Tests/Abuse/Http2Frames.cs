using System.Buffers.Binary;
using System.Text;

namespace Auralis.Server.Tests.Abuse;

/// <summary>
/// Just enough HTTP/2 (RFC 9113) to write what a client writes before it has read anything:
/// frames, and request headers as HPACK literals (no Huffman coding, no dynamic table).
/// </summary>
internal static class Http2Frames
{
    public const byte Data = 0x0, Headers = 0x1, RstStream = 0x3, Settings = 0x4, GoAway = 0x7;
    public const byte EndStream = 0x1, EndHeaders = 0x4, Ack = 0x1;

    public static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static byte[] Frame(byte type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), streamId);
        payload.CopyTo(frame.AsSpan(9));
        return frame;
    }

    /// <summary>A HEADERS block for a gRPC unary call to <paramref name="path"/> (RFC 7541: static-table names, literal values).</summary>
    public static byte[] GrpcRequestHeaders(string authority, string path)
    {
        var block = new MemoryStream();
        block.WriteByte(0x83); // :method POST (static index 3)
        block.WriteByte(0x86); // :scheme http (static index 6)
        Literal(block, nameIndex: 4, path); // :path
        Literal(block, nameIndex: 1, authority); // :authority
        Literal(block, nameIndex: 31, "application/grpc"); // content-type
        Literal(block, "te", "trailers");
        return block.ToArray();
    }

    /// <summary>One length-prefixed gRPC message (uncompressed).</summary>
    public static byte[] GrpcMessage(ReadOnlySpan<byte> message)
    {
        var framed = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)message.Length);
        message.CopyTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>A frame read from the server: its type, flags, stream and payload.</summary>
    public static async Task<(byte Type, byte Flags, int StreamId, byte[] Payload)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[9];
        await stream.ReadExactlyAsync(header, cancellationToken);
        var payload = new byte[(header[0] << 16) | (header[1] << 8) | header[2]];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        return (header[3], header[4], BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5)) & 0x7fffffff, payload);
    }

    // Literal header field without indexing, indexed name (4-bit prefix integer).
    private static void Literal(MemoryStream block, int nameIndex, string value)
    {
        if (nameIndex < 15)
        {
            block.WriteByte((byte)nameIndex);
        }
        else
        {
            block.WriteByte(0x0f);
            block.WriteByte((byte)(nameIndex - 15));
        }

        String(block, value);
    }

    // Literal header field without indexing, new name.
    private static void Literal(MemoryStream block, string name, string value)
    {
        block.WriteByte(0x00);
        String(block, name);
        String(block, value);
    }

    private static void String(MemoryStream block, string text)
    {
        var bytes = Encoding.ASCII.GetBytes(text);
        if (bytes.Length >= 127)
        {
            throw new ArgumentException("only short literals are written here", nameof(text));
        }

        block.WriteByte((byte)bytes.Length);
        block.Write(bytes);
    }
}
