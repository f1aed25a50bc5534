using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Auralis.Fingerprinting;
using Auralis.Server.Tests.Server;

namespace Auralis.Server.Tests.Web;

/// <summary>How `auralis serve` serves its web page (docs/web.md): types, caching, CSP, token.</summary>
public sealed partial class WebPageTests
{
    private static Uri U(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task The_page_at_root_is_html_with_a_self_only_csp_no_cache_and_no_referrer()
    {
        await using var server = await ServerFixture.StartAsync();
        using var response = await server.Http.GetAsync(U("/"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
        Assert.True(response.Headers.CacheControl?.NoCache, "the page must be revalidated on every load");

        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        var directives = csp.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(d => d.Split(' ')[0], d => d[(d.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        Assert.Equal("'none'", directives["default-src"]);
        Assert.Equal("'self'", directives["script-src"]);
        Assert.Equal("'self'", directives["style-src"]);
        Assert.Equal("'self'", directives["connect-src"]);
        Assert.Equal("'none'", directives["frame-ancestors"]);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("http", csp, StringComparison.Ordinal);

        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script src=\"/app.js\"", html, StringComparison.Ordinal);
        Assert.Contains("<link rel=\"stylesheet\" href=\"/style.css\">", html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.DoesNotContain("style=\"", html, StringComparison.Ordinal); // inline styles would break the CSP
        Assert.DoesNotMatch(InlineScript(), html);
    }

    [Theory]
    [InlineData("/app.js", "text/javascript")]
    [InlineData("/style.css", "text/css")]
    [InlineData("/favicon.svg", "image/svg+xml")]
    public async Task Each_asset_has_its_content_type_and_is_revalidated(string path, string mediaType)
    {
        await using var server = await ServerFixture.StartAsync();
        using var response = await server.Http.GetAsync(U(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);

        // The ETag makes the revalidation that no-cache asks for cheap.
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);
        using var again = new HttpRequestMessage(HttpMethod.Get, U(path));
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await server.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());

        using var head = new HttpRequestMessage(HttpMethod.Head, U(path));
        using var headResponse = await server.Http.SendAsync(head);
        Assert.Equal(HttpStatusCode.OK, headResponse.StatusCode);
        Assert.Equal(mediaType, headResponse.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task With_a_token_the_page_loads_without_it_and_the_api_and_other_paths_still_need_it()
    {
        await using var server = await ServerFixture.StartAsync(token: "s3cret");
        foreach (var path in new[] { "/", "/app.js", "/style.css", "/favicon.svg" })
        {
            using var response = await server.Http.GetAsync(U(path));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var path in new[] { "/api/health", "/api/tracks", "/ws", "/index.html", "/app.js/../api/health", "/APP.JS", "/nothing" })
        {
            using var response = await server.Http.GetAsync(U(path));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        // Only reading the page is free: other methods on its paths need the token too.
        using (var post = await server.Http.PostAsync(U("/"), new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
        }

        using var withToken = new HttpRequestMessage(HttpMethod.Get, U("/api/health"));
        withToken.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        using var ok = await server.Http.SendAsync(withToken);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task The_page_carries_the_25_dimensions_their_units_and_the_seven_groups_of_the_core()
    {
        await using var server = await ServerFixture.StartAsync();
        var html = await server.Http.GetStringAsync(U("/"));
        var match = DimensionsBlock().Match(html);
        Assert.True(match.Success, "index.html must embed the fingerprint dimensions as a JSON data block");
        using var json = JsonDocument.Parse(match.Groups[1].Value);
        var root = json.RootElement;
        Assert.Equal(FingerprintDimensions.Names, root.GetProperty("names").EnumerateArray().Select(n => n.GetString()));
        Assert.Equal(FingerprintDimensions.Units, root.GetProperty("units").EnumerateArray().Select(n => n.GetString()));
        var groups = root.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["frequency", "dynamics", "temporal", "spectral", "harmonic", "variation", "stereo"], groups.Select(g => g.GetProperty("name").GetString()));
        Assert.Equal(Enumerable.Range(0, 25), groups.SelectMany(g => g.GetProperty("dimensions").EnumerateArray().Select(i => i.GetInt32())));
    }

    [GeneratedRegex(@"<script(?![^>]*\bsrc=)(?![^>]*type=""application/json"")[^>]*>")]
    private static partial Regex InlineScript();

    [GeneratedRegex(@"<script type=""application/json"" id=""fingerprint-dimensions"">(.*?)</script>", RegexOptions.Singleline)]
    private static partial Regex DimensionsBlock();
}
