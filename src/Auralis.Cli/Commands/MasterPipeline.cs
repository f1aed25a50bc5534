using Auralis.Audio;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Library.Sidecars;
using Auralis.Mastering;
using Auralis.Mastering.Measurement;
using Auralis.Mastering.Rendering;
using Auralis.Server.Fingerprints;

namespace Auralis.Cli.Commands;

/// <summary>What mastering one file gave.</summary>
internal sealed record MasteredFile(
    string Input,
    string Output,
    Fingerprint Fingerprint,
    string FingerprintSource,
    MasteringPlan Plan,
    double Intensity,
    ProgrammeMeasurement Measured,
    IReadOnlyList<string> Warnings);

/// <summary>
/// One file through `auralis master`: its fingerprint through the lookup order of docs/server.md
/// (the library database, the file's sidecar, the server named by $AURALIS_SERVER, then local
/// extraction), a plan with a full measuring pass, a render in 15 s chunks into a temporary file
/// beside the output, the input's tags copied into it, and a rename into place. Shared by the
/// single-file and the folder form, and by the folder form's parallel jobs (the provider and the
/// database pool are thread-safe).
/// </summary>
internal sealed class MasterPipeline : IDisposable
{
    private readonly LibraryDatabasePool? _pool;
    private readonly RemoteFingerprinter? _server;
    private readonly FingerprintProvider _provider;

    private MasterPipeline(LibraryDatabasePool? pool, RemoteFingerprinter? server, FingerprintProvider provider)
    {
        _pool = pool;
        _server = server;
        _provider = provider;
    }

    /// <summary>
    /// Opens the lookup tiers. <paramref name="databasePath"/> null: the default library when it
    /// exists (master never creates one). Sidecars are read, and written only beside library tracks
    /// unless <paramref name="writeSidecars"/>. Null (after a clear error) when the engine or an
    /// explicitly named database cannot be used; <paramref name="exitCode"/> says how to exit.
    /// </summary>
    public static MasterPipeline? Open(CliContext context, string engineChoice, string? databasePath, bool writeSidecars, out int exitCode)
    {
        exitCode = ExitCodes.Fatal;
        var engine = CommonOptions.SelectEngine(context, engineChoice);
        if (engine is null)
        {
            return null;
        }

        LibraryDatabasePool? pool = null;
        if (databasePath is not null)
        {
            if (!File.Exists(databasePath))
            {
                context.Error.WriteLine($"auralis: error: no library database at {databasePath}; check --db, or create one with `auralis scan DIR`");
                exitCode = ExitCodes.Usage;
                return null;
            }

            try
            {
                pool = new LibraryDatabasePool(databasePath);
            }
            catch (LibraryDatabaseException e)
            {
                context.Fail(e.Message);
                return null;
            }
        }
        else if (File.Exists(LibraryDatabase.DefaultPath))
        {
            try
            {
                pool = new LibraryDatabasePool(LibraryDatabase.DefaultPath);
            }
            catch (LibraryDatabaseException e)
            {
                // Not asked for by name: mastering goes on without it, and says so.
                context.Notice($"library database not used: {e.Message}");
            }
        }

        var serverAddress = Environment.GetEnvironmentVariable("AURALIS_SERVER");
        var server = string.IsNullOrWhiteSpace(serverAddress) ? null
            : new RemoteFingerprinter(new Uri(serverAddress.Contains("://", StringComparison.Ordinal) ? serverAddress : "http://" + serverAddress), Environment.GetEnvironmentVariable("AURALIS_TOKEN"));
        var provider = new FingerprintProvider(new FingerprintProviderOptions
        {
            Database = pool,
            Sidecars = new SidecarStore(),
            SidecarsForLibraryTracksOnly = !writeSidecars,
            Server = server,
            Engine = engine,
        });
        return new MasterPipeline(pool, server, provider);
    }

    /// <summary>
    /// Masters <paramref name="inputPath"/> into <paramref name="outputPath"/> (its folder must
    /// exist). A failed or cancelled render never leaves a truncated output; a tag copy that fails
    /// leaves the mastered audio and a warning.
    /// </summary>
    /// <exception cref="FingerprintUnavailableException">No tier gave a fingerprint.</exception>
    /// <exception cref="AudioDecodeException">The input does not decode.</exception>
    /// <exception cref="IOException">The output cannot be written.</exception>
    /// <exception cref="OperationCanceledException">Cancelled (the output is not written).</exception>
    public MasteredFile Master(string inputPath, string outputPath, string presetName, double intensity, CancellationToken cancellationToken)
    {
        var provided = _provider.GetAsync(inputPath, cancellationToken).GetAwaiter().GetResult();
        var warnings = provided.Trail.Where(t => t.StartsWith("server ", StringComparison.Ordinal)).Concat(provided.Warnings).ToList();
        var source = new AudioFilePcmSource(inputPath);
        var plan = MasteringPlanner.Plan(provided.Fingerprint, source, presetName, cancellationToken: cancellationToken);
        var (measured, tagProblem) = Render(inputPath, source, plan, intensity, outputPath, cancellationToken);
        if (tagProblem is not null)
        {
            warnings.Add($"{outputPath}: written without the input's tags: {tagProblem}");
        }

        return new MasteredFile(inputPath, outputPath, provided.Fingerprint, provided.Source.Name(), plan, intensity, measured, warnings);
    }

    /// <summary>
    /// Renders chunk by chunk into a temporary file beside OUT, measuring as it goes, copies the
    /// input's tags into it, and moves it into place only when complete.
    /// </summary>
    private static (ProgrammeMeasurement Measured, string? TagProblem) Render(
        string inputPath, IPcmSource source, MasteringPlan plan, double intensity, string outputPath, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var partial = Path.Combine(directory, $".{Path.GetFileNameWithoutExtension(outputPath)}.partial{Path.GetExtension(outputPath)}");
        var meter = new ProgrammeMeter(plan.SampleRate, plan.Channels);
        string? tagProblem;
        try
        {
            using (var sink = AudioFileWriter.Create(partial, plan.SampleRate, plan.Channels))
            using (var renderer = MasteringRenderer.Open(source, plan, intensity))
            {
                while (renderer.RenderNext(cancellationToken: cancellationToken) is { } chunk)
                {
                    sink.Write(chunk.Samples);
                    meter.Push(chunk.Samples);
                    chunk.Release();
                }
            }

            // Into the temporary file, so the output appears complete with its tags or not at all.
            tagProblem = TagCopier.Copy(inputPath, partial);
            File.Move(partial, outputPath, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }

        return (meter.Finish(), tagProblem);
    }

    public void Dispose()
    {
        _server?.Dispose();
        _pool?.Dispose();
    }
}
