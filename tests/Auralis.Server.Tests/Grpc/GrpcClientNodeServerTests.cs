using System.Diagnostics;
using Auralis.Server.Grpc;
using Grpc.Core;

namespace Auralis.Server.Tests.Grpc;

/// <summary>Our client against an independent server: grpc-js (tests/interop/grpc-server.js).</summary>
public sealed class GrpcClientNodeServerTests : IClassFixture<NodeServerFixture>
{
    // What grpc-server.js answers for an unknown track.
    private const string NodeNotFoundMessage = "track 7 not found: ünïcödé ✓ 100% done, 日本語";

    private readonly NodeServerFixture _server;

    public GrpcClientNodeServerTests(NodeServerFixture server)
    {
        _server = server;
    }

    [NodeFact]
    public async Task Health_and_a_stored_fingerprint_come_back()
    {
        using var client = new TestClient(_server.Address);

        var health = await client.HealthAsync();
        var reply = await client.GetTrackFingerprintAsync(1);

        Assert.Equal(("ok", "grpc-js-interop"), (health.Status, health.Version));
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i / 4f), reply.Fingerprint.Values);
        Assert.Equal((1L, 44100, 2, 180.5), (reply.TrackId, reply.SampleRate, reply.Channels, reply.DurationS));
    }

    [NodeFact]
    public async Task Its_status_messages_are_decoded_exactly()
    {
        using var client = new TestClient(_server.Address);

        var notFound = await Assert.ThrowsAsync<RpcException>(() => client.GetTrackFingerprintAsync(7));
        var denied = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/etc/passwd"));

        Assert.Equal((StatusCode.NotFound, NodeNotFoundMessage), (notFound.StatusCode, notFound.Status.Detail));
        Assert.Equal((StatusCode.PermissionDenied, "/etc/passwd is outside the library roots"), (denied.StatusCode, denied.Status.Detail));
    }

    [NodeFact]
    public async Task A_large_upload_arrives_whole()
    {
        using var client = new TestClient(_server.Address);

        var reply = await client.FingerprintAudioAsync(new byte[3_000_000], "big.flac");

        Assert.Equal(3_000_000, reply.TrackId);
    }

    [NodeFact]
    public async Task A_slow_reply_hits_the_deadline()
    {
        using var client = new TestClient(_server.Address);
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/slow", TimeSpan.FromMilliseconds(300)));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}: the client waited for the reply (10 s)");
    }

    [NodeFact]
    public async Task Unavailable_is_retried_exactly_once()
    {
        using var client = new TestClient(_server.Address);
        var before = (await client.FingerprintFileAsync("/unavailable-count")).TrackId;

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/unavailable"));
        var after = (await client.FingerprintFileAsync("/unavailable-count")).TrackId;

        Assert.Equal((StatusCode.Unavailable, "try again later"), (e.StatusCode, e.Status.Detail));
        Assert.Equal(2, after - before);
    }
}
