namespace Auralis.Tests.Support;

/// <summary>A fact that relies on Unix tools (sh, head, printf) or Unix file modes.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "needs a Unix shell";
        }
    }
}
