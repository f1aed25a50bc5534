using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Auralis.Server.Hosting;

/// <summary>One listening address of `auralis serve`: http or https, an IP (or localhost, or * for all), a port.</summary>
internal sealed partial record ServerUrl(string Scheme, string Host, int Port)
{
    /// <exception cref="ServerConfigurationException">Not an http(s) URL with an IP, localhost or * host and a port.</exception>
    public static ServerUrl Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var match = Shape().Match(text.Trim());
        if (!match.Success || !int.TryParse(match.Groups["port"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65_535)
        {
            throw new ServerConfigurationException($"'{text}' is not a listening URL like http://127.0.0.1:8765 (scheme http or https, an IP address, localhost or *, and a port)");
        }

        var host = match.Groups["host"].Value.Trim('[', ']');
        host = host is "*" or "+" ? "0.0.0.0" : host;
        if (host != "localhost" && !IPAddress.TryParse(host, out _))
        {
            throw new ServerConfigurationException($"'{text}': listen on an IP address, localhost or * (not the host name '{host}')");
        }

        return new ServerUrl(match.Groups["scheme"].Value.ToLowerInvariant(), host, port);
    }

    [GeneratedRegex(@"^(?<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]]+):(?<port>[0-9]{1,5})/?$")]
    private static partial Regex Shape();

    /// <summary>The address to bind: localhost with port 0 binds 127.0.0.1 (Kestrel cannot pick one port for both loopbacks).</summary>
    public IPEndPoint EndPoint => new(Host == "localhost" ? IPAddress.Loopback : IPAddress.Parse(Host), Port);

    public bool IsLoopback => Host == "localhost" || IPAddress.IsLoopback(IPAddress.Parse(Host));

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}");
}
