using System.Diagnostics;

namespace Auralis.Cli.Tests;

/// <summary>
/// A user for whom file modes mean something. Tests run as root in CI, and root reads any folder
/// whatever its mode; so as root the CLI is started through setpriv(1) as uid/gid 65534 (nobody),
/// on files handed to that uid. As any other user the CLI simply runs as that user.
/// </summary>
internal static class OtherUser
{
    public const int Id = 65534;

    /// <summary>Why no such user is available here (null when one is).</summary>
    public static string? Unavailable { get; } =
        OperatingSystem.IsWindows() ? "Unix file modes only"
        : Environment.IsPrivilegedProcess && FindOnPath("setpriv") is null ? "running as root and setpriv (util-linux) is not installed, so no unprivileged user can be run"
        : null;

    /// <summary>The command prefix that runs a program as the other user (empty when we are not root).</summary>
    public static IReadOnlyList<string> Launcher { get; } = Environment.IsPrivilegedProcess
        ? [FindOnPath("setpriv") ?? "setpriv", $"--reuid={Id}", $"--regid={Id}", "--clear-groups"]
        : ["env"];

    /// <summary>Hands a folder tree to the other user (a no-op when we are not root: it is ours already).</summary>
    public static void Own(string path)
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return;
        }

        using var chown = Process.Start("chown", ["-R", $"{Id}:{Id}", path])!;
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }

    /// <summary>What the CLI needs to run as that user: a writable home (dotnet, the sidecar cache).</summary>
    public static Dictionary<string, string> EnvironmentFor(string home) => new()
    {
        ["HOME"] = home,
        ["DOTNET_CLI_HOME"] = home,
        ["XDG_CACHE_HOME"] = Path.Combine(home, "cache"),
    };

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
}

/// <summary>A fact that needs <see cref="OtherUser"/>; skipped with the reason where there is none.</summary>
public sealed class OtherUserFactAttribute : FactAttribute
{
    public OtherUserFactAttribute()
    {
        if (OtherUser.Unavailable is { } reason)
        {
            Skip = reason;
        }
    }
}
