using System.Diagnostics;
using System.Text.Json;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// The independent gRPC implementation (npm @grpc/grpc-js, tests/interop): runs its client script
/// and its server script. Needs node on PATH and tests/interop/node_modules (./build.sh test runs
/// npm ci); tests skip with the reason when either is missing, unless AURALIS_REQUIRE_NODE=1.
/// </summary>
public static class NodeInterop
{
    public static string Folder => Path.Combine(RepoPaths.Root, "tests", "interop");

    public static string Proto => Path.Combine(RepoPaths.Root, "proto", "auralis", "v1", "fingerprint.proto");

    /// <summary>Why node tests cannot run here, or null.</summary>
    public static string? SkipReason { get; } = FindSkipReason();

    private static string? Node { get; } = FindOnPath("node") ?? FindOnPath("nodejs");

    private static string? FindSkipReason()
    {
        if (Environment.GetEnvironmentVariable("AURALIS_REQUIRE_NODE") == "1")
        {
            return null;
        }

        if (FindOnPath("node") is null && FindOnPath("nodejs") is null)
        {
            return "node is not installed (apt-get install nodejs npm; set AURALIS_REQUIRE_NODE=1 to make this fail)";
        }

        string folder;
        try
        {
            folder = Folder;
        }
        catch (InvalidOperationException e)
        {
            return e.Message;
        }

        return File.Exists(Path.Combine(folder, "node_modules", "@grpc", "grpc-js", "package.json"))
            ? null
            : "tests/interop/node_modules is missing: run npm ci --prefix tests/interop (./build.sh test does; set AURALIS_REQUIRE_NODE=1 to make this fail)";
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? name + ".exe" : name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>One call through grpc-js (grpc-call.js); <paramref name="extra"/> are more arguments.</summary>
    public static async Task<GrpcJsResult> CallAsync(string hostPort, string method, string? requestJson = null, params string[] extra)
    {
        var args = new List<string> { "--address", hostPort, "--proto", Proto, "--method", method };
        if (requestJson is not null)
        {
            args.AddRange(["--request", requestJson]);
        }

        args.AddRange(extra);
        using var json = await RunScriptAsync(args);
        var root = json.RootElement;
        return new GrpcJsResult(
            root.GetProperty("code").GetInt32(),
            root.GetProperty("details").GetString() ?? "",
            root.GetProperty("response").ValueKind == JsonValueKind.Null ? null : root.GetProperty("response").Clone());
    }

    /// <summary>Runs grpc-call.js and parses its one line of JSON.</summary>
    public static async Task<JsonDocument> RunScriptAsync(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(Node ?? "node")
        {
            WorkingDirectory = Folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(Folder, "grpc-call.js"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"grpc-call.js {string.Join(' ', start.ArgumentList)} did not finish in 60 s");
        }

        var output = (await stdout).Trim();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            throw new InvalidOperationException($"grpc-call.js exited {process.ExitCode}: {await stderr}{output}");
        }

        return JsonDocument.Parse(output.Split('\n')[^1]);
    }
}

/// <summary>What grpc-call.js printed: the status code, its message and the reply (null on error).</summary>
public sealed record GrpcJsResult(int Code, string Details, JsonElement? Response);

/// <summary>A fact that needs node and the interop packages; skipped with the reason otherwise.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        Skip = NodeInterop.SkipReason;
    }
}

/// <summary>The grpc-js server of tests/interop/grpc-server.js on a free port, for a test class.</summary>
public sealed class NodeServerFixture : IAsyncLifetime
{
    private Process? _process;

    public Uri Address { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (NodeInterop.SkipReason is not null)
        {
            return;
        }

        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = NodeInterop.Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(NodeInterop.Folder, "grpc-server.js"));
        start.ArgumentList.Add("--proto");
        start.ArgumentList.Add(NodeInterop.Proto);
        _process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await _process.StandardOutput.ReadLineAsync(timeout.Token)
            ?? throw new InvalidOperationException("grpc-server.js ended without printing its port: " + await _process.StandardError.ReadToEndAsync(timeout.Token));
        using var json = JsonDocument.Parse(line);
        Address = new Uri($"http://127.0.0.1:{json.RootElement.GetProperty("port").GetInt32()}/");
    }

    public async Task DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        // Closing stdin asks the script to stop; kill it if it does not.
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
