using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;

namespace Auralis.Library.Tests.Scanning;

/// <summary>A confined extraction checks each file right before opening it, not only at the sync.</summary>
public sealed class ConfinedExtractionTests : IDisposable
{
    private readonly LibraryFixture _lib = new();
    private readonly TempDirectory _outside = new();

    public void Dispose()
    {
        _lib.Dispose();
        _outside.Dispose();
    }

    /// <summary>Allows what resolves (every link followed) under the music folder.</summary>
    private sealed class UnderFolder(string folder) : IReadConfinement
    {
        public ReadVerdict Check(string path, out string realPath)
        {
            realPath = "";
            FileSystemInfo info = new FileInfo(path);
            var real = info.LinkTarget is null ? info : info.ResolveLinkTarget(returnFinalTarget: true);
            if (real is null || !real.Exists)
            {
                return ReadVerdict.Unresolved;
            }

            realPath = Path.GetFullPath(real.FullName);
            return realPath.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? ReadVerdict.Allowed : ReadVerdict.Outside;
        }
    }

    [UnixFact]
    public void A_file_swapped_for_a_link_out_of_the_folder_after_the_sync_is_never_read()
    {
        var inside = _lib.AddTrack("a.wav");
        var swapped = _lib.AddTrack("b.wav");
        var confinement = new UnderFolder(_lib.Music);
        new LibraryScanner(_lib.Database, confinement).Sync([_lib.Music]);

        // Between the sync and the extraction, b.wav becomes a link to a file outside.
        var secret = Path.Combine(_outside.Path, "secret.wav");
        File.Move(swapped, secret);
        File.CreateSymbolicLink(swapped, secret);
        var options = new ExtractionOptions(FingerprintEngines.Managed, 2, UseSidecars: true, _lib.Sidecars) { Confinement = confinement };
        var result = new ExtractionQueue(_lib.Database).RunAsync(options).GetAwaiter().GetResult();

        Assert.Equal((2, 1, 1), (result.Total, result.Completed, result.Failed));
        Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.GetByPath(inside)!.Status);
        var refused = _lib.Tracks.GetByPath(swapped)!;
        Assert.Equal(FingerprintStatus.Error, refused.Status);
        Assert.Contains("outside the library roots", refused.FingerprintErrorMessage, StringComparison.Ordinal);
        Assert.Null(refused.DurationSeconds);
        Assert.False(new FingerprintRepository(_lib.Database).Exists(refused.Id));
        Assert.False(File.Exists(swapped + ".25d"));
    }
}
