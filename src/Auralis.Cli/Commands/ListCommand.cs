using System.CommandLine;
using System.Globalization;
using Auralis.Cli.Output;
using Auralis.Library.Database;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis list [--search TEXT] [--artist A] [--album A] [--status S] [--sort KEY] [--desc] [--limit N] [--db PATH] [--json]</c>:
/// the tracks of the library with their ids (what `similar` takes), titles, durations and status.
/// </summary>
internal static class ListCommand
{
    /// <summary>Sort keys users type, and what they sort by.</summary>
    private static readonly Dictionary<string, TrackSort> SortKeys = new(StringComparer.Ordinal)
    {
        ["title"] = TrackSort.Title,
        ["artist"] = TrackSort.Artist,
        ["album"] = TrackSort.Album,
        ["duration"] = TrackSort.Duration,
        ["added"] = TrackSort.Id, // ids grow as tracks are added
        ["path"] = TrackSort.Path,
        ["status"] = TrackSort.Status,
        ["loudness"] = TrackSort.Lufs,
    };

    public static Command Create(CliContext context)
    {
        var search = new Option<string?>("--search") { Description = "Only tracks whose title, artist, album or path contains TEXT.", HelpName = "TEXT" };
        var artist = new Option<string?>("--artist") { Description = "Only tracks whose artist contains A (case and accents ignored).", HelpName = "A" };
        var album = new Option<string?>("--album") { Description = "Only tracks whose album contains A (case and accents ignored).", HelpName = "A" };
        var status = new Option<string?>("--status") { Description = "Only tracks with this fingerprint status.", HelpName = "STATUS" };
        status.AcceptOnlyFromAmong([.. Enum.GetNames<FingerprintStatus>().Select(n => n.ToLowerInvariant())]);
        var sort = new Option<string>("--sort") { Description = "Sort by title, artist, album, duration, added, path, status or loudness.", DefaultValueFactory = _ => "title" };
        sort.AcceptOnlyFromAmong([.. SortKeys.Keys]);
        var descending = new Option<bool>("--desc") { Description = "Sort in descending order." };
        var limit = new Option<int>("--limit") { Description = "Show at most N tracks (default: all).", DefaultValueFactory = _ => int.MaxValue, HelpName = "N" };
        CommonOptions.AtLeastOne(limit, "--limit must be at least 1");
        var db = CommonOptions.Database();
        var json = CommonOptions.Json();
        var command = new Command("list", "List the tracks of the library: ids, titles, artists, albums, durations and fingerprint status.")
        {
            search, artist, album, status, sort, descending, limit, db, json,
        };
        command.SetAction(parse => Run(
            context,
            new Filter(parse.GetValue(search), parse.GetValue(artist), parse.GetValue(album), parse.GetValue(status)),
            SortKeys[parse.GetValue(sort)!],
            parse.GetValue(descending),
            parse.GetValue(limit),
            parse.GetValue(db),
            parse.GetValue(json)));
        return command;
    }

    private static int Run(CliContext context, Filter filter, TrackSort sort, bool descending, int limit, string? dbPath, bool json)
    {
        using var database = CommonOptions.OpenExistingDatabase(context, dbPath, out var refused);
        if (database is null)
        {
            return refused;
        }

        var (rows, total) = Collect(new TrackRepository(database), filter, sort, descending, limit);
        if (json)
        {
            WriteJson(context.Out, rows);
            return ExitCodes.Success;
        }

        var console = Consoles.For(context.Out);
        if (rows.Count == 0)
        {
            console.MarkupLine(total == 0 ? "The library has no tracks yet: run `auralis scan DIR`." : $"No track of the {total} in the library matches.");
            return ExitCodes.Success;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn(new TableColumn("id").RightAligned()).AddColumn("title").AddColumn("artist").AddColumn("album")
            .AddColumn(new TableColumn("time").RightAligned()).AddColumn("format").AddColumn("status");
        foreach (var row in rows)
        {
            var t = row.Track;
            table.AddRow(
                t.Id.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(TrackNames.Title(t)),
                Markup.Escape(t.Artist ?? ""),
                Markup.Escape(t.Album ?? ""),
                TrackNames.Duration(t.DurationSeconds),
                Markup.Escape(t.Format ?? Path.GetExtension(t.FilePath).TrimStart('.').ToLowerInvariant()),
                t.Status == FingerprintStatus.Error ? "[red]error[/]" : t.Status.ToString().ToLowerInvariant());
        }

        console.Write(table);
        console.MarkupLine($"{rows.Count} of {total} tracks. `auralis similar ID` finds the tracks most like one.");
        return ExitCodes.Success;
    }

    /// <summary>The matching tracks in order (at most <paramref name="limit"/>), and how many tracks the library has.</summary>
    private static (List<TrackSummary> Rows, long Total) Collect(TrackRepository tracks, Filter filter, TrackSort sort, bool descending, int limit)
    {
        // The repository searches text and sorts; artist, album and status are narrowed here, a page at a time.
        const int page = 2_000;
        var rows = new List<TrackSummary>();
        var total = tracks.Count();
        for (var offset = 0; rows.Count < limit; offset += page)
        {
            var found = tracks.Search(filter.Search, sort, descending, page, offset);
            rows.AddRange(found.Tracks.Where(filter.Matches).Take(limit - rows.Count));
            if (found.Tracks.Count < page)
            {
                break;
            }
        }

        return (rows, total);
    }

    /// <summary>The `list --json` contract (README): an array of tracks.</summary>
    private static void WriteJson(TextWriter output, IReadOnlyList<TrackSummary> rows) => JsonLines.WriteArray(output, w =>
    {
        foreach (var row in rows)
        {
            w.WriteStartObject();
            TrackJson.WriteFields(w, row.Track);
            w.WriteString("status", row.Track.Status.ToString().ToLowerInvariant());
            w.WriteRounded("lufs", row.Lufs, 2);
            w.WriteString("error", row.Track.FingerprintErrorMessage);
            w.WriteEndObject();
        }
    });

    /// <summary>What --artist, --album and --status keep; text matches ignore case and accents, and treat _, - and spaces alike (as --search does).</summary>
    private sealed record Filter(string? Search, string? Artist, string? Album, string? Status)
    {
        public bool Matches(TrackSummary row) =>
            Contains(row.Track.Artist, Artist)
            && Contains(row.Track.Album, Album)
            && (Status is null || string.Equals(row.Track.Status.ToString(), Status, StringComparison.OrdinalIgnoreCase));

        private static bool Contains(string? value, string? wanted) =>
            string.IsNullOrEmpty(wanted) || (value is not null && TextFold.Fold(value).Contains(TextFold.Fold(wanted), StringComparison.Ordinal));
    }
}
