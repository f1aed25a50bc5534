namespace Auralis.Cli;

/// <summary>The exit codes of the README; scripts depend on them.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Fatal = 1;
    /// <summary>Bad arguments, including a file, folder or database that does not exist.</summary>
    public const int Usage = 2;
    public const int SomeTracksFailed = 3;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT, what shells report for a process the signal ended).</summary>
    public const int Interrupted = 130;
}
