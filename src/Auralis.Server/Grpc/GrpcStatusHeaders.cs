using System.Text;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Auralis.Server.Grpc;

/// <summary>
/// A gRPC refusal written before the gRPC framework sees the call (access control, upload
/// memory): "trailers-only", the status in the response headers with no message.
/// </summary>
internal static class GrpcStatusHeaders
{
    public static Task WriteTrailersOnly(HttpContext context, StatusCode status, string message)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncode(message);
        return Task.CompletedTask;
    }

    /// <summary>
    /// grpc-message's encoding: UTF-8, then every byte outside 0x20-0x7E, and '%' itself, as '%'
    /// and two upper-case hex digits (gRPC's PROTOCOL-HTTP2).
    /// </summary>
    internal static string PercentEncode(string message)
    {
        var text = new StringBuilder(message.Length);
        foreach (var b in Encoding.UTF8.GetBytes(message))
        {
            if (b is >= 0x20 and <= 0x7E and not (byte)'%')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }
}
