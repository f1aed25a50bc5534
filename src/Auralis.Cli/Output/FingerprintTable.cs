using Auralis.Fingerprinting;
using Spectre.Console;

namespace Auralis.Cli.Output;

/// <summary>The human-readable fingerprint: one table, grouped by the seven categories.</summary>
internal static class FingerprintTable
{
    public static void Write(TextWriter output, FileFingerprint result)
    {
        var console = Consoles.For(output);
        console.MarkupLine($"[bold]{Markup.Escape(result.Path)}[/]");
        console.MarkupLine(
            $"{Markup.Escape(result.Audio.Format)} via {result.Audio.Decoder}, {result.Audio.SampleRate} Hz, " +
            $"{result.Audio.Channels} ch, {result.DurationSeconds:0.00} s; engine {result.Engine}, fingerprint v{result.Version}{(result.Version == Fingerprint.DraftVersion ? " (in development)" : "")}");
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("group").AddColumn("dimension").AddColumn(new TableColumn("value").RightAligned()).AddColumn("unit");
        foreach (var (group, indexes) in FingerprintDimensions.Groups)
        {
            var first = true;
            foreach (var i in indexes)
            {
                table.AddRow(first ? group : "", FingerprintDimensions.Names[i], result.Fingerprint[i].ToString("0.####"), FingerprintDimensions.Units[i]);
                first = false;
            }
        }

        console.Write(table);
    }
}
