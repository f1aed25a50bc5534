using System.CommandLine;
using System.Diagnostics;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Demo;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis demo</c>: the main job on an embedded default. Uses $AURALIS_MUSIC when set, else
/// generates the demo library once into the cache folder, then fingerprints every track and
/// shows what the fingerprints say about each one.
/// </summary>
internal static class DemoCommand
{

    public static Command Create(CliContext context)
    {
        var engine = CommonOptions.Engine();
        var db = CommonOptions.Database();
        var command = new Command("demo", "Scan a demo library ($AURALIS_MUSIC, or generated tracks made once into the cache folder) into the library database and show what the fingerprints say.") { engine, db };
        command.SetAction(parse => Run(context, parse.GetValue(engine)!, parse.GetValue(db)));
        return command;
    }

    private static int Run(CliContext context, string engineChoice, string? dbPath)
    {
        var console = Consoles.For(context.Out);
        var selected = CommonOptions.SelectEngine(context, engineChoice);
        if (selected is null)
        {
            return ExitCodes.Fatal;
        }

        IReadOnlyList<string> paths;
        var music = Environment.GetEnvironmentVariable("AURALIS_MUSIC");
        var folder = Path.GetFullPath(string.IsNullOrWhiteSpace(music) ? DemoLibrary.DefaultFolder : music);
        if (!string.IsNullOrWhiteSpace(music))
        {
            if (!Directory.Exists(music))
            {
                return context.Fail($"AURALIS_MUSIC is set to '{music}', which is not a folder");
            }

            paths = Directory.EnumerateFiles(music, "*", SearchOption.AllDirectories)
                .Where(AudioFiles.HasAudioExtension)
                .Order(StringComparer.Ordinal)
                .ToList();
            console.MarkupLine($"Demo library: [bold]{Markup.Escape(music)}[/] (AURALIS_MUSIC), {paths.Count} audio files");
        }
        else
        {
            var started = Stopwatch.StartNew();
            (paths, var generated) = DemoLibrary.Ensure(folder);
            console.MarkupLine(generated
                ? $"Generated the demo library in [bold]{Markup.Escape(folder)}[/] ({paths.Count} tracks, {started.Elapsed.TotalSeconds:0.0} s)"
                : $"Demo library: [bold]{Markup.Escape(folder)}[/] ({paths.Count} generated tracks; set AURALIS_MUSIC to use your own music)");
        }

        using var database = CommonOptions.OpenDatabase(context, dbPath);
        if (database is null)
        {
            return ExitCodes.Fatal;
        }

        console.MarkupLine($"Scanning it into [bold]{Markup.Escape(database.Path)}[/] with the {selected.Name} engine:");
        var exit = ScanCommand.Execute(context, database, [folder], Environment.ProcessorCount, ScanOutputs.All, json: false, selected);
        if (exit is ExitCodes.Fatal or ExitCodes.Usage or ExitCodes.Interrupted)
        {
            return exit;
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("track").AddColumn(new TableColumn("LUFS").RightAligned()).AddColumn(new TableColumn("crest dB").RightAligned())
            .AddColumn(new TableColumn("BPM").RightAligned()).AddColumn(new TableColumn("bass %").RightAligned())
            .AddColumn(new TableColumn("width").RightAligned()).AddColumn(new TableColumn("silence").RightAligned()).AddColumn("character");
        var tracks = new TrackRepository(database);
        var fingerprints = new FingerprintRepository(database);
        foreach (var path in paths)
        {
            if (tracks.GetByPath(Path.GetFullPath(path)) is not { } track || fingerprints.Get(track.Id) is not { } stored)
            {
                continue;
            }

            var f = stored.Fingerprint;
            table.AddRow(
                Markup.Escape(TrackNames.Title(track)),
                f["lufs"].ToString("0.0"),
                f["crest_db"].ToString("0.0"),
                f["tempo_bpm"] > 0 ? f["tempo_bpm"].ToString("0") : "-",
                (f["sub_bass_pct"] + f["bass_pct"]).ToString("0"),
                f["stereo_width"].ToString("0.00"),
                f["silence_ratio"].ToString("0.00"),
                Markup.Escape(Describe(f)));
        }

        console.Write(table);
        console.MarkupLine("What each column is: LUFS = integrated loudness, crest = peak-to-RMS ratio (low means compressed), " +
            "BPM = tempo (- when there is no steady pulse), bass % = share of power below 250 Hz, width = stereo width (0 = mono).");
        ShowSimilarAndMastering(console, database, paths);
        console.MarkupLine("Next: [bold]auralis status[/] for the library, [bold]auralis fingerprint FILE[/] for all 25 dimensions of one file, " +
            "[bold]auralis master IN OUT[/] to master one, [bold]auralis serve --root DIR[/] for the web player.");
        return exit;
    }

    /// <summary>Two similar-track lists and the mastering decision (docs/mastering.md) for the loudest track.</summary>
    private static void ShowSimilarAndMastering(IAnsiConsole console, LibraryDatabase database, IReadOnlyList<string> paths)
    {
        var tracks = new TrackRepository(database);
        var fingerprints = new FingerprintRepository(database);
        var known = paths.Select(p => tracks.GetByPath(Path.GetFullPath(p)))
            .Where(t => t is not null && fingerprints.Exists(t.Id)).Select(t => t!).ToList();
        if (known.Count < 2)
        {
            return;
        }

        var index = Auralis.Similarity.LibrarySimilarity.Load(database).Index;
        foreach (var track in known.Take(2))
        {
            var near = index.Nearest(track.Id, 3)
                .Select(n => $"{(tracks.Get(n.TrackId) is { } other ? TrackNames.Title(other) : "(removed)")} ({n.Distance:0.00})");
            console.MarkupLine($"Most similar to [bold]{Markup.Escape(TrackNames.Title(track))}[/]: {Markup.Escape(string.Join(", ", near))}");
        }

        var loudest = known.Select(t => (Track: t, Fingerprint: fingerprints.Get(t.Id)!.Fingerprint)).MaxBy(t => t.Fingerprint["lufs"]);
        var decision = Auralis.Mastering.Lwrp.Decide(loudest.Fingerprint["lufs"], loudest.Fingerprint["crest_db"]);
        var what = decision.Zone switch
        {
            Auralis.Mastering.LwrpZone.CompressedLoud => $"loud and compressed: no compression, expansion {decision.Expansion:0.00} to restore its dynamics, then {decision.TrimDb:0.0} dB",
            Auralis.Mastering.LwrpZone.DynamicLoud => "loud but dynamic: dynamics left alone, safety limiting only",
            _ => "quiet: the full adaptive chain",
        };
        console.MarkupLine($"Mastering decision for the loudest, [bold]{Markup.Escape(TrackNames.Title(loudest.Track))}[/] " +
            $"({decision.Lufs:0.0} LUFS, crest {decision.CrestDb:0.0} dB): {decision.ZoneName}, {Markup.Escape(what)}.");
    }

    /// <summary>A few words from the numbers, so a newcomer sees what the fingerprint captures.</summary>
    private static string Describe(Fingerprint f)
    {
        var words = new List<string>();
        if (f["lufs"] > -12 && f["crest_db"] < 13)
        {
            words.Add("loud & compressed");
        }
        else if (f["lufs"] < -20)
        {
            words.Add("quiet");
        }

        if (f["crest_db"] >= 15)
        {
            words.Add("dynamic");
        }

        if (f["sub_bass_pct"] + f["bass_pct"] > 60)
        {
            words.Add("bass-heavy");
        }

        if (f["spectral_centroid"] > 0.12)
        {
            words.Add("bright");
        }

        if (f["stereo_width"] > 0.3)
        {
            words.Add("wide");
        }
        else if (f["stereo_width"] < 0.01)
        {
            words.Add("mono");
        }

        if (f["transient_density"] > 0.4)
        {
            words.Add("busy rhythm");
        }

        if (f["silence_ratio"] > 0.2)
        {
            words.Add("sparse");
        }

        if (f["harmonic_ratio"] > 0.8)
        {
            words.Add("tonal");
        }

        return words.Count > 0 ? string.Join(", ", words) : "balanced";
    }
}
