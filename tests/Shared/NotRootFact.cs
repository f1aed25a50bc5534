namespace Auralis.Tests.Support;

/// <summary>
/// A fact about real Unix permissions, which mean nothing to root (root reads and writes any file
/// or folder whatever its mode). Skipped, with the reason shown, on Windows and when running as root.
/// </summary>
public sealed class NotRootFactAttribute : FactAttribute
{
    public NotRootFactAttribute(string? coveredBy = null)
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix permissions only";
        }
        else if (Environment.IsPrivilegedProcess)
        {
            Skip = "running as root, which ignores file and folder modes" + (coveredBy is null ? "" : $" ({coveredBy})");
        }
    }
}
