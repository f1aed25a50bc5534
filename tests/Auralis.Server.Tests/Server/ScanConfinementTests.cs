using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Auralis.Audio;

namespace Auralis.Server.Tests.Server;

/// <summary>
/// A server scan reads only what the server may read (its roots, symlinks resolved), and never
/// forgets tracks because their folder came up empty.
/// </summary>
public sealed class ScanConfinementTests
{
    private static async Task<List<JsonElement>> TracksAsync(ServerFixture server, string query = "")
    {
        var page = await server.Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/tracks?limit=500{query}", UriKind.Relative));
        return page.GetProperty("tracks").EnumerateArray().ToList();
    }

    [UnixFact]
    public async Task A_server_scan_reads_no_file_or_folder_linked_from_outside_the_roots()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1);
        var secret = server.AddTrack("secret.wav", 7, server.Outside);
        var tagged = Path.Combine(server.Outside, "tagged.flac");
        var pcm = new float[44_100 * 2];
        for (var i = 0; i < pcm.Length; i++)
        {
            pcm[i] = (float)(0.3 * Math.Sin(i * 0.05));
        }

        AudioFileWriter.Write(tagged, pcm, 44_100, 2, AudioSampleFormat.Pcm16, new AudioTags("SECRET TITLE", "SECRET ARTIST", "SECRET ALBUM"));
        var fileLink = Path.Combine(server.Music, "link.wav");
        File.CreateSymbolicLink(fileLink, secret);
        var taggedLink = Path.Combine(server.Music, "tagged-link.flac");
        File.CreateSymbolicLink(taggedLink, tagged);
        Directory.CreateSymbolicLink(Path.Combine(server.Music, "linked"), server.Outside);

        var status = await server.ScanAsync();
        Assert.Equal("complete", status.GetProperty("state").GetString());

        var tracks = await TracksAsync(server);
        Assert.DoesNotContain(tracks, t => t.GetProperty("path").GetString()!.Contains("/linked/", StringComparison.Ordinal));
        Assert.Equal(3, tracks.Count); // the real track and the two file links
        foreach (var link in new[] { fileLink, taggedLink })
        {
            var track = Assert.Single(tracks, t => t.GetProperty("path").GetString() == link);
            Assert.Equal("error", track.GetProperty("status").GetString());
            Assert.Contains("outside the library roots", track.GetProperty("error").GetString(), StringComparison.Ordinal);
            Assert.Equal(JsonValueKind.Null, track.GetProperty("title").ValueKind);
            Assert.Equal(JsonValueKind.Null, track.GetProperty("duration_s").ValueKind);
            Assert.Equal(JsonValueKind.Null, track.GetProperty("lufs").ValueKind);
            using var fingerprint = await server.Http.GetAsync(new Uri($"/api/tracks/{track.GetProperty("id").GetInt64()}/fingerprint", UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, fingerprint.StatusCode);
            Assert.False(File.Exists(link + ".25d"), "no sidecar may be made from the outside file");
        }

        Assert.Empty(await TracksAsync(server, "&q=SECRET"));
        var inside = Assert.Single(tracks, t => t.GetProperty("path").GetString()!.EndsWith("track00.wav", StringComparison.Ordinal));
        Assert.Equal("complete", inside.GetProperty("status").GetString());

        // A rescan changes nothing (the refusal is recorded once) and still reads nothing outside.
        var again = await server.ScanAsync();
        Assert.Equal((0, 0, 0), (again.GetProperty("added").GetInt32(), again.GetProperty("changed").GetInt32(), again.GetProperty("removed").GetInt32()));
        Assert.Empty(await TracksAsync(server, "&q=SECRET"));
    }

    [Fact]
    public async Task A_server_scan_of_a_root_that_came_up_empty_keeps_its_tracks_and_reports_it()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 2);
        Assert.Equal("complete", (await server.ScanAsync()).GetProperty("state").GetString());
        var away = Directory.CreateDirectory(Path.Combine(server.Outside, "away")).FullName;
        foreach (var file in Directory.GetFiles(server.Music))
        {
            File.Move(file, Path.Combine(away, Path.GetFileName(file)));
        }

        var status = await server.ScanAsync();
        Assert.Equal(0, status.GetProperty("removed").GetInt32());
        var folder = Assert.Single(status.GetProperty("unreadable_folders").EnumerateArray());
        Assert.Equal(server.Music, folder.GetProperty("path").GetString());
        Assert.Contains("empty", folder.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, folder.GetProperty("tracks_kept").GetInt32());
        var tracks = await TracksAsync(server);
        Assert.Equal(2, tracks.Count);
        Assert.All(tracks, t => Assert.Equal(JsonValueKind.Number, t.GetProperty("lufs").ValueKind));
    }
}
