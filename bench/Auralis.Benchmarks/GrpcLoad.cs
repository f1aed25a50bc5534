using System.Diagnostics;
using System.Globalization;
using Auralis.Server.Grpc;
using Auralis.Server.Protocol;
using Grpc.Core;

namespace Auralis.Benchmarks;

/// <summary>
/// `grpc-load HOST:PORT TRACK_ID [--concurrency 64] [--requests 50000] [--connections 8]`: the
/// stored-fingerprint lookup (GetTrackFingerprint) from Grpc.Net.Client (the channel of FingerprintChannel), a
/// lighter load generator than grpc-js (which saturates a core at ~3-4k calls/s on its own), so
/// the server's latency shows rather than the client's. Prints p50/p90/p99/max, calls/s and the
/// calls that failed (the exit code is 1 when any did).
/// </summary>
internal static class GrpcLoad
{
    public static int Run(string[] args)
    {
        var address = new Uri($"http://{args[0]}/");
        var trackId = long.Parse(args[1], CultureInfo.InvariantCulture);
        var concurrency = Option(args, "--concurrency") ?? 64;
        var requests = Option(args, "--requests") ?? 50_000;
        var connections = Option(args, "--connections") ?? 8;
        var channels = Enumerable.Range(0, connections).Select(_ => FingerprintChannel.Create(address)).ToArray();
        var clients = channels.Select(c => new FingerprintService.FingerprintServiceClient(c)).ToArray();
        try
        {
            // Warm-up (connections, JIT, SQLite page cache) with the same bounded concurrency:
            // thousands at once would be refused by the server's queue bound, as they should.
            Drive(clients, trackId, concurrency, new double[2000]);
            var latencies = new double[requests];
            var clock = Stopwatch.StartNew();
            var errors = Drive(clients, trackId, concurrency, latencies);
            var elapsed = clock.Elapsed.TotalSeconds;
            Array.Sort(latencies);
            double P(double p) => latencies[Math.Min(latencies.Length - 1, (int)Math.Ceiling(p / 100 * latencies.Length) - 1)];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"C# client, {concurrency} concurrent over {connections} connections, {requests} calls: p50 {P(50):0.00} ms, p90 {P(90):0.00} ms, p99 {P(99):0.00} ms, max {latencies[^1]:0.00} ms, {requests / elapsed:0} calls/s, {errors} errors"));
            return errors == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    /// <summary>Runs latencies.Length calls from <paramref name="concurrency"/> workers; returns how many failed (their time still counts).</summary>
    private static int Drive(FingerprintService.FingerprintServiceClient[] clients, long trackId, int concurrency, double[] latencies)
    {
        var next = -1;
        var errors = 0;
        var request = new GetTrackFingerprintRequest { TrackId = trackId };
        Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var client = clients[worker % clients.Length];
            int i;
            while ((i = Interlocked.Increment(ref next)) < latencies.Length)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await client.GetTrackFingerprintAsync(request).ResponseAsync.ConfigureAwait(false);
                }
                catch (RpcException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        })).GetAwaiter().GetResult();
        return errors;
    }

    private static int? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : null;
    }
}
