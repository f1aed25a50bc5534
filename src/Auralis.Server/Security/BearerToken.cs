using System.Security.Cryptography;
using System.Text;

namespace Auralis.Server.Security;

/// <summary>The shared secret clients present as <c>Authorization: Bearer T</c>.</summary>
internal sealed class BearerToken(string token)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    /// <summary>True when the header carries exactly the token (compared in constant time).</summary>
    public bool Accepts(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return AcceptsValue(authorization.AsSpan(scheme.Length).Trim().ToString());
    }

    /// <summary>True when <paramref name="value"/> is exactly the token (constant time).</summary>
    public bool AcceptsValue(string? value) =>
        !string.IsNullOrEmpty(value) && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(value), _expected);
}
