using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

/// <summary>
/// One SQLite library database (docs/database.md): WAL, foreign keys on, a busy timeout, and the
/// migrations applied on open. Not thread-safe: one instance per thread; the extraction queue
/// funnels all writes through a single writer.
/// </summary>
public sealed class LibraryDatabase : IDisposable
{
    private static readonly Lazy<bool> SqliteInitialized = new(() =>
    {
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    private LibraryDatabase(string path, SqliteConnection connection)
    {
        Path = path;
        Connection = connection;
    }

    public string Path { get; }

    /// <summary>
    /// How long a statement waits for another connection's lock before failing with "database is
    /// locked" (docs/database.md). Both SQLite's busy_timeout and Microsoft.Data.Sqlite's command
    /// timeout (which retries SQLITE_BUSY on its own, 30 s by default) are set to it, so the wait
    /// is this long and no longer.
    /// </summary>
    public static TimeSpan BusyTimeout { get; } = TimeSpan.FromSeconds(10);

    internal SqliteConnection Connection { get; }

    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

    /// <summary>Default path: $AURALIS_DB, else ~/.local/share/auralis/library.db.</summary>
    public static string DefaultPath
    {
        get
        {
            var fromEnvironment = Environment.GetEnvironmentVariable("AURALIS_DB");
            if (!string.IsNullOrWhiteSpace(fromEnvironment))
            {
                return fromEnvironment;
            }

            var data = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            if (string.IsNullOrWhiteSpace(data))
            {
                data = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            }

            return System.IO.Path.Combine(data, "auralis", "library.db");
        }
    }

    /// <summary>Opens (creating if needed) the database at <paramref name="path"/> and migrates it.</summary>
    /// <exception cref="LibraryDatabaseException">The file cannot be opened, is not a database, or is from a newer Auralis.</exception>
    public static LibraryDatabase Open(string path) => Open(path, BusyTimeout);

    /// <summary>For tests: <see cref="Open(string)"/> with another <see cref="BusyTimeout"/>.</summary>
    internal static LibraryDatabase Open(string path, TimeSpan busyTimeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _ = SqliteInitialized.Value;
        var full = System.IO.Path.GetFullPath(path);
        try
        {
            var folder = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            var connection = new SqliteConnection(new SqliteConnectionStringBuilder
            {
                DataSource = full,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = false,
                DefaultTimeout = (int)Math.Ceiling(busyTimeout.TotalSeconds),
            }.ToString());
            connection.Open();
            // Sorting by artist or album compares the TextFold of both sides (case, accents and
            // separators ignored), like search; only queries use it, nothing stored depends on it.
            connection.CreateCollation(TextFold.Collation, (a, b) => string.CompareOrdinal(TextFold.Fold(a), TextFold.Fold(b)));
            var database = new LibraryDatabase(full, connection);
            try
            {
                database.Configure(busyTimeout);
                database.Migrate();
                return database;
            }
            catch
            {
                database.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            throw new LibraryDatabaseException(full, "open", e);
        }
    }

    /// <summary>The schema version the database is at.</summary>
    public int SchemaVersion => Convert.ToInt32(Scalar("SELECT COALESCE(MAX(version), 0) FROM schema_version"), CultureInfo.InvariantCulture);

    public void Dispose()
    {
        foreach (var command in _prepared.Values)
        {
            command.Dispose();
        }

        if (_unusable is not null)
        {
            // Close the SQLite handle first: closing the wrapper would retry the rollback that
            // already failed (recorded in RollBackAfterFailure) and stop before closing it.
            Connection.Handle?.Dispose();
        }

        try
        {
            Connection.Dispose();
        }
        catch (Exception e) when (_unusable is not null && e is SqliteException or ObjectDisposedException or InvalidOperationException)
        {
            // That retried rollback failing again; the handle is already closed.
        }
    }

    /// <summary>UTC now as stored in the database (ISO 8601, sortable).</summary>
    internal static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    internal SqliteCommand Command(string sql, SqliteTransaction? transaction = null)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction;
        return command;
    }

    /// <summary>
    /// A command kept for reuse on this connection, so SQLite parses the statement once: for hot
    /// lookups (the server's stored-fingerprint calls). Its parameters are the caller's to set each
    /// time; like the connection, it is for one thread at a time.
    /// </summary>
    internal SqliteCommand Prepared(string sql)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = Command(sql);
            _prepared[sql] = command;
        }

        return command;
    }

    internal object? Scalar(string sql)
    {
        using var command = Command(sql);
        return command.ExecuteScalar();
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction (BEGIN IMMEDIATE), committing only if it
    /// returns. On any failure the transaction is rolled back and the first error is the one
    /// thrown: a failed rollback never hides why the write failed.
    /// </summary>
    internal T Write<T>(string operation, Func<SqliteTransaction, T> work)
    {
        SqliteTransaction transaction;
        try
        {
            // Deferred transactions can fail with SQLITE_BUSY at their first write; IMMEDIATE
            // takes the write lock up front, where the busy timeout applies.
            transaction = Connection.BeginTransaction(deferred: false);
        }
        catch (SqliteException e)
        {
            throw new LibraryDatabaseException(Path, operation, e);
        }

        try
        {
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
        catch (Exception e)
        {
            RollBackAfterFailure(transaction);
            if (e is SqliteException sqlite)
            {
                throw new LibraryDatabaseException(Path, operation, sqlite);
            }

            throw;
        }
    }

    /// <summary>
    /// False when this connection must not serve anyone else: a rollback failed, or a transaction
    /// is still open. The pool discards such a connection instead of lending it out again.
    /// </summary>
    public bool IsReusable => _unusable is null && Connection.State == System.Data.ConnectionState.Open && !InTransaction;

    /// <summary>True while SQLite has a transaction open on this connection (autocommit is off).</summary>
    internal bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(Connection.Handle) == 0;

    private Exception? _unusable;

    /// <summary>
    /// Ends a failed write's transaction in SQLite and in Microsoft.Data.Sqlite alike. SQLite
    /// rolls some failed transactions back by itself (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM,
    /// notably when COMMIT fails); Microsoft.Data.Sqlite then still holds the transaction as open,
    /// and its ROLLBACK fails with "cannot rollback - no transaction is active", which used to
    /// replace the real cause and left the connection refusing every later command.
    /// </summary>
    private void RollBackAfterFailure(SqliteTransaction transaction)
    {
        var handle = Connection.Handle;
        try
        {
            if (!InTransaction)
            {
                // An empty transaction for the wrapper's ROLLBACK to end, so it marks itself done.
                Check(SQLitePCL.raw.sqlite3_exec(handle, "BEGIN"), "BEGIN");
            }

            transaction.Rollback();
            if (InTransaction)
            {
                // The wrapper saw SQLite roll back earlier and skipped its ROLLBACK: end ours.
                Check(SQLitePCL.raw.sqlite3_exec(handle, "ROLLBACK"), "ROLLBACK");
            }
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException)
        {
            // The write's own error is on its way up and is the one that matters; this
            // connection is in an unknown state, so it is never lent out again.
            _unusable = e;
        }

        void Check(int rc, string statement)
        {
            if (rc != SQLitePCL.raw.SQLITE_OK)
            {
                throw new SqliteException($"{statement} after a failed write: {SQLitePCL.raw.sqlite3_errmsg(handle).utf8_to_string()}", rc);
            }
        }
    }

    private void Configure(TimeSpan busyTimeout)
    {
        var busy = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(long)busyTimeout.TotalMilliseconds}");
        foreach (var pragma in new[] { "PRAGMA foreign_keys = ON", busy, "PRAGMA synchronous = NORMAL" })
        {
            using var command = Command(pragma);
            command.ExecuteNonQuery();
        }

        // WAL fails on a read-only file; the database then stays readable and every write fails loudly.
        using var wal = Command("PRAGMA journal_mode = WAL");
        wal.ExecuteScalar();
    }

    private void Migrate()
    {
        using (var create = Command("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"))
        {
            create.ExecuteNonQuery();
        }

        var current = SchemaVersion;
        if (current > Schema.LatestVersion)
        {
            throw new LibraryDatabaseException(
                Path,
                "open",
                $"the database is at schema version {current}, newer than this Auralis understands ({Schema.LatestVersion}); upgrade Auralis or use another --db");
        }

        foreach (var migration in Schema.Migrations.Where(m => m.Version > current))
        {
            // The pragma is a no-op inside a transaction, so it is set around the migration's.
            if (migration.Prepare is not null)
            {
                Pragma("PRAGMA foreign_keys = OFF");
            }

            try
            {
                Migrate(migration);
            }
            finally
            {
                if (migration.Prepare is not null)
                {
                    Pragma("PRAGMA foreign_keys = ON");
                }
            }
        }
    }

    private void Pragma(string sql)
    {
        using var command = Command(sql);
        command.ExecuteNonQuery();
    }

    private void Migrate(Schema.Migration migration) =>
        Write($"migrate to schema version {migration.Version}", transaction =>
        {
            // Two processes opening a new database at once (two scans) both saw it unmigrated;
            // under the write lock, the one that comes second finds the migration done.
            using (var applied = Command("SELECT COUNT(*) FROM schema_version WHERE version = $v", transaction))
            {
                applied.Parameters.AddWithValue("$v", migration.Version);
                if (Convert.ToInt64(applied.ExecuteScalar(), CultureInfo.InvariantCulture) > 0)
                {
                    return 0;
                }
            }

            migration.Prepare?.Invoke(this, transaction);
            using (var command = Command(migration.Sql, transaction))
            {
                command.ExecuteNonQuery();
            }

            using var record = Command("INSERT INTO schema_version (version, name, applied_at) VALUES ($v, $n, $t)", transaction);
            record.Parameters.AddWithValue("$v", migration.Version);
            record.Parameters.AddWithValue("$n", migration.Name);
            record.Parameters.AddWithValue("$t", Now());
            return record.ExecuteNonQuery();
        });
}

/// <summary>A database operation failed; the message names the database file, the operation and the cause.</summary>
public sealed class LibraryDatabaseException : Exception
{
    public LibraryDatabaseException(string path, string operation, Exception inner)
        : base($"{path}: {operation} failed: {inner.Message}", inner)
    {
        DatabasePath = path;
        Operation = operation;
    }

    public LibraryDatabaseException(string path, string operation, string cause)
        : base($"{path}: {operation} failed: {cause}")
    {
        DatabasePath = path;
        Operation = operation;
    }

    public LibraryDatabaseException()
        : this("(unknown)", "database operation", "unknown error")
    {
    }

    public LibraryDatabaseException(string message)
        : this("(unknown)", "database operation", message)
    {
    }

    public LibraryDatabaseException(string message, Exception inner)
        : this("(unknown)", message, inner)
    {
    }

    public string DatabasePath { get; }

    public string Operation { get; }
}
