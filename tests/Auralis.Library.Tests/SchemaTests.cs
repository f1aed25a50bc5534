using System.Text.RegularExpressions;
using Auralis.Library.Database;
using Microsoft.Data.Sqlite;

namespace Auralis.Library.Tests;

public sealed partial class SchemaTests
{
    [Fact]
    public void A_new_database_has_exactly_the_documented_schema()
    {
        using var db = new TestDatabase();
        var actual = new List<string>();
        using (var command = db.Database.Command("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC, name"))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                actual.Add(Normalize(reader.GetString(0)));
            }
        }

        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "database.md"));
        var block = SqlBlock().Match(doc).Groups[1].Value;
        var documented = block.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Normalize).Where(s => s.Length > 0).ToList();
        Assert.Equal(documented.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Migrations_are_recorded_once_and_not_rerun_on_reopen()
    {
        using var db = new TestDatabase();
        Assert.Equal(Schema.LatestVersion, db.Database.SchemaVersion);
        db.Reopen();
        Assert.Equal(Schema.Migrations.Count, Convert.ToInt32(db.Database.Scalar("SELECT COUNT(*) FROM schema_version"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_database_from_a_newer_Auralis_is_refused_with_a_clear_error()
    {
        using var db = new TestDatabase();
        using (var command = db.Database.Command("INSERT INTO schema_version VALUES (999, 'future', 'x')"))
        {
            command.ExecuteNonQuery();
        }

        db.Database.Dispose();
        var e = Assert.Throws<LibraryDatabaseException>(() => LibraryDatabase.Open(db.Path));
        Assert.Contains("schema version 999", e.Message, StringComparison.Ordinal);
        Assert.Contains(db.Path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_refused_with_its_path()
    {
        using var folder = new TempDirectory();
        var path = folder.File("notes.db");
        File.WriteAllText(path, "this is a text file, not SQLite, and long enough to have a header of sorts....");
        var e = Assert.Throws<LibraryDatabaseException>(() => LibraryDatabase.Open(path));
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wal_mode_and_foreign_keys_are_on()
    {
        using var db = new TestDatabase();
        Assert.Equal("wal", db.Database.Scalar("PRAGMA journal_mode"));
        Assert.Equal(1L, db.Database.Scalar("PRAGMA foreign_keys"));
    }

    [Fact]
    public void The_status_check_constraint_rejects_unknown_values()
    {
        using var db = new TestDatabase();
        var id = db.Tracks.Add("/music/a.flac", 1, 1);
        using var command = db.Database.Command("UPDATE tracks SET fingerprint_status = 'done' WHERE id = $id");
        command.Parameters.AddWithValue("$id", id);
        var e = Assert.Throws<SqliteException>(() => command.ExecuteNonQuery());
        Assert.Contains("CHECK", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Whitespace-insensitive form of a CREATE statement.</summary>
    private static string Normalize(string sql) => Whitespace().Replace(sql, " ").Replace("( ", "(", StringComparison.Ordinal).Replace(" )", ")", StringComparison.Ordinal).Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"```sql\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex SqlBlock();
}
