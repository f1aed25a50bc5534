using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Auralis.Server.Tests.Grpc;

/// <summary>Calls one method of the service through an independent client and returns what that client saw.</summary>
public delegate Task<GrpcJsResult> InteropCall(string hostPort, string method, string? requestJson = null, params string[] extra);

/// <summary>
/// The cases every independent client must see the same way (<see cref="GrpcJsClientTests"/>,
/// <see cref="GrpcioClientTests"/>): one body per case, each client's test class a line per case.
/// Where a client passes the server's status message on unchanged, <c>exactDetails</c> also
/// checks the text the framework wrote.
/// </summary>
internal static class InteropCases
{
    public static async Task Health_succeeds_with_the_reply_fields(InteropCall call, GrpcServerFixture servers)
    {
        var result = await call(servers.Open.HostPort, "Health");

        Assert.Equal(0, result.Code);
        Assert.Equal("ok", result.Response!.Value.GetProperty("status").GetString());
        Assert.Equal("managed", result.Response!.Value.GetProperty("engine").GetString());
        Assert.Equal("3", result.Response!.Value.GetProperty("tracks").GetString());
    }

    public static async Task GetTrackFingerprint_returns_the_25_values(InteropCall call, GrpcServerFixture servers)
    {
        var result = await call(servers.Open.HostPort, "GetTrackFingerprint", """{"track_id": 42}""");

        Assert.Equal(0, result.Code);
        var reply = result.Response!.Value;
        Assert.Equal("42", reply.GetProperty("track_id").GetString());
        Assert.Equal("database", reply.GetProperty("source").GetString());
        var values = reply.GetProperty("fingerprint").GetProperty("values").EnumerateArray().Select(v => v.GetSingle()).ToArray();
        Assert.Equal(Enumerable.Range(0, 25).Select(i => i * 0.5f), values);
        Assert.Equal(44100, reply.GetProperty("sample_rate").GetInt32());
    }

    public static async Task FingerprintAudio_receives_the_uploaded_bytes(InteropCall call, GrpcServerFixture servers)
    {
        var audio = Convert.ToBase64String(new byte[1000]);
        var result = await call(servers.Open.HostPort, "FingerprintAudio", $$"""{"audio": "{{audio}}", "file_name": "x.wav"}""");

        Assert.Equal(0, result.Code);
        Assert.Equal("1000", result.Response!.Value.GetProperty("track_id").GetString());
    }

    public static async Task Handler_statuses_reach_the_client_with_their_message(InteropCall call, GrpcServerFixture servers)
    {
        var invalid = await call(servers.Open.HostPort, "GetTrackFingerprint", """{"track_id": -1}""");
        var notFound = await call(servers.Open.HostPort, "GetTrackFingerprint", """{"track_id": 7}""");
        var denied = await call(servers.Open.HostPort, "FingerprintFile", """{"path": "/denied"}""");

        Assert.Equal((3, "track id must be positive, got -1"), (invalid.Code, invalid.Details));
        Assert.Equal((5, "track 7 not found"), (notFound.Code, notFound.Details));
        Assert.Equal((7, "/denied is outside the library roots"), (denied.Code, denied.Details));
        Assert.Null(notFound.Response);
    }

    public static async Task Non_ascii_and_percent_characters_in_the_message_round_trip(InteropCall call, GrpcServerFixture servers)
    {
        var result = await call(servers.Open.HostPort, "FingerprintFile", """{"path": "/unicode"}""");

        Assert.Equal(5, result.Code);
        Assert.Equal(TestFingerprintService.UnicodeMessage, result.Details);
    }

    public static async Task Unknown_method_and_unknown_service_are_unimplemented(InteropCall call, GrpcServerFixture servers, bool exactDetails)
    {
        var method = await call(servers.Open.HostPort, "Health", null, "--path", "/auralis.v1.FingerprintService/Nope");
        var service = await call(servers.Open.HostPort, "Health", null, "--path", "/auralis.v9.Missing/Health");

        Assert.Equal((12, 12), (method.Code, service.Code));
        if (exactDetails)
        {
            Assert.Equal(("Method is unimplemented.", "Service is unimplemented."), (method.Details, service.Details));
        }
    }

    public static async Task Deadline_exceeded_and_the_handler_is_cancelled(InteropCall call, GrpcServerFixture servers)
    {
        servers.Service.ResetSlow();
        var watch = Stopwatch.StartNew();

        // 1.5 s: a client may start the deadline before it has connected, and on a loaded machine a
        // shorter one can expire before the call reaches the handler whose cancellation is checked.
        var result = await call(servers.Open.HostPort, "FingerprintFile", """{"path": "/slow"}""", "--deadline-ms", "1500");

        Assert.Equal(4, result.Code);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(15), $"took {watch.Elapsed}");
        await servers.Service.SlowCancelled.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public static async Task Malformed_protobuf_is_invalid_argument(InteropCall call, GrpcServerFixture servers)
    {
        // 0x0a = field 1, length-delimited, then a length (100) longer than what follows.
        var result = await call(servers.Open.HostPort, "FingerprintFile", null, "--raw-hex", "0a64616263");

        Assert.Equal(3, result.Code);
        Assert.StartsWith("the request is not a valid auralis.v1.FingerprintFileRequest message", result.Details, StringComparison.Ordinal);
    }

    public static async Task A_request_over_the_size_limit_is_resource_exhausted(InteropCall call, GrpcServerFixture servers, bool exactDetails)
    {
        var audio = Convert.ToBase64String(new byte[TestFingerprintService.MaxMessageBytes + 1]);
        var result = await call(servers.Open.HostPort, "FingerprintAudio", $$"""{"audio": "{{audio}}"}""");

        Assert.Equal(8, result.Code);
        if (exactDetails)
        {
            Assert.Equal("Received message exceeds the maximum configured message size.", result.Details);
        }
    }

    public static async Task A_reply_over_the_send_limit_is_resource_exhausted(InteropCall call, GrpcServerFixture servers, bool exactDetails)
    {
        var result = await call(servers.Open.HostPort, "GetTrackFingerprint", """{"track_id": 99}""");

        Assert.Equal(8, result.Code);
        if (exactDetails)
        {
            Assert.Contains("exceeds the maximum configured message size", result.Details, StringComparison.Ordinal);
        }
    }

    public static async Task A_handler_exception_is_internal_and_its_text_never_reaches_the_client(InteropCall call, GrpcServerFixture servers)
    {
        var result = await call(servers.Open.HostPort, "FingerprintFile", """{"path": "/boom"}""");

        Assert.Equal(13, result.Code);
        Assert.StartsWith("internal error in auralis.v1.FingerprintService/FingerprintFile", result.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("SECRET", result.Details, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperationException", result.Details, StringComparison.Ordinal);
        Assert.Contains(servers.Open.Logs.Entries, e => e.Level == LogLevel.Error && e.Exception?.Message == TestFingerprintService.SecretText);
    }

    public static async Task Without_the_right_token_every_path_answers_unauthenticated(InteropCall call, GrpcServerFixture servers)
    {
        var server = servers.Protected;

        var none = await call(server.HostPort, "Health");
        var wrong = await call(server.HostPort, "Health", null, "--token", "guess");
        var unknownMethod = await call(server.HostPort, "Health", null, "--path", "/auralis.v1.FingerprintService/Nope");
        var right = await call(server.HostPort, "Health", null, "--token", TestFingerprintService.Token);

        Assert.Equal((16, "missing or wrong bearer token"), (none.Code, none.Details));
        Assert.Equal(16, wrong.Code);
        Assert.Equal(16, unknownMethod.Code);
        Assert.Equal(0, right.Code);
    }
}
