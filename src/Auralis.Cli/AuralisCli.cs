using System.CommandLine;
using Auralis.Cli.Commands;

namespace Auralis.Cli;

/// <summary>Builds the command tree and runs it with the contract's exit codes.</summary>
internal static class AuralisCli
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand(
            "Auralis: analyse a music library (25-dimension acoustic fingerprints), find similar tracks, master playback.");
        root.Subcommands.Add(FingerprintCommand.Create(context));
        root.Subcommands.Add(ScanCommand.Create(context));
        root.Subcommands.Add(StatusCommand.Create(context));
        root.Subcommands.Add(SimilarCommand.Create(context));
        root.Subcommands.Add(ListCommand.Create(context));
        root.Subcommands.Add(DuplicatesCommand.Create(context));
        root.Subcommands.Add(PlaylistCommand.Create(context));
        root.Subcommands.Add(TagCommand.Create(context));
        root.Subcommands.Add(MasterCommand.Create(context));
        root.Subcommands.Add(ServeCommand.Create(context));
        root.Subcommands.Add(DemoCommand.Create(context));
        root.Subcommands.Add(ForgetCommand.Create(context));
        return root;
    }

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var context = new CliContext(stdout, stderr);
        var root = Build(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"auralis: error: {error.Message}");
            }

            stderr.WriteLine("Run 'auralis --help' (or 'auralis COMMAND --help') for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Last line of defence: a clear message, never a stack trace, and a fatal exit code.
            stderr.WriteLine($"auralis: error: {e.Message}");
            return ExitCodes.Fatal;
        }
    }
}

/// <summary>Where commands write: injected so tests can run the CLI in-process.</summary>
internal sealed class CliContext(TextWriter stdout, TextWriter stderr)
{
    private readonly HashSet<string> _notices = [];

    public TextWriter Out { get; } = stdout;

    public TextWriter Error { get; } = stderr;

    public int Fail(string message)
    {
        Error.WriteLine($"auralis: error: {message}");
        return ExitCodes.Fatal;
    }

    /// <summary>Shows a notice once per run (e.g. the managed-engine fallback).</summary>
    public void Notice(string? message)
    {
        if (message is not null && _notices.Add(message))
        {
            Error.WriteLine($"auralis: note: {message}");
        }
    }
}
