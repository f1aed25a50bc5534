using Auralis.Fingerprinting;
using Auralis.Library.Database;

namespace Auralis.Library.Tests;

/// <summary>A fresh database file in a private temp folder, removed afterwards.</summary>
internal sealed class TestDatabase : IDisposable
{
    private readonly TempDirectory _folder = new();

    public TestDatabase()
    {
        Path = _folder.File("library.db");
        Database = LibraryDatabase.Open(Path);
        Tracks = new TrackRepository(Database);
        Fingerprints = new FingerprintRepository(Database);
    }

    public string Path { get; }

    public LibraryDatabase Database { get; private set; }

    public TrackRepository Tracks { get; private set; }

    public FingerprintRepository Fingerprints { get; private set; }

    public void Reopen()
    {
        Database.Dispose();
        Database = LibraryDatabase.Open(Path);
        Tracks = new TrackRepository(Database);
        Fingerprints = new FingerprintRepository(Database);
    }

    /// <summary>A valid fingerprint (every value inside its dimension's range) whose values are derived from <paramref name="seed"/>.</summary>
    public static Fingerprint Sample(int seed)
    {
        var values = new float[Fingerprint.Dimensions];
        for (var i = 0; i < values.Length; i++)
        {
            var range = FingerprintDimensions.Ranges[i];
            values[i] = (float)(range.Min + ((((seed * 31) + (i * 7)) % 100) / 100.0 * (range.Max - range.Min)));
        }

        return new Fingerprint(values);
    }

    public void Dispose()
    {
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _folder.Dispose();
    }
}
