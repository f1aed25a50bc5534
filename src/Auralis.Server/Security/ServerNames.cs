using System.Collections.Frozen;
using System.Globalization;
using System.Net;
using Auralis.Server.Hosting;
using Microsoft.AspNetCore.Http;

namespace Auralis.Server.Security;

/// <summary>
/// The names a request may address the server by (its Host header, :authority in HTTP/2) and the
/// web origins whose pages may call it (docs/server.md, "Threat model and authentication"). A web
/// page that rebinds its own DNS name to 127.0.0.1 still sends that name as Host, and a foreign
/// page's requests carry its Origin: both are refused unless listed here.
/// </summary>
/// <remarks>
/// Always the server's own: <c>localhost</c>, loopback IP literals and the IP address the client
/// connected to (a specific bound address, or any address of a wildcard bind), each with the
/// port the client connected to. Configured host names match on every port, or on the one given
/// with them. An IP literal is accepted only in its canonical form (what browsers send), so
/// "2130706433" is no back door for 127.0.0.1. Comparison is ASCII case-insensitive.
/// </remarks>
internal sealed class ServerNames
{
    private readonly FrozenSet<string> _anyPort;
    private readonly FrozenSet<string> _withPort;
    private readonly FrozenSet<string> _origins;

    private ServerNames(IEnumerable<string> anyPort, IEnumerable<string> withPort, IEnumerable<string> origins)
    {
        _anyPort = anyPort.ToFrozenSet(StringComparer.Ordinal);
        _withPort = withPort.ToFrozenSet(StringComparer.Ordinal);
        _origins = origins.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <exception cref="ServerConfigurationException">An entry is not a host[:port] or not an http(s) origin.</exception>
    public static ServerNames Create(IEnumerable<string> allowedHosts, IEnumerable<string> allowedOrigins)
    {
        ArgumentNullException.ThrowIfNull(allowedHosts);
        ArgumentNullException.ThrowIfNull(allowedOrigins);
        var anyPort = new List<string>();
        var withPort = new List<string>();
        foreach (var entry in allowedHosts)
        {
            if (!TryParseAuthority(entry?.Trim() ?? "", out var name, out var port))
            {
                throw new ServerConfigurationException(
                    $"--allowed-host '{entry}': expected a host name or IP address, optionally with a port (like music.local, music.local:8443 or 192.168.1.20)");
            }

            if (port is { } p)
            {
                withPort.Add(Key(name, p));
            }
            else
            {
                anyPort.Add(name);
            }
        }

        var origins = new List<string>();
        foreach (var entry in allowedOrigins)
        {
            var text = entry?.Trim() ?? "";
            if (!TryParseOrigin(text.EndsWith('/') ? text[..^1] : text, out var scheme, out var name, out var port))
            {
                throw new ServerConfigurationException(
                    $"--allowed-origin '{entry}': expected a web origin: http:// or https://, a host and an optional port, no path (like https://music.example or http://192.168.1.20:3000)");
            }

            origins.Add(scheme + "://" + Key(name, port));
        }

        return new ServerNames(anyPort, withPort, origins);
    }

    /// <summary>True when the request's Host (or :authority) is one of the server's names.</summary>
    public bool AcceptsHost(HttpContext context)
    {
        var host = context.Request.Host;
        return host.HasValue
            && TryParseAuthority(host.Value, out var name, out var port)
            && Accepts(name, port ?? DefaultPort(context.Request.Scheme), context.Connection);
    }

    /// <summary>True when <paramref name="origin"/> (an Origin header) is one of the server's own origins or a configured one.</summary>
    public bool AcceptsOrigin(string origin, HttpContext context) =>
        TryParseOrigin(origin, out var scheme, out var name, out var port)
        && (_origins.Contains(scheme + "://" + Key(name, port)) || Accepts(name, port, context.Connection));

    private bool Accepts(string name, int port, ConnectionInfo connection)
    {
        if (_anyPort.Contains(name) || _withPort.Contains(Key(name, port)))
        {
            return true;
        }

        if (port != connection.LocalPort)
        {
            return false;
        }

        if (name == "localhost")
        {
            return true;
        }

        if (!IPAddress.TryParse(name, out var ip) || ip.ToString() != name)
        {
            return false;
        }

        var local = connection.LocalIpAddress;
        return IPAddress.IsLoopback(ip) || (local is not null && Unmapped(local).Equals(Unmapped(ip)));
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static int DefaultPort(string scheme) => string.Equals(scheme, "https", StringComparison.OrdinalIgnoreCase) ? 443 : 80;

    private static string Key(string name, int port) =>
        (name.Contains(':', StringComparison.Ordinal) ? "[" + name + "]" : name) + ":" + port.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// "name", "name:port", "[v6]" or "[v6]:port"; <paramref name="name"/> comes out lower-case,
    /// IPv6 without brackets. Refuses anything else (userinfo, paths, empty parts, bad ports,
    /// non-canonical IP literals).
    /// </summary>
    internal static bool TryParseAuthority(string text, out string name, out int? port)
    {
        name = "";
        port = null;
        string host;
        string? portText;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                return false;
            }

            host = text[1..close];
            var rest = text[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
            {
                return false;
            }

            portText = rest.Length > 0 ? rest[1..] : null;
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            host = v6.ToString();
        }
        else
        {
            var colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon != text.LastIndexOf(':'))
            {
                return false;
            }

            host = colon < 0 ? text : text[..colon];
            portText = colon < 0 ? null : text[(colon + 1)..];
            var kind = Uri.CheckHostName(host);
            if (kind == UriHostNameType.IPv4)
            {
                if (!IPAddress.TryParse(host, out var v4) || v4.ToString() != host)
                {
                    return false;
                }
            }
            else if (kind != UriHostNameType.Dns)
            {
                return false;
            }
        }

        if (portText is not null)
        {
            if (portText.Length is 0 or > 5 || !portText.All(char.IsAsciiDigit) || int.Parse(portText, CultureInfo.InvariantCulture) is 0 or > 65_535)
            {
                return false;
            }

            port = int.Parse(portText, CultureInfo.InvariantCulture);
        }

        name = host.ToLowerInvariant();
        return true;
    }

    /// <summary>"http(s)://authority" exactly (what browsers send as Origin); the port defaults by scheme.</summary>
    internal static bool TryParseOrigin(string text, out string scheme, out string name, out int port)
    {
        scheme = "";
        name = "";
        port = 0;
        var separator = text.IndexOf("://", StringComparison.Ordinal);
        if (separator < 0)
        {
            return false;
        }

        scheme = text[..separator].ToLowerInvariant();
        if (scheme is not ("http" or "https") || !TryParseAuthority(text[(separator + 3)..], out name, out var given))
        {
            return false;
        }

        port = given ?? DefaultPort(scheme);
        return true;
    }
}
