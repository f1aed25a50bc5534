using System.Globalization;
using System.Text.Json;
using Auralis.Library.Database;

namespace Auralis.Library.Tests;

/// <summary>
/// A library written by a released Auralis (Fixtures/release-1.0.0: library.db exactly as release
/// 1.0.0 wrote it, rows.json its rows as Python's sqlite3 read them; Fixtures/README.md says how
/// both were made) opens with this build, migrates to the latest schema and keeps every row and
/// column. This is what protects users across SQLite upgrades and new migrations.
/// </summary>
public sealed class ReleaseDatabaseMigrationTests
{
    private static string FixtureFolder => Path.Combine(RepoPaths.Root, "tests", "Auralis.Library.Tests", "Fixtures", "release-1.0.0");

    [Fact]
    public void A_release_1_0_0_library_migrates_to_the_latest_schema_and_keeps_every_row_and_column()
    {
        using var folder = new TempDirectory();
        var path = folder.File("library.db");
        // A copy: opening migrates and writes, and the committed fixture must stay as the release wrote it.
        File.Copy(Path.Combine(FixtureFolder, "library.db"), path);
        using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureFolder, "rows.json")));
        var tables = truth.RootElement.GetProperty("tables");

        using (var database = LibraryDatabase.Open(path))
        {
            Assert.Equal(Schema.LatestVersion, database.SchemaVersion);
            foreach (var table in tables.EnumerateObject())
            {
                AssertRowsSurvived(database, table.Name, table.Value);
            }

            foreach (var index in truth.RootElement.GetProperty("indexes").EnumerateArray())
            {
                Assert.Equal(1L, Scalar(database, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = $n", index.GetString()!));
            }

            Assert.Equal("ok", database.Scalar("PRAGMA integrity_check"));
            Assert.Equal(0L, Scalar(database, "SELECT COUNT(*) FROM pragma_foreign_key_check", null));
        }

        // Reopening the migrated file changes nothing more (the migrations ran exactly once).
        using (var reopened = LibraryDatabase.Open(path))
        {
            Assert.Equal(Schema.Migrations.Count, Scalar(reopened, "SELECT COUNT(*) FROM schema_version", null));
            foreach (var table in tables.EnumerateObject().Where(t => t.Name != "schema_version"))
            {
                AssertRowsSurvived(reopened, table.Name, table.Value);
            }
        }
    }

    [Fact]
    public void The_release_1_0_0_library_reads_back_through_the_repositories()
    {
        // The same fixture through the code users run: every track, its status and its stored
        // fingerprint, against the dumped rows (not against what this build would compute).
        using var folder = new TempDirectory();
        var path = folder.File("library.db");
        File.Copy(Path.Combine(FixtureFolder, "library.db"), path);
        using var truth = JsonDocument.Parse(File.ReadAllText(Path.Combine(FixtureFolder, "rows.json")));
        var tracks = Rows(truth, "tracks");
        var fingerprints = Rows(truth, "track_fingerprints");

        using var database = LibraryDatabase.Open(path);
        var repository = new TrackRepository(database);
        var stored = new FingerprintRepository(database);
        Assert.Equal(tracks.Count, repository.Count());
        foreach (var row in tracks)
        {
            var track = repository.Get(row["id"].GetInt64());
            Assert.NotNull(track);
            Assert.Equal(row["filepath"].GetString(), track.FilePath);
            Assert.Equal(row["fingerprint_status"].GetString(), TrackRepository.StatusText(track.Status));
        }

        Assert.Equal(fingerprints.Count, stored.Count());
        foreach (var row in fingerprints)
        {
            var fingerprint = stored.Get(row["track_id"].GetInt64());
            Assert.NotNull(fingerprint);
            for (var i = 0; i < Schema.Dimensions.Count; i++)
            {
                Assert.Equal((float)row[Schema.Dimensions[i]].GetDouble(), fingerprint.Fingerprint.Values[i]);
            }
        }
    }

    private static void AssertRowsSurvived(LibraryDatabase database, string table, JsonElement dumped)
    {
        var columns = dumped.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
        var expected = dumped.GetProperty("rows").EnumerateArray().ToList();
        var key = string.Join(", ", columns.Select(c => $"\"{c}\""));
        // schema_version legitimately gains one row per newer migration: the release's rows are
        // those up to the version it wrote, and those must be kept exactly.
        var releaseRows = table == "schema_version"
            ? $" WHERE version <= {expected.Max(r => r[0].GetInt64()).ToString(CultureInfo.InvariantCulture)}"
            : string.Empty;
        // The dump's own ORDER BY, so both sides list the rows in one order.
        using var command = database.Command($"SELECT {key} FROM \"{table}\"{releaseRows} ORDER BY {key}");
        using var reader = command.ExecuteReader();
        var row = 0;
        while (reader.Read())
        {
            Assert.True(row < expected.Count, $"{table}: more rows than release 1.0.0 wrote ({expected.Count})");
            var values = expected[row].EnumerateArray().ToList();
            for (var c = 0; c < columns.Count; c++)
            {
                AssertSameValue(values[c], reader.GetValue(c), $"{table} row {row + 1} column {columns[c]}");
            }

            row++;
        }

        Assert.True(row == expected.Count, $"{table}: {row} rows after migrating, release 1.0.0 wrote {expected.Count}");
    }

    /// <summary>Same value and same storage class: an INTEGER stays an INTEGER, a REAL keeps every bit.</summary>
    private static void AssertSameValue(JsonElement expected, object actual, string where)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                Assert.True(actual is DBNull, $"{where}: NULL became {actual}");
                break;
            case JsonValueKind.String:
                Assert.True(actual is string s && s == expected.GetString(), $"{where}: \"{expected.GetString()}\" became {actual}");
                break;
            case JsonValueKind.Number when expected.GetRawText().IndexOfAny(['.', 'e', 'E']) >= 0:
                Assert.True(actual is double d && d == expected.GetDouble(), $"{where}: REAL {expected.GetRawText()} became {actual} ({actual.GetType().Name})");
                break;
            case JsonValueKind.Number:
                Assert.True(actual is long l && l == expected.GetInt64(), $"{where}: INTEGER {expected.GetRawText()} became {actual} ({actual.GetType().Name})");
                break;
            default:
                Assert.Fail($"{where}: unexpected value {expected.GetRawText()} in rows.json");
                break;
        }
    }

    private static List<Dictionary<string, JsonElement>> Rows(JsonDocument truth, string table)
    {
        var dumped = truth.RootElement.GetProperty("tables").GetProperty(table);
        var columns = dumped.GetProperty("columns").EnumerateArray().Select(c => c.GetString()!).ToList();
        return dumped.GetProperty("rows").EnumerateArray()
            .Select(r => r.EnumerateArray().Select((v, i) => (columns[i], v)).ToDictionary(p => p.Item1, p => p.v, StringComparer.Ordinal))
            .ToList();
    }

    private static long Scalar(LibraryDatabase database, string sql, string? name)
    {
        using var command = database.Command(sql);
        if (name is not null)
        {
            command.Parameters.AddWithValue("$n", name);
        }

        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
