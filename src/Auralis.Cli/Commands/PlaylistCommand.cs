using System.CommandLine;
using System.Globalization;
using System.Text;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Auralis.Similarity;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis playlist SEED... [-n N] [--album] [--m3u FILE] [--json] [--db PATH]</c>: a playlist
/// that flows from the seeds (track ids or library files), each step a small change; with
/// <c>--album</c> whole albums, each next one nearest the last (docs/similarity.md, "Playlists").
/// </summary>
internal static class PlaylistCommand
{
    public static Command Create(CliContext context)
    {
        var seeds = new Argument<string[]>("SEED") { Description = "Track ids (see `auralis list`) or files of the library to start from, in order.", Arity = ArgumentArity.OneOrMore };
        var length = new Option<int>("-n") { Description = "How many tracks, seeds included.", DefaultValueFactory = _ => 30, HelpName = "N" };
        CommonOptions.AtLeastOne(length, "-n must be at least 1");
        var m3u = new Option<string?>("--m3u") { Description = "Also write the playlist as an extended M3U8 file (paths relative to its folder where they can be).", HelpName = "FILE" };
        var albums = new Option<bool>("--album") { Description = "Whole albums in their order: the seeds' albums first, then each next album the one that sounds nearest the last (-n: albums are added until there are at least N tracks)." };
        var db = CommonOptions.Database();
        var json = CommonOptions.Json();
        var command = new Command("playlist", "Make a playlist that flows from one or more seed tracks: each next track is the nearest to the one before, never a repeat or a copy of one.")
        {
            seeds, length, albums, m3u, db, json,
        };
        command.SetAction(parse => Run(context, parse.GetValue(seeds)!, parse.GetValue(length), parse.GetValue(albums), parse.GetValue(m3u), parse.GetValue(db), parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, string[] seedArguments, int length, bool wholeAlbums, string? m3uPath, string? dbPath, bool json)
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
        var seeds = new List<long>();
        foreach (var argument in seedArguments)
        {
            var track = long.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? tracks.Get(id)
                : File.Exists(argument) ? tracks.GetByPath(Path.GetFullPath(argument)) : null;
            if (track is null || !loaded.Index.Contains(track.Id))
            {
                context.Error.WriteLine(track is null
                    ? $"auralis: error: '{argument}' is neither a track id of {database.Path} nor a file of the library (`auralis list` shows the ids)"
                    : $"auralis: error: track {track.Id} ({TrackNames.Title(track)}) has no fingerprint yet ({track.Status.ToString().ToLowerInvariant()}); run `auralis scan` first");
                return ExitCodes.Usage;
            }

            seeds.Add(track.Id);
        }

        var entries = wholeAlbums ? LibraryPlaylist.MakeAlbums(database, loaded, seeds, length) : LibraryPlaylist.Make(database, loaded, seeds, length);

        if (m3uPath is not null && WriteM3u(context, m3uPath, entries.Select(e => e.Track).ToList()) is { } failure)
        {
            return failure;
        }

        if (json)
        {
            JsonLines.WriteArray(context.Out, w =>
            {
                foreach (var (track, step) in entries)
                {
                    w.WriteStartObject();
                    TrackJson.WriteFields(w, track);
                    w.WriteNumber("step_distance", Math.Round(step, 6));
                    w.WriteEndObject();
                }
            });
            return ExitCodes.Success;
        }

        var console = Consoles.For(context.Out);
        var table = new Table().Border(TableBorder.Rounded).AddColumn("#").AddColumn(new TableColumn("id").RightAligned()).AddColumn("track").AddColumn("album")
            .AddColumn(new TableColumn("time").RightAligned()).AddColumn(new TableColumn("step").RightAligned());
        var rank = 1;
        foreach (var (track, step) in entries)
        {
            table.AddRow(
                (rank++).ToString(CultureInfo.InvariantCulture),
                track.Id.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(TrackNames.TitleAndArtist(track)),
                Markup.Escape(track.Album ?? ""),
                TrackNames.Duration(track.DurationSeconds),
                rank == 2 ? "" : step.ToString("0.0000", CultureInfo.InvariantCulture));
        }

        console.Write(table);
        var steps = entries.Skip(1).Select(e => e.StepDistance).ToList();
        console.MarkupLine(steps.Count == 0
            ? $"{entries.Count} track."
            : $"{entries.Count} tracks, {TrackNames.Duration(entries.Sum(e => e.Track.DurationSeconds ?? 0))}; mean step {steps.Average().ToString("0.0000", CultureInfo.InvariantCulture)}{(m3uPath is null ? "" : $"; written to {Markup.Escape(m3uPath)}")}.");
        return ExitCodes.Success;
    }

    /// <summary>
    /// Extended M3U8: #EXTM3U, then per track #EXTINF:seconds,Artist - Title and its path, relative
    /// to the playlist's folder when the track lies under it. Written beside and renamed into
    /// place. Null on success, else the exit code after the error message.
    /// </summary>
    private static int? WriteM3u(CliContext context, string path, IReadOnlyList<TrackRecord> tracks)
    {
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            context.Error.WriteLine($"auralis: error: cannot write {path}: the folder {folder} does not exist");
            return ExitCodes.Usage;
        }

        var text = new StringBuilder("#EXTM3U\n");
        foreach (var track in tracks)
        {
            var seconds = track.DurationSeconds is { } d ? ((long)Math.Round(d)).ToString(CultureInfo.InvariantCulture) : "-1";
            var relative = Path.GetRelativePath(folder, track.FilePath);
            var entry = relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? track.FilePath : relative;
            text.Append(CultureInfo.InvariantCulture, $"#EXTINF:{seconds},{TrackNames.ArtistAndTitle(track)}\n{entry}\n");
        }

        var partial = $"{full}.{Environment.ProcessId}.partial";
        try
        {
            File.WriteAllText(partial, text.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(partial, full, overwrite: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(partial);
            return context.Fail($"cannot write {path}: {e.Message}");
        }
    }
}
