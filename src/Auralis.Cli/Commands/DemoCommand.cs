using System.CommandLine;
using System.Diagnostics;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Demo;
using Auralis.Fingerprinting;
using Spectre.Console;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis demo</c>: the main job on an embedded default. Uses $AURALIS_MUSIC when set, else
/// generates the demo library once into the cache folder, then fingerprints every track and
/// shows what the fingerprints say about each one.
/// </summary>
internal static class DemoCommand
{
    private static readonly string[] AudioExtensions = [".flac", ".mp3", ".ogg", ".opus", ".wav", ".aiff", ".aif", ".m4a"];

    public static Command Create(CliContext context)
    {
        var engine = CommonOptions.Engine();
        var command = new Command("demo", "Fingerprint a demo library ($AURALIS_MUSIC, or generated tracks made once into the cache folder).") { engine };
        command.SetAction(parse => Run(context, parse.GetValue(engine)!));
        return command;
    }

    private static int Run(CliContext context, string engineChoice)
    {
        var console = Consoles.For(context.Out);
        var selected = CommonOptions.SelectEngine(context, engineChoice);
        if (selected is null)
        {
            return ExitCodes.Fatal;
        }

        IReadOnlyList<string> paths;
        var music = Environment.GetEnvironmentVariable("AURALIS_MUSIC");
        if (!string.IsNullOrWhiteSpace(music))
        {
            if (!Directory.Exists(music))
            {
                return context.Fail($"AURALIS_MUSIC is set to '{music}', which is not a folder");
            }

            paths = Directory.EnumerateFiles(music, "*", SearchOption.AllDirectories)
                .Where(p => AudioExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
                .Order(StringComparer.Ordinal)
                .ToList();
            console.MarkupLine($"Demo library: [bold]{Markup.Escape(music)}[/] (AURALIS_MUSIC), {paths.Count} audio files");
        }
        else
        {
            var folder = DemoLibrary.DefaultFolder;
            var started = Stopwatch.StartNew();
            (paths, var generated) = DemoLibrary.Ensure(folder);
            console.MarkupLine(generated
                ? $"Generated the demo library in [bold]{Markup.Escape(folder)}[/] ({paths.Count} tracks, {started.Elapsed.TotalSeconds:0.0} s)"
                : $"Demo library: [bold]{Markup.Escape(folder)}[/] ({paths.Count} generated tracks; set AURALIS_MUSIC to use your own music)");
        }

        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("track").AddColumn(new TableColumn("LUFS").RightAligned()).AddColumn(new TableColumn("crest dB").RightAligned())
            .AddColumn(new TableColumn("BPM").RightAligned()).AddColumn(new TableColumn("bass %").RightAligned())
            .AddColumn(new TableColumn("width").RightAligned()).AddColumn(new TableColumn("silence").RightAligned()).AddColumn("character");
        var failures = new List<string>();
        var timer = Stopwatch.StartNew();
        double audioSeconds = 0;
        foreach (var path in paths)
        {
            try
            {
                var result = FileFingerprinter.Compute(path, selected);
                audioSeconds += result.DurationSeconds;
                var f = result.Fingerprint;
                table.AddRow(
                    Markup.Escape(Path.GetFileNameWithoutExtension(path)),
                    f["lufs"].ToString("0.0"),
                    f["crest_db"].ToString("0.0"),
                    f["tempo_bpm"] > 0 ? f["tempo_bpm"].ToString("0") : "-",
                    (f["sub_bass_pct"] + f["bass_pct"]).ToString("0"),
                    f["stereo_width"].ToString("0.00"),
                    f["silence_ratio"].ToString("0.00"),
                    Markup.Escape(Describe(f)));
            }
            catch (Exception e) when (e is AudioDecodeException or FingerprintException)
            {
                failures.Add(e.Message);
            }
        }

        console.Write(table);
        var rate = timer.Elapsed.TotalSeconds > 0 ? audioSeconds / timer.Elapsed.TotalSeconds : 0;
        console.MarkupLine(
            $"{paths.Count - failures.Count} of {paths.Count} tracks fingerprinted with the {selected.Name} engine in {timer.Elapsed.TotalSeconds:0.00} s " +
            $"({audioSeconds / 60:0.0} min of audio, {rate:0}x realtime including decoding).");
        foreach (var failure in failures)
        {
            context.Error.WriteLine($"auralis: failed: {failure}");
        }

        return failures.Count == 0 ? ExitCodes.Success : ExitCodes.SomeTracksFailed;
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
