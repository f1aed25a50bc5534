using System.Net;
using System.Net.Http.Headers;
using Auralis.Server.Tests.Server;

namespace Auralis.Server.Tests.Abuse;

/// <summary>A request that only looks like gRPC is an API request: it needs the token and takes a request slot.</summary>
public sealed class GrpcLookAlikeTests
{
    [Fact]
    public async Task An_api_request_with_a_grpc_look_alike_content_type_still_needs_the_token()
    {
        await using var server = await ServerFixture.StartAsync(token: "t0ken");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/scans") { Content = new ByteArrayContent([]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpcx");

        using var response = await server.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
