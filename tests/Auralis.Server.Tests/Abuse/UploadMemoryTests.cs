using System.Net;
using System.Net.Http.Headers;
using Auralis.Server.Grpc;
using Grpc.Core;
using Auralis.Server.Tests.Server;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Abuse;

/// <summary>Uploads held in memory at once are bounded in bytes; calls beyond the bound are refused at their frame header.</summary>
public sealed class UploadMemoryTests(ITestOutputHelper output)
{
    private const int UploadBytes = 6 * 1024 * 1024;

    [Fact]
    public async Task Concurrent_uploads_beyond_the_upload_memory_bound_get_resource_exhausted_and_the_others_finish()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with
        {
            MaxUploadBytes = 8 * 1024 * 1024,
            Limits = s.Limits with { MaxUploadBytesInFlight = 20 * 1024 * 1024 },
        });
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var rssBefore = Environment.WorkingSet;

        // Ten uploads on ten connections send their first megabyte, then all wait until every one
        // has started, so that they are in flight together.
        var started = new CountdownEvent(10);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = Enumerable.Range(0, 10).Select(async i =>
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address, "/auralis.v1.FingerprintService/FingerprintAudio"))
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new HeldUpload(started, release.Task),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
            request.Headers.TE.ParseAdd("trailers");
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                await response.Content.ReadAsByteArrayAsync();
                return Status(response);
            }
            catch (HttpRequestException e)
            {
                return "failed: " + e.Message;
            }
        }).ToList();

        Assert.True(started.Wait(TimeSpan.FromSeconds(10)), "the uploads did not start");
        await Task.Delay(500);
        release.SetResult();
        var statuses = await Task.WhenAll(calls).WaitAsync(TimeSpan.FromSeconds(30));
        var after = GC.GetTotalMemory(forceFullCollection: true);
        output.WriteLine($"statuses: {string.Join(", ", statuses.GroupBy(s => s).Select(g => $"{g.Key} x{g.Count()}"))}");
        output.WriteLine($"managed heap before {before / 1048576} MiB, after {after / 1048576} MiB; test process RSS before {rssBefore / 1048576} MiB, after {Environment.WorkingSet / 1048576} MiB");

        // 20 MiB holds three 6 MiB uploads: the other seven are refused at once, the three are
        // read (and answered INVALID_ARGUMENT: the bytes are not audio).
        var exhausted = statuses.Count(s => s == StatusName(StatusCode.ResourceExhausted));
        var read = statuses.Count(s => s == StatusName(StatusCode.InvalidArgument));
        Assert.Equal(10, exhausted + read);
        Assert.InRange(read, 1, 3);
        Assert.True(after - before < 256L * 1024 * 1024, $"the managed heap grew by {(after - before) / 1048576} MiB");
        Assert.Empty(Directory.GetFiles(server.Settings.UploadDirectory!, "auralis-upload-*"));
    }

    private static string StatusName(StatusCode status) => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string Status(HttpResponseMessage response) =>
        response.Headers.TryGetValues("grpc-status", out var inHeaders) ? inHeaders.First()
        : response.TrailingHeaders.TryGetValues("grpc-status", out var inTrailers) ? inTrailers.First()
        : $"HTTP {(int)response.StatusCode} without grpc-status";

    /// <summary>A FingerprintAudio request of <see cref="UploadBytes"/> noise bytes: its first megabyte, then the rest once released.</summary>
    private sealed class HeldUpload(CountdownEvent started, Task release) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            // gRPC frame header, then field 1 (audio, length-delimited): tag 0x0A and a varint length.
            var field = new List<byte> { 0x0A };
            for (var n = (uint)UploadBytes; ; n >>= 7)
            {
                if (n < 0x80)
                {
                    field.Add((byte)n);
                    break;
                }

                field.Add((byte)((n & 0x7F) | 0x80));
            }

            var header = new byte[5];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)(field.Count + UploadBytes));
            var noise = new byte[UploadBytes];
            new Random(1).NextBytes(noise);
            const int first = 1024 * 1024;
            try
            {
                await stream.WriteAsync(header);
                await stream.WriteAsync(field.ToArray());
                await stream.WriteAsync(noise.AsMemory(0, first));
                await stream.FlushAsync();
            }
            finally
            {
                // A refused upload's stream is reset while it writes; it has started all the same.
                started.Signal();
            }

            await release;
            await stream.WriteAsync(noise.AsMemory(first));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
