using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Server.Tests.Server;

/// <summary>The artist and album views' endpoints and the failure text of the track JSON (docs/web.md).</summary>
public sealed class BrowseApiTests
{
    private static Uri U(string path) => new(path, UriKind.Relative);

    /// <summary>A short tagged tone (the scan reads title, artist and album from the file).</summary>
    internal static void WriteTagged(string path, int seed, string? title, string? artist, string? album)
    {
        const int rate = 22_050;
        var frames = rate;
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var s = (float)(0.3 * Math.Sin(2 * Math.PI * 110 * (1 + seed) * i / rate));
            pcm[2 * i] = s;
            pcm[(2 * i) + 1] = s;
        }

        AudioFileWriter.Write(path, pcm, rate, 2, AudioSampleFormat.Pcm16, new AudioTags(title, artist, album));
    }

    [Fact]
    public async Task Artists_and_albums_group_by_their_tags_with_untagged_tracks_in_one_group_listed_last()
    {
        await using var server = await ServerFixture.StartAsync();
        WriteTagged(Path.Combine(server.Music, "b2.wav"), 1, "Zebra", "Beta", "Second");
        WriteTagged(Path.Combine(server.Music, "b1.wav"), 2, "Alpha", "Beta", "Second");
        WriteTagged(Path.Combine(server.Music, "a1.wav"), 3, "One", "alpha", "First");
        WriteTagged(Path.Combine(server.Music, "none.wav"), 4, null, null, null);
        await server.ScanAsync();

        var artists = (await server.Http.GetFromJsonAsync<JsonElement>(U("/api/artists"))).GetProperty("artists");
        Assert.Equal(["alpha", "Beta", null], artists.EnumerateArray().Select(a => a.GetProperty("artist").GetString()));
        Assert.Equal([1, 2, 1], artists.EnumerateArray().Select(a => a.GetProperty("tracks").GetInt32()));

        var all = (await server.Http.GetFromJsonAsync<JsonElement>(U("/api/albums"))).GetProperty("albums");
        Assert.Equal(["First", "Second", null], all.EnumerateArray().Select(a => a.GetProperty("album").GetString()));

        var beta = (await server.Http.GetFromJsonAsync<JsonElement>(U("/api/albums?artist=Beta"))).GetProperty("albums");
        var only = Assert.Single(beta.EnumerateArray());
        Assert.Equal("Second", only.GetProperty("album").GetString());
        Assert.Equal(2, only.GetProperty("tracks").GetInt32());
        Assert.Equal(0, only.GetProperty("failed").GetInt32());
        Assert.True(only.GetProperty("duration_s").GetDouble() > 1.9);

        var untagged = (await server.Http.GetFromJsonAsync<JsonElement>(U("/api/albums?artist="))).GetProperty("albums");
        Assert.Equal(JsonValueKind.Null, Assert.Single(untagged.EnumerateArray()).GetProperty("artist").ValueKind);
    }

    [Fact]
    public async Task An_albums_tracks_come_in_playing_order_by_the_name_shown_never_by_id()
    {
        await using var server = await ServerFixture.StartAsync();
        // Added in the reverse of the album's order, so that id order would be wrong.
        WriteTagged(Path.Combine(server.Music, "1.wav"), 1, "Zebra", "Beta", "Second");
        WriteTagged(Path.Combine(server.Music, "2.wav"), 2, "alpha", "Beta", "Second");
        WriteTagged(Path.Combine(server.Music, "3.wav"), 3, "Mid", "Beta", "Second");
        WriteTagged(Path.Combine(server.Music, "c.wav"), 4, null, null, null);
        WriteTagged(Path.Combine(server.Music, "a.wav"), 5, null, null, null);
        await server.ScanAsync();

        var album = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/albums/tracks?artist=Beta&album=Second"));
        Assert.Equal("Beta", album.GetProperty("artist").GetString());
        Assert.Equal(["alpha", "Mid", "Zebra"], album.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("title").GetString()));
        Assert.All(album.GetProperty("tracks").EnumerateArray(), t => Assert.Equal(JsonValueKind.Number, t.GetProperty("lufs").ValueKind));

        var loose = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/albums/tracks"));
        Assert.Equal(["a.wav", "c.wav"], loose.GetProperty("tracks").EnumerateArray().Select(t => Path.GetFileName(t.GetProperty("path").GetString())));

        using var twice = await server.Http.GetAsync(U("/api/albums/tracks?album=a&album=b"));
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
    }

    [Fact]
    public async Task A_failed_tracks_error_is_one_readable_message_without_the_path_repeated_or_the_lookup_trail()
    {
        await using var server = await ServerFixture.StartAsync();
        await File.WriteAllBytesAsync(Path.Combine(server.Music, "junk.wav"), [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]);
        await server.ScanAsync();

        var track = (await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks"))).GetProperty("tracks")[0];
        Assert.Equal("error", track.GetProperty("status").GetString());
        var error = track.GetProperty("error").GetString()!;
        Assert.DoesNotContain("music", error, StringComparison.Ordinal); // no folder of the path: the row shows it
        Assert.DoesNotContain(" file:", error, StringComparison.Ordinal); // ffmpeg quotes "file:PATH"
        Assert.Contains("Format not recognised", error, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(error, "Convert it to"));
        var single = await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/tracks/{track.GetProperty("id").GetInt64()}"));
        Assert.Equal(error, single.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/m/a.ogg: libsndfile: Format not recognised; ffmpeg: file:/m/a.ogg: End of file. Convert it.", "/m/a.ogg",
        "libsndfile: Format not recognised; ffmpeg: End of file. Convert it.")]
    [InlineData("/m/a.ogg: too short; too short", "/m/a.ogg", "too short")]
    [InlineData("Cannot fingerprint '/m/a.ogg': database: track 1 has no fingerprint yet; sidecar: /m/a.ogg.25d: no sidecar; server: none configured; local (managed): /m/a.ogg: bad header", "/m/a.ogg",
        "bad header")]
    [InlineData("/m/a.ogg: unexpected error: boom", "/m/a.ogg", "unexpected error: boom")]
    public void Readable_failures_drop_the_path_repeats_and_the_lookup_trail(string message, string path, string expected) =>
        Assert.Equal(expected, Auralis.Server.Api.FailureText.Readable(message, path));

    private static int CountOf(string text, string part)
    {
        var n = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }
}
