using Auralis.Fingerprinting;
using Auralis.Library.Database;

namespace Auralis.Similarity.Tests;

/// <summary>The normalizer is persisted with the library and refitted when the library changed enough.</summary>
public sealed class LibrarySimilarityTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LibraryDatabase _db;

    public LibrarySimilarityTests() => _db = LibraryDatabase.Open(_dir.File("library.db"));

    public void Dispose()
    {
        _db.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    private void AddTracks(int count, int seed)
    {
        var rng = new Random(seed);
        var tracks = new TrackRepository(_db);
        var results = new List<(long, Fingerprint)>();
        for (var i = 0; i < count; i++)
        {
            var id = tracks.Add($"/music/{seed}-{i}.flac", 1, 1);
            // Inside every dimension's range: the database stores nothing else.
            results.Add((id, new Fingerprint(Enumerable.Range(0, Fingerprint.Dimensions)
                .Select(d => (float)(FingerprintDimensions.Ranges[d].Min + (rng.NextDouble() * (FingerprintDimensions.Ranges[d].Max - FingerprintDimensions.Ranges[d].Min))))
                .ToArray())));
        }

        new FingerprintRepository(_db).StoreCompleted(results);
    }

    [Fact]
    public void The_normalizer_is_stored_reused_and_refitted_when_the_library_grows_by_more_than_10_percent()
    {
        AddTracks(100, 1);
        var first = LibrarySimilarity.Load(_db);
        Assert.True(first.Refitted);
        var stored = new NormalizerRows(_db).Load()!;
        Assert.Equal(100, stored.TrackCount);
        Assert.Equal(first.Index.Normalizer.Low, stored.Low);

        AddTracks(5, 2); // +5 %: keep the stored one
        var second = LibrarySimilarity.Load(_db);
        Assert.False(second.Refitted);
        Assert.Equal(stored.High, second.Index.Normalizer.High);

        AddTracks(20, 3); // now +25 % since the fit: refit
        Assert.True(LibrarySimilarity.Load(_db).Refitted);
        Assert.Equal(125, new NormalizerRows(_db).Load()!.TrackCount);
        Assert.True(LibrarySimilarity.Load(_db, refit: true).Refitted);
    }

    [Fact]
    public void An_empty_library_is_a_clear_error()
    {
        var e = Assert.Throws<InvalidOperationException>(() => LibrarySimilarity.Load(_db));
        Assert.Contains("auralis scan", e.Message, StringComparison.Ordinal);
    }
}
