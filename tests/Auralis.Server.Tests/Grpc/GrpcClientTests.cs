using System.Diagnostics;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;

namespace Auralis.Server.Tests.Grpc;

/// <summary>Our client against our server (the wire in between is tested against grpc-js elsewhere).</summary>
public sealed class GrpcClientTests : IClassFixture<GrpcServerFixture>
{
    private readonly GrpcServerFixture _servers;

    public GrpcClientTests(GrpcServerFixture servers)
    {
        _servers = servers;
    }

    private FingerprintServiceClient Client(GrpcClientOptions? options = null, TestGrpcServer? server = null) =>
        new((server ?? _servers.Open).Address, options);

    [Fact]
    public async Task Typed_calls_return_the_server_replies()
    {
        using var client = Client();

        var health = await client.HealthAsync();
        var stored = await client.GetTrackFingerprintAsync(42);
        var uploaded = await client.FingerprintAudioAsync(new byte[1000], "x.wav");
        var file = await client.FingerprintFileAsync("/music/a.flac");

        Assert.Equal(("ok", "managed", 3L), (health.Status, health.Engine, health.Tracks));
        Assert.Equal(TestFingerprintService.Reply(42, "database"), stored);
        Assert.Equal(1000, uploaded.TrackId);
        Assert.Equal("computed", file.Source);
    }

    [Fact]
    public async Task Server_statuses_arrive_with_their_exact_message_and_the_call_named()
    {
        using var client = Client();

        var invalid = await Assert.ThrowsAsync<GrpcException>(() => client.GetTrackFingerprintAsync(-1));
        var notFound = await Assert.ThrowsAsync<GrpcException>(() => client.GetTrackFingerprintAsync(7));
        var denied = await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintFileAsync("/denied"));

        Assert.Equal((GrpcStatusCode.InvalidArgument, "track id must be positive, got -1"), (invalid.Status, invalid.Message));
        Assert.Equal((GrpcStatusCode.NotFound, "track 7 not found"), (notFound.Status, notFound.Message));
        Assert.Equal((GrpcStatusCode.PermissionDenied, "/denied is outside the library roots"), (denied.Status, denied.Message));
        Assert.Equal($"auralis.v1.FingerprintService/GetTrackFingerprint at {_servers.Open.Address}", notFound.Target);
    }

    [Fact]
    public async Task Non_ascii_and_percent_characters_in_the_message_round_trip()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintFileAsync("/unicode"));

        Assert.Equal(TestFingerprintService.UnicodeMessage, e.Message);
    }

    [Fact]
    public async Task Unknown_method_and_service_are_unimplemented()
    {
        using var client = new GrpcClient(_servers.Open.Address);

        var method = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("auralis.v1.FingerprintService", "Nope", new HealthRequest(), HealthReply.Parser));
        var service = await Assert.ThrowsAsync<GrpcException>(() => client.UnaryAsync("auralis.v9.Missing", "Health", new HealthRequest(), HealthReply.Parser));

        Assert.Equal(GrpcStatusCode.Unimplemented, method.Status);
        Assert.Equal("unknown method Nope in service auralis.v1.FingerprintService", method.Message);
        Assert.Equal(GrpcStatusCode.Unimplemented, service.Status);
    }

    [Fact]
    public async Task A_deadline_ends_the_call_once_without_retry_and_cancels_the_handler()
    {
        _servers.Service.ResetSlow();
        using var client = Client();
        // Connected and warm first: a deadline that expired while the first connection was still
        // being set up (a loaded CI machine) would never reach the handler, whose cancellation
        // is what this test checks.
        await client.HealthAsync();
        var watch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintFileAsync("/slow", TimeSpan.FromMilliseconds(1000)));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, e.Status);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        // The server's timer (started from grpc-timeout) and the client's race: either may end the
        // call, both with DEADLINE_EXCEEDED.
        Assert.Equal($"auralis.v1.FingerprintService/FingerprintFile at {_servers.Open.Address}", e.Target);
        Assert.StartsWith("deadline exceeded: auralis.v1.FingerprintService/FingerprintFile ", e.Message, StringComparison.Ordinal);
        await _servers.Service.SlowCancelled.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _servers.Service.SlowCalls);
    }

    [Fact]
    public async Task The_deadline_reaches_the_handler_as_grpc_timeout()
    {
        using var client = Client(new GrpcClientOptions { DefaultDeadline = TimeSpan.FromSeconds(20) });

        var withDefault = await client.FingerprintFileAsync("/deadline");
        var explicitDeadline = await client.FingerprintFileAsync("/deadline", TimeSpan.FromSeconds(10));

        // The handler sees its deadline as milliseconds left (minus the trip there).
        Assert.InRange(withDefault.TrackId, 15_000, 20_000);
        Assert.InRange(explicitDeadline.TrackId, 5_000, 10_000);
    }

    [Fact]
    public async Task Without_a_deadline_the_handler_sees_none()
    {
        using var client = Client();

        var reply = await client.FingerprintFileAsync("/deadline");

        Assert.Equal(-1, reply.TrackId);
    }

    [Fact]
    public async Task A_request_over_the_server_limit_is_resource_exhausted()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintAudioAsync(new byte[TestFingerprintService.MaxMessageBytes * 4], "big.wav"));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Status);
        Assert.Contains("over the server's limit", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reply_over_the_client_limit_is_resource_exhausted()
    {
        using var client = Client(new GrpcClientOptions { MaxReceiveMessageBytes = 100 });

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.GetTrackFingerprintAsync(42));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Status);
        Assert.Contains("over the client's limit of 100 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handler_exception_is_internal_and_its_text_never_reaches_the_client()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintFileAsync("/boom"));

        Assert.Equal(GrpcStatusCode.Internal, e.Status);
        Assert.DoesNotContain("SECRET", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bearer_token_is_sent_and_checked_by_BeforeCall()
    {
        using var anonymous = Client(server: _servers.Protected);
        using var wrong = Client(new GrpcClientOptions { BearerToken = "guess" }, _servers.Protected);
        using var right = Client(new GrpcClientOptions { BearerToken = TestFingerprintService.Token }, _servers.Protected);

        var none = await Assert.ThrowsAsync<GrpcException>(() => anonymous.HealthAsync());
        var bad = await Assert.ThrowsAsync<GrpcException>(() => wrong.HealthAsync());
        var health = await right.HealthAsync();

        Assert.Equal(GrpcStatusCode.Unauthenticated, none.Status);
        Assert.Equal(GrpcStatusCode.Unauthenticated, bad.Status);
        Assert.Equal("ok", health.Status);
    }

    [Fact]
    public async Task Unavailable_from_the_server_is_retried_exactly_once()
    {
        _servers.Service.ResetUnavailable();
        using var client = Client();

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintFileAsync("/unavailable"));

        Assert.Equal((GrpcStatusCode.Unavailable, "busy, try again"), (e.Status, e.Message));
        Assert.Equal(2, _servers.Service.UnavailableCalls);
    }

    [Fact]
    public async Task Without_RetryUnavailableOnce_unavailable_is_not_retried()
    {
        _servers.Service.ResetUnavailable();
        using var client = Client(new GrpcClientOptions { RetryUnavailableOnce = false });

        await Assert.ThrowsAsync<GrpcException>(() => client.FingerprintFileAsync("/unavailable"));

        Assert.Equal(1, _servers.Service.UnavailableCalls);
    }

    [Fact]
    public async Task Cancelling_the_token_throws_OperationCanceledException_and_cancels_the_handler()
    {
        _servers.Service.ResetSlow();
        using var client = Client();
        await client.HealthAsync(); // connected first, so the call reaches the handler before the cancellation
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1000));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FingerprintFileAsync("/slow", cancellationToken: cancel.Token));

        await _servers.Service.SlowCancelled.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Sixty_four_concurrent_calls_all_succeed()
    {
        using var client = Client();

        var replies = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => client.GetTrackFingerprintAsync(42)));

        Assert.All(replies, r => Assert.Equal(42, r.TrackId));
    }

    [Fact]
    public async Task A_server_that_is_not_grpc_is_reported_as_such()
    {
        await using var plain = await TestGrpcServer.StartAsync(registry: null);
        using var client = new FingerprintServiceClient(plain.Address);

        var e = await Assert.ThrowsAsync<GrpcException>(() => client.HealthAsync());

        Assert.Equal(GrpcStatusCode.Internal, e.Status);
        Assert.Contains("not gRPC (content-type text/plain)", e.Message, StringComparison.Ordinal);
        Assert.Contains(plain.Address.ToString(), e.Message, StringComparison.Ordinal);
    }
}
