using Grpc.Core;
using Auralis.Server.Protocol;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// Handlers of auralis.v1.FingerprintService over the real proto messages, each answering with the
/// status a test wants (chosen by the request's path or track id), and counting what they saw.
/// </summary>
public sealed class TestFingerprintService : FingerprintService.FingerprintServiceBase
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

    public override Task<HealthReply> Health(HealthRequest request, ServerCallContext context) =>
        Task.FromResult(new HealthReply { Status = "ok", Version = "test", Engine = "managed", FingerprintVersion = 1, Tracks = 3 });

    public override Task<FingerprintReply> GetTrackFingerprint(GetTrackFingerprintRequest request, ServerCallContext context) =>
        request.TrackId switch
        {
            42 => Task.FromResult(Reply(42, "database")),
            -1 => throw Status(StatusCode.InvalidArgument, "track id must be positive, got -1"),
            99 => Task.FromResult(HugeReply()),
            _ => throw Status(StatusCode.NotFound, $"track {request.TrackId} not found"),
        };

    public override Task<FingerprintReply> FingerprintAudio(FingerprintAudioRequest request, ServerCallContext context) =>
        Task.FromResult(Reply(request.Audio.Length, "computed"));

    private static RpcException Status(StatusCode code, string message) => new(new Status(code, message));

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

    public override async Task<FingerprintReply> FingerprintFile(FingerprintFileRequest request, ServerCallContext context)
    {
        switch (request.Path)
        {
            case "/denied":
                throw Status(StatusCode.PermissionDenied, "/denied is outside the library roots");
            case "/unicode":
                throw Status(StatusCode.NotFound, UnicodeMessage);
            case "/status-ok":
                throw Status(StatusCode.OK, "fine?");
            case "/boom":
                throw new InvalidOperationException(SecretText);
            case "/slow":
                Interlocked.Increment(ref _slowCalls);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
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
                throw Status(StatusCode.Unavailable, "busy, try again");
            case "/deadline":
                return Reply(context.Deadline == DateTime.MaxValue ? -1 : (long)(context.Deadline - DateTime.UtcNow).TotalMilliseconds, "computed");
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
        Open = await TestGrpcServer.StartAsync(Service);
        Protected = await TestGrpcServer.StartAsync(Service, TestFingerprintService.Token);
    }

    public async Task DisposeAsync()
    {
        await Open.DisposeAsync();
        await Protected.DisposeAsync();
    }
}
