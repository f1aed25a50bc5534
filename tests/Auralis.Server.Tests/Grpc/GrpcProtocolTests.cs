using Auralis.Server.Grpc;

namespace Auralis.Server.Tests.Grpc;

/// <summary>The encodings of grpc-timeout, grpc-status and grpc-message (PROTOCOL-HTTP2.md).</summary>
public sealed class GrpcProtocolTests
{
    public static TheoryData<string, long> Timeouts => new()
    {
        { "1H", TimeSpan.TicksPerHour },
        { "2M", 2 * TimeSpan.TicksPerMinute },
        { "3S", 3 * TimeSpan.TicksPerSecond },
        { "4m", 4 * TimeSpan.TicksPerMillisecond },
        { "5u", 5 * TimeSpan.TicksPerMicrosecond },
        { "600n", 6 },
        { "1n", 1 }, // rounded up to one tick: never "no time at all"
        { "0S", 0 },
        { "00000007S", 7 * TimeSpan.TicksPerSecond },
        { "99999999H", 99_999_999 * TimeSpan.TicksPerHour },
    };

    [Theory]
    [MemberData(nameof(Timeouts))]
    public void Every_timeout_unit_parses(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("123456789S")]
    [InlineData("1s")]
    [InlineData("1h")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData(" 1S")]
    [InlineData("1S ")]
    [InlineData("1SS")]
    public void Malformed_timeouts_are_rejected(string value)
    {
        Assert.False(GrpcProtocol.TryParseTimeout(value, out _));
    }

    [Theory]
    [InlineData(1L, "100n")]
    [InlineData(TimeSpan.TicksPerMillisecond, "1000000n")]
    [InlineData(TimeSpan.TicksPerSecond, "1000000u")]
    [InlineData(150 * TimeSpan.TicksPerSecond, "150000m")]
    [InlineData(30 * TimeSpan.TicksPerDay, "2592000S")]
    [InlineData(0L, "100n")]
    public void Timeouts_are_formatted_in_the_finest_unit_that_fits_8_digits(long ticks, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.FormatTimeout(TimeSpan.FromTicks(ticks)));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(12_345L)]
    [InlineData(9_999_999L)]
    [InlineData(10_000_001L)]
    [InlineData(1_234_567_891L)]
    [InlineData(987_654_321_987L)]
    [InlineData(3_000_000_000_000_000L)]
    public void A_formatted_timeout_parses_back_never_shorter_and_at_most_8_digits(long ticks)
    {
        var text = GrpcProtocol.FormatTimeout(TimeSpan.FromTicks(ticks));

        Assert.InRange(text.Length, 2, 9);
        Assert.True(GrpcProtocol.TryParseTimeout(text, out var back));
        Assert.True(back.Ticks >= ticks, $"{text} = {back.Ticks} ticks < {ticks}");
        // Rounded up by at most one unit, and the unit is small next to an 8-digit value (below 1e-5).
        Assert.True(back.Ticks - ticks <= Math.Max(1, ticks / 100_000), $"{text} = {back.Ticks} ticks, too far above {ticks}");
    }

    [Theory]
    [InlineData("plain ASCII, no change", "plain ASCII, no change")]
    [InlineData("100%", "100%25")]
    [InlineData("é", "%C3%A9")]
    [InlineData("a\r\nb\t", "a%0D%0Ab%09")]
    [InlineData("~ and \u007f", "~ and %7F")]
    [InlineData("日本", "%E6%97%A5%E6%9C%AC")]
    [InlineData("😀", "%F0%9F%98%80")]
    public void Messages_are_percent_encoded_as_utf8_outside_printable_ascii(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.EncodeMessage(message));
        Assert.Equal(message, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("%c3%a9", "é")] // lower-case hex is accepted
    [InlineData("100%", "100%")] // a '%' without two hex digits stays as it is
    [InlineData("%4", "%4")]
    [InlineData("%ZZ ok", "%ZZ ok")]
    [InlineData("%E9t%C3%A9", "\uFFFDté")] // invalid UTF-8 becomes U+FFFD, the rest survives
    [InlineData("déjà", "déjà")] // a peer that did not encode: kept
    [InlineData("", "")]
    public void Decoding_never_fails_and_keeps_what_it_cannot_decode(string encoded, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.DecodeMessage(encoded));
    }

    [Theory]
    [InlineData("0", GrpcStatusCode.OK)]
    [InlineData("5", GrpcStatusCode.NotFound)]
    [InlineData("16", GrpcStatusCode.Unauthenticated)]
    [InlineData("42", (GrpcStatusCode)42)]
    public void Statuses_parse(string value, GrpcStatusCode expected)
    {
        Assert.True(GrpcProtocol.TryParseStatus(value, out var status));
        Assert.Equal(expected, status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("OK")]
    [InlineData("-1")]
    [InlineData("1 ")]
    public void Unreadable_statuses_are_rejected(string value)
    {
        Assert.False(GrpcProtocol.TryParseStatus(value, out _));
    }

    [Fact]
    public void Status_names_are_the_grpc_spellings()
    {
        Assert.Equal("DEADLINE_EXCEEDED", GrpcProtocol.StatusName(GrpcStatusCode.DeadlineExceeded));
        Assert.Equal("UNAUTHENTICATED", GrpcProtocol.StatusName(GrpcStatusCode.Unauthenticated));
        Assert.Equal("17", GrpcProtocol.StatusName((GrpcStatusCode)17));
        Assert.Equal(17, Enum.GetValues<GrpcStatusCode>().Length);
    }

    [Theory]
    [InlineData("application/grpc", true, true)]
    [InlineData("application/grpc+proto", true, true)]
    [InlineData("Application/GRPC+Proto", true, true)]
    [InlineData("application/grpc; charset=utf-8", true, true)]
    [InlineData("application/grpc+json", true, false)]
    [InlineData("application/grpc-web", false, false)]
    [InlineData("application/grpcx", false, false)]
    [InlineData("application/json", false, false)]
    [InlineData(null, false, false)]
    public void Content_types(string? contentType, bool isGrpc, bool isProto)
    {
        Assert.Equal(isGrpc, GrpcProtocol.IsGrpcContentType(contentType));
        Assert.Equal(isProto, GrpcProtocol.IsProtoContentType(contentType));
    }
}
