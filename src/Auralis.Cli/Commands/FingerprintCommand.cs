using System.CommandLine;
using Auralis.Audio;
using Auralis.Cli.Output;
using Auralis.Fingerprinting;

namespace Auralis.Cli.Commands;

/// <summary><c>auralis fingerprint FILE [--json] [--engine auto|native|managed] [--fingerprint-version 1|2]</c></summary>
internal static class FingerprintCommand
{
    public static Command Create(CliContext context)
    {
        var file = new Argument<string>("FILE") { Description = "Audio file (WAV, AIFF, FLAC, Ogg Vorbis, Opus, MP3; others through ffmpeg)." };
        var json = CommonOptions.Json();
        var engine = CommonOptions.Engine();
        var version = new Option<int>("--fingerprint-version")
        {
            Description = $"Definitions to compute: {Fingerprint.FingerprintVersion} (what the library stores) or {Fingerprint.DraftVersion} (in development, for comparison: its numbers may still change).",
            DefaultValueFactory = _ => Fingerprint.FingerprintVersion,
            HelpName = "N",
        };
        var command = new Command("fingerprint", "Compute the 25-dimension fingerprint of one audio file.") { file, json, engine, version };
        command.SetAction(parse => Run(context, parse.GetValue(file)!, parse.GetValue(json), parse.GetValue(engine)!, parse.GetValue(version)));
        return command;
    }

    private static int Run(CliContext context, string path, bool json, string engineChoice, int version)
    {
        if (version != Fingerprint.FingerprintVersion && version != Fingerprint.DraftVersion)
        {
            context.Error.WriteLine($"auralis: error: --fingerprint-version {version}: this build computes version {Fingerprint.FingerprintVersion}, and {Fingerprint.DraftVersion} in development");
            return ExitCodes.Usage;
        }

        if (!File.Exists(path))
        {
            context.Error.WriteLine(Directory.Exists(path)
                ? $"auralis: error: {path} is a folder; fingerprint takes one audio file (`auralis scan` takes folders)"
                : $"auralis: error: {path}: no such file");
            return ExitCodes.Usage;
        }

        var engine = CommonOptions.SelectEngine(context, engineChoice);
        if (engine is null)
        {
            return ExitCodes.Fatal;
        }

        FileFingerprint result;
        try
        {
            result = FileFingerprinter.Compute(path, engine, version);
        }
        catch (Exception e) when (e is AudioDecodeException or FingerprintException)
        {
            return context.Fail(e.Message);
        }

        if (json)
        {
            FingerprintJson.Write(context.Out, result);
        }
        else
        {
            FingerprintTable.Write(context.Out, result);
        }

        return ExitCodes.Success;
    }
}
