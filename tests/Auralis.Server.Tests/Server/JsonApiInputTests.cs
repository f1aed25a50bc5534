using System.Net;
using System.Text;
using System.Text.Json;

namespace Auralis.Server.Tests.Server;

/// <summary>Bad input to the JSON API is a 4xx that says what is wrong, never a 500 and never a wrong answer.</summary>
public sealed class JsonApiInputTests
{
    [Fact]
    public async Task A_scan_body_that_is_not_usable_json_is_400_with_a_message()
    {
        await using var server = await ServerFixture.StartAsync();
        var cases = new (string? ContentType, string Body, string Expect)[]
        {
            ("text/plain", "{\"roots\": []}", "application/json"),
            ("application/x-www-form-urlencoded", "roots=/music", "application/json"),
            ("multipart/form-data; boundary=x", "--x--", "application/json"),
            (null, "{\"roots\": []}", "application/json"),
            ("application/json", "not json", "JSON"),
            ("application/json", "{\"roots\": \"/music\"}", "JSON"),
            ("application/json", "{\"roots\": [1]}", "JSON"),
            ("application/json", "{\"roots\": [null]}", "roots"),
            ("application/json", "[]", "JSON"),
            ("application/json", "{\"roots\": []", "JSON"),
            ("application/json; charset=utf-8", "\"\\ud800\"", "JSON"),
            ("application/json", "{\"roots\": [\"\\ud800\"]}", "JSON"),
            ("application/json; charset=latin1", "{\"roots\": []}", "UTF-8"),
        };
        foreach (var (contentType, body, expect) in cases)
        {
            var response = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", contentType is null ? [] : [$"Content-Type: {contentType}"], body);
            Assert.True(response.Status == 400, $"Content-Type {contentType ?? "(none)"} body {body}: {response}");
            var message = JsonDocument.Parse(response.Body).RootElement.GetProperty("error").GetProperty("message").GetString()!;
            Assert.Contains(expect, message, StringComparison.Ordinal);
        }

        // Invalid UTF-8 bytes in a JSON body.
        var head = $"POST /api/scans HTTP/1.1\r\nHost: {server.Address.Authority}\r\nContent-Type: application/json\r\nContent-Length: 14\r\nConnection: close\r\n\r\n";
        var invalid = await RawHttp.SendBytesAsync(server.Address, [.. Encoding.ASCII.GetBytes(head), .. "{\"roots\":[\""u8, 0xff, 0xfe, .. "\"]}"u8]);
        Assert.True(invalid.Status == 400, $"invalid UTF-8: {invalid}");

        using var latest = await server.Http.GetAsync(new Uri("/api/scans/latest", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);
    }

    [Fact]
    public async Task An_empty_or_absent_scan_body_scans_every_root()
    {
        await using var server = await ServerFixture.StartAsync();
        var empty = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", ["Content-Type: application/json"], "");
        Assert.True(empty.Status == 202, empty.ToString());
    }

    [Fact]
    public async Task An_oversized_scan_body_is_413_whether_declared_or_chunked()
    {
        await using var server = await ServerFixture.StartAsync();
        var roots = string.Join(",", Enumerable.Repeat($"\"{server.Music}\"", 200_000 / server.Music.Length));
        var big = $"{{\"roots\": [{roots}]}}";
        Assert.True(big.Length > 100_000);

        var declared = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", ["Content-Type: application/json"], big);
        Assert.True(declared.Status == 413, $"declared {big.Length} bytes: {declared}");
        Assert.Contains("limit", declared.Body, StringComparison.Ordinal);

        // A declared length far beyond the limit is refused before the body is sent.
        var announced = await RawHttp.SendBytesAsync(server.Address, Encoding.ASCII.GetBytes(
            $"POST /api/scans HTTP/1.1\r\nHost: {server.Address.Authority}\r\nContent-Type: application/json\r\nContent-Length: 10000000000\r\nConnection: close\r\n\r\n{{"));
        Assert.True(announced.Status == 413, $"declared 10 GB: {announced}");

        var chunks = new StringBuilder();
        foreach (var piece in big.Chunk(4096))
        {
            chunks.Append(CultureInfo(piece.Length)).Append("\r\n").Append(piece).Append("\r\n");
        }

        chunks.Append("0\r\n\r\n");
        var chunked = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", ["Content-Type: application/json", "Transfer-Encoding: chunked"], chunks.ToString());
        Assert.True(chunked.Status == 413, $"chunked {big.Length} bytes: {chunked}");

        using var latest = await server.Http.GetAsync(new Uri("/api/scans/latest", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, latest.StatusCode);

        static string CultureInfo(int length) => length.ToString("x", System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task A_chunked_scan_body_within_the_limit_is_read()
    {
        await using var server = await ServerFixture.StartAsync();
        var body = $"{{\"roots\": [\"{server.Outside}\"]}}";
        var chunked = $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n";
        var response = await RawHttp.SendAsync(server.Address, "POST", "/api/scans", ["Content-Type: application/json", "Transfer-Encoding: chunked"], chunked);
        Assert.True(response.Status == 403, $"a root outside the library, sent chunked: {response}");
    }

    [Fact]
    public async Task A_search_with_a_control_character_is_400_and_never_matches_everything()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 3);
        await server.ScanAsync();
        foreach (var q in new[] { "%00", "track%00", "%00zzz", "%01", "%1F", "%7F", "a%0Ab", "%C2%85" })
        {
            using var response = await server.Http.GetAsync(new Uri($"/api/tracks?q={q}", UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"q={q}: {(int)response.StatusCode} {body}");
            Assert.Contains("control character", body, StringComparison.Ordinal);
        }

        // Ordinary searches still match literally.
        var some = JsonDocument.Parse(await server.Http.GetStringAsync(new Uri("/api/tracks?q=track01", UriKind.Relative))).RootElement;
        Assert.Equal(1, some.GetProperty("total").GetInt32());
        var none = JsonDocument.Parse(await server.Http.GetStringAsync(new Uri("/api/tracks?q=zzz", UriKind.Relative))).RootElement;
        Assert.Equal(0, none.GetProperty("total").GetInt32());
    }
}
