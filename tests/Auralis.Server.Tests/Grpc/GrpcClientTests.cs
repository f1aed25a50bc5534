using System.Diagnostics;
using Auralis.Server.Grpc;
using Grpc.Core;
using Auralis.Server.Protocol;
using Google.Protobuf;

namespace Auralis.Server.Tests.Grpc;

/// <summary>Our client against our server (the wire in between is tested against grpc-js elsewhere).</summary>
public sealed class GrpcClientTests : IClassFixture<GrpcServerFixture>
{
    private readonly GrpcServerFixture _servers;

    public GrpcClientTests(GrpcServerFixture servers)
    {
        _servers = servers;
    }

    private TestClient Client(GrpcClientOptions? options = null, TestGrpcServer? server = null) =>
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
    public async Task Server_statuses_arrive_with_their_exact_message()
    {
        using var client = Client();

        var invalid = await Assert.ThrowsAsync<RpcException>(() => client.GetTrackFingerprintAsync(-1));
        var notFound = await Assert.ThrowsAsync<RpcException>(() => client.GetTrackFingerprintAsync(7));
        var denied = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/denied"));

        Assert.Equal((StatusCode.InvalidArgument, "track id must be positive, got -1"), (invalid.StatusCode, invalid.Status.Detail));
        Assert.Equal((StatusCode.NotFound, "track 7 not found"), (notFound.StatusCode, notFound.Status.Detail));
        Assert.Equal((StatusCode.PermissionDenied, "/denied is outside the library roots"), (denied.StatusCode, denied.Status.Detail));
    }

    [Fact]
    public async Task Non_ascii_and_percent_characters_in_the_message_round_trip()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/unicode"));

        Assert.Equal(TestFingerprintService.UnicodeMessage, e.Status.Detail);
    }

    [Fact]
    public async Task Unknown_method_and_service_are_unimplemented()
    {
        using var client = Client();
        var invoker = client.Channel.CreateCallInvoker();
        Task<HealthReply> Call(string service, string name) =>
            invoker.AsyncUnaryCall(new Method<HealthRequest, HealthReply>(MethodType.Unary, service, name, Marshallers.Create(m => m.ToByteArray(), HealthRequest.Parser.ParseFrom), Marshallers.Create(m => m.ToByteArray(), HealthReply.Parser.ParseFrom)), null, new CallOptions(), new HealthRequest()).ResponseAsync;

        var method = await Assert.ThrowsAsync<RpcException>(() => Call("auralis.v1.FingerprintService", "Nope"));
        var service = await Assert.ThrowsAsync<RpcException>(() => Call("auralis.v9.Missing", "Health"));

        Assert.Equal(StatusCode.Unimplemented, method.StatusCode);
        Assert.Equal(StatusCode.Unimplemented, service.StatusCode);
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

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/slow", TimeSpan.FromMilliseconds(1000)));

        Assert.Equal(StatusCode.DeadlineExceeded, e.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        // The server's timer (started from grpc-timeout) and the client's race: either may end the
        // call, both with DEADLINE_EXCEEDED.
        await _servers.Service.SlowCancelled.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _servers.Service.SlowCalls);
    }

    [Fact]
    public async Task The_deadline_reaches_the_handler_as_grpc_timeout()
    {
        using var client = Client();

        var reply = await client.FingerprintFileAsync("/deadline", TimeSpan.FromSeconds(10));

        // The handler sees its deadline as milliseconds left (minus the trip there).
        Assert.InRange(reply.TrackId, 5_000, 10_000);
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

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintAudioAsync(new byte[TestFingerprintService.MaxMessageBytes * 4], "big.wav"));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("Received message exceeds the maximum configured message size.", e.Status.Detail);
    }

    [Fact]
    public async Task A_reply_over_the_client_limit_is_resource_exhausted()
    {
        using var client = Client(new GrpcClientOptions { MaxReceiveMessageBytes = 100 });

        var e = await Assert.ThrowsAsync<RpcException>(() => client.GetTrackFingerprintAsync(42));

        Assert.Equal(StatusCode.ResourceExhausted, e.StatusCode);
        Assert.Equal("Received message exceeds the maximum configured message size.", e.Status.Detail);
    }

    [Fact]
    public async Task A_handler_exception_is_internal_and_its_text_never_reaches_the_client()
    {
        using var client = Client();

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/boom"));

        Assert.Equal(StatusCode.Internal, e.StatusCode);
        Assert.DoesNotContain("SECRET", e.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_bearer_token_is_sent_as_call_credentials_and_checked_by_the_server()
    {
        using var anonymous = Client(server: _servers.Protected);
        using var wrong = Client(new GrpcClientOptions { BearerToken = "guess" }, _servers.Protected);
        using var right = Client(new GrpcClientOptions { BearerToken = TestFingerprintService.Token }, _servers.Protected);

        var none = await Assert.ThrowsAsync<RpcException>(() => anonymous.HealthAsync());
        var bad = await Assert.ThrowsAsync<RpcException>(() => wrong.HealthAsync());
        var health = await right.HealthAsync();

        Assert.Equal(StatusCode.Unauthenticated, none.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, bad.StatusCode);
        Assert.Equal("ok", health.Status);
    }

    [Fact]
    public async Task Unavailable_from_the_server_is_retried_exactly_once()
    {
        _servers.Service.ResetUnavailable();
        using var client = Client();

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/unavailable"));

        Assert.Equal((StatusCode.Unavailable, "busy, try again"), (e.StatusCode, e.Status.Detail));
        Assert.Equal(2, _servers.Service.UnavailableCalls);
    }

    [Fact]
    public async Task Without_RetryUnavailableOnce_unavailable_is_not_retried()
    {
        _servers.Service.ResetUnavailable();
        using var client = Client(new GrpcClientOptions { RetryUnavailableOnce = false });

        await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/unavailable"));

        Assert.Equal(1, _servers.Service.UnavailableCalls);
    }

    [Fact]
    public async Task Cancelling_the_token_ends_the_call_cancelled_and_cancels_the_handler()
    {
        _servers.Service.ResetSlow();
        using var client = Client();
        await client.HealthAsync(); // connected first, so the call reaches the handler before the cancellation
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(1000));

        var e = await Assert.ThrowsAsync<RpcException>(() => client.FingerprintFileAsync("/slow", cancellationToken: cancel.Token));

        Assert.Equal(StatusCode.Cancelled, e.StatusCode);

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
        await using var plain = await TestGrpcServer.StartAsync(service: null);
        using var client = new TestClient(plain.Address);

        var e = await Assert.ThrowsAsync<RpcException>(() => client.HealthAsync());

        // Grpc.Net.Client's status for an answer that is not gRPC; not UNAVAILABLE, so not retried.
        Assert.Equal(StatusCode.Cancelled, e.StatusCode);
        Assert.Equal("Bad gRPC response. Invalid content-type value: text/plain", e.Status.Detail);
    }
}
