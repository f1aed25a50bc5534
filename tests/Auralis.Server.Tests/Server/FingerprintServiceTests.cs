using System.Text.Json;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Server.Fingerprints;
using Auralis.Server.Grpc;
using Grpc.Core;
using Auralis.Server.Protocol;
using Auralis.Server.Tests.Grpc;

namespace Auralis.Server.Tests.Server;

/// <summary>
/// auralis.v1.FingerprintService of `auralis serve` on a real library, called by the independent
/// grpc-js client (docs/targets.md: each status code and refusal is a test).
/// </summary>
public sealed class FingerprintServiceTests
{
    private static string HostPort(ServerFixture server) => $"{server.Address.Host}:{server.Address.Port}";

    private static string Json(object value) => JsonSerializer.Serialize(value);

    /// <summary>A request too large for a command-line argument, in a file for --request-file.</summary>
    private static string RequestFile(ServerFixture server, object value)
    {
        var path = Path.Combine(server.Outside, $"request-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, Json(value));
        return path;
    }

    [NodeFact]
    public async Task FingerprintFile_computes_then_answers_from_the_database_with_the_track_id()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 2);
        var path = Path.Combine(server.Music, "track00.wav");
        var loose = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path }));
        Assert.Equal(0, loose.Code);
        Assert.Equal("computed", loose.Response!.Value.GetProperty("source").GetString());
        Assert.Equal("0", loose.Response!.Value.GetProperty("track_id").GetString());
        Assert.Equal(44_100, loose.Response!.Value.GetProperty("sample_rate").GetInt32());
        var values = loose.Response!.Value.GetProperty("fingerprint").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(FileFingerprinter.Compute(path, FingerprintEngines.Managed).Fingerprint.Values.ToArray(), values);

        await server.ScanAsync();
        var stored = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path }));
        Assert.Equal(0, stored.Code);
        Assert.Equal("database", stored.Response!.Value.GetProperty("source").GetString());
        var trackId = long.Parse(stored.Response!.Value.GetProperty("track_id").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(trackId > 0);

        var byId = await NodeInterop.CallAsync(HostPort(server), "GetTrackFingerprint", Json(new { track_id = trackId }));
        Assert.Equal(0, byId.Code);
        Assert.Equal(values, byId.Response!.Value.GetProperty("fingerprint").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray());
    }

    [NodeFact]
    public async Task Paths_outside_the_roots_are_permission_denied_however_they_are_spelled()
    {
        await using var server = await ServerFixture.StartAsync();
        var secret = server.AddTrack("secret.wav", 3, server.Outside);
        var link = Path.Combine(server.Music, "innocent.wav");
        File.CreateSymbolicLink(link, secret);
        var folderLink = Path.Combine(server.Music, "escape");
        Directory.CreateSymbolicLink(folderLink, server.Outside);

        foreach (var path in new[] { secret, server.Music + "/../outside/secret.wav", link, Path.Combine(folderLink, "secret.wav"), "/etc/passwd", server.Outside + "/missing.wav" })
        {
            var result = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path }));
            Assert.True(result.Code == (int)StatusCode.PermissionDenied, $"{path}: {result.Code} {result.Details}");
            Assert.Contains("outside the library roots", result.Details, StringComparison.Ordinal);
        }
    }

    [NodeFact]
    public async Task Missing_relative_and_undecodable_paths_get_not_found_and_invalid_argument()
    {
        await using var server = await ServerFixture.StartAsync();
        var garbage = Path.Combine(server.Music, "garbage.mp3");
        await File.WriteAllBytesAsync(garbage, Enumerable.Range(0, 5000).Select(i => (byte)(i * 31)).ToArray());

        var missing = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path = Path.Combine(server.Music, "nope.wav") }));
        Assert.Equal((int)StatusCode.NotFound, missing.Code);
        var relative = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path = "music/a.wav" }));
        Assert.Equal((int)StatusCode.InvalidArgument, relative.Code);
        var folder = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path = server.Music }));
        Assert.Equal((int)StatusCode.InvalidArgument, folder.Code);
        var bad = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path = garbage }));
        Assert.Equal((int)StatusCode.InvalidArgument, bad.Code);
        Assert.Contains("garbage.mp3", bad.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", bad.Details, StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task GetTrackFingerprint_of_an_unknown_or_unfingerprinted_track_is_not_found()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1);
        using (var db = LibraryDatabase.Open(server.DatabasePath))
        {
            new Auralis.Library.Scanning.LibraryScanner(db).Sync([server.Music]);
        }

        var pending = await NodeInterop.CallAsync(HostPort(server), "GetTrackFingerprint", Json(new { track_id = 1 }));
        Assert.Equal((int)StatusCode.NotFound, pending.Code);
        Assert.Contains("no current fingerprint", pending.Details, StringComparison.Ordinal);
        var unknown = await NodeInterop.CallAsync(HostPort(server), "GetTrackFingerprint", Json(new { track_id = 777 }));
        Assert.Equal((int)StatusCode.NotFound, unknown.Code);
        var invalid = await NodeInterop.CallAsync(HostPort(server), "GetTrackFingerprint", Json(new { track_id = 0 }));
        Assert.Equal((int)StatusCode.InvalidArgument, invalid.Code);
    }

    [NodeFact]
    public async Task Uploaded_audio_is_fingerprinted_and_oversize_empty_or_garbage_uploads_are_refused()
    {
        await using var server = await ServerFixture.StartAsync(configure: s => s with { MaxUploadBytes = 512 * 1024 });
        var wav = server.AddTrack("upload.wav", 4, server.Outside); // 1.5 s 16-bit stereo: ~265 kB
        var bytes = await File.ReadAllBytesAsync(wav);
        var ok = await NodeInterop.CallAsync(HostPort(server), "FingerprintAudio", null, "--request-file", RequestFile(server, new { audio = Convert.ToBase64String(bytes), file_name = "upload.wav" }));
        Assert.Equal(0, ok.Code);
        Assert.Equal("computed", ok.Response!.Value.GetProperty("source").GetString());
        var expected = FileFingerprinter.Compute(wav, FingerprintEngines.Managed).Fingerprint.Values.ToArray();
        Assert.Equal(expected, ok.Response!.Value.GetProperty("fingerprint").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray());

        var huge = new byte[600 * 1024];
        var oversize = await NodeInterop.CallAsync(HostPort(server), "FingerprintAudio", null, "--request-file", RequestFile(server, new { audio = Convert.ToBase64String(huge), file_name = "big.wav" }));
        Assert.Equal((int)StatusCode.ResourceExhausted, oversize.Code);

        var empty = await NodeInterop.CallAsync(HostPort(server), "FingerprintAudio", Json(new { file_name = "x.wav" }));
        Assert.Equal((int)StatusCode.InvalidArgument, empty.Code);
        var garbage = await NodeInterop.CallAsync(HostPort(server), "FingerprintAudio", Json(new { audio = Convert.ToBase64String(new byte[4096]), file_name = "noise.flac" }));
        Assert.Equal((int)StatusCode.InvalidArgument, garbage.Code);
        Assert.Contains("noise.flac", garbage.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("auralis-upload-", garbage.Details, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(server.Settings.UploadDirectory!, "auralis-upload-*"));
    }

    [NodeFact]
    public async Task Malformed_protobuf_unknown_methods_and_expired_deadlines_get_their_codes()
    {
        await using var server = await ServerFixture.StartAsync();
        var longTrack = server.AddTrack("long.wav", 5, seconds: 20);
        var malformed = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", null, "--raw-hex", "0a05ff");
        Assert.Equal((int)StatusCode.InvalidArgument, malformed.Code);
        var unknown = await NodeInterop.CallAsync(HostPort(server), "Health", null, "--path", "/auralis.v1.FingerprintService/Nope");
        Assert.Equal((int)StatusCode.Unimplemented, unknown.Code);
        var unknownService = await NodeInterop.CallAsync(HostPort(server), "Health", null, "--path", "/auralis.v2.Other/Health");
        Assert.Equal((int)StatusCode.Unimplemented, unknownService.Code);
        var late = await NodeInterop.CallAsync(HostPort(server), "FingerprintFile", Json(new { path = longTrack }), "--deadline-ms", "1");
        Assert.Equal((int)StatusCode.DeadlineExceeded, late.Code);
    }

    [NodeFact]
    public async Task With_a_token_calls_without_it_or_with_a_wrong_one_are_unauthenticated()
    {
        await using var server = await ServerFixture.StartAsync(token: "t0ken");
        Assert.Equal((int)StatusCode.Unauthenticated, (await NodeInterop.CallAsync(HostPort(server), "Health")).Code);
        Assert.Equal((int)StatusCode.Unauthenticated, (await NodeInterop.CallAsync(HostPort(server), "Health", null, "--token", "t0ke")).Code);
        Assert.Equal((int)StatusCode.Unauthenticated, (await NodeInterop.CallAsync(HostPort(server), "Health", null, "--path", "/x.Y/Z")).Code);
        Assert.Equal(0, (await NodeInterop.CallAsync(HostPort(server), "Health", null, "--token", "t0ken")).Code);
    }

    [NodeFact]
    public async Task A_bounded_load_of_64_concurrent_clients_ends_with_zero_errors()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 3);
        await server.ScanAsync();
        using var load = await NodeInterop.RunScriptAsync([
            "--address", HostPort(server), "--proto", NodeInterop.Proto, "--method", "GetTrackFingerprint",
            "--request", Json(new { track_id = 2 }), "--concurrency", "64", "--channels", "4", "--requests", "4000"]);
        var codes = load.RootElement.GetProperty("codes");
        Assert.Equal(4000, codes.TryGetProperty("0", out var ok) ? ok.GetInt32() : 0);
        Assert.Single(codes.EnumerateObject());
    }

    [Fact]
    public async Task The_provider_uses_a_server_that_is_up_and_computes_locally_when_it_is_down_or_slow()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 1);
        var path = Path.Combine(server.Music, "track00.wav");
        using var client = new TempDirectory();

        async Task<ProvidedFingerprint> Provide(IRemoteFingerprinter remote, TimeSpan timeout) =>
            await new FingerprintProvider(new FingerprintProviderOptions
            {
                Server = remote,
                ServerTimeout = timeout,
                Engine = FingerprintEngines.Managed,
            }).GetAsync(path);

        using (var up = new RemoteFingerprinter(server.Address))
        {
            var result = await Provide(up, TimeSpan.FromSeconds(10));
            Assert.Equal(FingerprintSource.Server, result.Source);
            Assert.Equal(FileFingerprinter.Compute(path, FingerprintEngines.Managed).Fingerprint, result.Fingerprint);
        }

        using (var down = new RemoteFingerprinter(new Uri("http://127.0.0.1:9")))
        {
            var result = await Provide(down, TimeSpan.FromSeconds(10));
            Assert.Equal(FingerprintSource.Computed, result.Source);
            Assert.Contains(result.Trail, t => t.StartsWith("server http://127.0.0.1:9", StringComparison.Ordinal));
        }

        await using var slowServer = await TestGrpcServer.StartAsync(new NeverAnswering());
        using (var slow = new RemoteFingerprinter(slowServer.Address))
        {
            var result = await Provide(slow, TimeSpan.FromMilliseconds(300));
            Assert.Equal(FingerprintSource.Computed, result.Source);
            Assert.Contains(result.Trail, t => t.EndsWith("no answer within 0.3 s", StringComparison.Ordinal));
        }
    }

    /// <summary>A fingerprint server whose FingerprintFile waits until the call is cancelled.</summary>
    private sealed class NeverAnswering : FingerprintService.FingerprintServiceBase
    {
        public override async Task<FingerprintReply> FingerprintFile(FingerprintFileRequest request, ServerCallContext context)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
            return new FingerprintReply();
        }
    }
}
