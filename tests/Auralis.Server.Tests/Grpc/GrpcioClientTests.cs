namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// Our server, called by a second independent client: Debian's python3-grpcio (C core), the same
/// cases as <see cref="GrpcJsClientTests"/>.
/// </summary>
public sealed class GrpcioClientTests(GrpcServerFixture servers) : IClassFixture<GrpcServerFixture>
{
    private static readonly InteropCall Call = GrpcioInterop.CallAsync;

    [GrpcioFact]
    public Task Health_succeeds_with_the_reply_fields() => InteropCases.Health_succeeds_with_the_reply_fields(Call, servers);

    [GrpcioFact]
    public Task GetTrackFingerprint_returns_the_25_values() => InteropCases.GetTrackFingerprint_returns_the_25_values(Call, servers);

    [GrpcioFact]
    public Task FingerprintAudio_receives_the_uploaded_bytes() => InteropCases.FingerprintAudio_receives_the_uploaded_bytes(Call, servers);

    [GrpcioFact]
    public Task Handler_statuses_reach_the_client_with_their_message() => InteropCases.Handler_statuses_reach_the_client_with_their_message(Call, servers);

    [GrpcioFact]
    public Task Non_ascii_and_percent_characters_in_the_message_round_trip() => InteropCases.Non_ascii_and_percent_characters_in_the_message_round_trip(Call, servers);

    [GrpcioFact]
    public Task Unknown_method_and_unknown_service_are_unimplemented() => InteropCases.Unknown_method_and_unknown_service_are_unimplemented(Call, servers, exactDetails: false);

    [GrpcioFact]
    public Task Deadline_exceeded_and_the_handler_is_cancelled() => InteropCases.Deadline_exceeded_and_the_handler_is_cancelled(Call, servers);

    [GrpcioFact]
    public Task Malformed_protobuf_is_invalid_argument() => InteropCases.Malformed_protobuf_is_invalid_argument(Call, servers);

    [GrpcioFact]
    public Task A_request_over_the_size_limit_is_resource_exhausted() => InteropCases.A_request_over_the_size_limit_is_resource_exhausted(Call, servers, exactDetails: false);

    [GrpcioFact]
    public Task A_reply_over_the_send_limit_is_resource_exhausted() => InteropCases.A_reply_over_the_send_limit_is_resource_exhausted(Call, servers, exactDetails: false);

    [GrpcioFact]
    public Task A_handler_exception_is_internal_and_its_text_never_reaches_the_client() => InteropCases.A_handler_exception_is_internal_and_its_text_never_reaches_the_client(Call, servers);

    [GrpcioFact]
    public Task Without_the_right_token_every_path_answers_unauthenticated() => InteropCases.Without_the_right_token_every_path_answers_unauthenticated(Call, servers);
}
