using Auralis.Library.Provider;
using Auralis.Server.Grpc;
using Fingerprint = Auralis.Fingerprinting.Fingerprint;

namespace Auralis.Server.Fingerprints;

/// <summary>
/// The provider's "fingerprint server" tier over gRPC: asks a running `auralis serve` to
/// fingerprint a path it can read. An answer of another fingerprint version or shape, or with a
/// value outside its dimension's range, is refused with a message, so the provider computes
/// locally instead of storing numbers it cannot compare.
/// </summary>
public sealed class RemoteFingerprinter(FingerprintServiceClient client, Uri address) : IRemoteFingerprinter, IDisposable
{
    /// <summary>A client for <paramref name="address"/> (the server's gRPC address), with its token if any.</summary>
    public RemoteFingerprinter(Uri address, string? token = null)
        : this(new FingerprintServiceClient(address, new GrpcClientOptions { BearerToken = token }), address)
    {
    }

    public string Address { get; } = address.ToString().TrimEnd('/');

    public async Task<Fingerprint> FingerprintFileAsync(string path, CancellationToken cancellationToken)
    {
        var reply = await client.FingerprintFileAsync(path, cancellationToken: cancellationToken).ConfigureAwait(false);
        var message = reply.Fingerprint ?? throw new FormatException("the answer had no fingerprint");
        if (message.FingerprintVersion != Fingerprint.FingerprintVersion)
        {
            throw new FormatException($"the server computes fingerprint version {message.FingerprintVersion}, this client version {Fingerprint.FingerprintVersion}");
        }

        if (message.Values.Count != Fingerprint.Dimensions || message.Values.Any(v => !float.IsFinite(v)))
        {
            throw new FormatException($"the answer had {message.Values.Count} values (or non-finite ones), expected {Fingerprint.Dimensions} finite values");
        }

        var fingerprint = new Fingerprint([.. message.Values]);
        if (fingerprint.OutOfRange is { } problem)
        {
            throw new FormatException($"answered with values no audio has: {problem}");
        }

        return fingerprint;
    }

    public void Dispose() => client.Dispose();
}
