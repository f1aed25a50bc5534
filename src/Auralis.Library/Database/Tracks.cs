using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

public enum FingerprintStatus
{
    Pending,
    Processing,
    Complete,
    Error,
}

/// <summary>A row of <c>tracks</c>.</summary>
public sealed record TrackRecord(
    long Id,
    string FilePath,
    long SizeBytes,
    long MtimeNs,
    double? DurationSeconds,
    int? SampleRate,
    int? Channels,
    string? Format,
    string? Title,
    string? Artist,
    string? Album,
    string AddedAt,
    string UpdatedAt,
    FingerprintStatus Status,
    string? FingerprintComputedAt,
    string? FingerprintErrorMessage,
    int FingerprintAttempts);

/// <summary>Track rows: what the scanner adds, changes and removes, and the status of each fingerprint.</summary>
public sealed class TrackRepository(LibraryDatabase database)
{
    private const string Columns =
        "id, filepath, size_bytes, mtime_ns, duration_s, sample_rate, channels, format, title, artist, album, added_at, updated_at, " +
        "fingerprint_status, fingerprint_computed_at, fingerprint_error_message, fingerprint_attempts";

    /// <summary>Adds a new file (status pending) and returns its id.</summary>
    public long Add(string filePath, long sizeBytes, long mtimeNs) => database.Write($"add track {filePath}", transaction =>
    {
        var now = LibraryDatabase.Now();
        using var command = database.Command(
            "INSERT INTO tracks (filepath, size_bytes, mtime_ns, added_at, updated_at) VALUES ($p, $s, $m, $now, $now) RETURNING id",
            transaction);
        command.Parameters.AddWithValue("$p", filePath);
        command.Parameters.AddWithValue("$s", sizeBytes);
        command.Parameters.AddWithValue("$m", mtimeNs);
        command.Parameters.AddWithValue("$now", now);
        return Convert.ToInt64(command.ExecuteScalar() ?? throw new LibraryDatabaseException(database.Path, $"add track {filePath}", "no id returned"), CultureInfo.InvariantCulture);
    });

    public TrackRecord? Get(long id) => QuerySingle("WHERE id = $v", id);

    public TrackRecord? GetByPath(string filePath) => QuerySingle("WHERE filepath = $v", filePath);

    /// <summary>A page of tracks in id order.</summary>
    public IReadOnlyList<TrackRecord> List(int limit, int offset = 0)
    {
        using var command = database.Command($"SELECT {Columns} FROM tracks ORDER BY id LIMIT $limit OFFSET $offset");
        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
        return Read(command);
    }

    public long Count() => Convert.ToInt64(database.Scalar("SELECT COUNT(*) FROM tracks"), CultureInfo.InvariantCulture);

    /// <summary>Tracks per fingerprint status (every status present, zero when none).</summary>
    public IReadOnlyDictionary<FingerprintStatus, long> CountByStatus()
    {
        var counts = Enum.GetValues<FingerprintStatus>().ToDictionary(s => s, _ => 0L);
        using var command = database.Command("SELECT fingerprint_status, COUNT(*) FROM tracks GROUP BY fingerprint_status");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[ParseStatus(reader.GetString(0))] = reader.GetInt64(1);
        }

        return counts;
    }

    /// <summary>Tracks in a status, in id order.</summary>
    public IReadOnlyList<TrackRecord> WithStatus(FingerprintStatus status, int limit = int.MaxValue)
    {
        using var command = database.Command($"SELECT {Columns} FROM tracks WHERE fingerprint_status = $s ORDER BY id LIMIT $limit");
        command.Parameters.AddWithValue("$s", StatusText(status));
        command.Parameters.AddWithValue("$limit", limit);
        return Read(command);
    }

    /// <summary>
    /// The file changed (size or mtime): record the new signature, drop its fingerprint and mark it
    /// pending, in one transaction.
    /// </summary>
    public void MarkChanged(long id, long sizeBytes, long mtimeNs) => database.Write($"mark track {id} changed", transaction =>
    {
        using (var drop = database.Command("DELETE FROM track_fingerprints WHERE track_id = $id", transaction))
        {
            drop.Parameters.AddWithValue("$id", id);
            drop.ExecuteNonQuery();
        }

        using var command = database.Command(
            "UPDATE tracks SET size_bytes = $s, mtime_ns = $m, updated_at = $now, fingerprint_status = 'pending', " +
            "fingerprint_computed_at = NULL, fingerprint_error_message = NULL, fingerprint_attempts = 0 WHERE id = $id",
            transaction);
        command.Parameters.AddWithValue("$s", sizeBytes);
        command.Parameters.AddWithValue("$m", mtimeNs);
        command.Parameters.AddWithValue("$now", LibraryDatabase.Now());
        command.Parameters.AddWithValue("$id", id);
        return Checked.One(database, command.ExecuteNonQuery(), $"mark track {id} changed");
    });

    /// <summary>Sets a track's status; an error keeps its message and counts an attempt.</summary>
    public void SetStatus(long id, FingerprintStatus status, string? errorMessage = null) => database.Write($"set status of track {id}", transaction =>
    {
        using var command = database.Command(
            "UPDATE tracks SET fingerprint_status = $s, fingerprint_error_message = $e, updated_at = $now, " +
            "fingerprint_attempts = fingerprint_attempts + (CASE WHEN $s = 'error' THEN 1 ELSE 0 END) WHERE id = $id",
            transaction);
        command.Parameters.AddWithValue("$s", StatusText(status));
        command.Parameters.AddWithValue("$e", (object?)errorMessage ?? DBNull.Value);
        command.Parameters.AddWithValue("$now", LibraryDatabase.Now());
        command.Parameters.AddWithValue("$id", id);
        return Checked.One(database, command.ExecuteNonQuery(), $"set status of track {id}");
    });

    /// <summary>Returns tracks a crash left in 'processing' to 'pending'; the count returned.</summary>
    public int ResetProcessing() => database.Write("reset processing tracks", transaction =>
    {
        using var command = database.Command(
            "UPDATE tracks SET fingerprint_status = 'pending', updated_at = $now WHERE fingerprint_status = 'processing'", transaction);
        command.Parameters.AddWithValue("$now", LibraryDatabase.Now());
        return command.ExecuteNonQuery();
    });

    /// <summary>Removes a track (its fingerprint and graph edges go with it, by cascade).</summary>
    public bool Delete(long id) => database.Write($"delete track {id}", transaction =>
    {
        using var command = database.Command("DELETE FROM tracks WHERE id = $id", transaction);
        command.Parameters.AddWithValue("$id", id);
        return command.ExecuteNonQuery() == 1;
    });

    internal static string StatusText(FingerprintStatus status) => status.ToString().ToLowerInvariant();

    internal static FingerprintStatus ParseStatus(string text) => text switch
    {
        "pending" => FingerprintStatus.Pending,
        "processing" => FingerprintStatus.Processing,
        "complete" => FingerprintStatus.Complete,
        "error" => FingerprintStatus.Error,
        _ => throw new InvalidDataException($"unknown fingerprint_status '{text}'"),
    };

    private TrackRecord? QuerySingle(string where, object value)
    {
        using var command = database.Command($"SELECT {Columns} FROM tracks {where}");
        command.Parameters.AddWithValue("$v", value);
        return Read(command).SingleOrDefault();
    }

    private static List<TrackRecord> Read(SqliteCommand command)
    {
        var list = new List<TrackRecord>();
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            list.Add(new TrackRecord(
                r.GetInt64(0),
                r.GetString(1),
                r.GetInt64(2),
                r.GetInt64(3),
                r.IsDBNull(4) ? null : r.GetDouble(4),
                r.IsDBNull(5) ? null : r.GetInt32(5),
                r.IsDBNull(6) ? null : r.GetInt32(6),
                r.IsDBNull(7) ? null : r.GetString(7),
                r.IsDBNull(8) ? null : r.GetString(8),
                r.IsDBNull(9) ? null : r.GetString(9),
                r.IsDBNull(10) ? null : r.GetString(10),
                r.GetString(11),
                r.GetString(12),
                ParseStatus(r.GetString(13)),
                r.IsDBNull(14) ? null : r.GetString(14),
                r.IsDBNull(15) ? null : r.GetString(15),
                r.GetInt32(16)));
        }

        return list;
    }
}

/// <summary>Every write is checked: a statement that should change one row and did not is an error.</summary>
internal static class Checked
{
    public static int One(LibraryDatabase database, int rows, string operation) =>
        rows == 1 ? rows : throw new LibraryDatabaseException(database.Path, operation, $"expected to change 1 row, changed {rows}");
}
