using System.Net.Http.Json;
using System.Text.Json;
using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Server.Hosting;

namespace Auralis.Server.Tests.Server;

/// <summary>A real `auralis serve` (Kestrel on a free loopback port) over a folder of generated tracks.</summary>
public sealed class ServerFixture : IAsyncDisposable
{
    private readonly TempDirectory _temp = new();
    private AuralisServer? _server;

    private ServerFixture()
    {
        Music = Directory.CreateDirectory(_temp.File("music")).FullName;
        Outside = Directory.CreateDirectory(_temp.File("outside")).FullName;
        DatabasePath = _temp.File("library.db");
    }

    public string Music { get; }

    /// <summary>A folder next to the root, not under it.</summary>
    public string Outside { get; }

    public string DatabasePath { get; }

    public Uri Address { get; private set; } = null!;

    /// <summary>The limits the server was started with.</summary>
    public ServerLimits Limits { get; private set; } = new();

    /// <summary>The settings the server was started with.</summary>
    public ServerSettings Settings { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public static async Task<ServerFixture> StartAsync(int tracks = 0, string? token = null, Func<ServerSettings, ServerSettings>? configure = null)
    {
        var fixture = new ServerFixture();
        for (var i = 0; i < tracks; i++)
        {
            fixture.AddTrack($"track{i:00}.wav", i);
        }

        var settings = new ServerSettings
        {
            DatabasePath = fixture.DatabasePath,
            Engine = FingerprintEngines.Managed,
            Urls = ["http://127.0.0.1:0"],
            Roots = [fixture.Music],
            Token = token,
            Sidecars = new Auralis.Library.Sidecars.SidecarStore(fixture._temp.File("cache")),
            // Each server its own: a test that checks no upload is left behind sees only its own.
            UploadDirectory = Directory.CreateDirectory(fixture._temp.File("uploads")).FullName,
        };
        settings = configure?.Invoke(settings) ?? settings;
        fixture.Limits = settings.Limits;
        fixture.Settings = settings;
        fixture._server = AuralisServer.Create(settings);
        await fixture._server.StartAsync();
        fixture.Address = new Uri(fixture._server.Addresses[0]);
        fixture.Http = new HttpClient { BaseAddress = fixture.Address };
        return fixture;
    }

    /// <summary>Writes a (default 1.5 s) stereo track whose character (pitch, noise, level) depends on <paramref name="seed"/>.</summary>
    public string AddTrack(string name, int seed, string? folder = null, double seconds = 1.5)
    {
        var path = Path.Combine(folder ?? Music, name);
        const int rate = 44_100;
        var frames = (int)(rate * seconds);
        var pcm = new float[frames * 2];
        var random = new Random(seed);
        var hz = 110 * (1 + seed);
        var noise = 0.05 * (seed % 4);
        var level = 0.1 + (0.1 * (seed % 5));
        for (var i = 0; i < frames; i++)
        {
            var s = (level * Math.Sin(2 * Math.PI * hz * i / rate)) + (noise * ((random.NextDouble() * 2) - 1));
            pcm[2 * i] = (float)s;
            pcm[(2 * i) + 1] = (float)(s * 0.8);
        }

        AudioFileWriter.Write(path, pcm, rate, 2, AudioSampleFormat.Pcm16);
        return path;
    }

    /// <summary>Starts a scan of the root through the API and waits for it to finish.</summary>
    public async Task<JsonElement> ScanAsync()
    {
        using var start = await Http.PostAsync(new Uri("/api/scans", UriKind.Relative), null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, start.StatusCode);
        var id = (await start.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt32();
        for (var i = 0; i < 600; i++)
        {
            var status = await Http.GetFromJsonAsync<JsonElement>(new Uri($"/api/scans/{id}", UriKind.Relative));
            if (status.GetProperty("state").GetString() != "running")
            {
                return status;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("the scan did not finish within 30 s");
    }

    /// <summary>
    /// Asks /api/health on a new connection (so no pooled connection hides a lock-out) and fails
    /// unless it answers 200 within <paramref name="bound"/>. The abuse tests call it while an
    /// attack is running; the bound is generous for a loaded 2-core CI machine, and the measured
    /// latency is returned so a test can print it.
    /// </summary>
    public async Task<TimeSpan> AssertHealthAnswersAsync(TimeSpan? bound = null, string? token = null)
    {
        var limit = bound ?? TimeSpan.FromSeconds(2);
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero })
        {
            BaseAddress = Address,
            Timeout = limit,
        };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }
        catch (TaskCanceledException e)
        {
            throw new Xunit.Sdk.XunitException($"/api/health did not answer within {limit.TotalMilliseconds:F0} ms: the server is locked out ({e.Message})");
        }

        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _temp.Dispose();
    }
}
