using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Auralis.Server.Grpc;
using Grpc.Core;

using Auralis.Server.Tests.Grpc;

namespace Auralis.Server.Tests.Server;

/// <summary>A database write that fails (the disk is full) ends that operation only, never the server.</summary>
public sealed class DatabaseFailureTests
{
    private static Uri U(string path) => new(path, UriKind.Relative);

    [SmallFilesystemFact]
    public async Task A_scan_failing_on_a_full_disk_is_reported_with_the_cause_and_the_server_recovers_once_space_is_freed()
    {
        using var temp = new TempDirectory();
        using var disk = SmallFilesystem.TryMount(temp.Path, 2, out var reason) ?? throw new InvalidOperationException(reason);
        var databasePath = disk.File("library.db");
        await using var server = await ServerFixture.StartAsync(tracks: 3, configure: s => s with { DatabasePath = databasePath });

        disk.Fill();
        var failed = await server.ScanAsync();
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        var error = failed.GetProperty("error").GetString()!;
        Assert.Contains("database or disk is full", error, StringComparison.Ordinal);
        Assert.Contains(databasePath, error, StringComparison.Ordinal);
        Assert.DoesNotContain("cannot rollback", error, StringComparison.Ordinal);

        // Requests on a full disk read fine: the failed write must not have broken the connections.
        using (var whileFull = await server.Http.GetAsync(U("/api/tracks")))
        {
            Assert.Equal(HttpStatusCode.OK, whileFull.StatusCode);
        }

        disk.Free();
        using (var tracks = await server.Http.GetAsync(U("/api/tracks")))
        {
            Assert.Equal(HttpStatusCode.OK, tracks.StatusCode);
        }

        using var grpc = new TestClient(server.Address);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => grpc.GetTrackFingerprintAsync(1));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);

        var rescan = await server.ScanAsync();
        Assert.Equal("complete", rescan.GetProperty("state").GetString());
        Assert.Equal(3, rescan.GetProperty("complete").GetInt32());

        var page = await server.Http.GetFromJsonAsync<JsonElement>(U("/api/tracks"));
        Assert.Equal(3, page.GetProperty("total").GetInt64());
        var id = page.GetProperty("tracks")[0].GetProperty("id").GetInt64();
        var stored = await grpc.GetTrackFingerprintAsync(id);
        Assert.Equal(25, stored.Fingerprint.Values.Count);
    }
}
