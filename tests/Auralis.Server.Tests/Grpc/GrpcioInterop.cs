using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Auralis.Server.Tests.Grpc;

/// <summary>
/// The second independent gRPC client: Debian's python3-grpcio with python3-protobuf, running
/// tests/interop/grpc_call.py over a descriptor set that protoc (from the Grpc.Tools package)
/// compiles from the proto. Tests skip with the reason when python, its gRPC modules or protoc are
/// missing, unless AURALIS_REQUIRE_PYTHON=1.
/// </summary>
public static class GrpcioInterop
{
    private static readonly Lazy<(string? Python, string? DescriptorSet, string? SkipReason)> Setup = new(FindSetup);

    /// <summary>Why grpcio tests cannot run here, or null.</summary>
    public static string? SkipReason => Setup.Value.SkipReason;

    /// <summary>One call through grpcio; <paramref name="extra"/> are more arguments of grpc_call.py.</summary>
    public static async Task<GrpcJsResult> CallAsync(string hostPort, string method, string? requestJson = null, params string[] extra)
    {
        var (python, descriptorSet, reason) = Setup.Value;
        if (reason is not null)
        {
            throw new InvalidOperationException(reason);
        }

        var start = new ProcessStartInfo(python!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args = ["--address", hostPort, "--descriptor-set", descriptorSet!, "--method", method, .. requestJson is null ? Array.Empty<string>() : ["--request", requestJson], .. extra];
        start.ArgumentList.Add(Path.Combine(NodeInterop.Folder, "grpc_call.py"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, stdout, stderr) = await RunAsync(start);
        if (exit != 0 || stdout.Length == 0)
        {
            throw new InvalidOperationException($"grpc_call.py exited {exit}: {stderr}{stdout}");
        }

        using var json = JsonDocument.Parse(stdout.Split('\n')[^1]);
        var root = json.RootElement;
        return new GrpcJsResult(
            root.GetProperty("code").GetInt32(),
            root.GetProperty("details").GetString() ?? "",
            root.GetProperty("response").ValueKind == JsonValueKind.Null ? null : root.GetProperty("response").Clone());
    }

    private static (string?, string?, string?) FindSetup()
    {
        var required = Environment.GetEnvironmentVariable("AURALIS_REQUIRE_PYTHON") == "1";
        (string?, string?, string?) Skip(string reason) =>
            required ? throw new InvalidOperationException(reason) : (null, null, reason + " (set AURALIS_REQUIRE_PYTHON=1 to make this fail)");

        // Debian's interpreter first: the modules are python3-grpcio's, not a virtualenv's.
        var python = new[] { "/usr/bin/python3", "python3" }.FirstOrDefault(HasGrpcModules);
        if (python is null)
        {
            return Skip("python3 with the grpc and google.protobuf modules is not installed (apt-get install python3-grpcio python3-protobuf)");
        }

        var tools = typeof(GrpcioInterop).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "GrpcToolsDirectory")?.Value ?? "";
        var protoc = Path.Combine(tools, ProtocPlatform(), OperatingSystem.IsWindows() ? "protoc.exe" : "protoc");
        if (!File.Exists(protoc))
        {
            return Skip($"protoc of the Grpc.Tools package is not at {protoc} (restore src/Auralis.Server first)");
        }

        var descriptorSet = Path.Combine(Path.GetTempPath(), $"auralis-interop-{Environment.ProcessId}.pb");
        var start = new ProcessStartInfo(protoc) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-I", Path.Combine(RepoPaths.Root, "proto"), "--include_imports", "--descriptor_set_out=" + descriptorSet, "auralis/v1/fingerprint.proto" })
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, _, stderr) = RunAsync(start).GetAwaiter().GetResult();
        return exit == 0 ? (python, descriptorSet, null) : throw new InvalidOperationException($"protoc failed ({exit}): {stderr}");
    }

    private static bool HasGrpcModules(string python)
    {
        try
        {
            var start = new ProcessStartInfo(python, ["-c", "import grpc, google.protobuf"]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            return RunAsync(start).GetAwaiter().GetResult().Exit == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // not on PATH
        }
    }

    private static string ProtocPlatform()
    {
        var os = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macosx" : "linux";
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.Arm64 => "arm64",
            Architecture.X86 => "x86",
            _ => "x64",
        };
        return $"{os}_{arch}";
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start");
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
            throw new TimeoutException($"{start.FileName} {string.Join(' ', start.ArgumentList)} did not finish in 60 s");
        }

        return (process.ExitCode, (await stdout).Trim(), await stderr);
    }
}

/// <summary>A fact that needs python3-grpcio, python3-protobuf and protoc; skipped with the reason otherwise.</summary>
public sealed class GrpcioFactAttribute : FactAttribute
{
    public GrpcioFactAttribute()
    {
        Skip = GrpcioInterop.SkipReason;
    }
}
