using Spectre.Console;

namespace Auralis.Cli.Output;

internal static class FailureList
{
    /// <summary>Every failure, with its file and cause (nothing is summarized away).</summary>
    public static void Write(IAnsiConsole console, IReadOnlyList<(string Path, string Message)> failures)
    {
        if (failures.Count == 0)
        {
            return;
        }

        console.MarkupLine($"[red]{failures.Count} failed:[/]");
        foreach (var (path, message) in failures)
        {
            // Messages usually start with the path already; do not print it twice.
            var text = message.StartsWith(path, StringComparison.Ordinal) ? message : $"{path}: {message}";
            console.MarkupLine($"  {Markup.Escape(text)}");
        }
    }
}
