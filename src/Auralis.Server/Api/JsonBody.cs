using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Auralis.Server.Api;

/// <summary>
/// Reads the JSON body of an API request within a bound (docs/server.md): every way it can be
/// wrong is a 4xx that says what to send instead, never a 500 and never an unbounded read.
/// </summary>
internal static class JsonBody
{
    /// <summary>The largest JSON request body; the API's bodies are a few hundred bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>
    /// The body as <typeparamref name="T"/>; <see cref="JsonBody{T}.Absent"/> for no body, an empty
    /// one or JSON <c>null</c>; or the error to answer: 413 over <see cref="MaxBytes"/> (declared
    /// or, for chunked bodies, counted while reading), 400 for a non-JSON Content-Type, a charset
    /// other than UTF-8, or text that is not JSON of this shape (<paramref name="example"/>).
    /// </summary>
    public static async Task<JsonBody<T>> ReadAsync<T>(HttpRequest request, string example, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength is > MaxBytes)
        {
            return Refuse<T>(StatusCodes.Status413PayloadTooLarge, $"the body is {request.ContentLength} bytes; the limit for JSON bodies is {MaxBytes} bytes");
        }

        byte[]? bytes;
        try
        {
            bytes = await ReadBoundedAsync(request.Body, cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own verdict on the body (malformed chunks, too slow, over its limit).
            return Refuse<T>(e.StatusCode, $"the request body could not be read: {e.Message}");
        }

        if (bytes is null)
        {
            return Refuse<T>(StatusCodes.Status413PayloadTooLarge, $"the body is over the limit for JSON bodies of {MaxBytes} bytes");
        }

        if (bytes.Length == 0)
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
            return JsonSerializer.Deserialize<T>(bytes, JsonApi.Json) is { } value ? new JsonBody<T>(value, null) : JsonBody<T>.Absent;
        }
        catch (JsonException e)
        {
            return Refuse<T>(StatusCodes.Status400BadRequest, $"the body must be JSON like {example}: {e.Message}");
        }
    }

    /// <summary>The whole body, or null as soon as it passes <see cref="MaxBytes"/>.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBytes + 1];
        var length = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
            if (length > MaxBytes)
            {
                return null;
            }
        }

        return buffer[..length];
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
