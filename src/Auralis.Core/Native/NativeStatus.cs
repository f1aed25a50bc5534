using System.Text;
using Auralis.Fingerprinting;

namespace Auralis.Native;

/// <summary>The one place that turns a native status into an exception.</summary>
internal static unsafe class NativeStatus
{
    public static void ThrowIfError(int status, string operation)
    {
        if (status == NativeMethods.AU_OK)
        {
            return;
        }

        var message = LastErrorMessage();
        var kind = status switch
        {
            NativeMethods.AU_ERR_INVALID_ARGUMENT or NativeMethods.AU_ERR_NULL_POINTER or NativeMethods.AU_ERR_BUFFER_TOO_SMALL => FingerprintErrorKind.InvalidArgument,
            NativeMethods.AU_ERR_INVALID_SAMPLES => FingerprintErrorKind.InvalidSamples,
            NativeMethods.AU_ERR_TOO_SHORT => FingerprintErrorKind.TooShort,
            NativeMethods.AU_ERR_STATE => FingerprintErrorKind.InvalidState,
            _ => FingerprintErrorKind.Internal,
        };
        throw new FingerprintException(kind, $"{operation} failed (native status {status}): {message}");
    }

    /// <summary>The calling thread's last native error message (thread-local on the Rust side).</summary>
    public static string LastErrorMessage()
    {
        nuint required = 0;
        Span<byte> small = stackalloc byte[256];
        fixed (byte* p = small)
        {
            if (NativeMethods.au_last_error_message(p, (nuint)small.Length, &required) == NativeMethods.AU_OK)
            {
                return Encoding.UTF8.GetString(small[..((int)required - 1)]);
            }
        }

        if (required == 0 || required > 1 << 20)
        {
            return "(no message)";
        }

        var large = new byte[(int)required];
        fixed (byte* p = large)
        {
            return NativeMethods.au_last_error_message(p, (nuint)large.Length, &required) == NativeMethods.AU_OK
                ? Encoding.UTF8.GetString(large, 0, (int)required - 1)
                : "(message unavailable)";
        }
    }
}
