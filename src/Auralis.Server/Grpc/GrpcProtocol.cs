using System.Buffers.Binary;
using System.Text;

namespace Auralis.Server.Grpc;

/// <summary>
/// The pieces of the gRPC wire protocol (grpc/grpc doc/PROTOCOL-HTTP2.md) shared by the server and
/// the client: frame header, status values, <c>grpc-timeout</c> and <c>grpc-message</c> encodings.
/// docs/grpc.md describes them byte for byte.
/// </summary>
public static class GrpcProtocol
{
    /// <summary>Compressed-Flag (1 byte) + Message-Length (4 bytes, big-endian, unsigned).</summary>
    public const int FrameHeaderSize = 5;

    public const string ContentType = "application/grpc";

    public const string ContentTypeProto = "application/grpc+proto";

    /// <summary>
    /// A timeout longer than this is treated as no deadline: it cannot matter to a call, and
    /// 99999999H (11,000 years) would not even fit a <see cref="DateTimeOffset"/>.
    /// </summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    private static readonly string[] StatusValues = Enumerable.Range(0, 17).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static readonly string[] StatusNames =
    [
        "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
        "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
        "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
    ];

    /// <summary>The upper-case name gRPC uses for a status (NOT_FOUND), or its number when unknown.</summary>
    public static string StatusName(GrpcStatusCode status) =>
        (uint)status < (uint)StatusNames.Length ? StatusNames[(int)status] : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The <c>grpc-status</c> header value: the decimal number without leading zeros (cached strings).</summary>
    internal static string StatusValue(GrpcStatusCode status) =>
        (uint)status < (uint)StatusValues.Length ? StatusValues[(int)status] : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Parses a <c>grpc-status</c> value (1*DIGIT); false for anything else.</summary>
    internal static bool TryParseStatus(string? value, out GrpcStatusCode status)
    {
        status = GrpcStatusCode.Unknown;
        if (string.IsNullOrEmpty(value) || value.Length > 9)
        {
            return false;
        }

        var number = 0;
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            number = (number * 10) + (c - '0');
        }

        status = (GrpcStatusCode)number;
        return true;
    }

    /// <summary>True for application/grpc and application/grpc+proto (the only encodings served), any case, parameters ignored.</summary>
    internal static bool IsProtoContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        var semicolon = rest.IndexOf(';');
        if (semicolon >= 0)
        {
            rest = rest[..semicolon];
        }

        rest = rest.TrimEnd();
        return rest.IsEmpty || rest.Equals("+proto", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// True when the content type names gRPC at all (application/grpc, application/grpc+anything,
    /// application/grpc;params): what the server middleware takes over from the HTTP pipeline.
    /// </summary>
    internal static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';' or ' ';
    }

    /// <summary>Writes the 5-byte frame header: flag 0 (not compressed), then the length big-endian.</summary>
    internal static void WriteFrameHeader(Span<byte> destination, int messageLength)
    {
        destination[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)messageLength);
    }

    // --- grpc-timeout -----------------------------------------------------------------------

    /// <summary>
    /// Parses a <c>grpc-timeout</c> value: 1 to 8 ASCII digits then one unit letter (H hours, M
    /// minutes, S seconds, m milliseconds, u microseconds, n nanoseconds). Nanoseconds are rounded up
    /// to the next 100 ns tick so that a tiny timeout never becomes none.
    /// </summary>
    public static bool TryParseTimeout(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }

        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * TimeSpan.TicksPerMicrosecond; break;
            case 'n': ticks = (amount + 99) / 100; break;
            default: return false;
        }

        // 99999999H is 3.6e18 ticks: below long.MaxValue (9.2e18), so no overflow is possible.
        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    private static readonly (char Unit, long TicksPerUnit)[] TimeoutUnits =
    [
        ('n', 0), ('u', TimeSpan.TicksPerMicrosecond), ('m', TimeSpan.TicksPerMillisecond),
        ('S', TimeSpan.TicksPerSecond), ('M', TimeSpan.TicksPerMinute), ('H', TimeSpan.TicksPerHour),
    ];

    /// <summary>
    /// Formats a timeout for <c>grpc-timeout</c> in the finest unit whose value fits 8 digits,
    /// rounded up (a deadline is never shortened below what the caller asked, nor sent as 0).
    /// </summary>
    public static string FormatTimeout(TimeSpan timeout)
    {
        var ticks = Math.Max(timeout.Ticks, 1);
        foreach (var (unit, perUnit) in TimeoutUnits)
        {
            // Nanoseconds: 100 per tick, so 99,999,999 n is about 1 s.
            var amount = perUnit == 0 ? (ticks <= 999_999 ? ticks * 100 : long.MaxValue) : (ticks + perUnit - 1) / perUnit;
            if (amount <= 99_999_999)
            {
                return amount.ToString(System.Globalization.CultureInfo.InvariantCulture) + unit;
            }
        }

        return "99999999H";
    }

    // --- grpc-message -----------------------------------------------------------------------

    /// <summary>
    /// Percent-encodes a status message: the UTF-8 bytes, where every byte outside 0x20-0x7E and
    /// '%' itself becomes %XX (upper-case hex). The result is plain ASCII, valid in any header.
    /// </summary>
    public static string EncodeMessage(string message)
    {
        var needsEncoding = false;
        foreach (var c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                needsEncoding = true;
                break;
            }
        }

        if (!needsEncoding)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length * 2);
        foreach (var b in bytes)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                builder.Append('%').Append("0123456789ABCDEF"[b >> 4]).Append("0123456789ABCDEF"[b & 0xF]);
            }
            else
            {
                builder.Append((char)b);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Decodes a percent-encoded status message. Never fails (the spec forbids throwing the message
    /// away): a '%' not followed by two hex digits stays as it is, and bytes that are not valid
    /// UTF-8 become U+FFFD.
    /// </summary>
    public static string DecodeMessage(string? encoded)
    {
        if (string.IsNullOrEmpty(encoded))
        {
            return "";
        }

        if (!encoded.Contains('%', StringComparison.Ordinal))
        {
            return encoded;
        }

        var bytes = new List<byte>(encoded.Length);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%' && i + 2 < encoded.Length && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                bytes.Add((byte)((HexValue(encoded[i + 1]) << 4) | HexValue(encoded[i + 2])));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes.Add((byte)c);
            }
            else
            {
                // Not ASCII (a peer that did not encode): keep the character as it came.
                var rune = char.IsSurrogatePair(encoded, i) ? new Rune(encoded[i], encoded[i + 1]) : Rune.IsValid(c) ? new Rune(c) : Rune.ReplacementChar;
                var written = rune.EncodeToUtf8(utf8);
                for (var k = 0; k < written; k++)
                {
                    bytes.Add(utf8[k]);
                }

                if (rune.Utf16SequenceLength == 2)
                {
                    i++;
                }
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
