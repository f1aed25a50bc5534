using System.Globalization;
using Auralis.Fingerprinting;
using Auralis.Library.Database;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Tests;

/// <summary>Migration 6 rebuilds <c>tracks</c> (docs/database.md, "Migration 6").</summary>
public sealed class MigrationSixTests
{
    [Fact]
    public void Migration_6_keeps_tracks_fingerprints_graph_edges_and_plan_rows_and_then_accepts_skipped()
    {
        using var folder = new TempDirectory();
        var path = folder.File("v4.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var create = connection.CreateCommand();
            var values = string.Join(", ", TestDatabase.Sample(2).Values.ToArray().Select(v => ((double)v).ToString("R", CultureInfo.InvariantCulture)));
            create.CommandText = "PRAGMA foreign_keys = ON;" +
                "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);" +
                string.Concat(Schema.Migrations.Where(m => m.Version <= 4).Select(m => m.Sql + $";INSERT INTO schema_version VALUES ({m.Version}, 'm', 'x');")) +
                "INSERT INTO tracks (id, filepath, size_bytes, mtime_ns, added_at, updated_at, fingerprint_status, fingerprint_error_generation) VALUES (1, '/m/a.flac', 10, 20, 'x', 'y', 'complete', 0);" +
                "INSERT INTO tracks (id, filepath, size_bytes, mtime_ns, added_at, updated_at, fingerprint_status, fingerprint_error_message, fingerprint_error_generation) VALUES (2, '/m/b.flac', 11, 21, 'x', 'y', 'error', 'bad', 3);" +
                $"INSERT INTO track_fingerprints (track_id, {string.Join(", ", Schema.Dimensions)}, fingerprint_version, created_at, updated_at) VALUES (1, {values}, {Fingerprint.FingerprintVersion}, 'x', 'x');" +
                "INSERT INTO similarity_graph VALUES (1, 2, 1, 0.5), (2, 1, 1, 0.5);" +
                "INSERT INTO track_plan_data VALUES (1, 1, 2, x'00', 'x');";
            create.ExecuteNonQuery();
        }

        using var db = LibraryDatabase.Open(path);
        Assert.Equal(Schema.LatestVersion, db.SchemaVersion);
        Assert.Equal(1L, db.Scalar("PRAGMA foreign_keys")); // back on after the rebuild
        Assert.Equal(2L, db.Scalar("SELECT COUNT(*) FROM similarity_graph"));
        Assert.Equal(1L, db.Scalar("SELECT COUNT(*) FROM track_plan_data"));
        Assert.Equal(TestDatabase.Sample(2), new FingerprintRepository(db).Get(1)!.Fingerprint);
        var b = new TrackRepository(db).Get(2)!;
        Assert.Equal(("/m/b.flac", 11L, 21L, FingerprintStatus.Error, "bad"), (b.FilePath, b.SizeBytes, b.MtimeNs, b.Status, b.FingerprintErrorMessage));
        Assert.Equal(3L, db.Scalar("SELECT fingerprint_error_generation FROM tracks WHERE id = 2"));
        Assert.Equal(1L, db.Scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'idx_tracks_fingerprint_status'"));

        new TrackRepository(db).SetStatus(2, FingerprintStatus.Skipped, "/m/b.flac: too short");
        Assert.Equal(FingerprintStatus.Skipped, new TrackRepository(db).Get(2)!.Status);
        using var bad = db.Command("UPDATE tracks SET fingerprint_status = 'done' WHERE id = 1");
        Assert.Contains("CHECK", Assert.Throws<SqliteException>(() => bad.ExecuteNonQuery()).Message, StringComparison.Ordinal);

        // Deleting a track still cascades: the foreign keys point at the rebuilt table.
        new TrackRepository(db).Forget([1]);
        Assert.Equal(0L, db.Scalar("SELECT COUNT(*) FROM similarity_graph"));
        Assert.Equal(0L, db.Scalar("SELECT COUNT(*) FROM track_plan_data"));
    }
}
