using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Google.Protobuf;
using Grpc.Net.Client;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// The generated client over a <see cref="FingerprintChannel"/> channel, with one-line calls for
/// tests (a deadline is a time from now, as the tests think of it).
/// </summary>
public sealed class TestClient : IDisposable
{
    public TestClient(Uri address, GrpcClientOptions? options = null)
    {
        Channel = FingerprintChannel.Create(address, options);
        Client = new FingerprintService.FingerprintServiceClient(Channel);
    }

    public GrpcChannel Channel { get; }

    public FingerprintService.FingerprintServiceClient Client { get; }

    public Task<HealthReply> HealthAsync(TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Client.HealthAsync(new HealthRequest(), deadline: Deadline(deadline), cancellationToken: cancellationToken).ResponseAsync;

    public Task<FingerprintReply> GetTrackFingerprintAsync(long trackId, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Client.GetTrackFingerprintAsync(new GetTrackFingerprintRequest { TrackId = trackId }, deadline: Deadline(deadline), cancellationToken: cancellationToken).ResponseAsync;

    public Task<FingerprintReply> FingerprintFileAsync(string path, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Client.FingerprintFileAsync(new FingerprintFileRequest { Path = path }, deadline: Deadline(deadline), cancellationToken: cancellationToken).ResponseAsync;

    public Task<FingerprintReply> FingerprintAudioAsync(ReadOnlyMemory<byte> audio, string fileName, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Client.FingerprintAudioAsync(new FingerprintAudioRequest { Audio = UnsafeByteOperations.UnsafeWrap(audio), FileName = fileName }, deadline: Deadline(deadline), cancellationToken: cancellationToken).ResponseAsync;

    public void Dispose() => Channel.Dispose();

    private static DateTime? Deadline(TimeSpan? timeout) => timeout is { } t ? DateTime.UtcNow + t : null;
}
