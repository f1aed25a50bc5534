using System.Diagnostics;

namespace Auralis.Tests.Support;

/// <summary>
/// A real, tiny filesystem (a tmpfs of a few MB) that a test can fill to the last byte, so writes
/// fail with ENOSPC as on a full disk, and free again. Mounting needs root (or CAP_SYS_ADMIN);
/// <see cref="TryMount"/> says why not otherwise, for the test to skip with that reason.
/// </summary>
public sealed class SmallFilesystem : IDisposable
{
    private readonly string _filler;

    private SmallFilesystem(string path)
    {
        Path = path;
        _filler = System.IO.Path.Combine(path, ".filler");
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MB on a new folder under <paramref name="parent"/>, or null with the reason.</summary>
    public static SmallFilesystem? TryMount(string parent, int megabytes, out string reason)
    {
        if (!OperatingSystem.IsLinux())
        {
            reason = "tmpfs mounts are Linux only";
            return null;
        }

        var path = Directory.CreateDirectory(System.IO.Path.Combine(parent, "small-fs")).FullName;
        var (code, output) = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path);
        if (code != 0)
        {
            reason = $"cannot mount a {megabytes} MB tmpfs (needs root or CAP_SYS_ADMIN): {output.Trim()}";
            return null;
        }

        reason = "mounted";
        return new SmallFilesystem(path);
    }

    /// <summary>Takes every free byte with a filler file: the next write that needs space fails with ENOSPC.</summary>
    public void Fill()
    {
        using var stream = new FileStream(_filler, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                stream.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full. Smaller writes take what is left of the last block.
        }

        try
        {
            while (true)
            {
                stream.Write(block, 0, 1);
            }
        }
        catch (IOException)
        {
            // Now not one byte is free.
        }
    }

    /// <summary>Frees what <see cref="Fill"/> took.</summary>
    public void Free() => System.IO.File.Delete(_filler);

    public void Dispose()
    {
        // Lazy unmount: a connection the test leaked must not leave the mount behind.
        Run("umount", "-l", Path);
    }

    private static (int Code, string Output) Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, $"{program}: {e.Message}");
        }
    }
}

/// <summary>A fact that needs <see cref="SmallFilesystem"/>; skipped, with the reason shown, where a tmpfs cannot be mounted.</summary>
public sealed class SmallFilesystemFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> SkipReason = new(() =>
    {
        var parent = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "auralis-tmpfs-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var probe = SmallFilesystem.TryMount(parent, 1, out var reason);
            return probe is null ? reason : null;
        }
        finally
        {
            try
            {
                Directory.Delete(parent, recursive: true);
            }
            catch (IOException)
            {
                // A probe folder left in /tmp is harmless.
            }
        }
    });

    public SmallFilesystemFactAttribute()
    {
        if (SkipReason.Value is { } reason)
        {
            Skip = reason;
        }
    }
}
