using Spectre.Console;

namespace Auralis.Cli.Output;

internal static class Consoles
{
    /// <summary>A Spectre console over a writer; plain (no colour, no live widgets) when redirected.</summary>
    public static IAnsiConsole For(TextWriter writer)
    {
        var interactive = ReferenceEquals(writer, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            // Redirected output has no terminal width; 80 columns would wrap every table.
            console.Profile.Width = 120;
        }

        return console;
    }
}
