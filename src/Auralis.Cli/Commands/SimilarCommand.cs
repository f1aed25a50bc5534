using System.CommandLine;
using System.Globalization;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Similarity;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary><c>auralis similar (TRACK_ID | FILE) [-k N] [--db PATH] [--json]</c>: the nearest tracks of the library.</summary>
internal static class SimilarCommand
{
    public static Command Create(CliContext context)
    {
        var target = new Argument<string>("TRACK_ID|FILE") { Description = "A track id of the library, or an audio file (fingerprinted on the fly when it is not in the library)." };
        var k = new Option<int>("-k") { Description = "How many similar tracks.", DefaultValueFactory = _ => 10 };
        CommonOptions.AtLeastOne(k, "-k must be at least 1");
        var db = CommonOptions.Database();
        var json = CommonOptions.Json();
        var refit = new Option<bool>("--refit") { Description = "Refit the normalizer on the library before searching." };
        var command = new Command("similar", "Find the tracks that sound most alike (weighted distance over the normalized 25D fingerprints).") { target, k, db, json, refit };
        command.SetAction(parse => Run(context, parse.GetValue(target)!, parse.GetValue(k), parse.GetValue(db), parse.GetValue(json), parse.GetValue(refit)));
        return command;
    }

    private static int Run(CliContext context, string target, int k, string? dbPath, bool json, bool refit)
    {
        using var database = CommonOptions.OpenExistingDatabase(context, dbPath, out var refused);
        if (database is null)
        {
            return refused;
        }

        var tracks = new TrackRepository(database);
        if (CommonOptions.LoadSimilarity(context, database, refit: refit) is not { } loaded)
        {
            return ExitCodes.Fatal;
        }

        IReadOnlyList<Neighbor> neighbors;
        long? queryId = null;
        if (long.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && tracks.Get(id) is not null)
        {
            if (!new FingerprintRepository(database).Exists(id))
            {
                return context.Fail($"track {id} has no fingerprint yet ({tracks.Get(id)!.Status.ToString().ToLowerInvariant()}); run `auralis scan` first");
            }

            neighbors = loaded.Index.Nearest(id, k);
            queryId = id;
        }
        else if (File.Exists(target) || Directory.Exists(target))
        {
            var path = Path.GetFullPath(target);
            if (tracks.GetByPath(path) is { } known && new FingerprintRepository(database).Exists(known.Id))
            {
                neighbors = loaded.Index.Nearest(known.Id, k);
                queryId = known.Id;
            }
            else
            {
                var engine = CommonOptions.SelectEngine(context, "auto");
                if (engine is null)
                {
                    return ExitCodes.Fatal;
                }

                try
                {
                    neighbors = loaded.Index.Nearest(FileFingerprinter.Compute(path, engine).Fingerprint, k);
                }
                catch (Exception e) when (e is AudioDecodeException or FingerprintException)
                {
                    return context.Fail(e.Message);
                }
            }
        }
        else
        {
            context.Error.WriteLine($"auralis: error: '{target}' is neither a track id of {database.Path} nor an existing file (`auralis list` shows the ids)");
            return ExitCodes.Usage;
        }

        var rows = neighbors.Select(n => (n.TrackId, Track: tracks.Get(n.TrackId), n.Distance)).ToList();
        if (json)
        {
            JsonLines.WriteArray(context.Out, w =>
            {
                foreach (var (trackId, track, distance) in rows)
                {
                    w.WriteStartObject();
                    w.WriteNumber("track_id", trackId);
                    w.WriteString("path", track?.FilePath ?? "(removed)");
                    w.WriteString("title", track is null ? null : TrackNames.Title(track));
                    w.WriteString("artist", track?.Artist);
                    w.WriteString("album", track?.Album);
                    w.WriteNumber("distance", Math.Round(distance, 6));
                    w.WriteEndObject();
                }
            });
            return ExitCodes.Success;
        }

        var console = Consoles.For(context.Out);
        if (loaded.Refitted)
        {
            console.MarkupLine($"[grey](normalizer fitted on {loaded.TrackCount} tracks)[/]");
        }

        if (queryId is { } shown && tracks.Get(shown) is { } query)
        {
            console.MarkupLine($"Most like [bold]{Markup.Escape(TrackNames.TitleAndArtist(query))}[/] (track {shown}):");
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumn("#").AddColumn(new TableColumn("id").RightAligned()).AddColumn("track").AddColumn("album")
            .AddColumn(new TableColumn("distance").RightAligned());
        if (queryId is not null)
        {
            table.AddColumn("differs most in");
        }

        var rank = 1;
        foreach (var (trackId, track, distance) in rows)
        {
            var cells = new List<string>
            {
                (rank++).ToString(CultureInfo.InvariantCulture),
                trackId.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(track is null ? "(removed)" : TrackNames.TitleAndArtist(track)),
                Markup.Escape(track?.Album ?? ""),
                distance.ToString("0.0000", CultureInfo.InvariantCulture),
            };
            if (queryId is { } q)
            {
                // Why the distance is what it is: the dimensions that contribute most.
                var total = distance * distance;
                cells.Add(total <= 0 ? "(identical)" : string.Join(", ", loaded.Index.Explain(q, trackId).Take(3)
                    .Select(c => $"{c.Dimension} {100 * c.Contribution / total:0}%")));
            }

            table.AddRow(cells.ToArray());
        }

        console.Write(table);
        return ExitCodes.Success;
    }
}
