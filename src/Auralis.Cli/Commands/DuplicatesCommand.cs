using System.CommandLine;
using System.Globalization;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Auralis.Similarity;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis duplicates [--threshold D] [--db PATH] [--json]</c>: groups of tracks that are the same
/// music, identical audio first, with what tells the copies apart (format, size, path).
/// </summary>
internal static class DuplicatesCommand
{
    public static Command Create(CliContext context)
    {
        var threshold = new Option<double>("--threshold")
        {
            Description = $"Largest fingerprint distance at which two tracks count as the same music (default {Duplicates.DefaultThreshold.ToString(CultureInfo.InvariantCulture)}; 0 keeps identical audio only).",
            DefaultValueFactory = _ => Duplicates.DefaultThreshold,
            HelpName = "D",
        };
        threshold.Validators.Add(r =>
        {
            var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : null;
            if (token is not null && double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && !(value >= 0 && value <= 10))
            {
                r.AddError($"--threshold must be between 0 and 10, got {token}");
            }
        });
        var db = CommonOptions.Database();
        var json = CommonOptions.Json();
        var command = new Command("duplicates", "Find duplicate tracks: identical audio (copies, lossless re-encodes) and near-identical fingerprints (other encodings of the same recording).")
        {
            threshold, db, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(threshold), parse.GetValue(db), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, double threshold, string? dbPath, bool json)
    {
        using var database = CommonOptions.OpenExistingDatabase(context, dbPath, out var refused);
        if (database is null)
        {
            return refused;
        }

        if (CommonOptions.LoadSimilarity(context, database) is not { } loaded)
        {
            return ExitCodes.Fatal;
        }

        var tracks = new TrackRepository(database);
        var records = loaded.Index.TrackIds.Select(tracks.Get).OfType<TrackRecord>().ToDictionary(t => t.Id);
        var candidates = Duplicates.Candidates(database, records.Values);
        var groups = Duplicates.Find(candidates, SimilarityGraph.LoadOrBuild(database, loaded.Index), threshold);

        if (json)
        {
            WriteJson(context.Out, groups, records);
            return ExitCodes.Success;
        }

        var console = Consoles.For(context.Out);
        if (groups.Count == 0)
        {
            console.MarkupLine($"No duplicates among {candidates.Count} fingerprinted tracks (threshold {threshold.ToString("0.###", CultureInfo.InvariantCulture)}).");
            return ExitCodes.Success;
        }

        foreach (var group in groups)
        {
            console.MarkupLine(group.Kind == DuplicateKind.IdenticalAudio
                ? $"[bold]Identical audio[/], {group.TrackIds.Count} tracks:"
                : $"[bold]Near-identical[/], {group.TrackIds.Count} tracks (distance up to {group.MaxDistance.ToString("0.0000", CultureInfo.InvariantCulture)}):");
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn(new TableColumn("id").RightAligned()).AddColumn("track").AddColumn("album").AddColumn(new TableColumn("time").RightAligned())
                .AddColumn("format").AddColumn(new TableColumn("size").RightAligned()).AddColumn("path");
            foreach (var track in group.TrackIds.Select(id => records[id]))
            {
                table.AddRow(
                    track.Id.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(TrackNames.TitleAndArtist(track)),
                    Markup.Escape(track.Album ?? ""),
                    TrackNames.Duration(track.DurationSeconds),
                    Markup.Escape(FormatAndBitrate(track)),
                    (track.SizeBytes / 1_048_576.0).ToString("0.0 MB", CultureInfo.InvariantCulture),
                    Markup.Escape(track.FilePath));
            }

            console.Write(table);
        }

        var copies = groups.Sum(g => g.TrackIds.Count - 1);
        console.MarkupLine($"{groups.Count} groups: {copies} tracks could go if one of each group is kept.");
        return ExitCodes.Success;
    }

    /// <summary>"vorbis 160 kbit/s", "flac": what tells copies apart when choosing one to keep.</summary>
    private static string FormatAndBitrate(TrackRecord track)
    {
        var format = track.Codec ?? track.Format ?? Path.GetExtension(track.FilePath).TrimStart('.').ToLowerInvariant();
        return track.BitrateKbps is { } kbps ? $"{format} {kbps} kbit/s" : format;
    }

    /// <summary>The `duplicates --json` contract (README): an array of groups.</summary>
    private static void WriteJson(TextWriter output, IReadOnlyList<DuplicateGroup> groups, Dictionary<long, TrackRecord> records) =>
        JsonLines.WriteArray(output, w =>
        {
            foreach (var group in groups)
            {
                w.WriteStartObject();
                w.WriteString("kind", group.Kind == DuplicateKind.IdenticalAudio ? "identical_audio" : "near_identical");
                w.WriteNumber("max_distance", Math.Round(group.MaxDistance, 6));
                w.WriteStartArray("tracks");
                foreach (var track in group.TrackIds.Select(id => records[id]))
                {
                    w.WriteStartObject();
                    TrackJson.WriteFields(w, track);
                    w.WriteNumber("size_bytes", track.SizeBytes);
                    w.WriteString("codec", track.Codec);
                    if (track.BitrateKbps is { } kbps)
                    {
                        w.WriteNumber("bitrate_kbps", kbps);
                    }
                    else
                    {
                        w.WriteNull("bitrate_kbps");
                    }
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }
        });
}
