using Auralis.Library.Provider;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Fingerprint = Auralis.Fingerprinting.Fingerprint;

namespace Auralis.Server.Fingerprints;

/// <summary>
/// The provider's "fingerprint server" tier over gRPC: asks a running `auralis serve` to
/// fingerprint a path it can read. An answer of another fingerprint version or shape, or with a
/// value outside its dimension's range, is refused with a message, so the provider computes
/// locally instead of storing numbers it cannot compare.
/// </summary>
public sealed class RemoteFingerprinter : IRemoteFingerprinter, IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly FingerprintService.FingerprintServiceClient _client;

    /// <summary>A client for <paramref name="address"/> (the server's gRPC address), with its token if any.</summary>
    public RemoteFingerprinter(Uri address, string? token = null)
    {
        _client = FingerprintChannel.CreateClient(address, new GrpcClientOptions { BearerToken = token }, out _channel);
        Address = address.ToString().TrimEnd('/');
    }

    public string Address { get; }

    public async Task<Fingerprint> FingerprintFileAsync(string path, CancellationToken cancellationToken)
    {
        FingerprintReply reply;
        try
        {
            reply = await _client.FingerprintFileAsync(new FingerprintFileRequest { Path = path }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException($"fingerprinting {path} at {Address} was cancelled", e, cancellationToken);
        }
        catch (RpcException e)
        {
            // The status and the server's text, without the framework's "Status(StatusCode=...)" wrapping.
            throw new IOException($"{FingerprintChannel.StatusName(e.StatusCode)}: {e.Status.Detail}", e);
        }

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

    public void Dispose() => _channel.Dispose();
}
