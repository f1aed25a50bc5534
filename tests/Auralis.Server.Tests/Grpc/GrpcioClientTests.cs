using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// Our server, called by a second independent client: Debian's python3-grpcio (C core), the same
/// cases as <see cref="GrpcJsClientTests"/>.
/// </summary>
public sealed class GrpcioClientTests : IClassFixture<GrpcServerFixture>
{
    private readonly GrpcServerFixture _servers;

    public GrpcioClientTests(GrpcServerFixture servers)
    {
        _servers = servers;
    }

    private TestGrpcServer Server => _servers.Open;

    [GrpcioFact]
    public async Task Health_succeeds_with_the_reply_fields()
    {
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "Health");

        Assert.Equal(0, result.Code);
        Assert.Equal("ok", result.Response!.Value.GetProperty("status").GetString());
        Assert.Equal("managed", result.Response!.Value.GetProperty("engine").GetString());
        Assert.Equal("3", result.Response!.Value.GetProperty("tracks").GetString());
    }

    [GrpcioFact]
    public async Task GetTrackFingerprint_returns_the_25_values()
    {
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "GetTrackFingerprint", """{"track_id": 42}""");

        Assert.Equal(0, result.Code);
        var reply = result.Response!.Value;
        Assert.Equal("42", reply.GetProperty("track_id").GetString());
        Assert.Equal("database", reply.GetProperty("source").GetString());
        var values = reply.GetProperty("fingerprint").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i * 0.5f), values);
        Assert.Equal(44100, reply.GetProperty("sample_rate").GetInt32());
    }

    [GrpcioFact]
    public async Task FingerprintAudio_receives_the_uploaded_bytes()
    {
        var audio = Convert.ToBase64String(new byte[1000]);
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintAudio", $$"""{"audio": "{{audio}}", "file_name": "x.wav"}""");

        Assert.Equal(0, result.Code);
        Assert.Equal("1000", result.Response!.Value.GetProperty("track_id").GetString());
    }

    [GrpcioFact]
    public async Task Handler_statuses_reach_the_client_with_their_message()
    {
        var invalid = await GrpcioInterop.CallAsync(Server.HostPort, "GetTrackFingerprint", """{"track_id": -1}""");
        var notFound = await GrpcioInterop.CallAsync(Server.HostPort, "GetTrackFingerprint", """{"track_id": 7}""");
        var denied = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintFile", """{"path": "/denied"}""");

        Assert.Equal((3, "track id must be positive, got -1"), (invalid.Code, invalid.Details));
        Assert.Equal((5, "track 7 not found"), (notFound.Code, notFound.Details));
        Assert.Equal((7, "/denied is outside the library roots"), (denied.Code, denied.Details));
        Assert.Null(notFound.Response);
    }

    [GrpcioFact]
    public async Task Non_ascii_and_percent_characters_in_the_message_round_trip()
    {
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintFile", """{"path": "/unicode"}""");

        Assert.Equal(5, result.Code);
        Assert.Equal(TestFingerprintService.UnicodeMessage, result.Details);
    }

    [GrpcioFact]
    public async Task Unknown_method_and_unknown_service_are_unimplemented()
    {
        var method = await GrpcioInterop.CallAsync(Server.HostPort, "Health", null, "--path", "/auralis.v1.FingerprintService/Nope");
        var service = await GrpcioInterop.CallAsync(Server.HostPort, "Health", null, "--path", "/auralis.v9.Missing/Health");

        Assert.Equal(12, method.Code);
        Assert.Equal(12, service.Code);
    }

    [GrpcioFact]
    public async Task Deadline_exceeded_and_the_handler_is_cancelled()
    {
        _servers.Service.ResetSlow();
        var watch = Stopwatch.StartNew();

        // 1.5 s, like grpc-js: long enough to reach the handler on a loaded machine.
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintFile", """{"path": "/slow"}""", "--deadline-ms", "1500");

        Assert.Equal(4, result.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        await _servers.Service.SlowCancelled.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [GrpcioFact]
    public async Task Malformed_protobuf_is_invalid_argument()
    {
        // 0x0a = field 1, length-delimited, then a length (100) longer than what follows.
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintFile", null, "--raw-hex", "0a64616263");

        Assert.Equal(3, result.Code);
        Assert.StartsWith("the request is not a valid auralis.v1.FingerprintFileRequest message", result.Details, StringComparison.Ordinal);
    }

    [GrpcioFact]
    public async Task A_request_over_the_size_limit_is_resource_exhausted()
    {
        var audio = Convert.ToBase64String(new byte[TestFingerprintService.MaxMessageBytes + 1]);
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintAudio", $$"""{"audio": "{{audio}}"}""");

        Assert.Equal(8, result.Code);
    }

    [GrpcioFact]
    public async Task A_reply_over_the_send_limit_is_resource_exhausted()
    {
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "GetTrackFingerprint", """{"track_id": 99}""");

        Assert.Equal(8, result.Code);
    }

    [GrpcioFact]
    public async Task A_handler_exception_is_internal_and_its_text_never_reaches_the_client()
    {
        var result = await GrpcioInterop.CallAsync(Server.HostPort, "FingerprintFile", """{"path": "/boom"}""");

        Assert.Equal(13, result.Code);
        Assert.StartsWith("internal error in auralis.v1.FingerprintService/FingerprintFile", result.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", result.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", result.Details, StringComparison.Ordinal);
        Assert.Contains(Server.Logs.Entries, e => e.Level == LogLevel.Error && e.Exception?.Message == TestFingerprintService.SecretText);
    }

    [GrpcioFact]
    public async Task Without_the_right_token_every_path_answers_unauthenticated()
    {
        var server = _servers.Protected;

        var none = await GrpcioInterop.CallAsync(server.HostPort, "Health");
        var wrong = await GrpcioInterop.CallAsync(server.HostPort, "Health", null, "--token", "guess");
        var unknownMethod = await GrpcioInterop.CallAsync(server.HostPort, "Health", null, "--path", "/auralis.v1.FingerprintService/Nope");
        var right = await GrpcioInterop.CallAsync(server.HostPort, "Health", null, "--token", TestFingerprintService.Token);

        Assert.Equal((16, "missing or wrong bearer token"), (none.Code, none.Details));
        Assert.Equal(16, wrong.Code);
        Assert.Equal(16, unknownMethod.Code);
        Assert.Equal(0, right.Code);
    }
}
