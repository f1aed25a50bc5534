namespace Auralis.Tests.Support;

/// <summary>A private folder for one test's fixtures, deleted afterwards (even files made unreadable).</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "auralis-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            foreach (string file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
            {
                // Never through a symbolic link: chmod would change its target (e.g. /dev/full).
                if (!OperatingSystem.IsWindows() && new FileInfo(file).LinkTarget is null)
                {
                    System.IO.File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
                }
            }

            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leftovers in /tmp are harmless; a failing cleanup must not hide the test's result.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
