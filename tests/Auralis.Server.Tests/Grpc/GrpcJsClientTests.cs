namespace Auralis.Server.Tests.Grpc;

/// <summary>Our server, called by an independent client: grpc-js (npm @grpc/grpc-js 1.14.7).</summary>
public sealed class GrpcJsClientTests(GrpcServerFixture servers) : IClassFixture<GrpcServerFixture>
{
    private static readonly InteropCall Call = NodeInterop.CallAsync;

    [NodeFact]
    public Task Health_succeeds_with_the_reply_fields() => InteropCases.Health_succeeds_with_the_reply_fields(Call, servers);

    [NodeFact]
    public Task GetTrackFingerprint_returns_the_25_values() => InteropCases.GetTrackFingerprint_returns_the_25_values(Call, servers);

    [NodeFact]
    public Task FingerprintAudio_receives_the_uploaded_bytes() => InteropCases.FingerprintAudio_receives_the_uploaded_bytes(Call, servers);

    [NodeFact]
    public Task Handler_statuses_reach_the_client_with_their_message() => InteropCases.Handler_statuses_reach_the_client_with_their_message(Call, servers);

    [NodeFact]
    public Task Non_ascii_and_percent_characters_in_the_message_round_trip() => InteropCases.Non_ascii_and_percent_characters_in_the_message_round_trip(Call, servers);

    [NodeFact]
    public Task Unknown_method_and_unknown_service_are_unimplemented() => InteropCases.Unknown_method_and_unknown_service_are_unimplemented(Call, servers, exactDetails: true);

    [NodeFact]
    public Task Deadline_exceeded_and_the_handler_is_cancelled() => InteropCases.Deadline_exceeded_and_the_handler_is_cancelled(Call, servers);

    [NodeFact]
    public Task Malformed_protobuf_is_invalid_argument() => InteropCases.Malformed_protobuf_is_invalid_argument(Call, servers);

    [NodeFact]
    public Task A_request_over_the_size_limit_is_resource_exhausted() => InteropCases.A_request_over_the_size_limit_is_resource_exhausted(Call, servers, exactDetails: true);

    [NodeFact]
    public Task A_reply_over_the_send_limit_is_resource_exhausted() => InteropCases.A_reply_over_the_send_limit_is_resource_exhausted(Call, servers, exactDetails: true);

    [NodeFact]
    public Task A_handler_exception_is_internal_and_its_text_never_reaches_the_client() => InteropCases.A_handler_exception_is_internal_and_its_text_never_reaches_the_client(Call, servers);

    [NodeFact]
    public Task Without_the_right_token_every_path_answers_unauthenticated() => InteropCases.Without_the_right_token_every_path_answers_unauthenticated(Call, servers);

    [NodeFact]
    public async Task Load_mode_counts_codes_and_reports_percentiles()
    {
        using var json = await NodeInterop.RunScriptAsync(
        [
            "--address", servers.Open.HostPort, "--proto", NodeInterop.Proto, "--method", "GetTrackFingerprint",
            "--request", """{"track_id": 42}""", "--concurrency", "16", "--requests", "400", "--channels", "2",
        ]);
        var root = json.RootElement;

        Assert.Equal(400, root.GetProperty("codes").GetProperty("0").GetInt32());
        Assert.Single(root.GetProperty("codes").EnumerateObject());
        Assert.True(root.GetProperty("p99_ms").GetDouble() >= root.GetProperty("p50_ms").GetDouble());
    }

    [NodeFact]
    public async Task Load_mode_reports_failures_by_code()
    {
        using var json = await NodeInterop.RunScriptAsync(
        [
            "--address", servers.Open.HostPort, "--proto", NodeInterop.Proto, "--method", "GetTrackFingerprint",
            "--request", """{"track_id": 7}""", "--concurrency", "4", "--requests", "20",
        ]);

        Assert.Equal(20, json.RootElement.GetProperty("codes").GetProperty("5").GetInt32());
        Assert.Equal("track 7 not found", json.RootElement.GetProperty("first_error").GetProperty("details").GetString());
    }
}
