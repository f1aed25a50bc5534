using System.CommandLine;
using System.Globalization;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Library.Sidecars;
using Auralis.Server.Fingerprints;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;

namespace Auralis.Cli.Commands;

/// <summary>
/// <c>auralis master IN OUT [--preset NAME] [--intensity X] [--json] [--engine auto|native|managed]</c>:
/// fingerprint IN, plan (LWRP decision, preset, normalization), render in 15 s chunks to OUT
/// (WAV or FLAC by extension) and report the decision and what the output measures.
/// </summary>
internal static class MasterCommand
{
    private static readonly string[] OutputExtensions = [".wav", ".flac"];

    public static Command Create(CliContext context)
    {
        var input = new Argument<string>("IN") { Description = "Audio file to master (any format `auralis fingerprint` reads)." };
        var output = new Argument<string>("OUT") { Description = "Mastered file to write: .wav (32-bit float) or .flac (24-bit)." };
        output.Validators.Add(r =>
        {
            var path = r.GetValueOrDefault<string>() ?? "";
            var extension = Path.GetExtension(path).ToLowerInvariant();
            if (!OutputExtensions.Contains(extension))
            {
                r.AddError($"cannot write {path}: the output must end in .wav or .flac (got \"{extension}\")");
            }
        });
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
        var json = CommonOptions.Json();
        var engine = CommonOptions.Engine();
        var command = new Command("master", "Master a file adaptively: LWRP decision, preset EQ and dynamics, loudness normalization, true-peak limiting.")
        {
            input, output, preset, intensity, json, engine,
        };
        command.SetAction(parse => Run(
            context, parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(preset)!, parse.GetValue(intensity), parse.GetValue(json), parse.GetValue(engine)!));
        return command;
    }

    private static int Run(CliContext context, string inputPath, string outputPath, string presetName, double intensity, bool json, string engineChoice)
    {
        if (string.Equals(Path.GetFullPath(inputPath), Path.GetFullPath(outputPath), StringComparison.Ordinal))
        {
            context.Error.WriteLine($"auralis: error: {outputPath} is also the input; write the mastered file somewhere else");
            return ExitCodes.Usage;
        }

        if (!File.Exists(inputPath))
        {
            context.Error.WriteLine(Directory.Exists(inputPath)
                ? $"auralis: error: {inputPath} is a folder; master takes one audio file"
                : $"auralis: error: {inputPath}: no such file");
            return ExitCodes.Usage;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        if (!Directory.Exists(folder))
        {
            context.Error.WriteLine($"auralis: error: cannot write {outputPath}: the folder {folder} does not exist");
            return ExitCodes.Usage;
        }

        if (FingerprintInput(context, inputPath, engineChoice) is not var (fingerprint, fingerprintSource))
        {
            return ExitCodes.Fatal;
        }

        MasteringPlan plan;
        ProgrammeMeasurement measured;
        using var interrupt = new Interruption(context, $"{outputPath} will not be written");
        try
        {
            var source = new AudioFilePcmSource(inputPath);
            plan = MasteringPlanner.Plan(fingerprint, source, presetName);
            measured = Render(source, plan, intensity, outputPath, interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.Requested)
        {
            context.Error.WriteLine($"auralis: interrupted: {outputPath} was not written");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is AudioDecodeException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return context.Fail(e.Message);
        }

        if (json)
        {
            WriteJson(context.Out, fingerprint, plan, intensity, measured);
        }
        else
        {
            WriteSummary(context.Out, inputPath, outputPath, fingerprint, fingerprintSource, plan, intensity, measured);
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// The input's fingerprint through the lookup order of docs/server.md: the library database
    /// (when it exists; `master` never creates one), the file's sidecar, the fingerprint server
    /// named by $AURALIS_SERVER (its gRPC address; $AURALIS_TOKEN when it wants one), then local
    /// extraction. A server that did not answer is reported, never silently skipped (the tool Auralis replaces lost a day of work to exactly that).
    /// Null after an error message.
    /// </summary>
    private static (Fingerprint Fingerprint, string Source)? FingerprintInput(CliContext context, string path, string engineChoice)
    {
        var engine = CommonOptions.SelectEngine(context, engineChoice);
        if (engine is null)
        {
            return null;
        }

        var databasePath = LibraryDatabase.DefaultPath;
        using var pool = File.Exists(databasePath) ? TryPool(context, databasePath) : null;
        var serverAddress = Environment.GetEnvironmentVariable("AURALIS_SERVER");
        using var server = string.IsNullOrWhiteSpace(serverAddress) ? null
            : new RemoteFingerprinter(new Uri(serverAddress.Contains("://", StringComparison.Ordinal) ? serverAddress : "http://" + serverAddress), Environment.GetEnvironmentVariable("AURALIS_TOKEN"));
        var provider = new FingerprintProvider(new FingerprintProviderOptions
        {
            Database = pool,
            Sidecars = new SidecarStore(),
            Server = server,
            Engine = engine,
        });
        try
        {
            var provided = provider.GetAsync(path).GetAwaiter().GetResult();
            foreach (var note in provided.Trail.Where(t => t.StartsWith("server ", StringComparison.Ordinal)).Concat(provided.Warnings))
            {
                context.Notice(note);
            }

            return (provided.Fingerprint, provided.Source.Name());
        }
        catch (FingerprintUnavailableException e)
        {
            context.Fail(e.InnerException?.Message ?? e.Message);
            return null;
        }
    }

    private static LibraryDatabasePool? TryPool(CliContext context, string path)
    {
        try
        {
            return new LibraryDatabasePool(path);
        }
        catch (LibraryDatabaseException e)
        {
            context.Notice($"library database not used: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Renders chunk by chunk into a temporary file beside OUT, measuring as it goes, and moves it
    /// into place only when complete: a failed or interrupted render never leaves a truncated OUT.
    /// </summary>
    private static ProgrammeMeasurement Render(IPcmSource source, MasteringPlan plan, double intensity, string outputPath, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var partial = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(outputPath)}.partial{Path.GetExtension(outputPath)}");
        var meter = new ProgrammeMeter(plan.SampleRate, plan.Channels);
        try
        {
            using (var sink = AudioFileWriter.Create(partial, plan.SampleRate, plan.Channels))
            using (var renderer = MasteringRenderer.Open(source, plan, intensity))
            {
                while (renderer.RenderNext(cancellationToken: cancellationToken) is { } chunk)
                {
                    sink.Write(chunk.Samples);
                    meter.Push(chunk.Samples);
                }
            }

            File.Move(partial, outputPath, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        return meter.Finish();
    }

    private static double Round(double value) => Math.Round(value, 6);

    /// <summary>The `master --json` contract of the README: {"input", "lwrp", "preset", "intensity", "output"}.</summary>
    private static void WriteJson(TextWriter output, Fingerprint fingerprint, MasteringPlan plan, double intensity, ProgrammeMeasurement measured) =>
        JsonLines.Write(output, json =>
        {
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

    private static void WriteSummary(TextWriter output, string inputPath, string outputPath, Fingerprint fingerprint, string source, MasteringPlan plan, double intensity, ProgrammeMeasurement measured)
    {
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
