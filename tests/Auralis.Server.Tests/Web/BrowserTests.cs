using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Auralis.Audio;
using Auralis.Server.Tests.Server;
using Xunit.Abstractions;

namespace Auralis.Server.Tests.Web;

/// <summary>
/// The web page end to end in headless Debian Chromium: tests/e2e/web-player.js (playwright-core)
/// against a real server over a scanned library (docs/web.md, "The browser test").
/// </summary>
public sealed class BrowserTests(ITestOutputHelper output)
{
    private const string Token = "e2e-token";

    [BrowserFact]
    public async Task The_page_lists_charts_maps_browses_albums_fits_1280_px_shows_failures_and_outages_and_speaks_the_stream_protocol_in_headless_chromium()
    {
        await using var server = await ServerFixture.StartAsync(tracks: 5, token: Token);
        server.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        WriteLoudCompressedTrack(Path.Combine(server.Music, "loud-compressed.wav"));
        server.AddTrack("long.wav", 9, seconds: 20); // the real stream's preset change and seek play it
        // An album whose file names are not in its order (the page must order by the shown name),
        // with a long album and artist name that the table ellipsizes at 1280 px.
        const string artist = "The Extraordinarily Long-Named Orchestra of Tests";
        const string album = "A Very Long Album Title That Would Wrap Over Five Lines in a Narrow Column";
        Server.BrowseApiTests.WriteTagged(Path.Combine(server.Music, "album-1.wav"), 11, "Zeta (last)", artist, album);
        Server.BrowseApiTests.WriteTagged(Path.Combine(server.Music, "album-2.wav"), 12, "Alpha (first)", artist, album);
        Server.BrowseApiTests.WriteTagged(Path.Combine(server.Music, "album-3.wav"), 13, "Mu (middle)", artist, album);
        // Near digital silence: about -70 LUFS, the outlier the map pins to its edge.
        WriteQuietTrack(Path.Combine(server.Music, "silence.wav"));
        // Not audio: the failed track (one message, play disabled).
        await File.WriteAllBytesAsync(Path.Combine(server.Music, "junk.wav"), [.. Enumerable.Range(0, 5000).Select(i => (byte)(i * 7))]);
        var scan = await server.ScanAsync();
        Assert.Equal("complete", scan.GetProperty("state").GetString());
        Assert.Equal(11, scan.GetProperty("complete").GetInt32());
        Assert.Equal(1, scan.GetProperty("failed").GetInt32());

        var artifacts = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(artifacts);
        var (exitCode, log) = await RunNodeAsync(
            Path.Combine(Browser.E2eDirectory, "web-player.js"),
            ["--url", server.Address.ToString(), "--token", Token, "--tracks", "12", "--screenshots", artifacts, "--chromium", Browser.Chromium],
            TimeSpan.FromSeconds(120));

        Assert.True(exitCode == 0, $"the browser test failed (exit {exitCode}):\n{log}");
        var screenshot = Path.Combine(artifacts, "web-player.png");
        Assert.True(File.Exists(screenshot), $"no screenshot at {screenshot}");
        output.WriteLine($"screenshot of the page: {screenshot}");
    }

    /// <summary>A full-scale, hard-clipped tone: loud and compressed, the LWRP expansion zone.</summary>
    private static void WriteLoudCompressedTrack(string path)
    {
        const int rate = 44_100;
        var frames = (int)(rate * 1.5);
        var pcm = new float[frames * 2];
        var random = new Random(7);
        for (var i = 0; i < frames; i++)
        {
            var s = Math.Clamp(3 * Math.Sin(2 * Math.PI * 220 * i / rate) + (0.3 * ((random.NextDouble() * 2) - 1)), -0.95, 0.95);
            pcm[2 * i] = (float)s;
            pcm[(2 * i) + 1] = (float)s;
        }

        AudioFileWriter.Write(path, pcm, rate, 2, AudioSampleFormat.Pcm16);
    }

    /// <summary>A 2 s tone at 1/2000 of full scale: around -70 LUFS, nearly digital silence.</summary>
    private static void WriteQuietTrack(string path)
    {
        const int rate = 44_100;
        var frames = rate * 2;
        var pcm = new float[frames * 2];
        for (var i = 0; i < frames; i++)
        {
            var s = (float)(0.0005 * Math.Sin(2 * Math.PI * 440 * i / rate));
            pcm[2 * i] = s;
            pcm[(2 * i) + 1] = s;
        }

        AudioFileWriter.Write(path, pcm, rate, 2, AudioSampleFormat.Pcm16);
    }

    private async Task<(int ExitCode, string Log)> RunNodeAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Browser.E2eDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var log = new StringBuilder();
        void Line(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (log)
            {
                log.AppendLine(line);
            }

            output.WriteLine(line);
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        var watch = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            Line($"the browser test did not finish within {timeout.TotalSeconds} s and was killed");
            return (-1, log.ToString());
        }

        process.WaitForExit(); // drains the redirected output
        Line($"node ran {watch.Elapsed.TotalSeconds:F1} s");
        return (process.ExitCode, log.ToString());
    }
}

/// <summary>What the browser test needs: Debian's Chromium, node, and tests/e2e/node_modules.</summary>
internal static class Browser
{
    public const string Chromium = "/usr/bin/chromium";

    public static string E2eDirectory => Path.Combine(RepoPaths.Root, "tests", "e2e");

    /// <summary>Why the browser test cannot run here, or null when it can.</summary>
    public static string? MissingReason
    {
        get
        {
            if (!File.Exists(Chromium))
            {
                return $"{Chromium} is absent: install the Debian package chromium (./build.sh test does)";
            }

            if (!OnPath("node"))
            {
                return "node is not on PATH: install Node.js 20 or later";
            }

            return Directory.Exists(Path.Combine(E2eDirectory, "node_modules", "playwright-core"))
                ? null
                : $"{Path.Combine(E2eDirectory, "node_modules")} is absent: run npm ci --prefix tests/e2e (./build.sh test does)";
        }
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(dir => File.Exists(Path.Combine(dir, program)));
}

/// <summary>
/// A fact that drives headless Chromium; skipped with the reason when the browser, node or the
/// e2e packages are missing, unless AURALIS_REQUIRE_BROWSER=1 (then it runs and fails).
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (Browser.MissingReason is { } reason && Environment.GetEnvironmentVariable("AURALIS_REQUIRE_BROWSER") != "1")
        {
            Skip = $"{reason} (set AURALIS_REQUIRE_BROWSER=1 to make this fail)";
        }
    }
}
