using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Auralis.Library.Scanning;

namespace Auralis.Library.Tests.Scanning;

public sealed class TooShortTests : IDisposable
{
    private readonly LibraryFixture _lib = new();

    public void Dispose() => _lib.Dispose();

    private ExtractionResult Run() =>
        new ExtractionQueue(_lib.Database).RunAsync(new ExtractionOptions(FingerprintEngines.Managed, 1, false) { BatchInterval = TimeSpan.FromMilliseconds(20) })
            .GetAwaiter().GetResult();

    [Fact]
    public void A_too_short_file_is_skipped_with_its_reason_not_failed_and_not_retried_until_it_changes()
    {
        var shortFile = _lib.AddTrack("blip.wav", seconds: 0.2);
        _lib.AddTrack("song.wav");
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);

        var result = Run();

        Assert.Equal((1, 0), (result.Completed, result.Failed));
        var (skippedPath, reason) = Assert.Single(result.Skipped);
        Assert.Equal(shortFile, skippedPath);
        Assert.StartsWith(shortFile, reason, StringComparison.Ordinal);
        Assert.Contains("too short", reason, StringComparison.Ordinal);
        var track = _lib.Tracks.GetByPath(shortFile)!;
        Assert.Equal((FingerprintStatus.Skipped, reason, 0), (track.Status, track.FingerprintErrorMessage, track.FingerprintAttempts));
        Assert.Empty(_lib.Tracks.Failures());

        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.Empty(new ExtractionQueue(_lib.Database).WorkList()); // not retried
        Assert.Empty(Run().Skipped); // so not reported again

        _lib.AddTrack("blip.wav", seconds: 1.0);
        new LibraryScanner(_lib.Database).Sync([_lib.Music]);
        Assert.Equal(FingerprintStatus.Pending, _lib.Tracks.GetByPath(shortFile)!.Status);
        Run();
        Assert.Equal(FingerprintStatus.Complete, _lib.Tracks.GetByPath(shortFile)!.Status);
    }
}
