using Auralis.Server.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Auralis.Server.Hosting;

/// <summary>
/// HTTP/JSON API request bodies are read whole, and bounded, before the request takes a slot of the
/// <see cref="RequestGate"/>: a client trickling its body holds its own connection only (and
/// Kestrel's minimum data rate ends it), never a slot that every other client needs.
/// </summary>
internal static class RequestBodies
{
    /// <summary>Reads the body into memory; false when the request was answered instead (413, or Kestrel's verdict on a bad or slow body).</summary>
    public static async Task<bool> ReadBeforeGateAsync(HttpContext context, int maxBytes)
    {
        var request = context.Request;
        if (request.ContentLength > maxBytes)
        {
            // Refused on the declared length, before a byte of the body is read.
            await TooLarge(maxBytes).ExecuteAsync(context).ConfigureAwait(false);
            return false;
        }

        if (request.ContentLength == 0 || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            // Seekable like every body read here, so the API can ask any body for its length.
            request.Body = Stream.Null;
            return true;
        }

        var body = new MemoryStream();
        try
        {
            // Kestrel's MaxRequestBodySize (the same bound) stops a chunked body that runs over.
            await request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Too large, malformed, or slower than the minimum data rate; nobody to answer when the
            // connection itself is gone (the server stopping, the client leaving).
            if (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
            {
                var answer = e.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? TooLarge(maxBytes)
                    : JsonApi.Error(e.StatusCode, $"the request body could not be read: {e.Message}");
                await answer.ExecuteAsync(context).ConfigureAwait(false);
            }

            return false;
        }

        body.Position = 0;
        request.Body = body;
        context.Response.RegisterForDispose(body);
        return true;
    }

    private static IResult TooLarge(int maxBytes) =>
        JsonApi.Error(StatusCodes.Status413PayloadTooLarge, $"the request body is over the API's limit of {maxBytes} bytes");
}
