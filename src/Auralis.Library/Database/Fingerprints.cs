using System.Globalization;
using Auralis.Fingerprinting;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Database;

/// <summary>What <see cref="FingerprintRepository.Lookup"/> returns: a track's status and audio facts and its stored fingerprint.</summary>
public sealed record TrackFingerprint(long TrackId, FingerprintStatus Status, double? DurationSeconds, int? SampleRate, int? Channels, StoredFingerprint? Stored);

/// <summary>A row of <c>track_fingerprints</c>.</summary>
public sealed record StoredFingerprint(long TrackId, Fingerprint Fingerprint, int Version, string CreatedAt, string UpdatedAt);

/// <summary>
/// The fingerprint repository of the original design: add, get, update, upsert, delete, paging, counts,
/// missing/stale tracks and range queries on the indexed dimensions. Every write is checked;
/// "stored" means the row is there.
/// </summary>
public sealed class FingerprintRepository(LibraryDatabase database)
{
    private static readonly string DimensionList = string.Join(", ", Schema.Dimensions);
    private static readonly string Parameters = string.Join(", ", Schema.Dimensions.Select((_, i) => $"$d{i}"));
    private static readonly string Columns = $"track_id, {DimensionList}, fingerprint_version, created_at, updated_at";

    /// <summary>
    /// SQL that is true when every dimension column of the row <paramref name="alias"/> lies in its
    /// range (<see cref="FingerprintDimensions.Ranges"/>, with the same rounding slack). Rows that
    /// fail it (tampered, or written by something else) are treated as missing: never returned as
    /// fingerprints, and recomputed by the next scan. NULL, text and blobs fail it too.
    /// </summary>
    private static string InRangeSql(string alias) => "(" + string.Join(" AND ", Schema.Dimensions.Select((name, i) =>
    {
        var range = FingerprintDimensions.Ranges[i];
        var column = $"{alias}.{name}";
        var between = string.Create(CultureInfo.InvariantCulture, $"{column} BETWEEN {range.Min - range.Slack:R} AND {range.Max + range.Slack:R}");
        return range.OrZero ? $"({column} = 0 OR {between})" : between;
    })) + ")";

    private static readonly string Valid = InRangeSql("track_fingerprints");

    /// <summary><see cref="InRangeSql"/> for a join that names track_fingerprints <c>f</c>, built once.</summary>
    internal static readonly string InRangeF = InRangeSql("f");

    private static readonly string InsertSql =
        $"INSERT INTO track_fingerprints (track_id, {DimensionList}, fingerprint_version, created_at, updated_at) " +
        $"VALUES ($track, {Parameters}, $version, $now, $now)";

    /// <summary>Insert or replace one fingerprint; shared with the extraction writer.</summary>
    internal static readonly string UpsertSql = InsertSql +
        " ON CONFLICT(track_id) DO UPDATE SET " +
        string.Join(", ", Schema.Dimensions.Select(d => $"{d} = excluded.{d}")) +
        ", fingerprint_version = excluded.fingerprint_version, updated_at = excluded.updated_at";

    private static readonly string UpdateSql =
        "UPDATE track_fingerprints SET " +
        string.Join(", ", Schema.Dimensions.Select((d, i) => $"{d} = $d{i}")) +
        ", fingerprint_version = $version, updated_at = $now WHERE track_id = $track";

    public void Add(long trackId, Fingerprint fingerprint, int version = Fingerprint.FingerprintVersion) =>
        database.Write($"add fingerprint of track {trackId}", t => Checked.One(database, Run(InsertSql, t, trackId, fingerprint, version), $"add fingerprint of track {trackId}"));

    public void Update(long trackId, Fingerprint fingerprint, int version = Fingerprint.FingerprintVersion) =>
        database.Write($"update fingerprint of track {trackId}", t => Checked.One(database, Run(UpdateSql, t, trackId, fingerprint, version), $"update fingerprint of track {trackId}"));

    public void Upsert(long trackId, Fingerprint fingerprint, int version = Fingerprint.FingerprintVersion) =>
        database.Write($"store fingerprint of track {trackId}", t => Checked.One(database, Run(UpsertSql, t, trackId, fingerprint, version), $"store fingerprint of track {trackId}"));

    /// <summary>
    /// Stores many fingerprints and marks their tracks complete, in one transaction: either every
    /// one is stored and complete, or the call throws and none is.
    /// </summary>
    public void StoreCompleted(IReadOnlyList<(long TrackId, Fingerprint Fingerprint)> results, int version = Fingerprint.FingerprintVersion)
    {
        if (results.Count == 0)
        {
            return;
        }

        database.Write($"store {results.Count} fingerprints", transaction =>
        {
            var now = LibraryDatabase.Now();
            using var upsert = database.Command(UpsertSql, transaction);
            using var complete = database.Command(
                "UPDATE tracks SET fingerprint_status = 'complete', fingerprint_computed_at = $now, fingerprint_error_message = NULL, updated_at = $now WHERE id = $track",
                transaction);
            complete.Parameters.AddWithValue("$now", now);
            var track = complete.Parameters.Add("$track", SqliteType.Integer);
            foreach (var (trackId, fingerprint) in results)
            {
                Bind(database, upsert, trackId, fingerprint, version, now);
                Checked.One(database, upsert.ExecuteNonQuery(), $"store fingerprint of track {trackId}");
                track.Value = trackId;
                Checked.One(database, complete.ExecuteNonQuery(), $"mark track {trackId} complete");
            }

            return results.Count;
        });
    }

    /// <summary>The track's fingerprint; null when it has none, or its stored values are out of range (<see cref="IsOutOfRange"/>: ReadValues refuses them).</summary>
    public StoredFingerprint? Get(long trackId)
    {
        using var command = database.Command($"SELECT {Columns} FROM track_fingerprints WHERE track_id = $track");
        command.Parameters.AddWithValue("$track", trackId);
        return Read(command).SingleOrDefault();
    }

    /// <summary>
    /// A track's status, audio facts and stored fingerprint in one prepared statement (the
    /// server's hot path); null when there is no such track, <see cref="TrackFingerprint.Stored"/>
    /// null when it has no fingerprint yet.
    /// </summary>
    public TrackFingerprint? Lookup(long trackId)
    {
        var command = database.Prepared(LookupSql);
        command.Parameters.Clear();
        command.Parameters.AddWithValue("$track", trackId);
        using var r = command.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        StoredFingerprint? stored = null;
        Span<float> values = stackalloc float[Fingerprint.Dimensions];
        if (!r.IsDBNull(5) && ReadValues(r, 5, values))
        {
            stored = new StoredFingerprint(trackId, new Fingerprint(values), r.GetInt32(5 + Fingerprint.Dimensions),
                r.GetString(6 + Fingerprint.Dimensions), r.GetString(7 + Fingerprint.Dimensions));
        }

        return new TrackFingerprint(
            r.GetInt64(0),
            TrackRepository.ParseStatus(r.GetString(1)),
            r.IsDBNull(2) ? null : r.GetDouble(2),
            r.IsDBNull(3) ? null : r.GetInt32(3),
            r.IsDBNull(4) ? null : r.GetInt32(4),
            stored);
    }

    private static readonly string LookupSql =
        $"SELECT t.id, t.fingerprint_status, t.duration_s, t.sample_rate, t.channels, " +
        $"{string.Join(", ", Schema.Dimensions.Select(d => "f." + d))}, f.fingerprint_version, f.created_at, f.updated_at " +
        $"FROM tracks t LEFT JOIN track_fingerprints f ON f.track_id = t.id WHERE t.id = $track"; // out-of-range rows: ReadValues refuses them

    /// <summary>True when the track has a stored row whose values are not all in their ranges (treated as no fingerprint).</summary>
    public bool IsOutOfRange(long trackId)
    {
        using var command = database.Command($"SELECT EXISTS (SELECT 1 FROM track_fingerprints WHERE track_id = $track AND NOT {Valid})");
        command.Parameters.AddWithValue("$track", trackId);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    public bool Delete(long trackId) => database.Write($"delete fingerprint of track {trackId}", transaction =>
    {
        using var command = database.Command("DELETE FROM track_fingerprints WHERE track_id = $track", transaction);
        command.Parameters.AddWithValue("$track", trackId);
        return command.ExecuteNonQuery() == 1;
    });

    /// <summary>A page of fingerprints in track id order.</summary>
    public IReadOnlyList<StoredFingerprint> List(int limit, int offset = 0)
    {
        using var command = database.Command($"SELECT {Columns} FROM track_fingerprints WHERE {Valid} ORDER BY track_id LIMIT $limit OFFSET $offset");
        command.Parameters.AddWithValue("$limit", limit);
        command.Parameters.AddWithValue("$offset", offset);
        return Read(command);
    }

    /// <summary>Stored fingerprints (rows out of range do not count).</summary>
    public long Count() => Convert.ToInt64(database.Scalar($"SELECT COUNT(*) FROM track_fingerprints WHERE {Valid}"), CultureInfo.InvariantCulture);

    public bool Exists(long trackId)
    {
        using var command = database.Command($"SELECT EXISTS (SELECT 1 FROM track_fingerprints WHERE track_id = $track AND {Valid})");
        command.Parameters.AddWithValue("$track", trackId);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    /// <summary>Tracks with no fingerprint, one from an older algorithm version (stale) or one out of range, in id order.</summary>
    public IReadOnlyList<long> MissingOrStale(int currentVersion = Fingerprint.FingerprintVersion, int limit = int.MaxValue)
    {
        using var command = database.Command(
            "SELECT t.id FROM tracks t LEFT JOIN track_fingerprints f ON f.track_id = t.id " +
            $"WHERE f.track_id IS NULL OR f.fingerprint_version < $version OR NOT {InRangeF} ORDER BY t.id LIMIT $limit");
        command.Parameters.AddWithValue("$version", currentVersion);
        command.Parameters.AddWithValue("$limit", limit);
        var ids = new List<long>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>Fingerprints whose <paramref name="dimension"/> lies in [min, max].</summary>
    public IReadOnlyList<StoredFingerprint> ByDimensionRange(string dimension, double min, double max) =>
        ByDimensionRanges(new Dictionary<string, (double, double)> { [dimension] = (min, max) });

    /// <summary>Fingerprints inside every given [min, max] range (a pre-filter for similarity search).</summary>
    public IReadOnlyList<StoredFingerprint> ByDimensionRanges(IReadOnlyDictionary<string, (double Min, double Max)> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        if (ranges.Count == 0)
        {
            throw new ArgumentException("At least one dimension range is needed.", nameof(ranges));
        }

        using var command = database.Command(RangeSql(ranges.Keys.ToList()));
        var i = 0;
        foreach (var (_, (min, max)) in ranges)
        {
            command.Parameters.AddWithValue($"$min{i}", min);
            command.Parameters.AddWithValue($"$max{i}", max);
            i++;
        }

        return Read(command);
    }

    /// <summary>The range query's SQL; dimension names are checked against the schema (never interpolated raw).</summary>
    internal static string RangeSql(IReadOnlyList<string> dimensions)
    {
        var conditions = dimensions.Select((name, i) =>
        {
            _ = FingerprintDimensions.IndexOf(name); // throws for anything that is not a dimension column
            return $"{name} BETWEEN $min{i} AND $max{i}";
        });
        // Rows out of range are dropped by Read: a range check here would steer SQLite off the dimension's index.
        return $"SELECT {Columns} FROM track_fingerprints WHERE {string.Join(" AND ", conditions)} ORDER BY track_id";
    }

    private int Run(string sql, SqliteTransaction transaction, long trackId, Fingerprint fingerprint, int version)
    {
        using var command = database.Command(sql, transaction);
        Bind(database, command, trackId, fingerprint, version, LibraryDatabase.Now());
        return command.ExecuteNonQuery();
    }

    /// <summary>Binds one row; refuses (naming the track and the dimension) a value outside its range.</summary>
    internal static void Bind(LibraryDatabase database, SqliteCommand command, long trackId, Fingerprint fingerprint, int version, string now)
    {
        if (fingerprint.OutOfRange is { } problem)
        {
            // Every producer checks its result first; this is the guarantee that nothing else slips in.
            throw new LibraryDatabaseException(database.Path, $"store fingerprint of track {trackId}", $"{problem}; not stored");
        }

        // Prepared once per command, rebound per row: batches reuse one statement.
        if (command.Parameters.Count == 0)
        {
            command.Parameters.Add("$track", SqliteType.Integer);
            for (var i = 0; i < Fingerprint.Dimensions; i++)
            {
                command.Parameters.Add($"$d{i}", SqliteType.Real);
            }

            command.Parameters.Add("$version", SqliteType.Integer);
            command.Parameters.Add("$now", SqliteType.Text);
        }

        command.Parameters["$track"].Value = trackId;
        for (var i = 0; i < Fingerprint.Dimensions; i++)
        {
            command.Parameters[$"$d{i}"].Value = (double)fingerprint[i];
        }

        command.Parameters["$version"].Value = version;
        command.Parameters["$now"].Value = now;
    }

    /// <summary>The 25 dimension columns from <paramref name="first"/> on; false when one is not a number inside its range.</summary>
    private static bool ReadValues(SqliteDataReader r, int first, Span<float> values)
    {
        for (var i = 0; i < Fingerprint.Dimensions; i++)
        {
            var type = r.GetFieldType(first + i);
            if (type != typeof(double) && type != typeof(long))
            {
                return false;
            }

            var value = r.GetDouble(first + i);
            if (!FingerprintDimensions.Ranges[i].Contains(value))
            {
                return false;
            }

            values[i] = (float)value;
        }

        return true;
    }

    private static List<StoredFingerprint> Read(SqliteCommand command)
    {
        var list = new List<StoredFingerprint>();
        Span<float> values = stackalloc float[Fingerprint.Dimensions];
        using var r = command.ExecuteReader();
        while (r.Read())
        {
            if (!ReadValues(r, 1, values))
            {
                continue; // out of range: treated as no fingerprint
            }

            list.Add(new StoredFingerprint(
                r.GetInt64(0),
                new Fingerprint(values),
                r.GetInt32(1 + Fingerprint.Dimensions),
                r.GetString(2 + Fingerprint.Dimensions),
                r.GetString(3 + Fingerprint.Dimensions)));
        }

        return list;
    }
}
