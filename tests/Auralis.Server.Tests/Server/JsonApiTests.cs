using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Auralis.Server.Hosting;

namespace Auralis.Server.Tests.Server;

/// <summary>The HTTP/JSON API of `auralis serve` (docs/server.md), through a real Kestrel.</summary>
public sealed class JsonApiTests
{
    private static Uri U(string path) => new(path, UriKind.Relative);

    [Fact]
    public async Task Health_reports_ok_the_fingerprint_version_engine_and_track_count()
    {
        await using var server = await ServerFixture.StartAsync();
        var health = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/health"));
        Assert.Equal("ok", health.GetProperty("status").GetString());
        Assert.Equal(Auralis.Fingerprinting.Fingerprint.FingerprintVersion, health.GetProperty("fingerprint_version").GetInt32());
        Assert.Equal("managed", health.GetProperty("engine").GetString());
        Assert.Equal(0, health.GetProperty("tracks").GetInt64());
    }

    [Fact]
    public async Task A_scan_started_through_the_api_fingerprints_every_track_and_its_progress_can_be_followed()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 5);
        var status = await server.ScanAsync();
        Assert.Equal("complete", status.GetProperty("state").GetString());
        Assert.Equal(5, status.GetProperty("found").GetInt32());
        Assert.Equal(5, status.GetProperty("complete").GetInt32());
        Assert.Equal(0, status.GetProperty("failed").GetInt32());

        var latest = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/scans/latest"));
        Assert.Equal(status.GetProperty("id").GetInt32(), latest.GetProperty("id").GetInt32());
        var tracks = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks"));
        Assert.Equal(5, tracks.GetProperty("total").GetInt64());
        Assert.All(tracks.GetProperty("tracks").EnumerateArray(), t =>
        {
            Assert.Equal("complete", t.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Number, t.GetProperty("lufs").ValueKind);
            Assert.Equal(JsonValueKind.Number, t.GetProperty("crest_db").ValueKind);
        });
    }

    [Fact]
    public async Task Tracks_page_search_and_sort_as_asked_and_bad_parameters_are_400()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 6);
        server.AddTrack("special-one.wav", 9);
        await server.ScanAsync();

        var page = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks?limit=2&offset=2&sort=path"));
        Assert.Equal(7, page.GetProperty("total").GetInt64());
        Assert.Equal(["track01.wav", "track02.wav"], page.GetProperty("tracks").EnumerateArray().Select(t => Path.GetFileName(t.GetProperty("path").GetString())));

        var found = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks?q=SPECIAL"));
        Assert.Equal(1, found.GetProperty("total").GetInt64());

        var desc = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks?sort=path&order=desc&limit=1"));
        Assert.Equal("track05.wav", Path.GetFileName(desc.GetProperty("tracks")[0].GetProperty("path").GetString()));

        foreach (var bad in new[] { "limit=0", "limit=501", "offset=-1", "sort=bogus", "order=up", "limit=abc" })
        {
            using var response = await server.Http.GetAsync(U("/api/tracks?" + bad));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var error = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(400, error.GetProperty("error").GetProperty("status").GetInt32());
        }
    }

    [Fact]
    public async Task Listed_tracks_carry_the_scans_metadata_and_search_folds_separators()
    {
        await using var server = await ServerFixture.StartAsync();
        server.AddTrack("journeys_end.wav", 3);
        await server.ScanAsync();

        var found = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks?q=JOURNEYS%20END"));
        Assert.Equal(1, found.GetProperty("total").GetInt64());
        var track = found.GetProperty("tracks")[0];
        Assert.Equal("journeys_end", track.GetProperty("name").GetString()); // untagged: the file name shown
        Assert.Equal(("wav", "pcm", "frames"), (track.GetProperty("format").GetString(), track.GetProperty("codec").GetString(), track.GetProperty("duration_source").GetString()));
        Assert.Equal(JsonValueKind.Number, track.GetProperty("duration_s").ValueKind);
        Assert.Equal(JsonValueKind.Number, track.GetProperty("bitrate_kbps").ValueKind);
        foreach (var field in new[] { "title", "artist", "album", "album_artist", "track_number", "disc_number", "year", "genre", "tags_error" })
        {
            Assert.Equal(JsonValueKind.Null, track.GetProperty(field).ValueKind);
        }
    }

    [Fact]
    public async Task A_tracks_fingerprint_comes_from_the_database_after_a_scan_and_is_computed_on_demand_before()
    {
        await using var server = await ServerFixture.StartAsync();
        server.AddTrack("a.wav", 1);
        await server.ScanAsync();
        server.AddTrack("late.wav", 2);
        // A track the database knows but has not fingerprinted: add it to the library without extracting.
        using (var db = Auralis.Library.Database.LibraryDatabase.Open(server.DatabasePath))
        {
            new Auralis.Library.Scanning.LibraryScanner(db).Sync([server.Music]);
        }

        var tracks = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks?sort=path"));
        var ids = tracks.GetProperty("tracks").EnumerateArray().ToDictionary(t => Path.GetFileName(t.GetProperty("path").GetString())!, t => t.GetProperty("id").GetInt64());

        var stored = await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/tracks/{ids["a.wav"]}/fingerprint"));
        Assert.Equal("database", stored.GetProperty("source").GetString());
        Assert.Equal(25, stored.GetProperty("fingerprint").EnumerateObject().Count());

        var onDemand = await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/tracks/{ids["late.wav"]}/fingerprint"));
        Assert.Equal("computed", onDemand.GetProperty("source").GetString());
        Assert.Contains(onDemand.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("database:", StringComparison.Ordinal));
        var again = await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/tracks/{ids["late.wav"]}/fingerprint"));
        Assert.Equal("database", again.GetProperty("source").GetString());

        using var missing = await server.Http.GetAsync(U("/api/tracks/999999/fingerprint"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Similar_tracks_are_nearest_first_without_the_track_itself()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 6);
        await server.ScanAsync();
        var tracks = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks"));
        var id = tracks.GetProperty("tracks")[0].GetProperty("id").GetInt64();
        var similar = await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/tracks/{id}/similar?k=3"));
        var list = similar.EnumerateArray().ToList();
        Assert.Equal(3, list.Count);
        Assert.DoesNotContain(list, n => n.GetProperty("track_id").GetInt64() == id);
        var distances = list.Select(n => n.GetProperty("distance").GetDouble()).ToList();
        Assert.Equal(distances.Order(), distances);
        Assert.All(list, n => Assert.StartsWith(server.Music, n.GetProperty("path").GetString(), StringComparison.Ordinal));

        using var bad = await server.Http.GetAsync(U($"/api/tracks/{id}/similar?k=0"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task A_playlist_starts_at_its_seed_lists_every_track_once_and_refuses_bad_seeds()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 6);
        await server.ScanAsync();
        var tracks = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks"));
        var id = tracks.GetProperty("tracks")[2].GetProperty("id").GetInt64();

        var playlist = await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/playlist?seed={id}&n=4"));
        var entries = playlist.GetProperty("tracks").EnumerateArray().ToList();
        Assert.Equal(4, entries.Count);
        Assert.Equal(id, entries[0].GetProperty("track").GetProperty("id").GetInt64());
        Assert.Equal(0, entries[0].GetProperty("step_distance").GetDouble());
        Assert.Equal(4, entries.Select(e => e.GetProperty("track").GetProperty("id").GetInt64()).Distinct().Count());
        Assert.All(entries.Skip(1), e => Assert.True(e.GetProperty("step_distance").GetDouble() > 0));

        // album=true: the seed's whole album even for n=1: here the one folder of untagged tracks,
        // so every track the plain playlist reaches when it uses up the library (copies left out in both).
        static List<long> Ids(JsonElement list) => [.. list.GetProperty("tracks").EnumerateArray().Select(e => e.GetProperty("track").GetProperty("id").GetInt64())];
        var album = Ids(await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/playlist?seed={id}&n=1&album=true")));
        var everything = Ids(await server.Http.GetFromJsonAsync<JsonElement>(U($"/api/playlist?seed={id}&n=1000")));
        Assert.True(album.Count > 1);
        Assert.Equal(everything.Order(), album.Order());

        foreach (var (query, status) in new[]
        {
            ("", HttpStatusCode.BadRequest), ("?seed=abc", HttpStatusCode.BadRequest), ($"?seed={id}&n=0", HttpStatusCode.BadRequest),
            ($"?seed={id}&album=yes", HttpStatusCode.BadRequest),
            ("?seed=999999", HttpStatusCode.NotFound),
        })
        {
            using var refused = await server.Http.GetAsync(U("/api/playlist" + query));
            Assert.Equal(status, refused.StatusCode);
        }
    }

    [Fact]
    public async Task Scanning_outside_the_roots_is_forbidden_whether_by_path_dot_dot_or_symlink()
    {
        await using var server = await ServerFixture.StartAsync();
        var link = Path.Combine(server.Music, "escape");
        Directory.CreateSymbolicLink(link, server.Outside);
        foreach (var root in new[] { server.Outside, server.Music + "/../outside", link })
        {
            using var response = await server.Http.PostAsJsonAsync(U("/api/scans"), new { roots = new[] { root } });
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Contains("outside the library roots", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var malformed = await server.Http.PostAsync(U("/api/scans"), new StringContent("{roots:", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task With_a_token_every_request_needs_it_and_a_wrong_one_is_401()
    {
        await using var server = await ServerFixture.StartAsync(token: "s3cret");
        using (var none = await server.Http.GetAsync(U("/api/health")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.ToString());
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, U("/api/health")))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cre");
            using var response = await server.Http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var right = new HttpRequestMessage(HttpMethod.Get, U("/api/health"));
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
        using var ok = await server.Http.SendAsync(right);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public void Listening_beyond_loopback_without_a_token_refuses_to_start()
    {
        var settings = new ServerSettings
        {
            DatabasePath = Path.Combine(Path.GetTempPath(), "never-opened.db"),
            Engine = Auralis.Fingerprinting.FingerprintEngines.Managed,
            Urls = ["http://0.0.0.0:0"],
        };
        var e = Assert.Throws<ServerConfigurationException>(() => AuralisServer.Create(settings));
        Assert.Contains("--token", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(settings.DatabasePath));
    }

    [Fact]
    public async Task Unknown_endpoints_are_404_json_and_errors_never_carry_a_stack_trace()
    {
        await using var server = await ServerFixture.StartAsync();
        using var response = await server.Http.GetAsync(U("/api/nope"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"error\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
    }
}
