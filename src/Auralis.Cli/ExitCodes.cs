namespace Auralis.Cli;

/// <summary>The exit codes of the README; scripts depend on them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Fatal = 1;
    public const int Usage = 2;
    public const int SomeTracksFailed = 3;
}
