using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Auralis.Server.Api;

/// <summary>
/// Parses the JSON body of an API request (docs/server.md): every way it can be wrong is a 400
/// that says what to send instead, never a 500. The size bound is not here: every API body has
/// already been read into memory, within <see cref="Hosting.ServerLimits.MaxApiBodyBytes"/>, by
/// <see cref="Hosting.RequestBodies"/> before the request took its slot, so the body is a
/// seekable stream.
/// </summary>
internal static class JsonBody
{
    /// <summary>
    /// The body as <typeparamref name="T"/>; <see cref="JsonBody{T}.Absent"/> for no body, an empty
    /// one or JSON <c>null</c>; or the error to answer: 400 for a non-JSON Content-Type, a charset
    /// other than UTF-8, or text that is not JSON of this shape (<paramref name="example"/>).
    /// </summary>
    public static async Task<JsonBody<T>> ReadAsync<T>(HttpRequest request, string example, CancellationToken cancellationToken)
        where T : class
    {
        if (request.Body.Length == 0)
        {
            return JsonBody<T>.Absent;
        }

        if (!request.HasJsonContentType())
        {
            return Refuse<T>(StatusCodes.Status400BadRequest,
                $"the body must be JSON sent with Content-Type: application/json (this request has {(string.IsNullOrEmpty(request.ContentType) ? "no Content-Type" : $"Content-Type: {request.ContentType}")}), like {example}");
        }

        if (MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) && mediaType.Charset.HasValue
            && !mediaType.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Refuse<T>(StatusCodes.Status400BadRequest, $"JSON bodies must be UTF-8, not {mediaType.Charset}");
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, JsonApi.Json, cancellationToken).ConfigureAwait(false) is { } value
                ? new JsonBody<T>(value, null)
                : JsonBody<T>.Absent;
        }
        catch (JsonException e)
        {
            return Refuse<T>(StatusCodes.Status400BadRequest, $"the body must be JSON like {example}: {e.Message}");
        }
    }

    private static JsonBody<T> Refuse<T>(int status, string message)
        where T : class => new(null, JsonApi.Error(status, message));
}

/// <summary>What <see cref="JsonBody.ReadAsync{T}"/> found: a value, nothing, or the error to answer.</summary>
internal sealed record JsonBody<T>(T? Value, IResult? Error)
    where T : class
{
    public static readonly JsonBody<T> Absent = new(null, null);
}
