using System.Collections.Concurrent;

namespace Auralis.Library.Database;

/// <summary>
/// Connections to one library database for concurrent callers (the server's requests). A SQLite
/// connection must not be shared between threads, so each caller rents one for the duration of its
/// work; WAL lets the readers run side by side and BEGIN IMMEDIATE plus the busy timeout
/// serialises the writers. Connections are opened on demand and kept for reuse, unless a failed
/// write left one unusable (<see cref="LibraryDatabase.IsReusable"/>).
/// </summary>
public sealed class LibraryDatabasePool : IDisposable
{
    private readonly ConcurrentBag<LibraryDatabase> _idle = [];
    private bool _disposed;

    /// <summary>Opens (creating and migrating if needed) the first connection now, so a bad path fails here.</summary>
    /// <exception cref="LibraryDatabaseException">The database cannot be opened.</exception>
    public LibraryDatabasePool(string path)
    {
        var first = LibraryDatabase.Open(path);
        Path = first.Path;
        _idle.Add(first);
    }

    public string Path { get; }

    /// <summary>A connection for this caller alone; dispose the lease to give it back.</summary>
    public Lease Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new Lease(this, _idle.TryTake(out var database) ? database : LibraryDatabase.Open(Path));
    }

    /// <summary>Runs <paramref name="work"/> on a rented connection.</summary>
    public T Use<T>(Func<LibraryDatabase, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        using var lease = Rent();
        return work(lease.Database);
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var database))
        {
            database.Dispose();
        }
    }

    private void Return(LibraryDatabase database)
    {
        // A connection left in a transaction (or whose rollback failed) would fail or, worse,
        // silently join every later caller's work to that transaction: it is closed, and the
        // next caller gets a fresh one.
        if (_disposed || !database.IsReusable)
        {
            database.Dispose();
        }
        else
        {
            _idle.Add(database);
        }
    }

    public readonly struct Lease : IDisposable
    {
        private readonly LibraryDatabasePool _pool;

        internal Lease(LibraryDatabasePool pool, LibraryDatabase database)
        {
            _pool = pool;
            Database = database;
        }

        public LibraryDatabase Database { get; }

        public void Dispose() => _pool?.Return(Database);
    }
}
