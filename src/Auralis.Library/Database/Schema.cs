namespace Auralis.Library.Database;

/// <summary>
/// The forward-only migrations (docs/database.md). A new database is created by running them in
/// order, never by a second code path; each runs in one transaction together with its
/// <c>schema_version</c> row. Append new migrations; never edit a released one.
/// docs/database.md documents the resulting schema and a test checks the two agree.
/// </summary>
internal static class Schema
{
    /// <param name="Prepare">
    /// Code run inside the migration's transaction before <paramref name="Sql"/>, with foreign
    /// keys off (SQLite cannot change a CHECK constraint in place; the table is rebuilt, and
    /// dropping the old one must not cascade to the rows that reference it).
    /// </param>
    public sealed record Migration(int Version, string Name, string Sql, Action<LibraryDatabase, Microsoft.Data.Sqlite.SqliteTransaction>? Prepare = null);

    public static IReadOnlyList<Migration> Migrations { get; } =
    [
        new(1, "tracks, fingerprints and the similarity graph", $"""
            CREATE TABLE tracks (
                id INTEGER PRIMARY KEY,
                filepath TEXT NOT NULL UNIQUE,
                size_bytes INTEGER NOT NULL,
                mtime_ns INTEGER NOT NULL,
                duration_s REAL,
                sample_rate INTEGER,
                channels INTEGER,
                format TEXT,
                title TEXT,
                artist TEXT,
                album TEXT,
                added_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                fingerprint_status TEXT NOT NULL DEFAULT 'pending'
                    CHECK (fingerprint_status IN ('pending', 'processing', 'complete', 'error')),
                fingerprint_computed_at TEXT,
                fingerprint_error_message TEXT,
                fingerprint_attempts INTEGER NOT NULL DEFAULT 0
            );
            CREATE INDEX idx_tracks_fingerprint_status ON tracks(fingerprint_status);

            CREATE TABLE track_fingerprints (
                id INTEGER PRIMARY KEY,
                track_id INTEGER NOT NULL UNIQUE REFERENCES tracks(id) ON DELETE CASCADE,
            {string.Join("\n", Dimensions.Select(d => $"    {d} REAL NOT NULL,"))}
                fingerprint_version INTEGER NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE INDEX idx_fingerprints_bass_pct ON track_fingerprints(bass_pct);
            CREATE INDEX idx_fingerprints_mid_pct ON track_fingerprints(mid_pct);
            CREATE INDEX idx_fingerprints_lufs ON track_fingerprints(lufs);
            CREATE INDEX idx_fingerprints_crest_db ON track_fingerprints(crest_db);
            CREATE INDEX idx_fingerprints_tempo_bpm ON track_fingerprints(tempo_bpm);
            CREATE INDEX idx_fingerprints_composite ON track_fingerprints(lufs, crest_db, bass_pct, tempo_bpm);
            CREATE INDEX idx_fingerprints_version ON track_fingerprints(fingerprint_version);

            CREATE TABLE similarity_graph (
                track_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
                neighbor_id INTEGER NOT NULL REFERENCES tracks(id) ON DELETE CASCADE,
                rank INTEGER NOT NULL,
                distance REAL NOT NULL,
                PRIMARY KEY (track_id, rank)
            );
            CREATE INDEX idx_similarity_neighbor ON similarity_graph(neighbor_id);
            """),
        new(2, "similarity normalizer", """
            CREATE TABLE similarity_normalizer (
                dimension TEXT PRIMARY KEY,
                low REAL NOT NULL,
                high REAL NOT NULL,
                fitted_at TEXT NOT NULL,
                track_count INTEGER NOT NULL
            );
            """),
        new(3, "decoder generation of fingerprint errors", """
            ALTER TABLE tracks ADD COLUMN fingerprint_error_generation INTEGER NOT NULL DEFAULT 0;
            """),
        new(4, "stored mastering plan data", """
            CREATE TABLE track_plan_data (
                track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
                data_version INTEGER NOT NULL,
                fingerprint_hash INTEGER NOT NULL,
                data BLOB NOT NULL,
                updated_at TEXT NOT NULL
            );
            """),
        new(5, "track metadata, search and sort keys", """
            ALTER TABLE tracks ADD COLUMN album_artist TEXT;
            ALTER TABLE tracks ADD COLUMN track_number INTEGER;
            ALTER TABLE tracks ADD COLUMN disc_number INTEGER;
            ALTER TABLE tracks ADD COLUMN year INTEGER;
            ALTER TABLE tracks ADD COLUMN genre TEXT;
            ALTER TABLE tracks ADD COLUMN codec TEXT;
            ALTER TABLE tracks ADD COLUMN bitrate_kbps INTEGER;
            ALTER TABLE tracks ADD COLUMN duration_source TEXT CHECK (duration_source IN ('frames', 'header'));
            ALTER TABLE tracks ADD COLUMN metadata_read_at TEXT;
            ALTER TABLE tracks ADD COLUMN metadata_error TEXT;
            ALTER TABLE tracks ADD COLUMN search_key TEXT;
            ALTER TABLE tracks ADD COLUMN sort_name TEXT;
            -- Until now only a decoded completion wrote duration_s, from the frames it counted.
            UPDATE tracks SET duration_source = 'frames' WHERE duration_s IS NOT NULL;
            CREATE INDEX idx_tracks_metadata_read_at ON tracks(metadata_read_at);
            """),
        new(6, "skipped status and content signature", """
            ALTER TABLE tracks ADD COLUMN content_hash INTEGER;
            """, AllowSkippedStatus),
    ];

    private const string StatusCheck = "IN ('pending', 'processing', 'complete', 'error')";

    /// <summary>
    /// Rebuilds <c>tracks</c> with 'skipped' added to its status CHECK (SQLite's documented
    /// procedure: create the new table, copy, drop, rename, recreate the indexes). The new table
    /// is made from the stored CREATE statement itself, so whatever columns earlier migrations
    /// added are kept, with their values and storage classes, without this migration naming them.
    /// </summary>
    private static void AllowSkippedStatus(LibraryDatabase database, Microsoft.Data.Sqlite.SqliteTransaction transaction)
    {
        string Single(string sql)
        {
            using var command = database.Command(sql, transaction);
            return command.ExecuteScalar() as string ?? throw new LibraryDatabaseException(database.Path, "migrate to schema version 6", $"no result for {sql}");
        }

        var create = Single("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tracks'");
        var start = create.IndexOf("tracks", StringComparison.Ordinal);
        var check = create.IndexOf(StatusCheck, StringComparison.Ordinal);
        if (start < 0 || check < 0)
        {
            throw new LibraryDatabaseException(database.Path, "migrate to schema version 6", "the tracks table does not have the status constraint this migration replaces");
        }

        var rebuilt = create[..start] + "tracks_rebuilt" + create[(start + "tracks".Length)..check]
            + "IN ('pending', 'processing', 'complete', 'error', 'skipped')" + create[(check + StatusCheck.Length)..];
        var indexes = new List<string>();
        using (var list = database.Command("SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tracks' AND sql IS NOT NULL", transaction))
        using (var reader = list.ExecuteReader())
        {
            while (reader.Read())
            {
                indexes.Add(reader.GetString(0));
            }
        }

        foreach (var sql in new[] { rebuilt, "INSERT INTO tracks_rebuilt SELECT * FROM tracks", "DROP TABLE tracks", "ALTER TABLE tracks_rebuilt RENAME TO tracks" }.Concat(indexes))
        {
            using var command = database.Command(sql, transaction);
            command.ExecuteNonQuery();
        }

        using var violations = database.Command("PRAGMA foreign_key_check", transaction);
        if (violations.ExecuteScalar() is not null)
        {
            throw new LibraryDatabaseException(database.Path, "migrate to schema version 6", "rebuilding tracks broke a foreign key");
        }
    }

    /// <summary>The dimension columns, in storage order (docs/fingerprint.md names).</summary>
    public static IReadOnlyList<string> Dimensions => Auralis.Fingerprinting.FingerprintDimensions.Names;

    public static int LatestVersion => Migrations[^1].Version;
}
