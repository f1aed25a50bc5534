using Auralis.Server.Protocol;
using Google.Protobuf;

namespace Auralis.Server.Grpc;

/// <summary>The names on the wire of <c>auralis.v1.FingerprintService</c> (proto/auralis/v1/fingerprint.proto).</summary>
public static class FingerprintServiceMethods
{
    public const string Service = "auralis.v1.FingerprintService";
    public const string FingerprintFile = "FingerprintFile";
    public const string FingerprintAudio = "FingerprintAudio";
    public const string GetTrackFingerprint = "GetTrackFingerprint";
    public const string Health = "Health";
}

/// <summary>A typed client of <c>auralis.v1.FingerprintService</c> over <see cref="GrpcClient"/>.</summary>
public sealed class FingerprintServiceClient : IDisposable
{
    private readonly bool _ownsClient;

    public FingerprintServiceClient(Uri address, GrpcClientOptions? options = null)
        : this(new GrpcClient(address, options), ownsClient: true)
    {
    }

    /// <summary>Over an existing client, which stays the caller's to dispose.</summary>
    public FingerprintServiceClient(GrpcClient client)
        : this(client, ownsClient: false)
    {
    }

    private FingerprintServiceClient(GrpcClient client, bool ownsClient)
    {
        ArgumentNullException.ThrowIfNull(client);
        Client = client;
        _ownsClient = ownsClient;
    }

    public GrpcClient Client { get; }

    public Task<HealthReply> HealthAsync(TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Client.UnaryAsync(FingerprintServiceMethods.Service, FingerprintServiceMethods.Health, new HealthRequest(), HealthReply.Parser, deadline, cancellationToken);

    /// <summary>Fingerprints a file the server reads (the path is the server's, under one of its library roots).</summary>
    public Task<FingerprintReply> FingerprintFileAsync(string path, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Client.UnaryAsync(FingerprintServiceMethods.Service, FingerprintServiceMethods.FingerprintFile, new FingerprintFileRequest { Path = path }, FingerprintReply.Parser, deadline, cancellationToken);
    }

    /// <summary>
    /// Fingerprints encoded audio sent in the request (a whole file's bytes); <paramref name="fileName"/>
    /// is a format hint. The bytes are sent as they are, not copied: leave them unchanged until the
    /// task ends.
    /// </summary>
    public Task<FingerprintReply> FingerprintAudioAsync(ReadOnlyMemory<byte> audio, string fileName, TimeSpan? deadline = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var request = new FingerprintAudioRequest { Audio = UnsafeByteOperations.UnsafeWrap(audio), FileName = fileName };
        return Client.UnaryAsync(FingerprintServiceMethods.Service, FingerprintServiceMethods.FingerprintAudio, request, FingerprintReply.Parser, deadline, cancellationToken);
    }

    /// <summary>The stored fingerprint of a library track (NOT_FOUND when there is none).</summary>
    public Task<FingerprintReply> GetTrackFingerprintAsync(long trackId, TimeSpan? deadline = null, CancellationToken cancellationToken = default) =>
        Client.UnaryAsync(FingerprintServiceMethods.Service, FingerprintServiceMethods.GetTrackFingerprint, new GetTrackFingerprintRequest { TrackId = trackId }, FingerprintReply.Parser, deadline, cancellationToken);

    public void Dispose()
    {
        if (_ownsClient)
        {
            Client.Dispose();
        }
    }
}
