using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Google.Protobuf;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// Handlers of auralis.v1.FingerprintService over the real proto messages, each answering with the
/// status a test wants (chosen by the request's path or track id), and counting what they saw.
/// </summary>
public sealed class TestFingerprintService
{
    public const string UnicodeMessage = "pas trouvé: ünïcödé ✓ 100% done, 日本語 %41 ~\r\n\ttab";
    public const string SecretText = "SECRET-db-password=hunter2 at /srv/internal/path.cs:42";
    public const int MaxMessageBytes = 64 * 1024;
    public const string Token = "s3cret-token";

    private int _slowCalls;
    private int _unavailableCalls;
    private TaskCompletionSource _slowCancelled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int SlowCalls => Volatile.Read(ref _slowCalls);

    public int UnavailableCalls => Volatile.Read(ref _unavailableCalls);

    /// <summary>Completes when the token of a "/slow" call fires (deadline or client abort).</summary>
    public Task SlowCancelled => Volatile.Read(ref _slowCancelled).Task;

    public void ResetSlow()
    {
        Interlocked.Exchange(ref _slowCalls, 0);
        Volatile.Write(ref _slowCancelled, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    public void ResetUnavailable() => Interlocked.Exchange(ref _unavailableCalls, 0);

    public GrpcServiceRegistry CreateRegistry(string? requiredToken = null)
    {
        var registry = new GrpcServiceRegistry(new GrpcServerOptions { MaxReceiveMessageBytes = MaxMessageBytes, MaxSendMessageBytes = MaxMessageBytes });
        registry
            .AddUnary(FingerprintServiceMethods.Service, FingerprintServiceMethods.Health, HealthRequest.Parser, (_, _) =>
                Task.FromResult(new HealthReply { Status = "ok", Version = "test", Engine = "managed", FingerprintVersion = 1, Tracks = 3 }))
            .AddUnary(FingerprintServiceMethods.Service, FingerprintServiceMethods.GetTrackFingerprint, GetTrackFingerprintRequest.Parser, (request, _) =>
                request.TrackId switch
                {
                    42 => Task.FromResult(Reply(42, "database")),
                    -1 => throw new GrpcException(GrpcStatusCode.InvalidArgument, "track id must be positive, got -1"),
                    99 => Task.FromResult(HugeReply()),
                    _ => throw new GrpcException(GrpcStatusCode.NotFound, $"track {request.TrackId} not found"),
                })
            .AddUnary(FingerprintServiceMethods.Service, FingerprintServiceMethods.FingerprintFile, FingerprintFileRequest.Parser, FingerprintFileAsync)
            .AddUnary(FingerprintServiceMethods.Service, FingerprintServiceMethods.FingerprintAudio, FingerprintAudioRequest.Parser, (request, _) =>
                Task.FromResult(Reply(request.Audio.Length, "computed")));
        if (requiredToken is not null)
        {
            registry.BeforeCall = call =>
                call.GetHeader("authorization") == "Bearer " + requiredToken
                    ? ValueTask.CompletedTask
                    : throw new GrpcException(GrpcStatusCode.Unauthenticated, "missing or wrong bearer token");
        }

        return registry;
    }

    public static FingerprintReply Reply(long trackId, string source)
    {
        var fingerprint = new Fingerprint { FingerprintVersion = 1 };
        fingerprint.Values.AddRange(Enumerable.Range(0, 25).Select(i => i * 0.5f));
        return new FingerprintReply { Fingerprint = fingerprint, Source = source, TrackId = trackId, DurationS = 180.5, SampleRate = 44100, Channels = 2 };
    }

    private static FingerprintReply HugeReply()
    {
        var reply = Reply(99, "database");
        reply.Fingerprint.Values.AddRange(new float[MaxMessageBytes / 4]);
        return reply;
    }

    private async Task<FingerprintReply> FingerprintFileAsync(FingerprintFileRequest request, GrpcCallContext call)
    {
        switch (request.Path)
        {
            case "/denied":
                throw new GrpcException(GrpcStatusCode.PermissionDenied, "/denied is outside the library roots");
            case "/unicode":
                throw new GrpcException(GrpcStatusCode.NotFound, UnicodeMessage);
            case "/status-ok":
                throw new GrpcException(GrpcStatusCode.OK, "fine?");
            case "/boom":
                throw new InvalidOperationException(SecretText);
            case "/slow":
                Interlocked.Increment(ref _slowCalls);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), call.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    Volatile.Read(ref _slowCancelled).TrySetResult();
                    throw;
                }

                return Reply(1, "computed");
            case "/deaf":
                // Ignores its token: the server must still end the call at the deadline.
                await Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None);
                return Reply(2, "computed");
            case "/unavailable":
                Interlocked.Increment(ref _unavailableCalls);
                throw new GrpcException(GrpcStatusCode.Unavailable, "busy, try again");
            case "/deadline":
                return Reply(call.Deadline is { } d ? (long)(d - DateTimeOffset.UtcNow).TotalMilliseconds : -1, "computed");
            default:
                return Reply(0, "computed");
        }
    }
}

/// <summary>One open server and one that requires <see cref="TestFingerprintService.Token"/>, shared by a test class.</summary>
public sealed class GrpcServerFixture : IAsyncLifetime
{
    public TestFingerprintService Service { get; } = new();

    public TestGrpcServer Open { get; private set; } = null!;

    public TestGrpcServer Protected { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Open = await TestGrpcServer.StartAsync(Service.CreateRegistry());
        Protected = await TestGrpcServer.StartAsync(Service.CreateRegistry(TestFingerprintService.Token));
    }

    public async Task DisposeAsync()
    {
        await Open.DisposeAsync();
        await Protected.DisposeAsync();
    }
}
