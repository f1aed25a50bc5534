using Auralis.Audio;
using Auralis.Library.Database;

namespace Auralis.Library.Tests.Scanning;

/// <summary>A music folder of generated WAV tracks and a database, both temporary.</summary>
internal sealed class LibraryFixture : IDisposable
{
    private readonly TempDirectory _root = new();

    public LibraryFixture()
    {
        Music = Path.Combine(_root.Path, "music");
        Directory.CreateDirectory(Music);
        Database = LibraryDatabase.Open(Path.Combine(_root.Path, "library.db"));
        Sidecars = new Auralis.Library.Sidecars.SidecarStore(Path.Combine(_root.Path, "cache"));
    }

    public string Music { get; }

    public LibraryDatabase Database { get; }

    public Auralis.Library.Sidecars.SidecarStore Sidecars { get; }

    public TrackRepository Tracks => new(Database);

    /// <summary>Writes a 1 s stereo tone (a different pitch per name) and returns its path.</summary>
    public string AddTrack(string name, double seconds = 1.0)
    {
        var path = Path.Combine(Music, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var frames = (int)(44_100 * seconds);
        var pcm = new float[frames * 2];
        var hz = 200 + (Math.Abs(name.GetHashCode(StringComparison.Ordinal)) % 800);
        for (var i = 0; i < frames; i++)
        {
            pcm[2 * i] = pcm[(2 * i) + 1] = (float)(0.3 * Math.Sin(2 * Math.PI * hz * i / 44_100.0));
        }

        AudioFileWriter.Write(path, pcm, 44_100, 2, AudioSampleFormat.Pcm16);
        return path;
    }

    public void Dispose()
    {
        Database.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _root.Dispose();
    }
}
