using System.Net.Http.Json;
using System.Text.Json;

namespace Auralis.Server.Tests.Server;

/// <summary>`serve --watch`: the library the page shows follows the roots without anyone starting a scan.</summary>
public sealed class WatchTests
{
    private static async Task<List<string>> TrackNamesAsync(ServerFixture server)
    {
        var page = await server.Http.GetFromJsonAsync<JsonElement>(new Uri("/api/tracks?limit=500", UriKind.Relative));
        return [.. page.GetProperty("tracks").EnumerateArray()
            .Where(t => t.GetProperty("status").GetString() == "complete")
            .Select(t => Path.GetFileName(t.GetProperty("path").GetString()!)).Order(StringComparer.Ordinal)];
    }

    private static async Task<List<string>> WaitForAsync(ServerFixture server, Func<List<string>, bool> done, string what)
    {
        var names = new List<string>();
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(60);)
        {
            names = await TrackNamesAsync(server);
            if (done(names))
            {
                return names;
            }

            await Task.Delay(200);
        }

        throw new Xunit.Sdk.XunitException($"the watching server did not pick up {what} within 60 s; tracks: {string.Join(", ", names)}");
    }

    [Fact]
    public async Task A_watching_server_scans_its_roots_at_start_and_then_picks_up_added_and_deleted_files()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 2, configure: s => s with { Watch = true, WatchDebounce = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(["track00.wav", "track01.wav"], await WaitForAsync(server, n => n.Count == 2, "the tracks there at start"));

        var added = server.AddTrack("added.wav", 5);
        await WaitForAsync(server, n => n.Contains("added.wav"), "an added file");

        File.Delete(added);
        Assert.Equal(["track00.wav", "track01.wav"], await WaitForAsync(server, n => !n.Contains("added.wav"), "a deleted file"));
    }

    [Fact]
    public async Task A_server_without_watch_does_not_scan_on_its_own()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 2);
        await Task.Delay(1500);
        Assert.Empty(await TrackNamesAsync(server));
    }
}
