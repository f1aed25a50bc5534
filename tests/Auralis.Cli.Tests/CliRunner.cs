using System.Diagnostics;

namespace Auralis.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Out, string Error);

internal static class CliRunner
{
    /// <summary>
    /// The address a started `auralis serve` prints on its "listening on" line (read from its
    /// standard output, which stays readable after it).
    /// </summary>
    public static async Task<string> ListeningAddressAsync(System.Diagnostics.Process serve)
    {
        const string prefix = "auralis: listening on ";
        while (await serve.StandardOutput.ReadLineAsync() is { } line)
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line[prefix.Length..].Split(' ')[0];
            }
        }

        throw new InvalidOperationException("serve ended its output without printing the address it listens on (see its standard error)");
    }

    /// <summary>Runs the CLI in-process with captured output.</summary>
    public static CliResult Run(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = AuralisCli.Run(args, stdout, stderr);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the built CLI (auralis.dll next to the tests) as a real process.</summary>
    public static CliResult RunProcess(IDictionary<string, string> environment, params string[] args) =>
        Wait(Start(environment, args), args);

    /// <summary>Runs the built CLI as <see cref="OtherUser"/> (see there), for tests of what that user cannot read.</summary>
    public static CliResult RunProcessAsOtherUser(IDictionary<string, string> environment, params string[] args) =>
        Wait(Start(environment, args, asOtherUser: true), args);

    private static CliResult Wait(Process process, string[] args)
    {
        using var _ = process;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"auralis {string.Join(' ', args)} did not finish in 120 s");
        }

        return new CliResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Starts the built CLI as a process with redirected output (the caller owns it).</summary>
    public static Process Start(IDictionary<string, string> environment, params string[] args) => Start(environment, args, asOtherUser: false);

    /// <summary>Starts the built CLI, as <see cref="OtherUser"/> when <paramref name="asOtherUser"/> (the caller owns the process).</summary>
    public static Process Start(IDictionary<string, string> environment, string[] args, bool asOtherUser)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "auralis.dll");
        var start = new ProcessStartInfo(asOtherUser ? OtherUser.Launcher[0] : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (asOtherUser)
        {
            foreach (var a in OtherUser.Launcher.Skip(1))
            {
                start.ArgumentList.Add(a);
            }

            start.ArgumentList.Add("dotnet");
        }

        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment)
        {
            start.Environment[k] = v;
        }

        return Process.Start(start)!;
    }

    /// <summary>
    /// Starts the CLI with SIGINT at its default disposition: a process started from a
    /// non-interactive shell may inherit SIGINT ignored, and .NET then keeps ignoring Ctrl-C.
    /// </summary>
    public static Process StartWithDefaultSigint(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "auralis.dll");
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])", "dotnet", dll })
        {
            start.ArgumentList.Add(a);
        }

        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    /// <summary>Sends <paramref name="signal"/> (2 SIGINT, 15 SIGTERM) to a process; 0 on success, as kill(2).</summary>
    public static int Signal(int pid, int signal) => Kill(pid, signal);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
