using Auralis.Fingerprinting;
using Auralis.Library.Sidecars;

namespace Auralis.Server.Hosting;

/// <summary>Everything `auralis serve` is configured with (docs/server.md).</summary>
public sealed record ServerSettings
{
    /// <summary>Where the server listens when no URL is given: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8765";

    public required string DatabasePath { get; init; }

    public required IFingerprintEngine Engine { get; init; }

    /// <summary>Where to listen; each address serves HTTP/1.1 (API, page, WebSocket) and HTTP/2 (gRPC).</summary>
    public IReadOnlyList<string> Urls { get; init; } = [DefaultUrl];

    /// <summary>Folders whose files may be read on a client's behalf; nothing else is.</summary>
    public IReadOnlyList<string> Roots { get; init; } = [];

    /// <summary>Bearer token clients must send; required when listening beyond loopback.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// More names clients may address the server by (Host header), each a host name or IP, alone
    /// (any port) or with a port; besides localhost, 127.0.0.1, [::1] and the address a client
    /// connected to, with the server's port. Anything else is refused (DNS rebinding).
    /// </summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = [];

    /// <summary>
    /// More web origins (scheme://host[:port]) whose pages may call the API and open /ws; besides
    /// the server's own origins (http(s)://one-of-its-names). A request with any other Origin is
    /// refused (cross-site requests, WebSocket hijacking).
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>Largest audio upload (gRPC FingerprintAudio) accepted.</summary>
    public int MaxUploadBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Where an upload is written while it is decoded (deleted when the call ends, whatever its
    /// outcome); null: the system's temporary folder.
    /// </summary>
    public string? UploadDirectory { get; init; }

    /// <summary>Requests handled at once; more wait in line.</summary>
    public int MaxConcurrentRequests { get; init; } = 64;

    /// <summary>Requests allowed to wait for a slot; beyond that they are refused (503 / RESOURCE_EXHAUSTED).</summary>
    public int MaxQueuedRequests { get; init; } = 1024;

    /// <summary>Fingerprint computations at once (each takes a core for a moment).</summary>
    public int MaxConcurrentExtractions { get; init; } = Environment.ProcessorCount;

    /// <summary>Connections, streams, bodies, timeouts and upload memory (docs/server.md, "Limits").</summary>
    public ServerLimits Limits { get; init; } = new();

    /// <summary>Sidecars to read and write; null for none.</summary>
    public SidecarStore? Sidecars { get; init; } = new();

    /// <summary>
    /// Keep the library current while serving (`serve --watch`): scan the roots at start, then
    /// rescan when files under them changed and stayed quiet for <see cref="WatchDebounce"/>, and
    /// every <see cref="WatchSafetyInterval"/> regardless.
    /// </summary>
    public bool Watch { get; init; }

    public TimeSpan WatchDebounce { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan WatchSafetyInterval { get; init; } = TimeSpan.FromMinutes(10);
}
