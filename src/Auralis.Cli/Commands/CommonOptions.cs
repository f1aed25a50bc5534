using System.CommandLine;
using Auralis.Fingerprinting;

namespace Auralis.Cli.Commands;

internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON instead of a table." };

    public static Option<string?> Database() => new("--db")
    {
        Description = "Library database file (default: $AURALIS_DB, else ~/.local/share/auralis/library.db).",
    };

    /// <summary>Opens the library database, or writes a clear error and returns null.</summary>
    public static Auralis.Library.Database.LibraryDatabase? OpenDatabase(CliContext context, string? path)
    {
        try
        {
            return Auralis.Library.Database.LibraryDatabase.Open(path ?? Auralis.Library.Database.LibraryDatabase.DefaultPath);
        }
        catch (Auralis.Library.Database.LibraryDatabaseException e)
        {
            context.Fail(e.Message);
            return null;
        }
    }

    /// <summary>
    /// For commands that only read the library (status, similar, list, duplicates): a database
    /// that does not exist is a mistyped path, not an empty library, so it is refused (exit 2)
    /// instead of being created empty. Null after the error message, with the exit code to return.
    /// </summary>
    public static Auralis.Library.Database.LibraryDatabase? OpenExistingDatabase(CliContext context, string? path, out int exitCode)
    {
        var file = path ?? Auralis.Library.Database.LibraryDatabase.DefaultPath;
        if (!File.Exists(file))
        {
            context.Error.WriteLine(
                $"auralis: error: no library database at {file}; check --db (or $AURALIS_DB), or create one with `auralis scan DIR`");
            exitCode = ExitCodes.Usage;
            return null;
        }

        exitCode = ExitCodes.Fatal;
        return OpenDatabase(context, file);
    }

    /// <summary>The library's fingerprints as a similarity index, or null after a clear error (no fingerprints yet: run a scan).</summary>
    public static Auralis.Similarity.LibrarySimilarity.Loaded? LoadSimilarity(CliContext context, Auralis.Library.Database.LibraryDatabase database, bool refit = false)
    {
        try
        {
            return Auralis.Similarity.LibrarySimilarity.Load(database, refit: refit);
        }
        catch (InvalidOperationException e)
        {
            context.Fail(e.Message);
            return null;
        }
    }

    /// <summary>
    /// Refuses values below 1 with <paramref name="message"/>. Reads the token, not the converted
    /// value: a token that is no number already has its parse error (exit 2), and asking for its
    /// value would throw instead.
    /// </summary>
    public static void AtLeastOne(Option<int> option, string message) => option.Validators.Add(r =>
    {
        if (r.Tokens.Count > 0 && int.TryParse(r.Tokens[^1].Value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value < 1)
        {
            r.AddError(message);
        }
    });

    public static Option<string> Engine()
    {
        var option = new Option<string>("--engine")
        {
            Description = "Fingerprint engine: auto (native Rust core, else managed with a notice), native, or managed.",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong("auto", "native", "managed");
        return option;
    }

    /// <summary>Selects the engine, showing the fallback notice once; null (after an error message) when it cannot.</summary>
    public static IFingerprintEngine? SelectEngine(CliContext context, string choice)
    {
        try
        {
            var selection = FingerprintEngines.Select(FingerprintEngines.Parse(choice));
            context.Notice(selection.Notice);
            return selection.Engine;
        }
        catch (FingerprintException e)
        {
            context.Fail(e.Message);
            return null;
        }
    }
}
