using System.CommandLine;
using System.Text.Json;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary><c>auralis status [--db PATH] [--json]</c>: tracks per fingerprint status and every failure.</summary>
internal static class StatusCommand
{
    public static Command Create(CliContext context)
    {
        var db = CommonOptions.Database();
        var json = CommonOptions.Json();
        var command = new Command("status", "Show how many tracks are fingerprinted, pending or failed, and why each failure failed.") { db, json };
        command.SetAction(parse => Run(context, parse.GetValue(db), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, string? path, bool json)
    {
        using var database = CommonOptions.OpenExistingDatabase(context, path, out var refused);
        if (database is null)
        {
            return refused;
        }

        var tracks = new TrackRepository(database);
        var counts = tracks.CountByStatus();
        var failures = tracks.Failures();
        if (json)
        {
            JsonLines.Write(context.Out, w =>
            {
                w.WriteNumber("tracks", counts.Values.Sum());
                w.WriteNumber("pending", counts[FingerprintStatus.Pending]);
                w.WriteNumber("processing", counts[FingerprintStatus.Processing]);
                w.WriteNumber("complete", counts[FingerprintStatus.Complete]);
                w.WriteNumber("error", counts[FingerprintStatus.Error]);
                w.WriteNumber("skipped", counts[FingerprintStatus.Skipped]);
                w.WriteStartArray("errors");
                foreach (var (file, message) in failures)
                {
                    w.WriteStartObject();
                    w.WriteString("path", file);
                    w.WriteString("message", message);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }, indented: true);
            return ExitCodes.Success;
        }

        var console = Consoles.For(context.Out);
        console.MarkupLine($"Library: [bold]{Markup.Escape(database.Path)}[/]");
        console.MarkupLine(
            $"{counts.Values.Sum()} tracks: {counts[FingerprintStatus.Complete]} complete, {counts[FingerprintStatus.Pending]} pending, " +
            $"{counts[FingerprintStatus.Processing]} processing, {counts[FingerprintStatus.Error]} failed" +
            (counts[FingerprintStatus.Skipped] > 0 ? $", {counts[FingerprintStatus.Skipped]} skipped (too short)" : ""));
        FailureList.Write(console, failures);
        return ExitCodes.Success;
    }
}
