using System.Net;
using Auralis.Server.Protocol;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;

namespace Auralis.Server.Grpc;

/// <summary>
/// Grpc.Net.Client channels to an `auralis serve` (or any server of auralis.v1.FingerprintService)
/// with the client rules of docs/grpc.md: the token as call credentials, one retry on
/// UNAVAILABLE, the reply size limit, and more connections rather than queueing beyond a
/// server's stream limit.
/// </summary>
public static class FingerprintChannel
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(100);

    /// <summary>A channel for <paramref name="address"/> (http:// cleartext HTTP/2, or https://); dispose it when done.</summary>
    public static GrpcChannel Create(Uri address, GrpcClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"'{address}' is not an http:// or https:// address of a gRPC server.", nameof(address));
        }

        options ??= new GrpcClientOptions();
        var channel = new GrpcChannelOptions
        {
            MaxReceiveMessageSize = options.MaxReceiveMessageBytes,
            MaxSendMessageSize = null,
            // A connection that failed is tried again this soon (the channel's default starts at
            // 1 s), so that a retried call finds a restarted server.
            InitialReconnectBackoff = RetryPause,
            HttpHandler = options.Handler ?? new SocketsHttpHandler
            {
                // Beyond the server's concurrent-stream limit, open another connection instead of queueing.
                EnableMultipleHttp2Connections = true,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
                AutomaticDecompression = DecompressionMethods.None,
                UseProxy = false,
            },
            DisposeHttpClient = options.Handler is null,
        };

        if (options.RetryUnavailableOnce)
        {
            channel.ServiceConfig = new ServiceConfig
            {
                MethodConfigs =
                {
                    new MethodConfig
                    {
                        Names = { MethodName.Default },
                        RetryPolicy = new RetryPolicy
                        {
                            MaxAttempts = 2,
                            InitialBackoff = RetryPause,
                            MaxBackoff = RetryPause,
                            BackoffMultiplier = 1,
                            RetryableStatusCodes = { StatusCode.Unavailable },
                        },
                    },
                },
            };
        }
        else
        {
            channel.MaxRetryAttempts = 0;
        }

        if (!string.IsNullOrEmpty(options.BearerToken))
        {
            var authorization = "Bearer " + options.BearerToken;
            var token = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", authorization);
                return Task.CompletedTask;
            });
            var secure = address.Scheme == Uri.UriSchemeHttps;
            channel.Credentials = ChannelCredentials.Create(secure ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, token);

            // The server's token is its only credential on http:// (loopback, or a network the
            // operator chose); the client sends it there as it would on https://.
            channel.UnsafeUseInsecureChannelCallCredentials = !secure;
        }

        return GrpcChannel.ForAddress(address, channel);
    }

    /// <summary>The status as gRPC spells it (NOT_FOUND, DEADLINE_EXCEEDED, ...), for messages and logs.</summary>
    public static string StatusName(StatusCode status) => status switch
    {
        StatusCode.OK => "OK",
        _ => string.Concat(status.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : char.ToUpperInvariant(c).ToString())),
    };

    /// <summary>A typed client of auralis.v1.FingerprintService over a new channel (dispose the channel when done).</summary>
    public static FingerprintService.FingerprintServiceClient CreateClient(Uri address, GrpcClientOptions? options, out GrpcChannel channel)
    {
        channel = Create(address, options);
        return new FingerprintService.FingerprintServiceClient(channel);
    }
}
