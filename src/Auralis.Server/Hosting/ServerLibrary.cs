using Auralis.Library.Database;
using Auralis.Library.Provider;
using Auralis.Server.Security;
using Auralis.Similarity;

namespace Auralis.Server.Hosting;

/// <summary>The library as the server's requests share it: connections, roots, provider, scans, similarity.</summary>
internal sealed class ServerLibrary : IDisposable
{
    private readonly SemaphoreSlim _extractions;
    private readonly Lock _similarityLock = new();
    private (long Generation, LibrarySimilarity.Loaded Loaded)? _similarity;
    private long _generation;

    public ServerLibrary(ServerSettings settings)
    {
        Settings = settings;
        Roots = new LibraryRoots(settings.Roots);
        _extractions = new SemaphoreSlim(settings.MaxConcurrentExtractions, settings.MaxConcurrentExtractions);
        Database = new LibraryDatabasePool(settings.DatabasePath);
        Provider = new FingerprintProvider(new FingerprintProviderOptions
        {
            Database = Database,
            Sidecars = settings.Sidecars,
            Engine = settings.Engine,
            ExtractionSlots = _extractions,
        });
        Scans = new ScanJobs(this);
    }

    public ServerSettings Settings { get; }

    public LibraryRoots Roots { get; }

    public LibraryDatabasePool Database { get; }

    public FingerprintProvider Provider { get; }

    public ScanJobs Scans { get; }

    /// <summary>
    /// The provider's lookup for a file already confined to the roots; its local extractions share
    /// the bound of <see cref="ServerSettings.MaxConcurrentExtractions"/>, answers from the
    /// database or a sidecar never wait for them. A library track that a running scan has not
    /// reached yet is moved to the front of that scan's queue first (on-demand priority), so it is
    /// not computed twice.
    /// </summary>
    public async Task<ProvidedFingerprint> ProvideAsync(string realPath, CancellationToken cancellationToken)
    {
        await Scans.PrioritizeAsync(realPath, cancellationToken).ConfigureAwait(false);
        var result = await Provider.GetAsync(realPath, cancellationToken).ConfigureAwait(false);
        if (result.StoredInDatabase && result.Source != FingerprintSource.Database)
        {
            LibraryChanged();
        }

        return result;
    }

    /// <summary>Fingerprints a file outside the library (an upload), within the same computation bound.</summary>
    public async Task<Auralis.Fingerprinting.FileFingerprint> ComputeAsync(string path, CancellationToken cancellationToken)
    {
        await _extractions.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(() => Auralis.Fingerprinting.FileFingerprinter.Compute(path, Settings.Engine, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _extractions.Release();
        }
    }

    /// <summary>The similarity index, reloaded after the library changed.</summary>
    public LibrarySimilarity.Loaded Similarity()
    {
        var generation = Interlocked.Read(ref _generation);
        lock (_similarityLock)
        {
            if (_similarity is { } cached && cached.Generation == generation)
            {
                return cached.Loaded;
            }

            var loaded = Database.Use(db => LibrarySimilarity.Load(db));
            _similarity = (generation, loaded);
            return loaded;
        }
    }

    /// <summary>Fingerprints were added or removed: cached views must be rebuilt.</summary>
    public void LibraryChanged() => Interlocked.Increment(ref _generation);

    public void Dispose()
    {
        Scans.Dispose();
        Database.Dispose();
        _extractions.Dispose();
    }
}
