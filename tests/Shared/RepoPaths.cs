namespace Auralis.Tests.Support;

public static class RepoPaths
{
    /// <summary>The repository root: the nearest ancestor of the test binaries holding native/include/auralis.h.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "native", "include", "auralis.h")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"No native/include/auralis.h above {AppContext.BaseDirectory}: run the tests from the repository.");
        }
    }

    public static string Header => Path.Combine(Root, "native", "include", "auralis.h");
}
