using System.CommandLine;
using System.Globalization;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Library.Provider;
using Auralis.Mastering;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis master IN OUT [--preset NAME] [--intensity X] [--format F] [--jobs N] [--force]
/// [--db FILE] [--write-sidecar] [--json] [--engine auto|native|managed]</c>: fingerprint IN,
/// plan (LWRP decision, preset, normalization), render in 15 s chunks to OUT with IN's tags, and
/// report the decision and what the output measures. IN a folder: every audio file under it,
/// mirrored into the folder OUT (<see cref="MasterBatch"/>).
/// </summary>
internal static class MasterCommand
{
    /// <summary>What `master` writes, by the name --format takes (the file extension without its dot).</summary>
    public static readonly string[] Formats = ["flac", "wav", "ogg", "mp3"];

    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = "Audio file to master (any format `auralis fingerprint` reads), or a folder of them." };
        var output = new Argument<string>("OUT")
        {
            Description = "Mastered file to write: .flac (24-bit), .wav (32-bit float), .ogg (Vorbis) or .mp3; or, when IN is a folder, the folder to mirror it into.",
        };
        var preset = new Option<string>("--preset")
        {
            Description = $"Mastering preset: {string.Join(", ", MasteringPresets.Names)}.",
            DefaultValueFactory = _ => MasteringPresets.Adaptive.Name,
        };
        preset.AcceptOnlyFromAmong([.. MasteringPresets.Names]);
        var intensity = new Option<double>("--intensity")
        {
            Description = "Dry/wet blend from 0 (the input, untouched) to 1 (fully mastered).",
            DefaultValueFactory = _ => 1.0,
        };
        intensity.Validators.Add(r =>
        {
            // Read the token, not the converted value: a token that is no number already has its
            // parse error, and asking for its value would throw instead.
            var token = r.Tokens.Count > 0 ? r.Tokens[^1].Value : null;
            if (token is not null
                && double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                && !(value >= 0.0 && value <= 1.0))
            {
                r.AddError($"--intensity must be between 0 and 1, got {token}");
            }
        });
        var format = new Option<string?>("--format")
        {
            Description = "Output format for a folder: flac (default), wav, ogg or mp3. A single OUT file takes the format its extension names.",
        };
        format.AcceptOnlyFromAmong(Formats);
        var jobs = new Option<int>("--jobs", "-j")
        {
            Description = "Files mastered at once when IN is a folder (default: one per core).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        CommonOptions.AtLeastOne(jobs, "--jobs must be at least 1");
        var force = new Option<bool>("--force") { Description = "With a folder: master again files whose output already exists (without it they are skipped)." };
        var database = CommonOptions.Database();
        database.Description = "Library database to take fingerprints from (default: $AURALIS_DB or ~/.local/share/auralis/library.db, when it exists; master never creates one).";
        var writeSidecar = new Option<bool>("--write-sidecar")
        {
            Description = "Store a computed fingerprint as a .25d sidecar beside an input that is not in the library (library tracks get theirs as in a scan).",
        };
        var json = CommonOptions.Json();
        var engine = CommonOptions.Engine();
        var command = new Command("master", "Master a file, or a folder of them, adaptively: LWRP decision, preset EQ and dynamics, loudness normalization, true-peak limiting; tags copied.")
        {
            input, output, preset, intensity, format, jobs, force, database, writeSidecar, json, engine,
        };
        command.SetAction(parse =>
        {
            var settings = new MasterSettings(
                parse.GetValue(preset)!, parse.GetValue(intensity), parse.GetValue(format), parse.GetValue(jobs), parse.GetValue(force),
                parse.GetValue(database), parse.GetValue(writeSidecar), parse.GetValue(json), parse.GetValue(engine)!);
            var inputPath = parse.GetValue(input)!;
            return Directory.Exists(inputPath)
                ? MasterBatch.Run(context, inputPath, parse.GetValue(output)!, settings)
                : Run(context, inputPath, parse.GetValue(output)!, settings);
        });
        return command;
    }

    private static int Run(CliContext context, string inputPath, string outputPath, MasterSettings settings)
    {
        if (!File.Exists(inputPath))
        {
            context.Error.WriteLine($"auralis: error: {inputPath}: no such file or folder");
            return ExitCodes.Usage;
        }

        if (Directory.Exists(outputPath))
        {
            // A folder for one file: the file goes into it under its own name.
            outputPath = Path.Combine(outputPath, Path.GetFileNameWithoutExtension(inputPath) + "." + (settings.Format ?? "flac"));
        }

        var extension = Path.GetExtension(outputPath).TrimStart('.').ToLowerInvariant();
        if (!Formats.Contains(extension))
        {
            context.Error.WriteLine($"auralis: error: cannot write {outputPath}: the output must end in .flac, .wav, .ogg or .mp3 (got \"{Path.GetExtension(outputPath)}\")");
            return ExitCodes.Usage;
        }

        if (settings.Format is { } wanted && wanted != extension)
        {
            context.Error.WriteLine($"auralis: error: --format {wanted} but {outputPath} is a .{extension} file; the extension of a single OUT file chooses its format");
            return ExitCodes.Usage;
        }

        if (string.Equals(Path.GetFullPath(inputPath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
        {
            context.Error.WriteLine($"auralis: error: {outputPath} is also the input; write the mastered file somewhere else");
            return ExitCodes.Usage;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        if (!Directory.Exists(folder))
        {
            context.Error.WriteLine($"auralis: error: cannot write {outputPath}: the folder {folder} does not exist");
            return ExitCodes.Usage;
        }

        using var pipeline = MasterPipeline.Open(context, settings.Engine, settings.DatabasePath, settings.WriteSidecar, out var exitCode);
        if (pipeline is null)
        {
            return exitCode;
        }

        MasteredFile mastered;
        using var interrupt = new Interruption(context, $"{outputPath} will not be written");
        try
        {
            mastered = pipeline.Master(inputPath, outputPath, settings.Preset, settings.Intensity, interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.Requested)
        {
            context.Error.WriteLine($"auralis: interrupted: {outputPath} was not written");
            return ExitCodes.Interrupted;
        }
        catch (FingerprintUnavailableException e)
        {
            return context.Fail(e.InnerException?.Message ?? e.Message);
        }
        catch (Exception e) when (e is AudioDecodeException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return context.Fail(e.Message);
        }

        foreach (var warning in mastered.Warnings)
        {
            context.Notice(warning);
        }

        if (settings.Json)
        {
            WriteJson(context.Out, mastered);
        }
        else
        {
            WriteSummary(context.Out, mastered);
        }

        return ExitCodes.Success;
    }

    private static double Round(double value) => Math.Round(value, 6);

    /// <summary>The `master --json` contract of the README: {"input", "lwrp", "preset", "intensity", "output"}.</summary>
    private static void WriteJson(TextWriter output, MasteredFile mastered) =>
        JsonLines.Write(output, json =>
        {
            var (fingerprint, plan, intensity, measured) = (mastered.Fingerprint, mastered.Plan, mastered.Intensity, mastered.Measured);
            json.WriteStartObject("input");
            json.WriteNumber("lufs", Round(fingerprint["lufs"]));
            json.WriteNumber("crest_db", Round(fingerprint["crest_db"]));
            json.WriteEndObject();
            json.WriteStartObject("lwrp");
            json.WriteString("zone", plan.Lwrp.ZoneName);
            json.WriteNumber("expansion", Round(plan.Lwrp.Expansion));
            json.WriteEndObject();
            json.WriteString("preset", plan.PresetName);
            json.WriteNumber("intensity", intensity);
            json.WriteStartObject("output");
            json.WriteNumber("lufs", Round(measured.IntegratedLufs));
            json.WriteNumber("true_peak_dbtp", Round(measured.TruePeakDbtp));
            json.WriteNumber("crest_db", Round(measured.CrestDb));
            json.WriteEndObject();
        }, indented: true);

    private static void WriteSummary(TextWriter output, MasteredFile mastered)
    {
        var (inputPath, outputPath, fingerprint, source) = (mastered.Input, mastered.Output, mastered.Fingerprint, mastered.FingerprintSource);
        var (plan, intensity, measured) = (mastered.Plan, mastered.Intensity, mastered.Measured);
        var i = CultureInfo.InvariantCulture;
        var lwrp = plan.Lwrp;
        var decision = lwrp.Zone switch
        {
            LwrpZone.CompressedLoud => string.Format(i, "LUFS > -12, crest < 13 dB: no compression; expansion e = max(0.1, (13 - {0:F2}) / 10) = {1:F2}, then {2:+0.0;-0.0} dB", lwrp.CrestDb, lwrp.Expansion, lwrp.TrimDb),
            LwrpZone.DynamicLoud => "LUFS > -12, crest >= 13 dB: dynamics left alone, safety limiting only",
            _ => "LUFS <= -12: the full adaptive chain",
        };
        var s = plan.Settings;
        var dynamics = plan.Dynamics switch
        {
            DynamicsMode.Compressor => string.Format(i, "compressor {0:F2}:1 above {1:F1} dBFS ({2:0.#}/{3:0.#} ms)", s.Compressor.Ratio, s.Compressor.ThresholdDb, s.Compressor.AttackMs, s.Compressor.ReleaseMs),
            DynamicsMode.Expander => string.Format(i, "expander e = {0:F2}", lwrp.Expansion),
            _ => "no compressor",
        };
        output.WriteLine(string.Format(i, "input      {0}: {1:F2} LUFS, crest {2:F2} dB (fingerprint: {3})", inputPath, fingerprint["lufs"], fingerprint["crest_db"], source));
        output.WriteLine(string.Format(i, "lwrp       {0}: {1}", lwrp.ZoneName, decision));
        output.WriteLine(string.Format(i, "preset     {0}: target {1:0.##} LUFS, ceiling {2:0.##} dBTP; intensity {3:0.###}", plan.PresetName, s.TargetLufs, s.CeilingDbtp, intensity));
        output.WriteLine(string.Format(
            i,
            "chain      EQ {0:+0.0;-0.0;0.0}/{1:+0.0;-0.0;0.0}/{2:+0.0;-0.0;0.0}/{3:+0.0;-0.0;0.0}/{4:+0.0;-0.0;0.0} dB, {5}, normalization {6:+0.00;-0.00} dB{7}",
            s.Eq.LowShelfDb, s.Eq.LowMidDb, s.Eq.MidDb, s.Eq.HighMidDb, s.Eq.HighShelfDb, dynamics, plan.NormalizationGainDb,
            plan.TargetReachable ? "" : " (capped: the target would need more than 3 dB of limiting)"));
        output.WriteLine(string.Format(i, "output     {0}: {1:F2} LUFS, true peak {2:F2} dBTP, crest {3:F2} dB", outputPath, measured.IntegratedLufs, measured.TruePeakDbtp, measured.CrestDb));
        output.Flush();
    }
}

/// <summary>The options of `auralis master`, as parsed.</summary>
internal sealed record MasterSettings(
    string Preset, double Intensity, string? Format, int Jobs, bool Force, string? DatabasePath, bool WriteSidecar, bool Json, string Engine);
